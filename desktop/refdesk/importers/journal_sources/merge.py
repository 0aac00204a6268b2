"""Merge what the sources found: the journal once, each article once, in a useful order.

Precedence where sources disagree is Crossref, then OpenAlex, then DOAJ (the
publisher's own deposit first), except where a later source is simply better:
the most precise date, the longest abstract, a landing page over a DOI link.
Articles are the same when their DOIs match, else when their normalised titles
(``text.title_key``) match and neither their years nor their DOIs disagree.
"""

from __future__ import annotations

import re
from collections.abc import Iterable

from refdesk.importers.journal_sources.common import is_latin
from refdesk.importers.journal_sources.types import SOURCES, ArticleHit, JournalInfo
from refdesk.text import fold, title_key

_WORD = re.compile(r"\w+", re.UNICODE)
_SIMPLE = ("title", "doi", "url", "volume", "issue", "pages", "language", "journal_title", "journal_abbreviation", "publisher")
#: Words too common to say anything about a match.
_STOP = {"a", "an", "and", "at", "by", "for", "in", "of", "on", "or", "the", "to", "with", "и", "в", "на", "о", "с"}


def _order(source: str) -> int:
    return SOURCES.index(source) if source in SOURCES else len(SOURCES)


def merge_journals(infos: Iterable[JournalInfo]) -> JournalInfo | None:
    """One JournalInfo from each source's (in precedence order); None when no source knows the journal."""
    found = sorted(infos, key=lambda i: _order(i.sources[0] if i.sources else ""))
    if not found:
        return None
    out = JournalInfo()
    titles: list[str] = []
    for info in found:
        for t in (info.title, *info.other_titles):
            if t and fold(t) not in {fold(x) for x in titles}:
                titles.append(t)
        for name in ("abbreviation", "publisher", "issn_print", "issn_electronic", "issn_linking", "homepage", "country"):
            if not getattr(out, name) and getattr(info, name):
                setattr(out, name, getattr(info, name))
        if info.open_access is not None and out.open_access is not True:  # any source saying "open" wins
            out.open_access = info.open_access
        if out.works_count is None:
            out.works_count = info.works_count
        for values, into in ((info.issns, out.issns), (info.subjects, out.subjects), (info.languages, out.languages), (info.sources, out.sources)):
            for v in values:
                if v and fold(v) not in {fold(x) for x in into}:
                    into.append(v)
    mains = [i.title for i in found if i.title]
    out.original_title = next((t for t in titles if not is_latin(t)), "")
    out.title = next((t for t in mains if is_latin(t)), "") or next((t for t in titles if is_latin(t)), "") or out.original_title
    out.other_titles = [t for t in titles if t not in (out.title, out.original_title)]
    return out


def _absorb(into: ArticleHit, hit: ArticleHit) -> None:
    """Fill ``into`` (the higher-precedence hit) from ``hit``."""
    source = hit.sources[0] if hit.sources else ""
    for name in _SIMPLE:
        if not getattr(into, name) and getattr(hit, name):
            setattr(into, name, getattr(hit, name))
            into.origin[name] = source
    if hit.url and "doi.org/" in into.url and "doi.org/" not in hit.url:
        into.url, into.origin["url"] = hit.url, source
    if len(hit.date) > len(into.date):
        into.date, into.origin["date"] = hit.date, source
    if len(hit.abstract) > len(into.abstract) * 1.2:  # a clearly fuller abstract, not a re-typeset one
        into.abstract, into.origin["abstract"] = hit.abstract, source
    if not into.creators and hit.creators:
        into.creators, into.origin["creators"] = hit.creators, source
    for issn in hit.issns:
        if issn not in into.issns:
            into.issns.append(issn)
    for s in hit.sources:
        if s not in into.sources:
            into.sources.append(s)
    into.ranks.update(hit.ranks)


def _start(hit: ArticleHit, rank: int) -> ArticleHit:
    source = hit.sources[0] if hit.sources else ""
    hit.ranks[source] = rank
    for name in (*_SIMPLE, "date", "abstract", "creators"):
        if getattr(hit, name):
            hit.origin[name] = source
    return hit


def merge_hits(per_source: dict[str, list[ArticleHit]], query: str | None, limit: int) -> list[ArticleHit]:
    """Deduplicate across sources (DOI, then title) and order: best match for ``query``, else newest first."""
    merged: list[ArticleHit] = []
    by_doi: dict[str, ArticleHit] = {}
    by_title: dict[str, list[ArticleHit]] = {}
    for source in sorted(per_source, key=_order):
        for rank, hit in enumerate(per_source[source]):
            if not hit.title and not hit.doi:
                continue  # nothing to show or to find it by: a malformed entry
            hit = _start(hit, rank)
            same = by_doi.get(hit.doi.lower()) if hit.doi else None
            if same is None and hit.title:
                for cand in by_title.get(title_key(hit.title), []):
                    if (not cand.doi or not hit.doi) and (not cand.year or not hit.year or cand.year == hit.year):
                        same = cand
                        break
            if same is None:
                merged.append(hit)
                same = hit
            else:
                _absorb(same, hit)
            if same.doi:
                by_doi.setdefault(same.doi.lower(), same)
            if same.title and same not in by_title.setdefault(title_key(same.title), []):
                by_title[title_key(same.title)].append(same)
    merged.sort(key=(lambda h: _relevance(h, query)) if query else _newest)
    return merged[:limit]


def _newest(hit: ArticleHit) -> tuple[int, str, int]:
    """Dated first, newest first; equal dates keep the sources' own order."""
    return (0 if hit.date else 1, _invert(hit.date), min(hit.ranks.values(), default=0))


def _invert(iso: str) -> str:
    """A string that sorts descending when sorted ascending ('2022-11-01' before '2022-10')."""
    padded = (iso + "-99-99")[:10]  # a bare year sorts after its dated months within the year
    return "".join(chr(0x7F - ord(c)) for c in padded)


def _relevance(hit: ArticleHit, query: str) -> tuple[float, float, str]:
    """Share of the query's words in the title (abstract counts half), then the sources' agreement (reciprocal ranks)."""
    words = [w for w in _WORD.findall(fold(query)) if w not in _STOP] or _WORD.findall(fold(query))
    title = set(_WORD.findall(fold(hit.title)))
    body = set(_WORD.findall(fold(hit.abstract)))
    share = sum(1.0 if w in title else 0.5 if w in body else 0.0 for w in words) / max(len(words), 1)
    agreement = sum(1.0 / (10 + r) for r in hit.ranks.values())
    return (-share, -agreement, _invert(hit.date))
