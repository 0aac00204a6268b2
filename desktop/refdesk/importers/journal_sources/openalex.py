"""OpenAlex: ``/sources/issn:{issn}`` for the journal, ``/works?filter=primary_location.source.issn:{issn}`` for its articles.

Works are paged with ``cursor=*`` then ``meta.next_cursor`` (OpenAlex's way past
10 000 results); ``search`` ranks by relevance, no query sorts by
``publication_date:desc``. Abstracts come as ``abstract_inverted_index`` (word ->
positions) and are rebuilt to text here.
"""

from __future__ import annotations

from typing import Any

from refdesk.app import AppContext
from refdesk.importers.journal_sources.common import as_dict, as_list, doi_of, fetch_json, pages, polite, text, texts
from refdesk.importers.journal_sources.types import OPENALEX, ArticleHit, JournalInfo, JournalQuery, WorksPage
from refdesk.names import parse_name

NAME = OPENALEX
#: OpenAlex caps per-page at 200.
MAX_PER_PAGE = 200


def rebuild_abstract(index: Any) -> str:
    """``{"Soviet": [0], "diplomacy": [1, 7]}`` -> 'Soviet diplomacy ...' (words put back at their positions)."""
    if not isinstance(index, dict):
        return ""
    placed: dict[int, str] = {}
    for word, positions in index.items():
        for pos in as_list(positions):
            if isinstance(pos, int):
                placed[pos] = str(word)
    return " ".join(placed[p] for p in sorted(placed))


def journal(ctx: AppContext, q: JournalQuery) -> JournalInfo | None:
    base = ctx.settings.openalex_api_url.rstrip("/")
    src = fetch_json(ctx, f"{base}/sources/issn:{q.issn}", polite(ctx, {}), q.refresh, missing_ok=True)
    if not src or not src.get("display_name"):
        return None
    subjects = [text(as_dict(t).get("display_name")) for t in as_list(src.get("topics"))[:5]]
    if not any(subjects):
        subjects = [text(as_dict(c).get("display_name")) for c in as_list(src.get("x_concepts")) if as_dict(c).get("level") in (0, 1)]
    is_oa = src.get("is_oa")
    works_count = src.get("works_count")
    return JournalInfo(
        title=text(src.get("display_name")),
        other_titles=texts(src.get("alternate_titles")),
        abbreviation=text(src.get("abbreviated_title")),
        publisher=text(src.get("host_organization_name")),
        issn_linking=text(src.get("issn_l")),
        issns=texts(src.get("issn")),
        subjects=[s for s in subjects if s],
        homepage=text(src.get("homepage_url")),
        open_access=is_oa if isinstance(is_oa, bool) else None,
        country=text(src.get("country_code")),
        works_count=works_count if isinstance(works_count, int) else None,
        sources=[NAME],
    )


def hit_from_work(work: dict[str, Any]) -> ArticleHit:
    """One OpenAlex work (``results[]``) as an ArticleHit."""
    creators = []
    for authorship in as_list(work.get("authorships")):
        a = as_dict(authorship)
        name = text(as_dict(a.get("author")).get("display_name")) or text(a.get("raw_author_name"))
        if name:
            creators.append(parse_name(name))
    location = as_dict(work.get("primary_location"))
    source = as_dict(location.get("source"))
    biblio = as_dict(work.get("biblio"))
    landing = text(location.get("landing_page_url"))
    doi = doi_of(work.get("doi"))
    return ArticleHit(
        title=text(work.get("title")) or text(work.get("display_name")),
        creators=creators,
        date=text(work.get("publication_date")) or text(work.get("publication_year")),
        doi=doi,
        url="" if not landing or doi_of(landing) else landing,
        volume=text(biblio.get("volume")),
        issue=text(biblio.get("issue")),
        pages=pages(biblio.get("first_page"), biblio.get("last_page")),
        abstract=rebuild_abstract(work.get("abstract_inverted_index")),
        language=text(work.get("language")),
        journal_title=text(source.get("display_name")),
        publisher=text(source.get("host_organization_name")),
        issns=texts(source.get("issn")),
        sources=[NAME],
    )


def works(ctx: AppContext, q: JournalQuery) -> WorksPage:
    base = ctx.settings.openalex_api_url.rstrip("/")
    filters = [f"primary_location.source.issn:{q.issn}"]
    if q.year:
        filters.append(f"publication_year:{q.year}")
    params: dict[str, Any] = {"filter": ",".join(filters), "cursor": "*"}
    if q.query:
        params["search"] = q.query
    else:
        params["sort"] = "publication_date:desc"
    polite(ctx, params)
    page = WorksPage()
    while len(page.hits) < q.limit and not q.cancelled():
        params["per-page"] = min(q.page_size, MAX_PER_PAGE, q.limit - len(page.hits))
        answer = fetch_json(ctx, f"{base}/works", params, q.refresh, missing_ok=True)
        if answer is None:
            break
        meta = as_dict(answer.get("meta"))
        results = [as_dict(r) for r in as_list(answer.get("results"))]
        count = meta.get("count")
        page.total = count if isinstance(count, int) else page.total
        page.hits.extend(hit_from_work(r) for r in results if r)
        cursor = meta.get("next_cursor")
        if not results or not isinstance(cursor, str) or not cursor:
            break
        params["cursor"] = cursor
    return page
