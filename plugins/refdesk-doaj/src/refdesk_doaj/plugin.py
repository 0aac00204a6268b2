"""refdesk-doaj: DOAJ's article abstract and keywords, and the journal's LCC subjects.

DOAJ search API (https://doaj.org/api/docs): ``/search/articles/{query}`` and
``/search/journals/{query}`` take an Elasticsearch query string in the path
(forward slashes escaped) and answer ``{"total", "page", "pageSize", "results": [...]}``,
each result holding its metadata under ``bibjson``.
"""

from __future__ import annotations

import html
import re
import unicodedata
from typing import Any
from urllib.parse import quote

from refdesk.plugins.api import SUBJECT, Enrichment, PluginContext, RecordView, hookimpl

REFDESK_API_VERSION = "1.1"
SOURCE = "DOAJ"

_TAG = re.compile(r"<[^>]+>")

def _key(text: str) -> str:
    """Titles compared without case, accents, punctuation or spacing."""
    folded = unicodedata.normalize("NFKD", text.casefold())
    return re.sub(r"\W+", "", "".join(c for c in folded if not unicodedata.combining(c)))


def _plain(text: str) -> str:
    return " ".join(html.unescape(_TAG.sub(" ", text)).split())


def _search(context: PluginContext, kind: str, query: str) -> tuple[list[dict[str, Any]], str]:
    url = f"{context.service_url('doaj')}/search/{kind}/{quote(query, safe=':')}"
    answer = context.get_json(url, params={"pageSize": "10"}, missing=(400, 404))  # 400: a query DOAJ cannot parse
    results = answer.get("results", []) if isinstance(answer, dict) else []
    return [r for r in results if isinstance(r, dict) and isinstance(r.get("bibjson"), dict)], url


def _issns_of(bibjson: dict[str, Any]) -> set[str]:
    found = {str(i).upper() for i in (bibjson.get("journal", {}) or {}).get("issns", [])}
    found |= {str(i.get("id", "")).upper() for i in bibjson.get("identifier", []) if i.get("type") in ("pissn", "eissn")}
    return found


def find_article(record: RecordView, context: PluginContext) -> tuple[dict[str, Any], str] | None:
    """The DOAJ article of the record: by DOI, else by exact title within the record's journal."""
    if record.doi:
        results, url = _search(context, "articles", f'doi:"{record.doi}"')
        for r in results:
            ids = {str(i.get("id", "")).lower() for i in r["bibjson"].get("identifier", []) if i.get("type") == "doi"}
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
        if _key(str(bib.get("title", ""))) != _key(record.title):
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
        if issn.upper() not in {str(bib.get("eissn", "")).upper(), str(bib.get("pissn", "")).upper()}:
            continue
        return tuple(str(s["term"]) for s in bib.get("subject", []) if s.get("scheme") == "LCC" and s.get("term")), url
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
        abstract = _plain(str(bib.get("abstract", "") or ""))
        if abstract:
            found.add("abstractNote", abstract, SOURCE, url, 0.8)
        for keyword in bib.get("keywords", []) or []:
            if isinstance(keyword, str) and keyword.strip():
                found.add(SUBJECT, _plain(keyword), SOURCE, url, keyword_confidence)
    if context.settings.get("journal_subjects", True):
        for issn in record.issns:
            terms, url = journal_subjects(issn, context)
            for term in terms:
                found.add(SUBJECT, term, f"{SOURCE} (journal, LCC)", url, lcc_confidence)
            if terms:
                break
    return found if found.suggestions else None
