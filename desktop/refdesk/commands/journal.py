"""journal: show a journal by ISSN (facts from Crossref, OpenAlex and DOAJ) and its articles; stores nothing."""

from __future__ import annotations

import argparse
import sys
from dataclasses import asdict
from typing import Any

from refdesk.app import AppContext
from refdesk.commands import add_command, add_refresh, positive_int
from refdesk.errors import NotFoundError
from refdesk.importers.journal import (
    SOURCES,
    ArticleHit,
    JournalInfo,
    JournalLookup,
    journal_name,
    lookup_journal,
    not_found_message,
)
from refdesk.names import creators_summary
from refdesk.output import dump_json


def register(sub: argparse._SubParsersAction) -> None:
    p = add_command(
        sub,
        "journal",
        cmd_journal,
        "show a journal by ISSN and list or search its articles (import them with `refdesk import ISSN`)",
        json="print journal, articles and failures as JSON",
        description="Asks Crossref, OpenAlex and DOAJ at once. The journal is shown once, merged from every source "
        "that knows it; its articles are merged across sources (same DOI or same title = one article), newest "
        "first, or best match first with --query. A source that fails is named with the reason; the others still answer.",
    )
    p.add_argument("issn", metavar="ISSN")
    p.add_argument("--query", "-q", metavar="TEXT", help="only articles matching TEXT, best match first")
    p.add_argument("--year", type=int, help="only articles published in this year")
    p.add_argument("--limit", type=positive_int, default=20, help="at most this many articles (default 20)")
    add_refresh(p)


def hit_json(hit: ArticleHit) -> dict[str, Any]:
    out = asdict(hit)
    out.pop("ranks")
    out.pop("origin")
    out["year"] = hit.year
    out["authors"] = hit.authors
    return out


def lookup_json(lookup: JournalLookup) -> dict[str, Any]:
    return {
        "issn": lookup.issn,
        "query": lookup.query,
        "year": lookup.year,
        "journal": asdict(lookup.journal) if lookup.journal else None,
        "articles": [hit_json(h) for h in lookup.articles],
        "failures": [asdict(f) for f in lookup.failures],
        "totals": lookup.totals,
    }


def _line(label: str, value: str) -> str:
    return f"  {label + ':':<16} {value}"


def render(lookup: JournalLookup) -> str:
    """The journal's facts, then one line per article."""
    j = lookup.journal
    lines = [journal_name(lookup)]
    if j:
        if j.original_title and j.original_title != j.title:
            lines.append(_line("Original title", j.original_title))
        if j.other_titles:
            lines.append(_line("Also titled", "; ".join(j.other_titles)))
        if j.publisher:
            lines.append(_line("Publisher", j.publisher))
        lines.append(_line("ISSN", issn_text(j) or lookup.issn))
        for label, value in (("Subjects", "; ".join(j.subjects)), ("Homepage", j.homepage), ("Languages", ", ".join(j.languages)), ("Country", j.country)):
            if value:
                lines.append(_line(label, value))
        if j.open_access is not None:
            lines.append(_line("Open access", "yes" if j.open_access else "no"))
        lines.append(_line("Sources", ", ".join(j.sources)))
    else:
        lines.append(_line("ISSN", f"{lookup.issn} (no source describes the journal; articles only)"))
    if lookup.totals:
        lines.append(_line("Articles", ", ".join(f"{lookup.totals[s]} in {s}" for s in SOURCES if s in lookup.totals)))
    for f in lookup.failures:
        lines.append(_line("Failed", f"{f.source}: {f.reason}"))
    lines.append("")
    scope = f" of {lookup.year}" if lookup.year else ""
    if not lookup.articles:
        what = f" matching '{lookup.query}'" if lookup.query else ""
        lines.append(f"No articles{scope}{what}.")
        return "\n".join(lines)
    order = f"best match for '{lookup.query}' first" if lookup.query else "newest first"
    lines.append(f"{len(lookup.articles)} article(s){scope}, {order}:")
    for n, hit in enumerate(lookup.articles, 1):
        lines.append(f"{n:>3}. {article_line(hit)}")
    return "\n".join(lines)


def issn_text(j: JournalInfo) -> str:
    """'2076-7404 (print, linking), 2587-8476 (electronic)': each ISSN once, with what it is."""
    kinds: dict[str, list[str]] = {}
    for kind, value in (("print", j.issn_print), ("electronic", j.issn_electronic), ("linking", j.issn_linking)):
        if value:
            kinds.setdefault(value, []).append(kind)
    for value in j.issns:
        kinds.setdefault(value, [])
    return ", ".join(f"{v} ({', '.join(k)})" if k else v for v, k in kinds.items())


def article_line(hit: ArticleHit) -> str:
    who = creators_summary(hit.creators)
    where = ", ".join(p for p in (f"vol. {hit.volume}" if hit.volume else "", f"no. {hit.issue}" if hit.issue else "",
                                  f"pp. {hit.pages}" if hit.pages else "") if p)
    link = f"doi:{hit.doi}" if hit.doi else hit.url
    parts = [hit.date or "n.d.", f"{who}." if who else "", f"{hit.title or '(untitled)'}.", f"{where}." if where else "", link,
             f"[{', '.join(hit.sources)}]"]
    return " ".join(p for p in parts if p)


def cmd_journal(ctx: AppContext, args: argparse.Namespace) -> int:
    lookup = lookup_journal(ctx, args.issn, args.query, args.year, args.limit, args.refresh)
    if lookup.journal is None and not lookup.articles:
        raise NotFoundError(not_found_message(lookup))
    if args.json:
        for f in lookup.failures:
            print(f"refdesk: {f.source} failed: {f.reason}", file=sys.stderr)
        dump_json(lookup_json(lookup))
    else:
        print(render(lookup))
    return 0
