"""refdesk-doaj: DOAJ's article abstract and keywords, and the journal's LCC subjects.

DOAJ search API (https://doaj.org/api/docs): ``/search/articles/{query}`` and
``/search/journals/{query}`` take an Elasticsearch query string in the path
(forward slashes escaped) and answer ``{"total", "page", "pageSize", "results": [...]}``,
each result holding its metadata under ``bibjson``.
"""

from __future__ import annotations

import re
import unicodedata
from typing import Any
from urllib.parse import quote

from refdesk.plugins.api import SUBJECT, Enrichment, PluginContext, RecordView, hookimpl, markup_to_text

REFDESK_API_VERSION = "1.2"
SOURCE = "DOAJ"

def _text(value: object) -> str:
    """A string value; "" for null and anything that is not text (never the text "None")."""
    return value if isinstance(value, str) else ""


def _list(value: object) -> list[Any]:
    """A JSON list, or [] for null and anything else."""
    return value if isinstance(value, list) else []


def _dict(value: object) -> dict[str, Any]:
    """A JSON object, or {} for null and anything else."""
    return value if isinstance(value, dict) else {}


def _key(text: str) -> str:
    """Titles compared without case, accents, punctuation or spacing."""
    folded = unicodedata.normalize("NFKD", text.casefold())
    return re.sub(r"\W+", "", "".join(c for c in folded if not unicodedata.combining(c)))


def _search(context: PluginContext, kind: str, query: str) -> tuple[list[dict[str, Any]], str]:
    url = f"{context.service_url('doaj')}/search/{kind}/{quote(query, safe=':')}"
    answer = context.get_json(url, params={"pageSize": "10"}, missing=(400, 404))  # 400: a query DOAJ cannot parse
    results = _list(answer.get("results")) if isinstance(answer, dict) else []
    return [r for r in results if isinstance(r, dict) and isinstance(r.get("bibjson"), dict)], url


def _issns_of(bibjson: dict[str, Any]) -> set[str]:
    found = {i.upper() for i in _list(_dict(bibjson.get("journal")).get("issns")) if isinstance(i, str)}
    found |= {_text(i.get("id")).upper() for i in _identifiers(bibjson) if i.get("type") in ("pissn", "eissn")}
    return found - {""}


def _identifiers(bibjson: dict[str, Any]) -> list[dict[str, Any]]:
    return [i for i in _list(bibjson.get("identifier")) if isinstance(i, dict)]


def find_article(record: RecordView, context: PluginContext) -> tuple[dict[str, Any], str] | None:
    """The DOAJ article of the record: by DOI, else by exact title within the record's journal."""
    if record.doi:
        results, url = _search(context, "articles", f'doi:"{record.doi}"')
        for r in results:
            ids = {_text(i.get("id")).lower() for i in _identifiers(r["bibjson"]) if i.get("type") == "doi"}
            if record.doi.lower() in ids:
                return r, url
        return None
    if not record.title:
        return None
    title = record.title.replace('"', " ")
    results, url = _search(context, "articles", f'bibjson.title:"{title}"')
    wanted = set(record.issns)
    for r in results:
        bib = r["bibjson"]
        if _key(_text(bib.get("title"))) != _key(record.title):
            continue
        if wanted and not wanted & _issns_of(bib):
            continue
        return r, url
    return None


def journal_subjects(issn: str, context: PluginContext) -> tuple[list[str], str]:
    """The journal's LCC subjects and the URL they came from; asked once per session, not once per article."""
    terms, url = context.memo(("journal", context.service_url("doaj"), issn), lambda: _journal_subjects(issn, context))
    return list(terms), url


def _journal_subjects(issn: str, context: PluginContext) -> tuple[tuple[str, ...], str]:
    results, url = _search(context, "journals", f"issn:{issn}")
    for r in results:
        bib = r["bibjson"]
        if issn.upper() not in {_text(bib.get("eissn")).upper(), _text(bib.get("pissn")).upper()}:
            continue
        subjects = [s for s in _list(bib.get("subject")) if isinstance(s, dict) and s.get("scheme") == "LCC"]
        terms = tuple(t for t in (" ".join(markup_to_text(_text(s.get("term"))).split()) for s in subjects) if t)
        if terms:  # several entries for one ISSN (a journal listed twice): the first that has subjects
            return terms, url
    return (), url


@hookimpl
def enrich(record: RecordView, context: PluginContext) -> Enrichment | None:
    found = Enrichment()
    keyword_confidence = float(context.settings.get("keyword_confidence", 0.85))
    lcc_confidence = float(context.settings.get("lcc_confidence", 0.6))
    article = find_article(record, context)
    if article is not None:
        result, url = article
        bib = result["bibjson"]
        abstract = markup_to_text(_text(bib.get("abstract")))
        if abstract:
            found.add("abstractNote", abstract, SOURCE, url, 0.8)
        for keyword in _list(bib.get("keywords")):
            term = " ".join(markup_to_text(_text(keyword)).split())
            if term:
                found.add(SUBJECT, term, SOURCE, url, keyword_confidence)
    if context.settings.get("journal_subjects", True):
        for issn in record.issns:
            terms, url = journal_subjects(issn, context)
            for term in terms:
                found.add(SUBJECT, term, f"{SOURCE} (journal, LCC)", url, lcc_confidence)
            if terms:
                break
    return found if found.suggestions else None
