"""import: files, URLs, DOIs and ISSNs, each stored with duplicate detection."""

from __future__ import annotations

import argparse
import sys
import threading
from typing import TYPE_CHECKING

from refdesk.app import AppContext
from refdesk.commands import add_command, add_refresh, positive_int
from refdesk.errors import RefdeskError
from refdesk.identifiers import Kind
from refdesk.importers.dispatch import ImportOptions, classify_input, records_for
from refdesk.output import dump_json, one_line

if TYPE_CHECKING:
    from refdesk.importers.web import UrlResult


def register(sub: argparse._SubParsersAction) -> None:
    p = add_command(
        sub,
        "import",
        cmd_import,
        "import from RIS/BibTeX/CSL-JSON files, article URLs, DOIs, or a journal's ISSN",
        json="print the imported records as a JSON array",
        description="Each input is classified as a file, URL, DOI or ISSN. A record that is already in the "
        "library (same DOI, URL, or title + first author + year) is updated instead of added. Several URLs and DOIs "
        "are fetched at once (at most per_host_limit per host) and stored in the order given; an input that fails "
        "is named and the others still import (exit code 1).",
    )
    p.add_argument("inputs", nargs="+", metavar="FILE|URL|DOI|ISSN")
    p.add_argument("--query", "-q", metavar="TEXT", help="with an ISSN: import the journal's articles matching TEXT")
    p.add_argument("--limit", type=positive_int, default=20, help="with an ISSN: at most this many articles (default 20)")
    p.add_argument("--year", type=int, help="with an ISSN: only articles of this year")
    add_refresh(p)


def cmd_import(ctx: AppContext, args: argparse.Namespace) -> int:
    options = ImportOptions(query=args.query, limit=args.limit, year=args.year, refresh=args.refresh)
    say = (lambda msg: print(msg, file=sys.stderr)) if args.json else print
    fetched = _fetch_web_inputs(ctx, args.inputs, options.refresh, progress=sys.stderr.isatty() and not args.json)
    imported = []
    failures = 0
    for n, text in enumerate(args.inputs):
        try:
            ident = classify_input(text)
            if n in fetched:
                error = fetched[n].error
                if error is not None:
                    raise error
                records = fetched[n].records
            else:
                records = records_for(ctx, ident, options, say)
            lib = ctx.library
            with lib.transaction():
                outcomes = [lib.import_record(r, records_source(ident.kind, r)) for r in records]
        except RefdeskError as exc:
            failures += 1
            if len(args.inputs) == 1:
                print(f"refdesk: {exc}", file=sys.stderr)
                return exc.exit_code
            named = str(exc) if text.strip() in str(exc) else f"{text.strip()}: {exc}"
            print(f"refdesk: {named}", file=sys.stderr)
            continue
        for outcome in outcomes:
            imported.append(outcome.record)
            if outcome.status == "added":
                say(f"Added {one_line(outcome.record)}")
            else:
                verb = "Updated" if outcome.status == "updated" else "Already in the library"
                say(f"{verb} (same {outcome.matched_by}): {one_line(outcome.record)}")
    if args.json:
        dump_json([r.to_json() for r in imported])
    return 1 if failures else 0


def _fetch_web_inputs(ctx: AppContext, inputs: list[str], refresh: bool, *, progress: bool) -> dict[int, UrlResult]:
    """With several URLs and DOIs among the inputs: all of them fetched at once (``import_urls``, each host
    within the per-host limit), by input position; the caller stores them in input order."""
    web: dict[int, str] = {}
    for n, text in enumerate(inputs):
        try:
            ident = classify_input(text)
        except RefdeskError:
            continue  # reported in its turn
        if ident.kind in (Kind.URL, Kind.DOI):
            web[n] = ident.value
    if len(web) < 2:
        return {}
    from refdesk.importers.web import import_urls

    done = 0
    lock = threading.Lock()

    def count(result: UrlResult) -> None:
        nonlocal done
        with lock:
            done += 1
            print(f"\rfetched {done}/{len(web)}", end="" if done < len(web) else "\n", file=sys.stderr, flush=True)

    results = import_urls(ctx, list(web.values()), refresh=refresh, on_done=count if progress else None)
    return dict(zip(web, results, strict=True))


def records_source(kind: Kind, record: object) -> str:
    return f"import:{kind.value}"
