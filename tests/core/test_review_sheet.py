"""The medical director's review sheet (``make review-sheet``)."""

from __future__ import annotations

import datetime as dt
import html
from pathlib import Path

import yaml

from clinicbot import review_sheet
from clinicbot.knowledge import KnowledgeBase
from clinicbot.paths import KNOWLEDGE_DIR
from tests.fixtures.knowledge import copy_knowledge


def _pages(tmp_path: Path, folder: Path = KNOWLEDGE_DIR) -> tuple[KnowledgeBase, Path]:
    out = tmp_path / "review"
    assert review_sheet.main(["--knowledge", str(folder), "--out", str(out)]) == 0
    return KnowledgeBase.load(folder), out


def test_one_page_per_entry_with_answer_sms_sources_notes_and_fields(tmp_path: Path) -> None:
    kb, out = _pages(tmp_path)
    for entry in kb.entries.values():
        page = (out / f"{entry.id}.html").read_text(encoding="utf-8")
        text = html.unescape(page)
        for paragraph in kb.render(entry).split("\n"):
            assert paragraph.strip() in text, entry.id
        assert kb.render(entry, sms=True) in text
        for citation in kb.citations(entry):
            assert citation in text, (entry.id, citation)
        for note in entry.review_notes:
            assert note in text
        for field in ("Reviewer (name, role)", "Date", "Signature", "Approved as written",
                      "Changes needed"):
            assert field in text, field
        shown = text[text.index("<h2>Answer") : text.index("<h2>Sources")]
        assert "{" not in shown, entry.id  # clinic facts filled in, as patients see them


def test_index_links_every_entry_and_all_html_has_a_page_each(tmp_path: Path) -> None:
    kb, out = _pages(tmp_path)
    index = (out / "index.html").read_text(encoding="utf-8")
    everything = (out / "all.html").read_text(encoding="utf-8")
    for entry in kb.entries.values():
        assert f'href="{entry.id}.html"' in index
        assert f'<section class="page" id="{entry.id}">' in everything
    assert everything.count('<section class="page"') == len(kb.entries) + 1  # + lexicon
    assert "page-break-after: always" in everything  # one entry per printed page
    assert "Readability (Flesch-Kincaid grade" in index


def test_entity_sentences_are_on_the_sheet(tmp_path: Path) -> None:
    kb, out = _pages(tmp_path)
    candidate = html.unescape((out / "eligibility.who_is_candidate.html").read_text())
    for kind in ("possible indication", "caution", "exclusion"):
        assert f"condition ({kind})" in candidate
    lexicon = html.unescape((out / "lexicon.html").read_text())
    assert "substance (alcohol)" in lexicon and "cannabis" in lexicon
    assert "condition (exclusion)" in lexicon and "schizophrenia" in lexicon
    assert "SMS: You mentioned [substance]: avoid it" in lexicon


def test_patient_text_is_escaped(tmp_path: Path) -> None:
    folder = copy_knowledge(tmp_path / "knowledge")
    doc = yaml.safe_load((folder / "safety.yml").read_text())
    doc["entries"][0]["review_notes"] = ["<script>alert(1)</script> check dose wording"]
    (folder / "safety.yml").write_text(yaml.safe_dump(doc))
    _, out = _pages(tmp_path, folder)
    page = (out / f"{doc['entries'][0]['id']}.html").read_text()
    assert "<script>" not in page
    assert "&lt;script&gt;alert(1)&lt;/script&gt; check dose wording" in page


def test_build_dates_the_index() -> None:
    sheet = review_sheet.build(KnowledgeBase.load(), today=dt.date(2026, 12, 3))
    assert "generated 2026-12-03" in sheet.pages["index.html"]
