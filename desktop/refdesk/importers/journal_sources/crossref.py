"""Crossref REST API: ``/journals/{issn}`` for the journal, ``/journals/{issn}/works`` for its articles.

Pages go by ``offset`` (each page a stable URL, so the HTTP cache can answer it); past
Crossref's 10 000-offset ceiling, by ``cursor=*`` then ``next-cursor``; ``query`` ranks by relevance, no query sorts by publication date,
newest first; ``filter=from-pub-date:Y,until-pub-date:Y`` narrows to one year.
"""

from __future__ import annotations

from typing import Any

from refdesk.app import AppContext
from refdesk.dates import from_date_parts
from refdesk.importers.journal_sources.common import as_dict, as_list, fetch_json, markup_to_text, polite, text, texts
from refdesk.importers.journal_sources.types import CROSSREF, ArticleHit, JournalInfo, JournalQuery, WorksPage
from refdesk.names import parse_name
from refdesk.net import NetworkError
from refdesk.text import clean

NAME = CROSSREF
#: Only the fields a hit needs: Crossref sends references and funders otherwise (tens of kB per work).
_SELECT = "DOI,title,author,issued,published-print,published-online,container-title,short-container-title,volume,issue,page,ISSN,URL,resource,abstract,language,type,publisher"
_DATE_FIELDS = ("published-print", "published-online", "issued")
#: Crossref serves ``offset`` up to 10 000; deeper lists need a cursor.
MAX_OFFSET = 10_000


def jats_to_text(abstract: str) -> str:
    """Crossref's JATS abstract -> plain text (paragraphs kept, the 'Abstract' heading dropped)."""
    return markup_to_text(abstract)


def journal(ctx: AppContext, q: JournalQuery) -> JournalInfo | None:
    base = ctx.settings.crossref_api_url.rstrip("/")
    answer = fetch_json(ctx, f"{base}/journals/{q.issn}", polite(ctx, {}), q.refresh, missing_ok=True)
    if answer is None:
        return None
    msg = as_dict(answer.get("message"))
    if not msg:
        return None
    info = JournalInfo(title=text(msg.get("title")), publisher=text(msg.get("publisher")), sources=[NAME])
    for entry in as_list(msg.get("issn-type")):
        kind, value = as_dict(entry).get("type"), text(as_dict(entry).get("value"))
        if kind == "print":
            info.issn_print = value
        elif kind == "electronic":
            info.issn_electronic = value
    info.issns = texts(msg.get("ISSN"))
    info.subjects = texts(msg.get("subjects"), "name")
    total = as_dict(msg.get("counts")).get("total-dois")
    info.works_count = total if isinstance(total, int) else None
    return info


def _best_date(item: dict[str, Any]) -> str:
    """The most precise of print, online and issued dates (issued is often only a year)."""
    best = ""
    for name in _DATE_FIELDS:
        iso = from_date_parts(as_dict(item.get(name)).get("date-parts")) or ""
        iso = iso.split("/")[0]
        if len(iso) > len(best):
            best = iso
    return best


def hit_from_work(item: dict[str, Any]) -> ArticleHit:
    """One Crossref work (``message.items[]``) as an ArticleHit."""
    creators = []
    for person in as_list(item.get("author")):
        p = as_dict(person)
        family, given = clean(p.get("family")), clean(p.get("given"))
        if family and given:
            creators.append({"creatorType": "author", "lastName": family, "firstName": given})
        elif family or p.get("name"):
            raw = family or clean(p.get("name"))
            creators.append(parse_name(raw) if " " in raw else {"creatorType": "author", "name": raw})
    resource = as_dict(as_dict(item.get("resource")).get("primary")).get("URL")
    abstract = item.get("abstract")
    return ArticleHit(
        title=text(item.get("title")),
        creators=creators,
        date=_best_date(item),
        doi=text(item.get("DOI")),
        url=text(resource) or text(item.get("URL")),
        volume=text(item.get("volume")),
        issue=text(item.get("issue")),
        pages=text(item.get("page")),
        abstract=jats_to_text(abstract) if isinstance(abstract, str) else "",
        language=text(item.get("language")),
        journal_title=text(item.get("container-title")),
        journal_abbreviation=text(item.get("short-container-title")),
        publisher=text(item.get("publisher")),
        issns=texts(item.get("ISSN")),
        sources=[NAME],
    )


def works(ctx: AppContext, q: JournalQuery) -> WorksPage:
    """Pages of ``rows``: by ``offset`` (stateless, so each page can come from the HTTP cache) up to
    Crossref's offset ceiling, by ``cursor`` (deep paging) when the limit reaches past it."""
    base = ctx.settings.crossref_api_url.rstrip("/")
    url = f"{base}/journals/{q.issn}/works"
    deep = q.limit > MAX_OFFSET
    params: dict[str, Any] = {"select": _SELECT}
    params["cursor" if deep else "offset"] = "*" if deep else 0
    if q.query:
        params["query"] = q.query
    else:
        params.update(sort="published", order="desc")
    if q.year:
        params["filter"] = f"from-pub-date:{q.year}-01-01,until-pub-date:{q.year}-12-31"
    polite(ctx, params)
    page = WorksPage()
    while len(page.hits) < q.limit and not q.cancelled():
        params["rows"] = min(q.page_size, q.limit - len(page.hits))
        try:
            answer = fetch_json(ctx, url, params, q.refresh, missing_ok=True)
        except NetworkError as exc:
            if exc.status != 400 or "select" not in params:
                raise
            del params["select"]  # a field list this Crossref version refuses: ask for whole works instead
            continue
        if answer is None:
            break
        msg = as_dict(answer.get("message"))
        items = [as_dict(i) for i in as_list(msg.get("items"))]
        total = msg.get("total-results")
        page.total = total if isinstance(total, int) else page.total
        page.hits.extend(hit_from_work(i) for i in items if i)
        if not items or (page.total is not None and len(page.hits) >= page.total):
            break
        if deep:
            cursor = msg.get("next-cursor")
            if not isinstance(cursor, str) or not cursor:
                break
            params["cursor"] = cursor
        else:
            params["offset"] = len(page.hits)
    return page
