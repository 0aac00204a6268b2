"""import: files, URLs, DOIs and ISSNs, each stored with duplicate detection."""

from __future__ import annotations

import argparse
import sys

from refdesk.app import AppContext
from refdesk.commands import add_command, add_refresh
from refdesk.errors import RefdeskError
from refdesk.identifiers import Kind
from refdesk.importers.dispatch import ImportOptions, classify_input, records_for
from refdesk.output import dump_json, one_line


def register(sub: argparse._SubParsersAction) -> None:
    p = add_command(
        sub,
        "import",
        cmd_import,
        "import from RIS/BibTeX/CSL-JSON files, article URLs, DOIs, or a journal's ISSN",
        json="print the imported records as a JSON array",
        description="Each input is classified as a file, URL, DOI or ISSN. A record that is already in the "
        "library (same DOI, URL, or title + first author + year) is updated instead of added.",
    )
    p.add_argument("inputs", nargs="+", metavar="FILE|URL|DOI|ISSN")
    p.add_argument("--query", "-q", metavar="TEXT", help="with an ISSN: import the journal's articles matching TEXT")
    p.add_argument("--limit", type=int, default=20, help="with an ISSN: at most this many articles (default 20)")
    p.add_argument("--year", type=int, help="with an ISSN: only articles of this year")
    add_refresh(p)


def cmd_import(ctx: AppContext, args: argparse.Namespace) -> int:
    options = ImportOptions(query=args.query, limit=args.limit, year=args.year, refresh=args.refresh)
    say = (lambda msg: print(msg, file=sys.stderr)) if args.json else print
    imported = []
    failures = 0
    for text in args.inputs:
        try:
            ident = classify_input(text)
            records = records_for(ctx, ident, options, say)
            lib = ctx.library
            with lib.transaction():
                outcomes = [lib.import_record(r, records_source(ident.kind, r)) for r in records]
        except RefdeskError as exc:
            failures += 1
            print(f"refdesk: {exc}", file=sys.stderr)
            if len(args.inputs) == 1:
                return exc.exit_code
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


def records_source(kind: Kind, record: object) -> str:
    return f"import:{kind.value}"
