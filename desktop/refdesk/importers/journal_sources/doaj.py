"""DOAJ search API: ``/search/journals/issn:{issn}`` and ``/search/articles/issn:{issn} AND (...)``.

DOAJ takes an Elasticsearch query string in the path and answers
``{"total", "page", "pageSize", "results": [{"bibjson": ...}]}``; pages are
numbered from 1 and hold at most 100 results, and a query reaches at most its first
1000 results. A journal in DOAJ is open access by
definition.
"""

from __future__ import annotations

import re
from typing import Any
from urllib.parse import quote

from refdesk.app import AppContext
from refdesk.importers.journal_sources.common import as_dict, as_list, fetch_json, markup_to_text, pages, text, texts
from refdesk.importers.journal_sources.types import DOAJ, ArticleHit, JournalInfo, JournalQuery, WorksPage
from refdesk.names import parse_name

NAME = DOAJ
MAX_PAGE_SIZE = 100
#: DOAJ's search API serves at most the first 1000 results of a query (deeper needs the data dump).
MAX_RESULTS = 1000
#: Characters with a meaning in Elasticsearch query strings; a user's words are searched as words.
_SPECIAL = re.compile(r"[+\-=&|><!(){}\[\]^\"~*?:\\/]")


def _url(ctx: AppContext, kind: str, query: str) -> str:
    return f"{ctx.settings.doaj_api_url.rstrip('/')}/search/{kind}/{quote(query, safe=':')}"


def words_query(text_: str) -> str:
    """User text as plain words for DOAJ's query string (operators and quotes neutralised)."""
    words = _SPECIAL.sub(" ", text_).split()
    return " ".join(w for w in words if w not in ("AND", "OR", "NOT"))  # operators only in capitals


def journal(ctx: AppContext, q: JournalQuery) -> JournalInfo | None:
    answer = fetch_json(ctx, _url(ctx, "journals", f"issn:{q.issn}"), {"pageSize": 10}, q.refresh, missing_ok=True)
    for result in as_list((answer or {}).get("results")):
        bib = as_dict(as_dict(result).get("bibjson"))
        pissn, eissn = text(bib.get("pissn")), text(bib.get("eissn"))
        if q.issn not in (pissn, eissn):
            continue
        homepage = text(as_dict(bib.get("ref")).get("journal"))
        if not homepage:  # API v1 shape: link: [{type: homepage, url}]
            homepage = next((text(as_dict(lk).get("url")) for lk in as_list(bib.get("link")) if as_dict(lk).get("type") == "homepage"), "")
        publisher = bib.get("publisher")
        return JournalInfo(
            title=text(bib.get("title")),
            other_titles=[text(bib.get("alternative_title"))] if text(bib.get("alternative_title")) else [],
            publisher=text(as_dict(publisher).get("name")) if isinstance(publisher, dict) else text(publisher),
            issn_print=pissn,
            issn_electronic=eissn,
            issns=[i for i in (pissn, eissn) if i],
            subjects=texts(bib.get("subject"), "term"),
            homepage=homepage,
            open_access=True,
            languages=texts(bib.get("language")),
            country=text(as_dict(publisher).get("country")) if isinstance(publisher, dict) else text(bib.get("country")),
            sources=[NAME],
        )
    return None


def hit_from_article(result: dict[str, Any]) -> ArticleHit:
    """One DOAJ article (``results[]``) as an ArticleHit."""
    bib = as_dict(result.get("bibjson"))
    jour = as_dict(bib.get("journal"))
    ids = [as_dict(i) for i in as_list(bib.get("identifier"))]
    doi = next((text(i.get("id")) for i in ids if str(i.get("type", "")).lower() == "doi"), "")
    link = next((text(as_dict(lk).get("url")) for lk in as_list(bib.get("link")) if as_dict(lk).get("type") == "fulltext"), "")
    year, month = text(bib.get("year")), text(bib.get("month"))
    date = f"{year}-{int(month):02d}" if year and month.isdigit() and 1 <= int(month) <= 12 else year
    languages = texts(jour.get("language"))
    return ArticleHit(
        title=text(bib.get("title")),
        creators=[parse_name(text(as_dict(a).get("name"))) for a in as_list(bib.get("author")) if text(as_dict(a).get("name"))],
        date=date,
        doi=doi,
        url=link,
        volume=text(jour.get("volume")),
        issue=text(jour.get("number")),
        pages=pages(bib.get("start_page"), bib.get("end_page")),
        abstract=markup_to_text(bib["abstract"]) if isinstance(bib.get("abstract"), str) else "",
        language=languages[0].lower() if len(languages) == 1 else "",
        journal_title=text(jour.get("title")),
        publisher=text(jour.get("publisher")),
        issns=texts(jour.get("issns")) or [text(i.get("id")) for i in ids if i.get("type") in ("pissn", "eissn")],
        sources=[NAME],
    )


def works(ctx: AppContext, q: JournalQuery) -> WorksPage:
    clauses = [f"issn:{q.issn}"]
    words = words_query(q.query or "")
    if words:
        clauses.append(f"({words})")
    if q.year:
        clauses.append(f"bibjson.year:{q.year}")
    url = _url(ctx, "articles", " AND ".join(clauses))
    size = min(q.page_size, MAX_PAGE_SIZE)
    params: dict[str, Any] = {"pageSize": size}
    if not words:
        params["sort"] = "created_date:desc"  # DOAJ's documented sort field; the merge re-sorts by publication date
    page = WorksPage()
    number = 1
    while len(page.hits) < q.limit and not q.cancelled():
        params["page"] = number
        answer = fetch_json(ctx, url, params, q.refresh, missing_ok=True)
        if answer is None:
            break
        results = [as_dict(r) for r in as_list(answer.get("results"))]
        total = answer.get("total")
        page.total = total if isinstance(total, int) else page.total
        page.hits.extend(hit_from_article(r) for r in results if r)
        if not results or (page.total is not None and number * size >= page.total) or (number + 1) * size > MAX_RESULTS:
            break
        number += 1
    del page.hits[q.limit:]
    return page
