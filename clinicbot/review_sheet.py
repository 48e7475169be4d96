"""Writes the medical director's review sheet of the knowledge base (``make review-sheet``).

One print-friendly HTML page per entry under ``results/review/`` (``<topic id>.html``), plus
``lexicon.html`` for the reviewed entity sentences, ``all.html`` with every page one after the
other (one entry per printed page) and ``index.html`` linking them. Each entry page shows the
patient answer and its SMS version as patients get them (clinic facts filled in), the entity
sentences the entry can add, the full citations, the review notes, the reading grade, and
fields to sign off on paper or screen: reviewer, date, signature, approve / changes needed.
"""

from __future__ import annotations

import argparse
import datetime as dt
from collections.abc import Sequence
from dataclasses import dataclass
from pathlib import Path

import jinja2

from clinicbot.kb_validate import readability, readability_summary
from clinicbot.knowledge import (
    ENTITY_KINDS,
    SMS_MAX_CHARS,
    Entry,
    KnowledgeBase,
    placeholders_in,
)
from clinicbot.paths import KNOWLEDGE_DIR, REPO_ROOT

DEFAULT_OUTPUT = REPO_ROOT / "results" / "review"

_STYLE = """
body { font: 11pt/1.45 Georgia, "Times New Roman", serif; color: #111; margin: 2em auto;
       max-width: 48em; padding: 0 1em; }
h1 { font-size: 1.4em; margin-bottom: .2em; } h2 { font-size: 1.1em; margin: 1.2em 0 .3em; }
.meta { color: #444; font-size: .9em; } .box { border: 1px solid #999; padding: .6em .8em; }
.sms { font-family: "Courier New", monospace; font-size: .95em; white-space: pre-wrap; }
table.fields { width: 100%; border-collapse: collapse; margin-top: .5em; }
table.fields td { border: 1px solid #777; padding: .7em .5em; vertical-align: top; }
table.fields td.label { width: 11em; font-weight: bold; }
.check { display: inline-block; width: 1em; height: 1em; border: 1px solid #333;
         vertical-align: middle; margin-right: .4em; }
.comments { height: 6em; } .page { page-break-after: always; break-after: page; }
.sample { background: #fff3cd; padding: .4em .6em; border: 1px solid #e0c36a; }
@media print { a { color: inherit; text-decoration: none; } body { margin: 0; } }
"""

#: Every value is escaped; ``|safe`` is used only for markup these templates rendered themselves.
_ENV = jinja2.Environment(autoescape=True, undefined=jinja2.StrictUndefined)

_FIELDS = _ENV.from_string(
    """<h2>Sign-off</h2>
<table class="fields">
<tr><td class="label">Reviewer (name, role)</td><td>&nbsp;</td></tr>
<tr><td class="label">Date</td><td>&nbsp;</td></tr>
<tr><td class="label">Decision</td><td><span class="check"></span>Approved as written
 &nbsp;&nbsp; <span class="check"></span>Changes needed (see comments)</td></tr>
<tr><td class="label">Comments / changes</td><td class="comments">&nbsp;</td></tr>
<tr><td class="label">Signature</td><td>&nbsp;</td></tr>
</table>"""
)

_ENTRY = _ENV.from_string(
    """<section class="page" id="{{ e.id }}">
<h1>{{ e.title }}</h1>
<p class="meta">Topic <code>{{ e.id }}</code> &middot; reached by intent
<code>{{ e.intent }}</code> &middot; reading grade {{ "%.1f"|format(grade) }}
(Flesch-Kincaid) &middot; {{ words }} words &middot; last reviewed {{ e.last_reviewed }}
&middot; {{ reviewed_by }}</p>
{% if sample %}<p class="sample">Clinic facts below are SAMPLE values from
knowledge/clinic.yml.</p>{% endif %}
<h2>Answer (web chat)</h2>
<div class="box">{% for p in answer %}<p>{{ p }}</p>{% endfor %}</div>
<h2>SMS version ({{ sms|length }} of {{ sms_max }} characters)</h2>
<div class="box sms">{{ sms }}</div>
{% if entity_rows %}<h2>Sentences added when a patient names a medicine, substance or
condition</h2>
<table class="fields">{% for type, kind, text in entity_rows %}
<tr><td class="label">{{ type }}{% if kind %} ({{ kind|replace("_", " ") }}){% endif %}</td>
<td>{{ text }}</td></tr>{% endfor %}</table>{% endif %}
<h2>Sources</h2>
{% if sources %}<ol>{% for key, citation in sources %}<li><strong>{{ key }}</strong>
{{ citation }}</li>{% endfor %}</ol>{% else %}<p>None: clinic-specific facts from
knowledge/clinic.yml.</p>{% endif %}
<h2>Review notes</h2>
{% if e.review_notes %}<ul>{% for note in e.review_notes %}<li>{{ note }}</li>{% endfor %}
</ul>{% else %}<p>None.</p>{% endif %}
{% if related %}<p class="meta">Related topics: {{ related|join(", ") }}</p>{% endif %}
{{ fields|safe }}
</section>"""
)

_LEXICON = _ENV.from_string(
    """<section class="page" id="lexicon">
<h1>Entity sentences (knowledge/lexicon.yml)</h1>
<p class="meta">Added to answers that use the lexicon's sentences when a patient names a term
of that kind. {{ reviewed_by }} &middot; last reviewed {{ last_reviewed }}</p>
<table class="fields">{% for type, kind, text, sms, terms in rows %}
<tr><td class="label">{{ type }} ({{ kind|replace("_", " ") }})</td><td>{{ text }}
<p class="sms">SMS: {{ sms }}</p>
<p class="meta">Terms: {{ terms|join(", ") }}</p></td></tr>{% endfor %}</table>
{{ fields|safe }}
</section>"""
)

_PAGE = _ENV.from_string(
    """<!doctype html>
<html lang="en"><head><meta charset="utf-8">
<title>{{ title }}</title><style>{{ style|safe }}</style></head>
<body>{{ body|safe }}</body></html>
"""
)

_INDEX = _ENV.from_string(
    """<h1>Knowledge-base review sheet</h1>
<p class="meta">{{ clinic }} &middot; generated {{ generated }} &middot; medical director:
{{ director }}</p>
<p>{{ summary }}</p>
<p>Print <a href="all.html">all pages</a> (one entry per page), or open one entry:</p>
<ol>{% for e, grade in entries %}<li><a href="{{ e.id }}.html">{{ e.title }}</a>
<code>{{ e.id }}</code> (grade {{ "%.1f"|format(grade) }})</li>{% endfor %}
<li><a href="lexicon.html">Entity sentences (medicines, substances, conditions)</a></li></ol>"""
)


@dataclass(frozen=True)
class ReviewSheet:
    """The rendered pages, by file name (``index.html``, ``<topic>.html``, ...)."""

    pages: dict[str, str]

    def write(self, output: Path) -> list[Path]:
        """Writes every page into a folder.

        Args:
            output: Target folder (created if missing).

        Returns:
            The files written.
        """
        output.mkdir(parents=True, exist_ok=True)
        written = []
        for name, html in self.pages.items():
            path = output / name
            path.write_text(html, encoding="utf-8")
            written.append(path)
        return written


def _page(title: str, body: str) -> str:
    return _PAGE.render(title=title, style=_STYLE, body=body)


def _entity_rows(kb: KnowledgeBase, entry: Entry) -> list[tuple[str, str, str]]:
    rows = []
    for entity_type, kinds in ENTITY_KINDS.items():
        if entity_type not in entry.entity_templates:
            continue
        for kind in kinds:
            template = kb.entity_template(entry, entity_type, kind)
            if template:
                text = kb.fill(template, **{entity_type: f"[{entity_type}]"})
                rows.append((entity_type, kind if len(kinds) > 1 else "", text))
    return rows


def entry_section(kb: KnowledgeBase, entry: Entry, grade: float) -> str:
    """Renders one entry's review section (HTML, escaped).

    Args:
        kb: The knowledge base.
        entry: The entry.
        grade: Its reading grade.

    Returns:
        The ``<section>`` markup.
    """
    answer = kb.render(entry)
    return _ENTRY.render(
        e=entry,
        grade=grade,
        words=len(answer.split()),
        reviewed_by=kb.fill(entry.reviewed_by),
        sample=kb.clinic.sample and bool(placeholders_in(entry.answer + " " + entry.sms)),
        answer=[p for p in answer.split("\n") if p.strip()],
        sms=kb.render(entry, sms=True),
        sms_max=SMS_MAX_CHARS,
        entity_rows=_entity_rows(kb, entry),
        sources=[(k, kb.references.get(k, "(unknown reference)")) for k in entry.sources],
        related=list(entry.related),
        fields=_FIELDS.render(),
    )


def lexicon_section(kb: KnowledgeBase) -> str:
    """Renders the review section of the lexicon's entity sentences.

    Args:
        kb: The knowledge base.

    Returns:
        The ``<section>`` markup.
    """
    rows = []
    for entity_type, by_kind in kb.lexicon.sentences.items():
        for kind, template in by_kind.items():
            terms = [t.name for t in kb.lexicon.of_type(entity_type) if t.kind == kind]
            text = kb.fill(template, **{entity_type: f"[{entity_type}]"})
            short = kb.lexicon.sms_sentences.get(entity_type, {}).get(kind, "(none)")
            sms = kb.fill(short, **{entity_type: f"[{entity_type}]"})
            rows.append((entity_type, kind, text, sms, terms))
    return _LEXICON.render(
        rows=rows,
        reviewed_by=kb.fill(kb.lexicon.reviewed_by),
        last_reviewed=kb.lexicon.last_reviewed,
        fields=_FIELDS.render(),
    )


def build(kb: KnowledgeBase, today: dt.date | None = None) -> ReviewSheet:
    """Renders the whole review sheet.

    Args:
        kb: The knowledge base.
        today: Date printed on the index (defaults to today).

    Returns:
        The pages.
    """
    grades = readability(kb)
    sections = {e.id: entry_section(kb, e, grades[e.id]) for e in kb.entries.values()}
    lexicon = lexicon_section(kb)
    values = kb.clinic.placeholders()
    index = _INDEX.render(
        clinic=values["clinic_name"],
        generated=(today or dt.date.today()).isoformat(),
        director=values["medical_director"],
        summary=readability_summary(grades),
        entries=[(e, grades[e.id]) for e in kb.entries.values()],
    )
    pages = {"index.html": _page("Knowledge-base review sheet", index)}
    for entry in kb.entries.values():
        pages[f"{entry.id}.html"] = _page(f"Review: {entry.title}", sections[entry.id])
    pages["lexicon.html"] = _page("Review: entity sentences", lexicon)
    pages["all.html"] = _page(
        "Knowledge-base review sheet (all entries)", "\n".join([*sections.values(), lexicon])
    )
    return ReviewSheet(pages)


def main(argv: Sequence[str] | None = None) -> int:
    """Command line: writes the review sheet.

    Args:
        argv: Arguments (defaults to ``sys.argv``).

    Returns:
        Exit code.
    """
    parser = argparse.ArgumentParser(description=__doc__)
    parser.add_argument("--knowledge", type=Path, default=KNOWLEDGE_DIR)
    parser.add_argument("--out", type=Path, default=DEFAULT_OUTPUT)
    args = parser.parse_args(argv)
    kb = KnowledgeBase.load(args.knowledge)
    written = build(kb).write(args.out)
    print(f"Wrote {len(written)} review pages to {args.out} (open index.html or print all.html)")
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
