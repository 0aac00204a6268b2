"""ISSN -> the journal and its articles, from Crossref, OpenAlex and DOAJ asked in parallel.

An ISSN names a journal, not an article: ``lookup_journal`` shows the journal
(merged from every source that knows it) and its articles (merged, deduplicated,
newest first or best match for a query) without storing anything; the CLI's
``journal`` command and the GUI's journal picker show that, and
``records_for`` turns the chosen hits into full records. ``import_issn`` is the
``refdesk import ISSN`` path: lookup, then records for all hits.

A source that is down, slow or answers garbage becomes a ``SourceFailure`` next
to what the others found; only when all three fail and nothing came back is the
lookup an error.
"""

from __future__ import annotations

import logging
import time
from collections.abc import Callable
from concurrent.futures import FIRST_COMPLETED, ThreadPoolExecutor, wait

from refdesk.app import AppContext
from refdesk.errors import ImporterError, InvalidInputError, NotFoundError, RefdeskError
from refdesk.identifiers import Kind, classify, describe, validate_issn
from refdesk.importers.journal_sources import crossref, doaj, openalex
from refdesk.importers.journal_sources.merge import merge_hits, merge_journals
from refdesk.importers.journal_sources.records import record_from_hit
from refdesk.importers.journal_sources.types import (
    SOURCES,
    ArticleHit,
    JournalInfo,
    JournalLookup,
    JournalQuery,
    LookupCancelled,
    SourceFailure,
    WorksPage,
)
from refdesk.model import Record
from refdesk.net import NetworkError

__all__ = [
    "SOURCES",
    "ArticleHit",
    "JournalInfo",
    "JournalLookup",
    "LookupCancelled",
    "SourceFailure",
    "check_issn",
    "import_issn",
    "journal_name",
    "lookup_journal",
    "not_found_message",
    "records_for",
]

log = logging.getLogger(__name__)
_MODULES = {crossref.NAME: crossref, openalex.NAME: openalex, doaj.NAME: doaj}
#: Default page size: 100 works per request is what all three APIs allow.
PAGE_SIZE = 100
#: How often (seconds) a running lookup looks at its ``cancel`` callback.
_POLL = 0.1


def check_issn(text: str) -> str:
    """The ISSN in ``NNNN-NNNC`` form; a DOI, ISBN or URL is named as what it is."""
    try:
        ident = classify(text)
    except InvalidInputError as exc:
        if str(exc).startswith("Invalid"):  # an ISSN or ISBN with a wrong check digit: that message says it all
            raise
        return validate_issn(text)  # raises with the reason this is no ISSN
    if ident.kind is Kind.ISSN:
        return ident.value
    if ident.kind is Kind.FILE:
        return validate_issn(text)  # raises with the reason this is no ISSN
    hint = {Kind.DOI: "import the article with `refdesk import`", Kind.ISBN: "an ISBN names a book",
            Kind.URL: "import the page with `refdesk import`"}[ident.kind]
    raise InvalidInputError(f"'{text.strip()}' is {describe(ident)}, not an ISSN ({hint})")


def _reason(exc: Exception) -> str:
    if isinstance(exc, NetworkError):
        return exc.reason
    if isinstance(exc, RefdeskError):
        return str(exc)
    return f"unexpected answer ({exc.__class__.__name__}: {exc})"


def _timed(source: str, task: Callable[[AppContext, JournalQuery], JournalInfo | WorksPage | None]) -> Callable[
    [AppContext, JournalQuery], JournalInfo | WorksPage | None
]:
    """``task`` logging how long its source took (``refdesk -v`` shows which source is slow)."""

    def run(ctx: AppContext, q: JournalQuery) -> JournalInfo | WorksPage | None:
        start = time.perf_counter()
        try:
            return task(ctx, q)
        finally:
            log.info("%s %s for ISSN %s: %.2f s", source, task.__name__, q.issn, time.perf_counter() - start)

    return run


def _tasks() -> list[tuple[str, Callable[[AppContext, JournalQuery], JournalInfo | WorksPage | None]]]:
    """(source, function) for every request a lookup makes: each source's journal and its works."""
    out: list[tuple[str, Callable[[AppContext, JournalQuery], JournalInfo | WorksPage | None]]] = []
    for source in SOURCES:
        out += [(source, _timed(source, _MODULES[source].journal)), (source, _timed(source, _MODULES[source].works))]
    return out


def lookup_journal(
    ctx: AppContext,
    issn: str,
    query: str | None = None,
    year: int | None = None,
    limit: int = 50,
    refresh: bool = False,
    cancel: Callable[[], bool] | None = None,
    *,
    page_size: int = PAGE_SIZE,
    say: Callable[[str], None] | None = None,
) -> JournalLookup:
    """Ask the three sources at once (journal facts and works: six requests in flight); merge.

    Safe to call from a worker thread. ``cancel`` is polled every 0.1 s and between
    pages; when it returns True the lookup stops at once with ``LookupCancelled``. ``say``
    receives one progress line per source as it answers.
    """
    q = JournalQuery(check_issn(issn), (query or "").strip() or None, year, max(1, limit), max(1, page_size), refresh, cancel)
    journals: list[JournalInfo] = []
    hits: dict[str, list[ArticleHit]] = {}
    totals: dict[str, int] = {}
    failures: dict[str, SourceFailure] = {}
    pool = ThreadPoolExecutor(max_workers=2 * len(SOURCES), thread_name_prefix="journal")
    pending = {pool.submit(task, ctx, q): source for source, task in _tasks()}
    try:
        while pending:
            done, _ = wait(pending, timeout=_POLL, return_when=FIRST_COMPLETED)
            if q.cancelled():  # return at once; requests in flight end on their own
                raise LookupCancelled(f"Lookup of ISSN {q.issn} cancelled")
            for future in done:
                source = pending.pop(future)
                try:
                    result = future.result()
                except LookupCancelled:
                    raise
                except (RefdeskError, ValueError, TypeError, KeyError, AttributeError) as exc:
                    failures.setdefault(source, SourceFailure(source, _reason(exc)))
                    if say:
                        say(f"{source} failed: {_reason(exc)}")
                    continue
                if isinstance(result, WorksPage):
                    hits[source] = result.hits
                    if result.total is not None:
                        totals[source] = result.total
                    if say:
                        say(f"{source}: {len(result.hits)} article(s)")
                elif isinstance(result, JournalInfo):
                    journals.append(result)
    finally:
        pool.shutdown(wait=not pending, cancel_futures=True)
    ordered = [failures[s] for s in SOURCES if s in failures]
    if len(ordered) == len(SOURCES) and not journals and not any(hits.values()):
        detail = "; ".join(f"{f.source}: {f.reason}" for f in ordered)
        raise ImporterError(f"No source could be reached for ISSN {q.issn} ({detail})")
    journal = merge_journals(journals)
    articles = merge_hits({s: h for s, h in hits.items() if s not in failures or h}, q.query, q.limit)
    _fill_from_journal(articles, journal, q.issn)
    return JournalLookup(q.issn, q.query, q.year, journal, articles, ordered, totals)


def _fill_from_journal(articles: list[ArticleHit], journal: JournalInfo | None, issn: str) -> None:
    """Give every hit the journal's ISSNs (the asked-for one first), and its title (original script
    preferred), abbreviation and publisher where the article's sources left them out."""
    known = journal.all_issns() if journal else []
    for hit in articles:
        hit.issns = list(dict.fromkeys([issn, *known, *hit.issns]))
        if journal is None:
            continue
        for name, value in (("journal_title", journal.original_title or journal.title),
                            ("journal_abbreviation", journal.abbreviation), ("publisher", journal.publisher)):
            if value and not getattr(hit, name):
                setattr(hit, name, value)
                hit.origin[name] = journal.sources[0] if journal.sources else ""


def records_for(ctx: AppContext, hits: list[ArticleHit]) -> list[Record]:
    """Full records (nothing stored) for the hits the user chose; the hits already hold every field.

    A journal the library already holds under one name keeps it (see ``keep_library_names``)."""
    records = [record_from_hit(h) for h in hits]
    keep_library_names(ctx, records)
    return records


def complete_abstracts(ctx: AppContext, records: list[Record], cancel: Callable[[], bool] | None = None) -> int:
    """Ask OpenAlex, then Crossref, for the abstract of each chosen article that came without one (a journal's
    work list leaves some out, and a hit found by one source lacks what another holds); returns how many
    were filled. A source that fails is skipped: the article is imported without its abstract."""
    from urllib.parse import quote

    from refdesk.importers.journal_sources.common import as_dict, fetch_json, markup_to_text, polite
    from refdesk.importers.journal_sources.openalex import rebuild_abstract

    filled = 0
    for rec in records:
        doi = rec.get("DOI").strip()
        if rec.get("abstractNote") or not doi:
            continue
        if cancel is not None and cancel():
            break
        asks = ((f"{ctx.settings.openalex_api_url.rstrip('/')}/works/doi:{quote(doi, safe='/')}", openalex.NAME),
                (f"{ctx.settings.crossref_api_url.rstrip('/')}/works/{quote(doi, safe='/')}", crossref.NAME))
        for url, source in asks:
            try:
                answer = fetch_json(ctx, url, polite(ctx, {}), False, missing_ok=True) or {}
            except (RefdeskError, ValueError) as exc:
                log.info("no abstract from %s for %s: %s", source, doi, exc)
                continue
            if source == openalex.NAME:
                abstract = rebuild_abstract(answer.get("abstract_inverted_index"))
            else:
                raw = as_dict(answer.get("message")).get("abstract")
                abstract = markup_to_text(raw) if isinstance(raw, str) else ""
            if abstract and rec.fill("abstractNote", abstract, f"import:issn:{source}"):
                filled += 1
                break
    return filled


def library_journal_name(ctx: AppContext, issn: str) -> str:
    """The publication title most of the library's items with this ISSN carry ("" when none has it)."""
    rows = ctx.library.execute(
        "SELECT json_extract(data, '$.publicationTitle') AS name, count(*) AS n FROM items"
        " WHERE instr(json_extract(data, '$.ISSN'), ?) > 0 AND name IS NOT NULL AND name != ''"
        " GROUP BY name ORDER BY n DESC, min(id) LIMIT 1", (issn,))
    return str(rows[0][0]) if rows else ""


def keep_library_names(ctx: AppContext, records: list[Record]) -> None:
    """One journal, one name in the library: a record whose ISSN the library already files under another
    title (an article added by URL carries the journal's Russian title, Crossref answers with the English
    one) takes the library's name, and the name the source gave goes to ``extra``."""
    from refdesk.importers.fileformat import add_extra
    from refdesk.text import fold

    names: dict[str, str] = {}
    for rec in records:
        issns = rec.get("ISSN").replace(",", " ").split()
        for issn in issns:
            if issn not in names:
                names[issn] = library_journal_name(ctx, issn)
        name = next((names[i] for i in issns if names[i]), "")
        given = rec.get("publicationTitle")
        if not name or fold(name) == fold(given):
            continue
        source = rec.provenance["publicationTitle"].source if "publicationTitle" in rec.provenance else "import:issn"
        rec.set("publicationTitle", name, "import:issn:library")
        if given:
            add_extra(rec, f"Publication title ({source.rsplit(':', 1)[-1]}): {given}", source)


def journal_name(lookup: JournalLookup) -> str:
    j = lookup.journal
    if j and (j.title or j.original_title):
        return j.title or j.original_title
    first = next((h.journal_title for h in lookup.articles if h.journal_title), "")
    return first or f"ISSN {lookup.issn}"


def not_found_message(lookup: JournalLookup) -> str:
    asked = [s for s in SOURCES if s not in {f.source for f in lookup.failures}]
    text = f"No journal with ISSN {lookup.issn} in {', '.join(asked[:-1]) + ' or ' + asked[-1] if len(asked) > 1 else asked[0]}"
    failed = "; ".join(f"{f.source} failed: {f.reason}" for f in lookup.failures)
    return f"{text} ({failed})" if failed else text


def import_issn(
    ctx: AppContext,
    issn: str,
    query: str | None,
    limit: int,
    year: int | None = None,
    refresh: bool = False,
    say: Callable[[str], None] = print,
) -> list[Record]:
    """``refdesk import ISSN``: the articles matching ``query``, or the ``limit`` newest, as records."""
    lookup = lookup_journal(ctx, issn, query, year, limit, refresh)
    for failure in lookup.failures:
        say(f"{failure.source} did not answer ({failure.reason}); using the other sources")
    if lookup.journal is None and not lookup.articles:
        raise NotFoundError(not_found_message(lookup))
    name = journal_name(lookup)
    in_year = f" of {year}" if year else ""
    if not lookup.articles:
        what = f"matches '{lookup.query}'" if lookup.query else "was found"
        raise NotFoundError(f"No article{in_year} of {name} (ISSN {lookup.issn}) {what}")
    known = max(lookup.totals.values(), default=len(lookup.articles))
    if lookup.query:
        say(f"Importing {len(lookup.articles)} article(s){in_year} of {name} matching '{lookup.query}'")
    else:
        say(f"Importing the {len(lookup.articles)} newest article(s){in_year} of {name} (of {known} known)")
    return records_for(ctx, lookup.articles)
