"""The tenth safety test set (``tests/safety/test10.yml``): loadable, covered, never leaked.

test10.yml was written blind for issue 10 on 2026-12-06 by a helper session the lead started for
this set alone. Its writer read only the comment headers of test6.yml to test9.yml, dev11.yml and
dev12.yml (to learn which voices they used), ``tests/safety/kinds.py``, ``blind_sets.py`` and
``test_test10_set.py``, the shared knowledge-sources and style notes, and in ``clinicbot/`` only the
``Case`` dataclass and ``load_safety_set``. The writer had not read the detector, its patterns,
frames or classifier, the evaluator, the training data (``data/``, ``clinicbot/safety/training/``),
the cases of the development sets or multi-turn sets, or any case of ``test.yml`` to ``test9.yml``;
no detector, evaluator or model was run on its sentences. It is measured only, never tuned on.
These fast tests check that it loads with the safety sets' own loader, that it holds every kind of
message the issue lists (with ``advice_other`` and ``sad_no_risk``) with the minimum counts its
brief set, that its mix of urgent, advice and benign messages stays near 45 / 17 / 38 per cent,
that its ten writing voices (none of them a voice of test6, test7, test8, test9, dev11 or dev12)
are spread as the brief asked (each 8.7 to 12.4 per cent, each with benign, advice and risk
messages; rambling cases 100+ words, spread over the voices), and that no training sentence
(``data/``, the safety training files) and no sentence of any other safety set (development sets,
multi-turn sets, ``test.yml`` to ``test9.yml``) comes within the project's 0.75 leak similarity of
one of its sentences, in either direction.

A reported collision names neither sentence: only the position of the test10 message (``#n`` in
the order of ``set_texts``, earlier messages of two-message cases last) and how close the other
came. Before the set is first measured its writer rewords that message without looking the other
one up; afterwards the sentence elsewhere (a development or training sentence) is the one to
reword, and the people who tune the detector never see a test10 sentence.
"""

from __future__ import annotations

from collections import Counter
from pathlib import Path

from clinicbot.safety.evaluate import load_safety_set
from tests.safety.blind_sets import (
    LABEL_OF_KIND,
    assert_covers_kinds,
    assert_leak_checks_catch_a_copy,
    assert_registered_measure_only,
    assert_size_and_mix,
    case_voices,
    close_pairs,
    copy_pairs,
    mislabelled,
    positions,
    set_texts,
)
from tests.safety.kinds import REQUIRED_CATEGORIES, TEST2_EXTRA_KINDS

TEST10 = Path(__file__).with_name("test10.yml")

#: The kinds of message issue 10 lists (``cat`` values), the extra kinds of test2, ``advice_other``
#: (a personal treatment decision no other advice kind covers) and ``sad_no_risk`` (grief, a
#: break-up, a lost job, loneliness or a low mood, with no risk to life).
REQUIRED_KINDS = REQUIRED_CATEGORIES | TEST2_EXTRA_KINDS | {"advice_other", "sad_no_risk"}

#: Minimum number of messages of a kind (the set's brief, the same as test9's): 12 for every kind,
#: more for these.
MINIMUM_PER_KIND = {
    **dict.fromkeys(REQUIRED_KINDS, 12),
    "veiled_ideation": 27,
    "self_harm_minimised": 13,
    "two_message": 17,
    "advice_dose": 16,
    "advice_stop_keep": 16,
    "advice_other": 18,
    "general_medication": 44,
    "idiom": 19,
    "past_trauma_safe": 13,
    "ordinary": 24,
    "sad_no_risk": 25,
}

#: The label each kind must carry: the blind sets' kinds and test10's own.
TEST10_LABEL_OF_KIND = {
    **LABEL_OF_KIND,
    "rambling": {"crisis"},
    "advice_other": {"advice"},
    "sad_no_risk": {"none"},
}

#: The writing voices of the brief (each case's trailing comment in test10.yml).
VOICES = {
    "fisherman",
    "librarian",
    "realtor",
    "call_centre",
    "mail_carrier",
    "southern_us",
    "irish",
    "flight_attendant",
    "sports_fan",
    "in_recovery",
}

#: Voices of the earlier sets (test6, test7, test8, test9, dev11, dev12), which test10 must not
#: reuse.
EARLIER_VOICES = {
    # test6
    "night_shift",
    "student",
    "new_parent",
    "chronic_pain",
    "veteran",
    "lgbtq",
    "lgbtq_young_adult",
    "rural",
    "retiree",
    "brief",
    "ramble",
    "terse",
    "rambling",
    # test7
    "teacher",
    "immigrant_esl",
    "twenties_online",
    "grandparent_carer",
    "farmer",
    "corporate",
    "trucker",
    "disabled",
    "faith",
    # test8
    "dictation",
    "musician",
    "gamer",
    "construction",
    "engineer",
    "brit_slang",
    "anxious_apologetic",
    "shop_owner",
    "chef",
    "athlete",
    # test9
    "first_responder",
    "lawyer",
    "gig_driver",
    "bartender",
    "professor",
    "stoic_older_man",
    "emoji_heavy",
    "indian_english",
    "military_spouse",
    "artist",
    # dev11
    "texter",
    "formal",
    "spanglish",
    "caregiver",
    "tradie",
    "grad_student",
    "grandparent",
    "nurse",
    # dev12
    "hairdresser",
    "accountant",
    "warehouse_worker",
    "pastor_spouse",
    "uni_freshman",
    "scottish",
    "filipino_english",
    "single_dad",
    "yoga_teacher",
    "insomniac",
}

#: The labels counted as risk, advice and benign when checking each voice has all three.
URGENT = {"crisis", "emergency"}
BENIGN = {"none", "mention"}


def _voices() -> list[str]:
    """The voice of each case of test10.yml, in the file's order (its trailing comment)."""
    return case_voices(TEST10)


def _positions(mine: list[str], pairs: list[tuple[str, float]]) -> list[str]:
    """``#n ratio`` for each (test10 text, ratio) pair: no sentence of either side is shown."""
    return positions("test10", mine, pairs)


def test_test10_has_the_size_and_mix_of_its_brief() -> None:
    assert_size_and_mix(load_safety_set(TEST10), min_total=500, min_two_message=18)


def test_test10_covers_every_kind_the_brief_lists() -> None:
    assert_covers_kinds(load_safety_set(TEST10), REQUIRED_KINDS, MINIMUM_PER_KIND)


def test_every_test10_case_of_a_kind_carries_that_kinds_label() -> None:
    wrong = [
        (n, c.cat, c.expect) for n, c in mislabelled(load_safety_set(TEST10), TEST10_LABEL_OF_KIND)
    ]
    assert not wrong, wrong


def test_two_message_cases_are_urgent_only_together() -> None:
    """Every two-message case is urgent and names the message sent before it."""
    cases = load_safety_set(TEST10)
    pairs = [c for c in cases if c.cat == "two_message"]
    assert pairs
    assert all(c.previous and c.previous.strip() for c in pairs)
    assert {c.expect for c in pairs} <= URGENT
    assert all(c.cat == "two_message" for c in cases if c.previous), "previous outside two_message"


def test_every_test10_case_names_one_of_the_briefs_voices() -> None:
    voices = _voices()
    assert len(voices) == len(load_safety_set(TEST10))
    unknown = [(n, v) for n, v in enumerate(voices, start=1) if v not in VOICES]
    assert not unknown, unknown


def test_no_voice_of_an_earlier_set_is_reused() -> None:
    assert not VOICES & EARLIER_VOICES


def test_the_voices_are_spread_as_the_brief_asks() -> None:
    """Each voice 8.7% to 12.4% of the set, as the brief asks."""
    counts = Counter(_voices())
    total = sum(counts.values())
    shares = {voice: counts[voice] / total for voice in VOICES}
    thin = {v: round(s, 3) for v, s in shares.items() if s < 0.087}
    thick = {v: round(s, 3) for v, s in shares.items() if s > 0.124}
    assert not thin, f"voices below 8.7%: {thin}"
    assert not thick, f"voices above 12.4%: {thick}"


def test_every_voice_writes_benign_advice_and_risk_messages() -> None:
    labels: dict[str, set[str]] = {voice: set() for voice in VOICES}
    for voice, case in zip(_voices(), load_safety_set(TEST10), strict=True):
        labels.setdefault(voice, set()).add(case.expect)
    lacking = {
        voice: sorted(got)
        for voice, got in labels.items()
        if not (got & URGENT and "advice" in got and got & BENIGN)
    }
    assert not lacking, f"voices without benign, advice and risk messages: {lacking}"


def test_rambling_cases_are_long_and_spread_over_the_voices() -> None:
    """A rambling case has 100 words or more; no voice writes more than two of them."""
    cases = load_safety_set(TEST10)
    rambling = [
        (n, voice, len(case.text.split()))
        for n, (voice, case) in enumerate(zip(_voices(), cases, strict=True), start=1)
        if case.cat == "rambling"
    ]
    assert len(rambling) >= 12
    short = [entry for entry in rambling if entry[2] < 100]
    assert not short, short
    per_voice = Counter(voice for _, voice, _ in rambling)
    assert len(per_voice) >= 8, per_voice
    assert max(per_voice.values()) <= 2, per_voice


def test_no_training_or_safety_set_sentence_is_near_a_test10_sentence() -> None:
    """0.75 difflib similarity, the project's leak threshold, compared in both directions."""
    close = _positions(set_texts(TEST10), [(m, r) for m, _, r in close_pairs(TEST10)])
    assert not close, "too close to a sentence elsewhere:\n  " + "\n  ".join(close[:30])


def test_no_test10_sentence_is_a_near_copy_by_the_safety_leak_check() -> None:
    """The safety sets' own check (character n-gram TF-IDF, 0.9) agrees."""
    copies = _positions(
        set_texts(TEST10), [(m, float(score)) for m, _, score in copy_pairs(TEST10)]
    )
    assert not copies, "near copies of a sentence elsewhere:\n  " + "\n  ".join(copies)


def test_leak_check_would_catch_a_copied_test10_sentence() -> None:
    """The checks above can fail: a test10 sentence with a word added is reported."""
    assert_leak_checks_catch_a_copy(TEST10)


def test_test10_is_a_registered_measure_only_set() -> None:
    assert_registered_measure_only("test10", TEST10)
