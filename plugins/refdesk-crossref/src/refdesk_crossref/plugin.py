"""refdesk-crossref: the deposited abstract (JATS -> plain text) and the journal's subjects.

Crossref REST API (https://api.crossref.org/swagger-ui): ``/works/{doi}`` answers
``{"message-type": "work", "message": {...}}`` with ``abstract`` as a JATS XML
fragment and ``subject`` (a list of category names, where still provided);
``/journals/{issn}`` gives ``subjects`` as ``[{"ASJC": 3320, "name": "..."}]``.
"""

from __future__ import annotations

from typing import Any
from urllib.parse import quote

from refdesk.plugins.api import SUBJECT, Enrichment, PluginContext, RecordView, hookimpl, markup_to_text

REFDESK_API_VERSION = "1.2"
SOURCE = "Crossref"

def _text(value: object) -> str:
    """A string value trimmed; "" for null, numbers, lists and the rest (never the text "None")."""
    return value.strip() if isinstance(value, str) else ""


def _texts(values: object) -> list[str]:
    """The non-empty strings of a JSON list ([] for null or anything that is not a list)."""
    return [t for t in (_text(v) for v in values) if t] if isinstance(values, list) else []


def _message(context: PluginContext, url: str) -> dict[str, Any] | None:
    answer = context.get_json(url, mailto=True)
    message = answer.get("message") if isinstance(answer, dict) else None
    return message if isinstance(message, dict) else None


def journal_subjects(context: PluginContext, issn: str) -> tuple[list[str], str]:
    """The journal's subject names and the URL they came from; asked once per session, not once per article."""
    url = f"{context.service_url('crossref')}/journals/{quote(issn)}"

    def ask() -> tuple[tuple[str, ...], str]:
        journal = _message(context, url) or {}
        subjects = journal.get("subjects")
        names = [_text(s.get("name")) for s in subjects if isinstance(s, dict)] if isinstance(subjects, list) else []
        return tuple(n for n in names if n), url

    subjects, evidence = context.memo(("journal", url), ask)
    return list(subjects), evidence


@hookimpl
def enrich(record: RecordView, context: PluginContext) -> Enrichment | None:
    if not record.doi:
        return None
    url = f"{context.service_url('crossref')}/works/{quote(record.doi, safe='/():;')}"
    work = _message(context, url)
    if work is None:
        return None
    found = Enrichment()
    abstract = markup_to_text(_text(work.get("abstract")))
    if abstract:
        found.add("abstractNote", abstract, SOURCE, url, 0.85)
    confidence = float(context.settings.get("subject_confidence", 0.6))
    subjects = _texts(work.get("subject"))
    subject_url = url
    if not subjects and context.settings.get("journal_subjects", True):
        issns = _texts(work.get("ISSN")) or record.issns
        for issn in issns:
            subjects, subject_url = journal_subjects(context, issn)
            if subjects:
                break
    for subject in subjects:
        found.add(SUBJECT, subject, f"{SOURCE} (journal)", subject_url, confidence)
    return found if found.suggestions else None
