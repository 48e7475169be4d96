"""How the knowledge base is wired into the Rasa project, checked by ``make validate-kb``.

The topic intents are declared in ``domain.yml`` and named in the rules that answer topics;
the domain's response texts are ``"@name"`` references to ``knowledge/messages.yml``. These
checks find a topic intent missing from the domain or from a topic rule, and a reference with
no message, before a model is trained (``clinicbot.kb_validate`` runs them).
"""

from __future__ import annotations

from pathlib import Path
from typing import Iterable, List, Set

import yaml

from clinicbot.kb_files import KnowledgeError, load_messages
from clinicbot.paths import DATA_DIR, DOMAIN_FILE, KNOWLEDGE_DIR
from clinicbot.texts import REFERENCE

RULES_FILE = DATA_DIR / "rules.yml"


def nlu_intents(data_dir: Path = DATA_DIR) -> Set[str]:
    """Collects the intents that have NLU training examples under a data folder.

    Args:
        data_dir: Rasa training data folder.

    Returns:
        Intent names.
    """
    intents: Set[str] = set()
    for path in sorted(data_dir.rglob("*.yml")):
        with path.open(encoding="utf-8") as fh:
            doc = yaml.safe_load(fh) or {}
        for item in doc.get("nlu") or []:
            if isinstance(item, dict) and item.get("intent"):
                intents.add(str(item["intent"]))
    return intents


def domain_intents(domain_file: Path = DOMAIN_FILE) -> Set[str]:
    """Reads the intents declared in the domain."""
    with domain_file.open(encoding="utf-8") as fh:
        doc = yaml.safe_load(fh) or {}
    out = set()
    for item in doc.get("intents") or []:
        out.add(next(iter(item)) if isinstance(item, dict) else str(item))
    return out


def _or_intents(steps: object) -> List[Set[str]]:
    """The intent sets of the ``or:`` steps of one rule."""
    out = []
    for step in steps if isinstance(steps, list) else []:
        if isinstance(step, dict) and isinstance(step.get("or"), list):
            out.append(
                {str(s["intent"]) for s in step["or"] if isinstance(s, dict) and "intent" in s}
            )
    return out


def check_topic_intents(
    topic_intents: Iterable[str],
    domain_file: Path = DOMAIN_FILE,
    rules_file: Path = RULES_FILE,
) -> List[str]:
    """Checks that every topic intent is declared in the domain and named by every topic rule.

    The topic intents are written by hand in ``domain.yml`` and in each rule whose ``or:`` list
    answers topic questions (outside and during the pre-screening); a rule's ``or:`` list that
    names any topic intent must name all of them, or that topic goes unanswered there.

    Args:
        topic_intents: The intents of the knowledge-base entries (``kb_...``).
        domain_file: The domain.
        rules_file: The rules file.

    Returns:
        One error per rule or file that misses topic intents, naming them.
    """
    wanted = set(topic_intents)
    errors = []
    missing = sorted(wanted - domain_intents(domain_file))
    if missing:
        errors.append(f"{domain_file.name}: intents list lacks topic intents {missing}")
    with rules_file.open(encoding="utf-8") as fh:
        doc = yaml.safe_load(fh) or {}
    topic_rules = 0
    for rule in doc.get("rules") or []:
        if not isinstance(rule, dict):
            continue
        for names in _or_intents(rule.get("steps")):
            if not names & wanted:
                continue
            topic_rules += 1
            missing = sorted(wanted - names)
            if missing:
                errors.append(
                    f"{rules_file.name}: rule {rule.get('rule')!r} lacks topic intents {missing}"
                )
    if wanted and not topic_rules:
        errors.append(f"{rules_file.name}: no rule answers the topic intents")
    return errors


def check_domain_texts(
    domain_file: Path = DOMAIN_FILE, knowledge_dir: Path = KNOWLEDGE_DIR
) -> List[str]:
    """Checks that every ``"@name"`` text and button title in the domain names a message.

    The domain's responses (the crisis, emergency and refusal texts among them) hold references
    to ``knowledge/messages.yml``; the Rasa server fills them in at model load. A reference with
    no text would leave a response empty, so the validator names it before a model is trained.

    Args:
        domain_file: The domain.
        knowledge_dir: The knowledge directory holding ``messages.yml``.

    Returns:
        One error per reference that names no message (empty when all resolve).
    """
    try:
        known = load_messages(knowledge_dir)
    except KnowledgeError as exc:
        return [f"messages.yml: {exc}"]
    with domain_file.open(encoding="utf-8") as fh:
        domain = yaml.safe_load(fh) or {}
    errors: List[str] = []
    for response, variants in sorted((domain.get("responses") or {}).items()):
        for variant in variants or []:
            values = [variant.get("text")] + [
                b.get("title") for b in variant.get("buttons") or [] if isinstance(b, dict)
            ]
            for value in values:
                match = REFERENCE.match(value.strip()) if isinstance(value, str) else None
                if match is not None and match.group(1) not in known:
                    errors.append(
                        f"{domain_file.name}: {response} refers to {value!r}, "
                        "which knowledge/messages.yml does not define"
                    )
    return errors
