"""The urgent outbox: crisis and emergency escalations that the Rasa server could not open.

The crisis and emergency texts tell the patient that the clinical team is being alerted, but
the urgent escalation is opened by the action server (``action_escalate_urgent``), which owns
the clinic database. When that call fails for good (action server down, an HTTP error, a
timeout, or the action answered without an escalation because the database was unreachable),
or when a channel answers a crisis or emergency message without Rasa (no model loaded, or a
rate limit refused the message), the Rasa process appends one line to this outbox instead.
The records become urgent escalations through the same store call the action uses, so staff
are notified and a conversation's escalations merge as they always do
(:mod:`clinicbot.outbox_delivery`): the action server drains the file it sees, and each Rasa
process sends its own records to the action server once it is reachable, so several hosts need
no shared storage; both are idempotent by record id.

Design (one file, append-only, plus a processed offset):

* ``URGENT_OUTBOX`` (default ``var/urgent-outbox.jsonl``) holds one JSON object a line:
  ``v``, ``id``, ``conversation_id``, ``channel``, ``kind`` (``crisis``/``emergency``),
  ``reason`` (:data:`REASONS`), ``at`` (UTC, ISO 8601). Never the message text and never a
  phone number: conversation ids are the channels' own (SMS and WhatsApp use a keyed
  pseudonym, the id the clinic database stores too).
* A writer takes an exclusive ``flock`` on the file, appends the whole line with one
  ``O_APPEND`` write (after a newline if a crashed writer left a line unfinished), fsyncs and
  unlocks. Writing never raises into the patient's turn: a
  failure is logged (the error's class only).
* The drainer reads complete lines after the byte offset kept in ``<outbox>.offset``
  (replaced atomically, fsynced) and advances it after each record is escalated. A crash
  between the escalation and the offset write hands that record over again on the next pass,
  where its id is recognised and nothing is done twice; a record is never lost. Malformed,
  oversized or hostile lines are logged (without content) and skipped. When every line is
  processed the file is truncated under the lock (writers wait for it).

Each process drains only a file on its own machine; no storage needs to be shared.
"""

from __future__ import annotations

import datetime as dt
import fcntl
import json
import logging
import os
import re
import uuid
from collections.abc import Callable
from dataclasses import dataclass
from pathlib import Path
from typing import Any

logger = logging.getLogger(__name__)

#: Kinds of urgent escalation (the escalation's reason code, as ``action_escalate_urgent``).
KINDS = frozenset({"crisis", "emergency"})
#: Why a record was written: the action call failed, the action answered without an
#: escalation (database unreachable), no model was loaded, a rate limit refused the message.
ACTION_FAILED = "action_failed"
NO_ESCALATION = "no_escalation"
NOT_READY = "not_ready"
THROTTLED = "throttled"
REASONS = frozenset({ACTION_FAILED, NO_ESCALATION, NOT_READY, THROTTLED})
#: Longest line the drainer reads (a record is ~250 bytes); longer ones are skipped.
MAX_LINE_BYTES = 4096
#: Records escalated per drain pass at most (the rest wait for the next pass).
MAX_RECORDS_PER_PASS = 500
_CODE = re.compile(r"^[a-z0-9][a-z0-9_.:-]{0,63}$")
_MAX_CONVERSATION_ID = 255


@dataclass(frozen=True)
class OutboxRecord:
    """One urgent escalation to open.

    Attributes:
        id: Unique id of the record (for the logs).
        conversation_id: The Rasa sender id.
        channel: The channel name (``rest``, ``socketio``, ``twilio``, ...).
        kind: ``crisis`` or ``emergency``.
        reason: Why it was written (:data:`REASONS`).
        at: When (UTC, ISO 8601).
    """

    id: str
    conversation_id: str
    channel: str
    kind: str
    reason: str
    at: str

    def to_json(self) -> str:
        """The record as one JSON line (without the newline)."""
        return json.dumps(
            {
                "v": 1,
                "id": self.id,
                "conversation_id": self.conversation_id,
                "channel": self.channel,
                "kind": self.kind,
                "reason": self.reason,
                "at": self.at,
            },
            ensure_ascii=True,
            separators=(",", ":"),
        )

    @classmethod
    def from_json(cls, line: str) -> OutboxRecord:
        """Parses and checks one line.

        Args:
            line: A JSON line.

        Returns:
            The record.

        Raises:
            ValueError: For anything but a well-formed record.
        """
        data = json.loads(line)
        if not isinstance(data, dict) or data.get("v") != 1:
            raise ValueError("not an outbox record")
        fields = {name: data.get(name) for name in cls.__dataclass_fields__}
        if not all(isinstance(value, str) for value in fields.values()):
            raise ValueError("a field is missing or not a string")
        return make_record(**fields)  # type: ignore[arg-type]


def make_record(
    conversation_id: str,
    channel: str,
    kind: str,
    reason: str,
    id: str | None = None,  # noqa: A002 - the record's field name
    at: str | None = None,
) -> OutboxRecord:
    """Builds a checked record.

    Args:
        conversation_id: The Rasa sender id (1 to 255 characters, no control characters).
        channel: The channel name (a short lower-case code; ``unknown`` when empty).
        kind: ``crisis`` or ``emergency``.
        reason: One of :data:`REASONS`.
        id: The record's id (new when None).
        at: UTC time, ISO 8601 (now when None).

    Returns:
        The record.

    Raises:
        ValueError: For a field that is not acceptable.
    """
    if not conversation_id or len(conversation_id) > _MAX_CONVERSATION_ID:
        raise ValueError("conversation id empty or too long")
    if any(ord(c) < 32 or ord(c) == 127 for c in conversation_id):
        raise ValueError("conversation id has control characters")
    channel = channel or "unknown"
    if not _CODE.match(channel):
        raise ValueError("channel is not a short code")
    if kind not in KINDS:
        raise ValueError("unknown kind")
    if reason not in REASONS:
        raise ValueError("unknown reason")
    record_id = id if id is not None else uuid.uuid4().hex
    if not _CODE.match(record_id):
        raise ValueError("record id is not a short code")
    when = at if at is not None else dt.datetime.now(dt.timezone.utc).isoformat()
    if len(when) > 64:
        raise ValueError("time too long")
    dt.datetime.fromisoformat(when)  # ValueError when it is not a time
    return OutboxRecord(record_id, conversation_id, channel, kind, reason, when)


def outbox_path() -> Path:
    """The outbox file of this process's settings (``URGENT_OUTBOX``)."""
    from clinicbot.settings import load_settings

    return Path(load_settings().urgent_outbox)


class UrgentOutbox:
    """The outbox file and its processed offset.

    Args:
        path: The JSONL file (its directory is created on the first write).
    """

    def __init__(self, path: Path) -> None:
        """Points at ``path``; nothing is opened."""
        self.path = Path(path)
        self.offset_path = self.path.with_name(self.path.name + ".offset")
        self.lock_path = self.path.with_name(self.path.name + ".drain.lock")

    # ------------------------------------------------------------------ writing

    def append(self, record: OutboxRecord) -> None:
        """Appends one record durably (locked, one ``O_APPEND`` write, fsync).

        Args:
            record: The record.

        Raises:
            OSError: When the file cannot be written.
        """
        line = (record.to_json() + "\n").encode("ascii")
        self.path.parent.mkdir(parents=True, exist_ok=True)
        fd = os.open(self.path, os.O_RDWR | os.O_APPEND | os.O_CREAT, 0o600)
        try:
            fcntl.flock(fd, fcntl.LOCK_EX)
            size = os.fstat(fd).st_size
            if size and os.pread(fd, 1, size - 1) != b"\n":
                line = b"\n" + line  # a writer died mid-line: never glue a record to it
            written = os.write(fd, line)
            if written != len(line):
                raise OSError("short write to the urgent outbox")
            os.fsync(fd)
        finally:
            os.close(fd)  # releases the lock

    # ------------------------------------------------------------------ draining

    def _read_offset(self) -> int:
        try:
            value = int(self.offset_path.read_text(encoding="ascii").strip() or "0")
        except FileNotFoundError:
            return 0
        except (OSError, ValueError):
            logger.error("urgent outbox: unreadable offset file; starting from the beginning")
            return 0
        return max(value, 0)

    def _write_offset(self, offset: int) -> None:
        tmp = self.offset_path.with_name(self.offset_path.name + ".tmp")
        fd = os.open(tmp, os.O_WRONLY | os.O_CREAT | os.O_TRUNC, 0o600)
        try:
            os.write(fd, str(offset).encode("ascii"))
            os.fsync(fd)
        finally:
            os.close(fd)
        os.replace(tmp, self.offset_path)

    def drain(
        self,
        handle: Callable[[OutboxRecord], Any],
        max_records: int = MAX_RECORDS_PER_PASS,
    ) -> DrainResult:
        """Passes each unprocessed record to ``handle``, marking it done after it returns.

        Args:
            handle: Escalates one record. ``ValueError`` means the record can never be
                escalated (logged, skipped); any other exception stops the pass with the
                record left for the next one (the database may be down).
            max_records: Records handled in this pass at most.

        Returns:
            What the pass did.
        """
        result = DrainResult()
        if not self.path.exists():
            return result
        # One drainer at a time (a second action server skips the pass).
        lock_fd = os.open(self.lock_path, os.O_WRONLY | os.O_CREAT, 0o600)
        try:
            try:
                fcntl.flock(lock_fd, fcntl.LOCK_EX | fcntl.LOCK_NB)
            except BlockingIOError:
                return result
            return self._drain_locked(handle, max_records, result)
        finally:
            os.close(lock_fd)

    def _drain_locked(
        self, handle: Callable[[OutboxRecord], Any], max_records: int, result: DrainResult
    ) -> DrainResult:
        offset = self._read_offset()
        with self.path.open("rb") as fh:
            size = os.fstat(fh.fileno()).st_size
            if offset > size:  # cannot happen (offset 0 is written before a truncation)
                logger.error("urgent outbox: offset past the end; starting from the beginning")
                offset = 0
            fh.seek(offset)
            while result.handled < max_records:
                line = fh.readline(MAX_LINE_BYTES + 1)
                if not line:
                    break
                if len(line) > MAX_LINE_BYTES:
                    # Oversized: skip to the end of that line (reading in bounded pieces).
                    while line and not line.endswith(b"\n"):
                        line = fh.readline(MAX_LINE_BYTES + 1)
                    if not line:
                        break  # still being written (or cut short): look again next pass
                    logger.error("urgent outbox: skipped a line over %d bytes", MAX_LINE_BYTES)
                    result.skipped += 1
                    offset = fh.tell()
                    self._write_offset(offset)
                    continue
                if not line.endswith(b"\n"):
                    break  # a line being written: next pass
                try:
                    record = OutboxRecord.from_json(line.decode("utf-8"))
                except (ValueError, UnicodeDecodeError, RecursionError):
                    logger.error("urgent outbox: skipped a malformed line at byte %d", offset)
                    result.skipped += 1
                else:
                    try:
                        handle(record)
                    except ValueError as exc:
                        logger.error(
                            "urgent outbox: record %s cannot be escalated (%s); skipped",
                            record.id,
                            type(exc).__name__,
                        )
                        result.skipped += 1
                    except Exception as exc:  # noqa: BLE001 - retried next pass
                        logger.error(
                            "urgent outbox: could not escalate record %s (%s); will retry",
                            record.id,
                            type(exc).__name__,
                        )
                        result.failed = True
                        break
                    else:
                        result.escalated += 1
                offset = fh.tell()
                self._write_offset(offset)
        if not result.failed:
            self._compact(offset)
        return result

    def _compact(self, offset: int) -> None:
        """Empties the file once every line in it is processed (under the writers' lock)."""
        if offset == 0:
            return
        fd = os.open(self.path, os.O_RDWR)
        try:
            fcntl.flock(fd, fcntl.LOCK_EX)
            if os.fstat(fd).st_size != offset:
                return  # a record arrived since: the next pass handles it
            # Offset first: a crash between the two escalates the old lines again (they
            # merge), never skips new ones written at a stale offset.
            self._write_offset(0)
            os.ftruncate(fd, 0)
            os.fsync(fd)
        finally:
            os.close(fd)


@dataclass
class DrainResult:
    """What one drain pass did.

    Attributes:
        escalated: Records escalated.
        skipped: Lines skipped (malformed, oversized, or refused by the store).
        failed: Whether the pass stopped at a record to retry later.
    """

    escalated: int = 0
    skipped: int = 0
    failed: bool = False

    @property
    def handled(self) -> int:
        """Records escalated or skipped."""
        return self.escalated + self.skipped


def record_urgent(
    conversation_id: Any,
    channel: Any,
    kind: Any,
    reason: str,
    path: Path | None = None,
) -> bool:
    """Appends one record to the outbox; never raises (a failure is logged, without content).

    Args:
        conversation_id: The Rasa sender id.
        channel: The channel name.
        kind: ``crisis`` or ``emergency``.
        reason: One of :data:`REASONS`.
        path: The outbox (default: :func:`outbox_path`).

    Returns:
        True when the record was written.
    """
    try:
        record = make_record(str(conversation_id or ""), str(channel or ""), str(kind), reason)
        UrgentOutbox(path or outbox_path()).append(record)
    except Exception as exc:  # noqa: BLE001 - never fails the patient's turn
        logger.error(
            "urgent outbox: could not record an urgent %s escalation (%s)",
            reason,
            type(exc).__name__,
        )
        return False
    logger.warning(
        "urgent outbox: recorded %s escalation %s (%s) for the action server",
        record.kind,
        record.id,
        reason,
    )
    return True
