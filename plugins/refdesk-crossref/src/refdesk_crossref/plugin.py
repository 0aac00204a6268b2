"""refdesk-crossref: the deposited abstract (JATS -> plain text) and the journal's subjects.

Crossref REST API (https://api.crossref.org/swagger-ui): ``/works/{doi}`` answers
``{"message-type": "work", "message": {...}}`` with ``abstract`` as a JATS XML
fragment and ``subject`` (a list of category names, where still provided);
``/journals/{issn}`` gives ``subjects`` as ``[{"ASJC": 3320, "name": "..."}]``.
"""

from __future__ import annotations

import html
import re
import threading
import weakref
from typing import Any
from urllib.parse import quote

from refdesk.plugins.api import SUBJECT, Enrichment, NetworkError, PluginContext, RecordView, hookimpl

REFDESK_API_VERSION = "1.0"
SOURCE = "Crossref"

_LEADING_ABSTRACT_TITLE = re.compile(r"^\s*<(?:jats:)?title[^>]*>\s*(?:abstract|summary|аннотация|resumo|résumé)\s*[.:]?\s*</(?:jats:)?title>",
                                     re.IGNORECASE)
_BLOCK_END = re.compile(r"</(?:jats:)?(?:p|sec|list-item|title)\s*>|<(?:jats:)?break\s*/?>|<br\s*/?>", re.IGNORECASE)
_TAG = re.compile(r"<[^>]+>")

#: Per HTTP client (one per refdesk session), (base URL, ISSN) -> (subjects, evidence URL):
#: a journal's subjects are asked once per session, not once per article.
_JOURNALS: weakref.WeakKeyDictionary[Any, dict[tuple[str, str], tuple[list[str], str]]] = weakref.WeakKeyDictionary()
_JOURNALS_LOCK = threading.Lock()


def _journal_cache(context: PluginContext) -> dict[tuple[str, str], tuple[list[str], str]]:
    with _JOURNALS_LOCK:
        return _JOURNALS.setdefault(context.http, {})


def jats_to_text(jats: str) -> str:
    """A JATS (or HTML) abstract as plain text; paragraphs and section titles on their own lines."""
    text = _LEADING_ABSTRACT_TITLE.sub("", jats.strip())
    text = _BLOCK_END.sub("\n\n", text)
    text = html.unescape(_TAG.sub("", text))
    paragraphs = [" ".join(p.split()) for p in re.split(r"\n\s*\n", text)]
    return "\n\n".join(p for p in paragraphs if p)


def _params(context: PluginContext) -> dict[str, str]:
    return {"mailto": context.contact_email} if context.contact_email else {}


def _message(context: PluginContext, url: str) -> dict[str, Any] | None:
    try:
        answer = context.http.get_json(url, params=_params(context), timeout=context.timeout)
    except NetworkError as exc:
        if exc.status == 404:
            return None
        raise
    message = answer.get("message") if isinstance(answer, dict) else None
    return message if isinstance(message, dict) else None


def journal_subjects(context: PluginContext, issn: str) -> tuple[list[str], str]:
    key = (context.service_url("crossref"), issn)
    cache = _journal_cache(context)
    with _JOURNALS_LOCK:
        cached = cache.get(key)
    if cached is None:
        url = f"{context.service_url('crossref')}/journals/{quote(issn)}"
        journal = _message(context, url) or {}
        names = [str(s.get("name", "")).strip() for s in journal.get("subjects", []) or [] if isinstance(s, dict)]
        cached = ([n for n in names if n], url)
        with _JOURNALS_LOCK:
            if len(cache) > 1000:
                cache.clear()
            cache[key] = cached
    return list(cached[0]), cached[1]


@hookimpl
def enrich(record: RecordView, context: PluginContext) -> Enrichment | None:
    if not record.doi:
        return None
    url = f"{context.service_url('crossref')}/works/{quote(record.doi, safe='/():;')}"
    work = _message(context, url)
    if work is None:
        return None
    found = Enrichment()
    abstract = jats_to_text(str(work.get("abstract", "") or ""))
    if abstract:
        found.add("abstractNote", abstract, SOURCE, url, 0.85)
    confidence = float(context.settings.get("subject_confidence", 0.6))
    subjects = [str(s).strip() for s in work.get("subject", []) or [] if str(s).strip()]
    subject_url = url
    if not subjects and context.settings.get("journal_subjects", True):
        issns = [str(i) for i in work.get("ISSN", []) or []] or record.issns
        for issn in issns:
            subjects, subject_url = journal_subjects(context, issn)
            if subjects:
                break
    for subject in subjects:
        found.add(SUBJECT, subject, f"{SOURCE} (journal)", subject_url, confidence)
    return found if found.suggestions else None
