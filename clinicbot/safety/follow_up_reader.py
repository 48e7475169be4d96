"""A learned reading of the message after the one that names a medicine (issue 10, round 19).

Rounds 17 and 18 read a two-message advice request with regular expressions
(``decisions.follow_up_advice_kind``): "fyi i take vyvanse every morning", then "so skip it on
infusion mornings?". Written from one writer's phrasings they carried poorly to another's: on
test11, written blind, round 18's widening (+30 refusals on dev17, the set it was tuned on)
added one. This reader learns the same question from examples instead: a logistic regression
over the sentence embedding (``classifier.embed``, all-MiniLM-L6-v2) of the latest message
alone, trained on

- the scored second messages of the two-message development sets (``dev_sets.
  FOLLOW_UP_SET_FILES``: dev15 to dev17; advice pairs positive, general questions and logistics
  negative),
- every single-message example the safety classifier trains on: advice (``medical_advice``)
  positive; every other non-urgent intent negative (the NLU examples and the development sets;
  urgent ones are left out, their reply comes first anyway).

It scores every message (``components.safety_context.message_signals`` stores the probability
as the signal ``follow_up_advice``), and the message reads as a personal decision about what the
message before named (``reads_as_decision``) only when all of these hold:

- the previous message names what someone takes or is in (``decisions.anchor_sentence``);
- the probability reaches ``THRESHOLD``;
- the message refers back to something taken (``refers_back``: "it", "them", "that one", a dose,
  a pill, a named medicine or substance, "as usual", "still" ...). Without it, a clinic
  question asked after a medicine was named ("should i take the whole day off after an
  infusion?") would be read as a decision about the medicine;
- its intent is not small talk (``SMALL_TALK_INTENTS``: "yes that is right", "thanks").

Held out by file (the reader trained on dev15 and dev16 and half of the NLU examples; dev17
read with round 17's expressions, which were tuned on dev16 only): dev17's advice pairs that
reach the reading (not already refused or urgent alone) caught 35 -> 53 of 110 at ``THRESHOLD``,
false alarms on its general and logistics pairs 2 -> 2 of 118. The other way round (trained on
dev15 and dev17, dev16 read with round 18's expressions): 83 -> 85 of 91, 0 -> 0 of 127. The
other half of the NLU examples (ordinary questions, not small talk), each read as a message
after a medicine was named: 22 of 3,347 and 18 of 3,348 read as a decision (0.6 %).
Nothing here logs or stores message text.
"""

from __future__ import annotations

import re
from collections.abc import Iterable, Sequence
from typing import Any

import numpy as np
from sklearn.linear_model import LogisticRegression

from clinicbot.components.text_classifier import ClassifierFormatError
from clinicbot.safety.decisions import MAX_READ_CHARS, NAMED_THING, anchor_sentence
from clinicbot.safety.normalize import normalize

#: The probability from which a message after a named medicine reads as a decision about it
#: (held out by file on dev16 <-> dev17: 0.85 caught no more pairs and read 6 and 13 more of the
#: held-out NLU questions as decisions; 0.8 caught 2 and 1 more for 12 and 20 more; 0.95 caught
#: 4 and 2 fewer).
THRESHOLD = 0.9
#: The regression's parameters (unit-length embeddings need a weak penalty, as in the classifier).
REGRESSION: dict[str, Any] = {
    "C": 10.0,
    "class_weight": "balanced",
    "max_iter": 3000,
    "solver": "lbfgs",
    "random_state": 42,
}
#: The intents of small talk: never read as a decision ("yes that is right", "thank you").
SMALL_TALK_INTENTS = frozenset(
    {"greet", "goodbye", "thanks", "bot_challenge", "affirm", "deny", "request_human", "stop"}
)
#: The intents whose examples are left out of the training (their reply comes first).
URGENT_INTENTS = frozenset({"safety_crisis", "safety_emergency"})
#: The intent of the positive examples.
ADVICE_INTENT = "medical_advice"

#: Words that point back at something taken, or at taking it.
_BACK = re.compile(
    r"\b(?:it|its|them|they|that|those|this|these|one|ones|same|dose|doses|pill|pills|med|meds"
    r"|medication|medications|medicine|medicines|tablet|tablets|script|drink|drinks|drinking"
    r"|smoke|smoking|vape|high|usual|normal|normally|still)\b"
)


def refers_back(normalized: str) -> bool:
    """Whether a normalised message points back at something taken (or names one).

    Args:
        normalized: The message, normalised.

    Returns:
        True when it holds a word such as "it", "that one", "the dose", "as usual", or names a
        medicine or substance.
    """
    return bool(_BACK.search(normalized) or NAMED_THING.search(normalized))


class FollowUpReader:
    """The logistic regression over a message's sentence embedding (see the module docstring)."""

    def __init__(self) -> None:
        self._model: LogisticRegression | None = None

    @property
    def trained(self) -> bool:
        """Whether the regression has been fitted or loaded."""
        return self._model is not None

    def fit(self, normalized: Sequence[str], asks: Sequence[bool]) -> FollowUpReader:
        """Fits the regression; left untrained when the encoder or a class is missing.

        Args:
            normalized: Normalised messages.
            asks: Whether each asks a personal decision (one per message).

        Returns:
            The reader itself.
        """
        from clinicbot.safety.classifier import embed

        self._model = None
        if len(normalized) != len(asks) or len(set(asks)) < 2:
            return self
        vectors = embed(list(normalized))
        if vectors is None:
            return self
        model = LogisticRegression(**REGRESSION)
        model.fit(vectors.astype(np.float64), [bool(a) for a in asks])
        self._model = model
        return self

    def probabilities(self, normalized: Sequence[str]) -> list[float] | None:
        """The probability that each message asks a decision, or None when it cannot score.

        Args:
            normalized: Normalised messages.

        Returns:
            One probability per message; None when untrained or the encoder is unavailable.
        """
        from clinicbot.safety.classifier import embed

        if self._model is None:
            return None
        if not normalized:
            return []
        vectors = embed(list(normalized))
        if vectors is None:
            return None
        column = list(self._model.classes_).index(True)
        found = self._model.predict_proba(vectors.astype(np.float64))[:, column]
        return [float(p) for p in found]

    def to_dict(self) -> dict[str, Any] | None:
        """The fitted regression as JSON data (None when untrained)."""
        if self._model is None:
            return None
        return {
            "coef": [float(x) for x in self._model.coef_[0]],
            "intercept": float(self._model.intercept_[0]),
        }

    @classmethod
    def from_dict(cls, data: Any) -> FollowUpReader:
        """Rebuilds a reader from ``to_dict``'s data.

        Args:
            data: What ``to_dict`` gave.

        Returns:
            A reader that scores as the serialised one did.

        Raises:
            ClassifierFormatError: If the data is malformed.
        """
        reader = cls()
        try:
            coef = np.asarray([float(x) for x in data["coef"]], dtype=np.float64)
            intercept = float(data["intercept"])
        except (KeyError, TypeError, ValueError) as error:
            raise ClassifierFormatError(f"follow-up reader: {error}") from error
        if coef.shape != (384,) or not np.all(np.isfinite(coef)) or not np.isfinite(intercept):
            raise ClassifierFormatError("follow-up reader: expected 384 finite weights")
        model = LogisticRegression(**REGRESSION)
        model.classes_ = np.asarray([False, True])
        model.coef_ = coef.reshape(1, -1)
        model.intercept_ = np.asarray([intercept])
        model.n_features_in_ = 384
        reader._model = model
        return reader


def training_examples(
    examples: Iterable[tuple[str, str]], pairs: Iterable[tuple[str, bool]]
) -> tuple[list[str], list[bool]]:
    """The reader's training messages (normalised) and whether each asks a decision.

    Args:
        examples: ``(text, intent)`` single-message examples (NLU and safety sets); urgent
            ones are left out, ``medical_advice`` is positive, the rest negative.
        pairs: ``(second message, asks a decision)`` of the two-message development sets.

    Returns:
        The normalised messages and their labels (each message once, its first label kept).
    """
    seen: dict[str, bool] = {}
    for text, asks in pairs:
        if isinstance(text, str) and text.strip():
            seen.setdefault(normalize(text), bool(asks))
    for text, intent in examples:
        if isinstance(text, str) and text.strip() and str(intent) not in URGENT_INTENTS:
            seen.setdefault(normalize(text), str(intent) == ADVICE_INTENT)
    texts = [t for t in seen if t]
    return texts, [seen[t] for t in texts]


def reads_as_decision(
    previous: str, current: str, probability: Any, intent: str | None = None
) -> bool:
    """Whether the latest message, after the previous one, reads as a decision about it.

    Args:
        previous: The previous message, normalised.
        current: The latest message, normalised.
        probability: The reader's probability for the latest message (anything else: False).
        intent: The latest message's intent (small talk is never read so).

    Returns:
        True when the previous message names what someone takes, the latest refers back to it,
        is not small talk, and the reader's probability reaches ``THRESHOLD``.
    """
    if isinstance(probability, bool) or not isinstance(probability, (int, float)):
        return False
    if not probability >= THRESHOLD or str(intent or "") in SMALL_TALK_INTENTS:  # NaN: False
        return False
    if not previous or not current or max(len(previous), len(current)) > MAX_READ_CHARS:
        return False
    return refers_back(current) and anchor_sentence(previous) is not None
