"""import: files, URLs, DOIs and ISSNs, each stored with duplicate detection."""

from __future__ import annotations

import argparse
import json
import shutil
import sys
import time
from typing import TextIO

from refdesk.app import AppContext
from refdesk.commands import add_command, add_refresh, positive_int
from refdesk.importing import ImportOptions, import_inputs
from refdesk.library import ImportOutcome
from refdesk.output import one_line


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
    """A thin caller of ``refdesk.importing.import_inputs``: prints each input's records once it is stored."""
    options = ImportOptions(query=args.query, limit=args.limit, year=args.year, refresh=args.refresh)
    say = (lambda msg: print(msg, file=sys.stderr)) if args.json else print
    bar = ProgressBar(sys.stderr) if sys.stderr.isatty() and not args.json else None
    pending: list[tuple[str, str]] = []  # (the line said, the record's JSON with --json)
    json_out = JsonArrayWriter(sys.stdout) if args.json else None

    def on_outcome(outcome: ImportOutcome) -> None:
        # held until the input is committed: an input that fails later prints nothing of itself
        element = json.dumps(outcome.record.to_json(), ensure_ascii=False, indent=2) if json_out else ""
        pending.append((_line(outcome), element))

    def on_input(text: str, error: str | None) -> None:
        if bar is not None:
            bar.clear()
        if error is None:
            for line, element in pending:
                say(line)
                if json_out is not None:
                    json_out.item(element)
        elif len(args.inputs) == 1:
            print(f"refdesk: {error}", file=sys.stderr)
        else:
            print(f"refdesk: {error if text.strip() in error else f'{text.strip()}: {error}'}", file=sys.stderr)
        pending.clear()

    def progress(done: int, total: int, message: str) -> None:
        if bar is not None:
            bar.show(done, total, message)

    try:
        summary = import_inputs(ctx, args.inputs, options, progress, say=say, on_outcome=on_outcome, on_input=on_input)
    finally:
        if bar is not None:
            bar.clear()
        if json_out is not None:
            json_out.close()
    if summary.failed and len(args.inputs) == 1:
        return summary.exit_codes[0]
    return 1 if summary.failed else 0


def _line(outcome: ImportOutcome) -> str:
    if outcome.status == "added":
        return f"Added {one_line(outcome.record)}"
    verb = "Updated" if outcome.status == "updated" else "Already in the library"
    return f"{verb} (same {outcome.matched_by}): {one_line(outcome.record)}"


class JsonArrayWriter:
    """A JSON array written an element at a time, as ``dump_json`` writes a list (so nothing waits for the end)."""

    def __init__(self, out: TextIO) -> None:
        self.out = out
        self.count = 0

    def item(self, element_json: str) -> None:
        """``element_json``: one element as ``json.dumps(indent=2)`` writes it; indented as it nests in the array."""
        self.out.write(("[\n" if not self.count else ",\n") + "\n".join("  " + line for line in element_json.split("\n")))
        self.count += 1

    def close(self) -> None:
        self.out.write("\n]\n" if self.count else "[]\n")


class ProgressBar:
    """One line on a terminal, redrawn at most ten times a second: ``file.ris [#####     ] 45%  12,345 records``."""

    WIDTH = 24

    def __init__(self, out: TextIO) -> None:
        self.out = out
        self.shown = False
        self.last = 0.0

    def show(self, done: int, total: int, message: str) -> None:
        now = time.monotonic()
        if now - self.last < 0.1 and done < total:
            return
        self.last = now
        if total:
            filled = self.WIDTH * done // total
            bar = f"[{'#' * filled}{' ' * (self.WIDTH - filled)}] {100 * done // total:3d}%  "
        else:
            bar = ""
        columns = shutil.get_terminal_size().columns
        self.out.write("\r\x1b[K" + (bar + message)[: columns - 1])
        self.out.flush()
        self.shown = True

    def clear(self) -> None:
        if self.shown:
            self.out.write("\r\x1b[K")
            self.out.flush()
            self.shown = False
