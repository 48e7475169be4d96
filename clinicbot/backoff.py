"""The one backoff schedule: exponential waits with a cap.

Used by outbound HTTP and the staff alerts (``clinicbot.http_retry``, which re-exports
:class:`Backoff`) and by ``make run``'s supervisor between restarts of a service that exited
(``clinicbot.supervisor.RestartPolicy``). Standard library only, so the supervisor does not
import the HTTP stack.
"""

from __future__ import annotations

from dataclasses import dataclass


@dataclass(frozen=True)
class Backoff:
    """How often and how soon a failed call is tried again.

    Attributes:
        attempts: Tries in all, the first included (the supervisor restarts without a limit and
            does not read it).
        first_delay: Seconds before the second try; each further wait is ``factor`` times
            longer, at most ``max_delay``.
        factor: Growth of the wait.
        max_delay: Longest wait (also the longest ``Retry-After`` honoured).
    """

    attempts: int = 4
    first_delay: float = 1.0
    factor: float = 2.0
    max_delay: float = 30.0

    def delay(self, attempt: int) -> float:
        """Seconds to wait after a failed try.

        Args:
            attempt: The try that failed (1 for the first; 0 or less counts as 1).

        Returns:
            The wait, at most ``max_delay``.
        """
        return float(min(self.max_delay, self.first_delay * self.factor ** max(0, attempt - 1)))
