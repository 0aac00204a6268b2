"""Import an article's landing page by URL, as Zotero's Connector does, without a browser.

Fetch the page (the shared client decodes legacy charsets), run every
extractor of :mod:`refdesk.importers.extract`, fetch the exports the page
points to (RIS/BibTeX/MODS/CSL-JSON alternates, unAPI, VuFind and OJS export
links), merge by the documented precedence, and let the DOI resolver fill what
the page does not state. Nothing is stored here; every failure is one
ImporterError/NetworkError naming the URL and what was tried.
"""

from __future__ import annotations

import logging
import threading
import weakref
from collections.abc import Callable, Iterable
from concurrent.futures import ThreadPoolExecutor
from dataclasses import dataclass, field

from refdesk.app import AppContext
from refdesk.errors import ImporterError, RefdeskError
from refdesk.identifiers import find_doi, normalize_doi
from refdesk.importers import add_note as note
from refdesk.importers import address
from refdesk.importers import doi as doi_importer
from refdesk.importers.extract import EXTRACTORS, links, ojs, run_all, vufind
from refdesk.importers.extract.found import Found, Person, found_from_record
from refdesk.importers.extract.merge import has_metadata, merge
from refdesk.importers.extract.page import Page, parse_page, text_of
from refdesk.model import Record
from refdesk.net import NetworkError, RefusedURLError, Response, check_fetchable
from refdesk.plugins import sites
from refdesk.plugins.api import SitePage

log = logging.getLogger(__name__)

ACCEPT_HTML = "text/html,application/xhtml+xml;q=0.9,application/xml;q=0.8,*/*;q=0.5"
_HTML_TYPES = ("text/html", "application/xhtml+xml", "application/xml", "text/xml", "")
#: At most this many export links are fetched for one page (a page may list a dozen formats).
MAX_EXPORTS = 2
#: ``<meta http-equiv="refresh">`` hops followed from a page without metadata.
MAX_REFRESH_HOPS = 3
#: Statuses with which sites turn away a client they take for a robot (Cloudflare and Akamai answer 403 or 503).
REFUSING = frozenset({401, 403, 429, 503})
#: Page titles and markup of bot checks ("Just a moment...") served instead of the article, in lower case.
_BOT_TITLES = (
    "just a moment", "attention required", "access denied", "checking your browser", "please wait", "are you a robot",
    "are you human", "security check", "verify you are human", "human verification", "captcha", "request blocked",
    "pardon our interruption", "one more step", "ddos protection", "bot verification",
)  # fmt: skip
_BOT_MARKUP = ("challenge-platform", "cf-chl", "cf_chl_opt", "g-recaptcha", "h-captcha", "px-captcha", "captcha-delivery", "_incapsula_resource")
TRIED = (
    [label for _, label, _ in EXTRACTORS]
    + ["RIS/BibTeX/MODS/CSL-JSON alternates and unAPI", "VuFind and OJS export links", "a DOI on the page or in the address"]
)


@dataclass
class Attempt:
    """What one import did: the findings per source and the problems met on the way (for messages and tests)."""

    url: str
    founds: list[Found] = field(default_factory=list)
    problems: list[str] = field(default_factory=list)
    site_problems: list[str] = field(default_factory=list)  # a failing site add-on, named in the record's import note


def import_url(ctx: AppContext, url: str, *, refresh: bool = False) -> list[Record]:
    """One record for an article page; ImporterError/NetworkError naming the URL otherwise."""
    return [read_url(ctx, url, refresh=refresh)]


def read_url(ctx: AppContext, url: str, *, refresh: bool = False, attempt: Attempt | None = None, hops: int = 0) -> Record:
    url = check_fetchable(url)
    attempt = attempt or Attempt(url)
    try:
        resp = ctx.http.get(url, headers={"Accept": ACCEPT_HTML}, refresh=refresh)
    except RefusedURLError:
        raise
    except NetworkError as exc:
        refused = exc.status in REFUSING
        why = f"the page refused the request ({exc.status})" if refused else f"the page could not be read ({exc.reason})"
        return from_address(ctx, [attempt.url, url, exc.url], why, exc, refused=refused, refresh=refresh)
    direct = _not_a_page(ctx, url, resp, attempt)
    if direct is not None:
        return direct
    page = parse_page(resp.text, resp.url)
    check = bot_check(page)
    if check and not has_metadata(run_all(page)):
        why = f"the page answered with a bot check (\u201c{check}\u201d) instead of the article"
        error = ImporterError(f"{attempt.url}: {why}")
        return from_address(ctx, [attempt.url, url, resp.url], why, error, refused=True, refresh=refresh)
    try:
        return record_from_page(ctx, page, attempt, refresh=refresh)
    except ImporterError as exc:
        # Link resolvers and some publishers answer with an empty page that refreshes to the article.
        target = page.refresh
        if target.lower().startswith(("http://", "https://")) and target != resp.url and hops < MAX_REFRESH_HOPS:
            return read_url(ctx, target, refresh=refresh, attempt=Attempt(attempt.url), hops=hops + 1)
        return from_address(ctx, [attempt.url, url, resp.url], "the page carries no citation metadata", exc, refresh=refresh)


#: Site add-ons ``use_site_addons`` set for a context (tests, benchmarks); otherwise the add-on host's are used.
_SITE_ADDONS: weakref.WeakKeyDictionary[AppContext, list[sites.SiteAddon]] = weakref.WeakKeyDictionary()
_SITE_LOCK = threading.Lock()


def use_site_addons(ctx: AppContext, objects: dict[str, object]) -> None:
    """Run these modules or objects as the site add-ons of ``ctx`` instead of the installed ones."""
    with _SITE_LOCK:
        _SITE_ADDONS[ctx] = sites.from_objects(objects)


def site_founds(ctx: AppContext, page: Page, attempt: Attempt) -> list[Found]:
    """What the site add-ons whose ``match`` takes the page say about it (source ``site:NAME``), problems in ``attempt``."""
    with _SITE_LOCK:
        addons = _SITE_ADDONS.get(ctx)
    if addons is None:  # the add-on host's (refdesk plugins list): enabled as last set, rediscovered after an install
        addons = sites.installed(ctx)
    if not any(a.enabled and not a.problem for a in addons):
        return []
    from refdesk.plugins.manager import context_factory

    make = context_factory(ctx)
    results, problems = sites.run(addons, SitePage(page.url, page.text, page.tree), lambda name: make(name, lambda: False), ctx.settings.plugin_timeout)
    attempt.problems.extend(problems)
    attempt.site_problems.extend(problems)
    for problem in problems:
        log.warning("%s: %s", page.url, problem)
    out = []
    for r in results:
        found = Found(f"site:{r.name}", r.item_type)
        for name, value in r.fields.items():
            found.add(name, value)
        for c in r.creators:
            if isinstance(c, str):
                found.add_person(c)
            else:
                found.people.append(Person({"creatorType": "author", **c}))
        for tag in r.tags:
            found.add_tags(tag, split=False)
        out.append(found)
    return out


def record_from_page(ctx: AppContext, page: Page, attempt: Attempt, *, refresh: bool = False) -> Record:
    """Site add-ons, then every extractor; exports followed, merged, then the DOI resolver fills the gaps."""
    founds = site_founds(ctx, page, attempt) + run_all(page)
    for f in founds:
        attempt.problems.extend(f.problems)
    founds.extend(_exports(ctx, page, attempt, refresh))
    attempt.founds = founds
    rec = merge(founds, page.url)
    in_address = next((i.value for i in address.identifiers_in(page.url) if i.kind == "doi"), "")
    doi = (rec.get("DOI") if rec is not None else "") or _doi_from_any(founds) or in_address
    if doi:
        try:
            founds.append(found_from_record(doi_importer.record_for_doi(ctx, doi, refresh), "doi"))
        except RefdeskError as exc:
            attempt.problems.append(str(exc))
        else:
            page_had_metadata = rec is not None
            rec = merge(founds, page.url)
            if rec is not None and not page_had_metadata and doi == in_address:
                note(rec, f"the page carries no citation metadata; {address.describe(address.AddressId('doi', doi))}")
    if rec is None or not rec.title:
        raise ImporterError(_nothing_found(page.url, attempt, doi))
    for problem in attempt.site_problems:
        note(rec, problem)
    return rec


def bot_check(page: Page) -> str:
    """The title of a bot check ("Just a moment...") served instead of the article, or ""."""
    title = page.title or next((text_of(h) for h in page.tree.iter("h1")), "")
    lowered = title.lower()
    if any(lowered.startswith(t) or f"| {t}" in lowered for t in _BOT_TITLES):
        return title
    markup = " ".join(" ".join((el.get("src") or "", el.get("class") or "", el.get("id") or "")) for el in page.tree.iter("script", "div", "form"))
    if any(m in markup.lower() for m in _BOT_MARKUP):
        return title or "a challenge page"
    return ""


def from_address(
    ctx: AppContext, urls: list[str], why: str, error: RefdeskError, *, refused: bool = False, refresh: bool = False
) -> Record:
    """The record an identifier in the address names, when the page itself gives none (``why`` says what happened).

    With no identifier there, ``error`` is raised as it was, or, for a site that turns programs away, one sentence
    saying so and that the DOI will work.
    """
    idents: list[address.AddressId] = []
    for u in dict.fromkeys(urls):
        idents.extend(i for i in address.identifiers_in(u) if i not in idents)
    if not idents:
        if not refused:
            raise error
        sentence = (
            f"the site refused the request ({_refusal(error)}), as some publishers refuse programs that are not a web browser, "
            "and the address names no DOI, PII, arXiv or PubMed ID to use instead; paste the article's DOI from the page "
            "instead (refdesk import 10.xxxx/yyyy), which works without the page"
        )
        if isinstance(error, NetworkError):
            raise NetworkError(urls[0], sentence, error.status) from None
        raise ImporterError(f"{urls[0]}: {sentence}") from None
    problems = []
    for ident in idents:
        try:
            rec, how = address.record_for(ctx, ident, refresh)
        except RefdeskError as exc:
            problems.append(str(exc))
            continue
        note(rec, f"{why}; {how}")
        return rec
    raise ImporterError(f"{urls[0]}: {why}, and the identifiers in the address did not lead to a record: {'; '.join(problems)}")


def _refusal(error: RefdeskError) -> str:
    if isinstance(error, NetworkError):
        return error.reason
    return "a bot check instead of the article"


def _doi_from_any(founds: list[Found]) -> str:
    return next((f.first("DOI") for f in founds if f.first("DOI")), "")


def _nothing_found(url: str, attempt: Attempt, doi: str) -> str:
    """The user's address first (and the page finally reached, when redirects led elsewhere)."""
    where = attempt.url if attempt.url == url else f"{attempt.url} (reached {url})"
    msg = f"{where}: no citation metadata found on the page. Tried: {'; '.join(TRIED)}."
    if not doi:
        msg += " No DOI was found either."
    if attempt.problems:
        msg += " Problems: " + "; ".join(dict.fromkeys(attempt.problems)) + "."
    return msg


def _not_a_page(ctx: AppContext, url: str, resp: Response, attempt: Attempt) -> Record | None:
    """Records when the URL serves an export file itself; ImporterError for a PDF or another non-page."""
    ctype = resp.content_type
    if ctype == "application/pdf" or resp.content[:5] == b"%PDF-":
        msg = f"{url}: this address serves a PDF file, not an article page; refdesk reads citation metadata from landing pages."
        doi = find_doi(url) or find_doi(resp.url)
        if doi:
            msg += f" The address contains the DOI {doi}: import that instead (refdesk import {doi})."
        else:
            msg += " Import the page that links to the PDF, or the article's DOI."
        raise ImporterError(msg)
    sniffable = ("text/plain", "application/octet-stream", "application/json", "application/xml", "text/xml")
    fmt = links.FORMAT_TYPES.get(ctype) or (links.sniff_format(resp.text) if ctype in sniffable else None)
    if fmt is not None:
        records = _parse_export(resp, fmt, attempt)
        if not records:
            raise ImporterError(f"{url}: the {fmt.upper()} file it serves could not be read: {'; '.join(attempt.problems)}")
        rec = records[0]
        if not rec.get("url"):
            rec.fill("url", resp.url, f"web:{fmt}")
        return rec
    if ctype not in _HTML_TYPES and not ctype.startswith("text/"):
        raise ImporterError(f"{url}: the address serves {ctype}, not a web page with citation metadata")
    return None


def _parse_export(resp: Response, fmt: str, attempt: Attempt) -> list[Record]:
    try:
        return links.parse_export(resp.content, resp.text, fmt, f"web:{fmt}")
    except RefdeskError as exc:
        attempt.problems.append(f"the {fmt.upper()} export {resp.url} could not be read ({exc})")
        return []


def _exports(ctx: AppContext, page: Page, attempt: Attempt, refresh: bool) -> list[Found]:
    """Findings from the exports the page points to (the first ones that can be read)."""
    candidates = [*links.export_links(page), *vufind.export_links(page), *ojs.export_links(page)]
    out: list[Found] = []
    seen: set[str] = set()
    for link in candidates:
        if len(out) >= MAX_EXPORTS or link.url in seen:
            continue
        seen.add(link.url)
        try:
            if link.fmt == "unapi":
                formats = ctx.http.get(link.url, headers={"Accept": links.ACCEPT["unapi"]}, refresh=refresh)
                chosen = links.unapi_choice(formats.content, link)
                if chosen is None:
                    attempt.problems.append(f"the unAPI server offers no RIS, BibTeX, MODS or CSL-JSON for {link.url}")
                    continue
                link = chosen
            resp = ctx.http.get(link.url, headers={"Accept": links.ACCEPT[link.fmt]}, refresh=refresh)
        except RefdeskError as exc:
            attempt.problems.append(f"the {link.fmt.upper()} export could not be fetched ({exc})")
            continue
        fmt = link.fmt
        if resp.content_type in ("text/html", "application/xhtml+xml"):
            attempt.problems.append(f"the {fmt.upper()} export {resp.url} answered with a web page")
            continue
        records = _parse_export(resp, fmt, attempt)
        if records:
            out.append(found_from_record(records[0], fmt))
    return out


@dataclass
class UrlResult:
    url: str
    records: list[Record] = field(default_factory=list)
    error: RefdeskError | None = None


def import_urls(
    ctx: AppContext,
    urls: Iterable[str],
    max_workers: int = 16,
    *,
    refresh: bool = False,
    on_done: Callable[[UrlResult], None] | None = None,
) -> list[UrlResult]:
    """Import many URLs (or DOIs) concurrently, in input order; the shared client keeps each host within its limit.

    A DOI (``10.x/y``, ``doi:10.x/y``, ``https://doi.org/10.x/y``) is asked of the resolver, as
    ``refdesk import DOI`` does. ``on_done`` is called (from a worker thread) as each URL finishes, for
    progress reports.
    """
    todo = list(urls)

    def one(url: str) -> UrlResult:
        try:
            if normalize_doi(url):
                result = UrlResult(url, doi_importer.import_doi(ctx, url, refresh=refresh))
            else:
                result = UrlResult(url, import_url(ctx, url, refresh=refresh))
        except RefdeskError as exc:
            result = UrlResult(url, error=exc)
        if on_done is not None:
            on_done(result)
        return result

    with ThreadPoolExecutor(max_workers=max(1, max_workers)) as pool:
        return list(pool.map(one, todo))
