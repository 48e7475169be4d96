"""``make learn``: reviewed labels to training data, a candidate model, and a guarded promotion.

1. The labelled review items (topic or out of scope; never safety) are cleaned of personal
   details (:func:`scrub`), checked against the evaluation sets with the project's leak check
   (anything within 0.75 similarity of a sentence of ``../shared/data/real-faq-dev.yml`` or
   ``tests/nlu/heldout.yml`` is dropped) and written to ``data/nlu/reviewed.yml``.
2. The current model is the "before"; a candidate is trained from the tree with the new file
   into a temporary folder.
3. Both are scored on the real-question development set and the held-out set with
   :mod:`clinicbot.evaluate`'s public functions; the comparison is printed.
4. The candidate is promoted (copied into ``models/`` under the current inputs' digest) only
   if no figure got worse; otherwise ``reviewed.yml`` is put back as it was and the rejected
   export is kept in ``results/learn/`` for a look.
"""

from __future__ import annotations

import argparse
import re
import shutil
import subprocess
import sys
import tempfile
from collections.abc import Sequence
from dataclasses import dataclass, field
from pathlib import Path

from clinicbot.paths import DATA_DIR, REPO_ROOT

REVIEWED_FILE = DATA_DIR / "nlu" / "reviewed.yml"
LEARN_RESULTS = REPO_ROOT / "results" / "learn"

_EMAIL = re.compile(r"[\w.+-]+@[\w-]+(?:\.[\w-]+)+")
# 7+ digits with the usual separators: phone numbers (and other long numbers, e.g. ids).
_PHONE = re.compile(r"(?<![\w])(?:\+?\d|\(\d)(?:[\s().-]*\d){6,}(?![\w])")
_NAME_CUE = re.compile(
    r"\b(?P<cue>(?i:my name is|my name's|this is|i am|i'm|im|call me|it's|its|sincerely|thanks|"
    r"thank you|regards|cheers|dr\.?|mr\.?|mrs\.?|ms\.?|miss|from))(?P<sep>,?\s+)"
    r"(?P<name>[A-Z][a-z'’-]+(?:\s+[A-Z][a-z'’-]+)?)"
)
#: A capitalised word that does not start a sentence.
_MID_SENTENCE_CAPITAL = re.compile(r"([^.!?\s]\s+)([A-Z][a-z'’-]+)")
#: Capitalised words after a cue that are not names.
_NOT_NAMES = frozenset(
    "I Im Ketamine Spravato Esketamine IV Monday Tuesday Wednesday Thursday Friday Saturday "
    "Sunday January February March April May June July August September October November "
    "December Medicare Medicaid Zoloft Lexapro Prozac Wellbutrin Not Just So Very Pregnant "
    "Worried Scared Nervous Curious Interested Looking Wondering New Here Calling Asking".split()
)
#: What personal details are replaced with (plain words, safe in Rasa's YAML).
NAME_WORD, PHONE_WORD, EMAIL_WORD = "someone", "my number", "my email"


def scrub(text: str, vocabulary: frozenset[str] = frozenset()) -> str:
    """Removes e-mail addresses, phone numbers and names.

    Names are recognised after cues such as "my name is", "I'm", "this is", "call me",
    "thanks," or a title ("Dr.", "Mrs."), and, given a vocabulary (the lower-case words of the
    training data), as capitalised words inside a sentence that the vocabulary does not know
    ("ask Jennifer about it"). A lower-case name without a cue is not recognised: that is one
    reason a person reads and labels each message first.

    Args:
        text: A patient's message.
        vocabulary: Known lower-case words (capitalised known words are kept).

    Returns:
        The text with those details replaced by plain words.
    """
    text = _EMAIL.sub(EMAIL_WORD, text)
    text = _PHONE.sub(PHONE_WORD, text)

    def name(match: re.Match[str]) -> str:
        words = match.group("name").split()
        if words[0] in _NOT_NAMES:
            return match.group(0)
        return f"{match.group('cue')}{match.group('sep')}{NAME_WORD}"

    text = _NAME_CUE.sub(name, text)
    if vocabulary:

        def unknown(match: re.Match[str]) -> str:
            word = match.group(2)
            if word in _NOT_NAMES or word.lower() in vocabulary:
                return match.group(0)
            return match.group(1) + NAME_WORD

        text = _MID_SENTENCE_CAPITAL.sub(unknown, text)
    return re.sub(r"\s+", " ", text).strip()


def personal_details(text: str) -> list[str]:
    """Lists the e-mail addresses and phone numbers still in a text (used by the tests).

    Args:
        text: Any text.

    Returns:
        The matches (empty when clean).
    """
    return _EMAIL.findall(text) + _PHONE.findall(text)


@dataclass
class Export:
    """What the exporter did."""

    examples: dict[str, list[str]] = field(default_factory=dict)
    leaks: list[str] = field(default_factory=list)
    duplicates: int = 0
    scrubbed: int = 0

    @property
    def total(self) -> int:
        """Examples written."""
        return sum(len(v) for v in self.examples.values())


def intent_of(label: str) -> str:
    """The NLU intent of a review label (a topic id or ``out_of_scope``).

    Args:
        label: The label.

    Returns:
        The intent name.
    """
    from clinicbot.knowledge import intent_for

    return "out_of_scope" if label == "out_of_scope" else intent_for(label)


def build_export(
    pairs: Sequence[tuple[str, str]],
    existing: Sequence[str] = (),
    evaluation: Sequence[str] | None = None,
    vocabulary: frozenset[str] | None = None,
) -> Export:
    """Turns labelled messages into training examples.

    Args:
        pairs: (text, label) from the review inbox.
        existing: Training texts already in ``data/`` (not repeated).
        evaluation: Evaluation sentences (default: both evaluation sets).
        vocabulary: Known lower-case words for :func:`scrub` (default: those of ``existing``).

    Returns:
        The export (examples by intent, dropped leaks, duplicate count).
    """
    from clinicbot.evaluate import normalise_for_leaks
    from clinicbot.insights.review import SAFETY, evaluation_matches

    out = Export()
    if vocabulary is None:
        vocabulary = frozenset(w for t in existing for w in re.findall(r"[a-z'’-]+", t.lower()))
    seen = {normalise_for_leaks(t) for t in existing}
    cleaned: list[tuple[str, str]] = []
    for text, label in pairs:
        if label == SAFETY or not label:
            continue
        # Square brackets and braces would read as Rasa entity annotations.
        clean = re.sub(r"[\[\]{}]", " ", scrub(text, vocabulary)).strip()
        out.scrubbed += int(clean != re.sub(r"\s+", " ", text).strip())
        key = normalise_for_leaks(clean)
        if not key or key in seen:
            out.duplicates += 1
            continue
        seen.add(key)
        cleaned.append((clean, label))
    leaks = evaluation_matches([t for t, _ in cleaned], evaluation)
    for text, label in cleaned:
        if text in leaks:
            out.leaks.append(text)
            continue
        out.examples.setdefault(intent_of(label), []).append(text)
    return out


def to_yaml(export: Export) -> str:
    """Writes the examples as a Rasa NLU file (``version: "3.1"``).

    Args:
        export: The export.

    Returns:
        The YAML text.
    """
    lines = [
        "# Written by `make learn` from staff labels in the console's review inbox.",
        "# Personal details removed; nothing within 0.75 similarity of an evaluation sentence.",
        'version: "3.1"',
        "nlu:",
    ]
    for intent in sorted(export.examples):
        lines.append(f"- intent: {intent}")
        lines.append("  examples: |")
        for text in export.examples[intent]:
            lines.append(f"    - {text}")
    if not export.examples:
        lines[-1] = "nlu: []"
    return "\n".join(lines) + "\n"


# ------------------------------------------------------------------------------- compare

#: Figures compared, and whether higher is better.
FIGURES: dict[str, bool] = {
    "real: right topic": True,
    "real: confident wrong": False,
    "real: right topic offered in clarifications": True,
    "held-out: intent accuracy": True,
}


def evaluate_model(model: Path) -> dict[str, float]:
    """Scores a model on the real-question development set and the held-out set.

    Args:
        model: Model archive.

    Returns:
        The :data:`FIGURES`.
    """
    from clinicbot.evaluate import (
        FALLBACK,
        HELDOUT_FILE,
        REAL_DEV_FILE,
        load_cases,
        load_examples,
        model_parser,
        score,
        score_real,
    )

    parse = model_parser(model)
    real = score_real(load_cases(REAL_DEV_FILE), parse)

    def predict(text: str) -> tuple[str, float]:
        intent = parse(text).get("intent") or {}
        return str(intent.get("name") or FALLBACK), float(intent.get("confidence") or 0.0)

    held = score(load_examples(HELDOUT_FILE), predict)
    return {
        "real: right topic": real.accuracy,
        "real: confident wrong": real.confident_wrong_rate,
        "real: right topic offered in clarifications": real.offered_rate,
        "held-out: intent accuracy": held.accuracy,
    }


def drops(before: dict[str, float], after: dict[str, float], tolerance: float = 1e-9) -> list[str]:
    """Names the figures that got worse.

    Args:
        before: Figures of the current model.
        after: Figures of the candidate.
        tolerance: Differences smaller than this are equal.

    Returns:
        The figures that dropped (for "confident wrong", that rose).
    """
    worse = []
    for name, higher_better in FIGURES.items():
        delta = after[name] - before[name]
        if (delta < -tolerance) if higher_better else (delta > tolerance):
            worse.append(name)
    return worse


def comparison_table(before: dict[str, float], after: dict[str, float]) -> str:
    """Formats the before/after figures.

    Args:
        before: Figures of the current model.
        after: Figures of the candidate.

    Returns:
        A text table.
    """
    worse = set(drops(before, after))
    rows = [f"{'figure':46} {'before':>8} {'after':>8} {'change':>8}"]
    for name in FIGURES:
        delta = after[name] - before[name]
        flag = "  WORSE" if name in worse else ""
        rows.append(f"{name:46} {before[name]:8.3f} {after[name]:8.3f} {delta:+8.3f}{flag}")
    return "\n".join(rows)


# ------------------------------------------------------------------------------- command


def _train_candidate(out_dir: Path) -> Path:
    from clinicbot.run import _bin, service_env

    subprocess.run(
        [
            _bin("rasa"),
            "train",
            "--force",
            "--fixed-model-name",
            "candidate",
            "--out",
            str(out_dir),
        ],
        check=True,
        cwd=REPO_ROOT,
        env=service_env(),
        stdout=subprocess.DEVNULL,
    )
    return out_dir / "candidate.tar.gz"


def main(argv: Sequence[str] | None = None) -> int:
    """Runs the loop (``make learn``).

    Args:
        argv: ``--export-only`` writes ``reviewed.yml`` and stops; ``--dry-run`` trains and
            compares but restores ``reviewed.yml`` and promotes nothing.

    Returns:
        0 when promoted (or exported), 1 when refused, 2 on a usage error.
    """
    parser = argparse.ArgumentParser(prog="make learn", description=__doc__.splitlines()[0])
    parser.add_argument(
        "--export-only", action="store_true", help="write reviewed.yml, no training"
    )
    parser.add_argument(
        "--dry-run",
        action="store_true",
        help="train and compare, then put reviewed.yml back and promote nothing (tests)",
    )
    args = parser.parse_args(argv)

    from clinicbot.evaluate import training_texts
    from clinicbot.insights.review import labeled_for_training
    from clinicbot.run import MODEL_PREFIX, ensure_model, model_digest
    from clinicbot.settings import load_settings
    from clinicbot.store.db import get_engine
    from clinicbot.store.migrations import migrate

    engine = get_engine(load_settings().db_url)
    migrate(engine)
    pairs = labeled_for_training(engine)
    previous = REVIEWED_FILE.read_text(encoding="utf-8") if REVIEWED_FILE.exists() else None
    # Texts of the current reviewed.yml are rewritten below, so they are not "existing".
    current_reviewed = _reviewed_texts()
    existing = [t for t, _ in training_texts() if t not in current_reviewed]
    export = build_export(pairs, existing)
    print(
        f"Labelled messages: {len(pairs)}; exported {export.total} examples "
        f"({export.scrubbed} with personal details removed, {export.duplicates} duplicates "
        f"skipped, {len(export.leaks)} too close to an evaluation sentence and left out)."
    )
    new_text = to_yaml(export)
    if args.export_only:
        REVIEWED_FILE.write_text(new_text, encoding="utf-8")
        print(f"Wrote {REVIEWED_FILE.relative_to(REPO_ROOT)}.")
        return 0
    if previous == new_text:
        print("Nothing new to learn: reviewed.yml is unchanged.")
        return 0

    # "Before": the model of the tree as it is (trained first if there is none).
    inputs_at_start = inputs_digest()
    before_model = ensure_model()
    REVIEWED_FILE.write_text(new_text, encoding="utf-8")
    print(f"Wrote {REVIEWED_FILE.relative_to(REPO_ROOT)}; training a candidate ...", flush=True)
    with tempfile.TemporaryDirectory(prefix="learn-") as tmp:
        try:
            candidate = _train_candidate(Path(tmp))
        except subprocess.CalledProcessError:
            _restore(previous)
            print("Training the candidate failed; reviewed.yml restored.")
            return 1
        if inputs_digest() != inputs_at_start:
            _restore(previous)
            print(
                "\nNOT PROMOTED: data, domain or config changed while the models trained (someone "
                "else's edit), so before and after differ by more than reviewed.yml and the "
                "comparison would not measure the labels. reviewed.yml restored; run make learn "
                "again when the tree is quiet."
            )
            return 1
        print("Evaluating the current model and the candidate ...", flush=True)
        before = evaluate_model(before_model)
        after = evaluate_model(candidate)
        print(f"\nBefore: {before_model.name}   After: candidate (with reviewed.yml)")
        print(comparison_table(before, after))
        worse = drops(before, after)
        if args.dry_run:
            _restore(previous)
            verdict = (
                f"would NOT promote ({', '.join(worse)} got worse)" if worse else "would promote"
            )
            print(f"\nDRY RUN: {verdict}; reviewed.yml restored, nothing promoted.")
            return 1 if worse else 0
        if worse:
            LEARN_RESULTS.mkdir(parents=True, exist_ok=True)
            rejected = LEARN_RESULTS / "reviewed.rejected.yml"
            rejected.write_text(new_text, encoding="utf-8")
            _restore(previous)
            print(
                f"\nNOT PROMOTED: {', '.join(worse)} got worse. reviewed.yml restored; the "
                f"export is in {rejected.relative_to(REPO_ROOT)}."
            )
            return 1
        target = REPO_ROOT / "models" / f"{MODEL_PREFIX}{model_digest()}.tar.gz"
        target.parent.mkdir(parents=True, exist_ok=True)
        shutil.copyfile(candidate, target)
    print(f"\nPROMOTED: {target.relative_to(REPO_ROOT)} (make run serves it). Commit reviewed.yml.")
    return 0


def inputs_digest(exclude: Path = REVIEWED_FILE) -> str:
    """A digest of the model inputs (``clinicbot.run.MODEL_INPUTS``) without ``reviewed.yml``.

    ``make learn`` compares it before and after training: if it changed, someone edited the
    data, domain or config meanwhile, and the comparison would not measure the labels alone.

    Args:
        exclude: The file left out (the export itself).

    Returns:
        A hex digest.
    """
    import hashlib

    from clinicbot.run import MODEL_INPUTS, _files

    h = hashlib.sha256()
    for path in _files(MODEL_INPUTS):
        if path == exclude:
            continue
        h.update(str(path.relative_to(REPO_ROOT)).encode())
        h.update(path.read_bytes())
    return h.hexdigest()


def _reviewed_texts() -> set[str]:
    if not REVIEWED_FILE.exists():
        return set()
    from clinicbot.evaluate import load_examples

    return {t for t, _ in load_examples(REVIEWED_FILE)}


def _restore(previous: str | None) -> None:
    if previous is None:
        REVIEWED_FILE.unlink(missing_ok=True)
    else:
        REVIEWED_FILE.write_text(previous, encoding="utf-8")


if __name__ == "__main__":  # pragma: no cover
    sys.exit(main())
