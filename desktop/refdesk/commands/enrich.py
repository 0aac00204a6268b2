"""refdesk enrich: run the enrichment add-ons on records and store (or safely apply) their suggestions."""

from __future__ import annotations

import argparse
import sys
from collections import defaultdict
from typing import TYPE_CHECKING

from refdesk.app import AppContext
from refdesk.commands import add_command
from refdesk.errors import InvalidInputError
from refdesk.output import dump_json

if TYPE_CHECKING:
    from refdesk.plugins import manager
    from refdesk.plugins.runner import Problem


def register(sub: argparse._SubParsersAction) -> None:
    p = add_command(sub, "enrich", cmd_enrich, "ask the enabled add-ons for subjects, abstracts and missing fields",
                    json="print the report as JSON")
    p.add_argument("keys", nargs="*", metavar="KEY", help="records to enrich")
    p.add_argument("--all", action="store_true", help="enrich every record of the library")
    p.add_argument("--plugin", metavar="NAME", help="run only this add-on")
    p.add_argument("--apply", action="store_true",
                   help="accept the safe suggestions: fill empty fields, complete a cut-short abstract, add subjects as automatic tags")
    p.add_argument("--refresh", action="store_true",
                   help="ask the add-ons' services again instead of answering from the HTTP cache (fresh answers are kept)")


def _progress(done: int, total: int, key: str) -> None:
    print(f"\renriched {done}/{total}", end="" if done < total else "\n", file=sys.stderr, flush=True)


def cmd_enrich(ctx: AppContext, args: argparse.Namespace) -> int:
    from refdesk.commands.suggestions import print_suggestions
    from refdesk.plugins import manager

    if args.all and args.keys:
        raise InvalidInputError("Give record keys or --all, not both")
    if not args.all and not args.keys:
        raise InvalidInputError("Which records? Give their keys, or --all")
    keys = None if args.all else args.keys
    show_progress = sys.stderr.isatty() and not args.json
    report = manager.enrich(ctx, keys, args.plugin, _progress if show_progress else None, apply=args.apply,
                            refresh=args.refresh)
    status = 130 if report.cancelled else 1 if report.all_failed else 0
    if args.json:
        dump_json(report.to_json())
        return status
    if report.applied.accepted:
        print(f"Applied {len(report.applied.accepted)} suggestion(s) to {len(report.applied.changed)} record(s):")
        for key, fields in report.applied.changed.items():
            print(f"  {key}: {', '.join(fields)}")
        print_suggestions(report.applied.accepted)
    if report.suggestions:
        print(f"{len(report.suggestions)} suggestion(s) to review (refdesk suggestions accept|reject ID...):")
        print_suggestions(report.suggestions)
    elif not report.applied.accepted and not report.all_failed:
        print(f"No new suggestions for {report.records} record(s) from {', '.join(report.plugins)}.")
    if report.problems:
        print_problems(report, verbose=bool(getattr(args, "verbose", False)))
    return status


def print_problems(report: manager.EnrichReport, *, verbose: bool) -> None:
    """The first five problems of each add-on (all of them, with tracebacks, with -v); says where the rest are."""
    by_plugin: dict[str, list[Problem]] = defaultdict(list)
    for p in report.problems:
        by_plugin[p.plugin].append(p)
    failed = "every call failed" if report.all_failed else f"{report.succeeded} call(s) answered"
    print(f"Problems ({len(report.problems)}; {failed}):", file=sys.stderr)
    hidden = 0
    for problems in by_plugin.values():
        shown = problems if verbose else problems[:5]
        for p in shown:
            print(f"  {p}", file=sys.stderr)
            if verbose and p.detail:
                print("    " + p.detail.replace("\n", "\n    "), file=sys.stderr)
        if len(problems) > len(shown):
            hidden += len(problems) - len(shown)
            print(f"  ... and {len(problems) - len(shown)} more from {problems[0].plugin}", file=sys.stderr)
    if hidden:
        print("  (`refdesk -v enrich ...` lists every problem with its traceback; --json lists them all too)", file=sys.stderr)
    elif any(p.detail for p in report.problems) and not verbose:
        print("  (`refdesk -v enrich ...` shows the tracebacks)", file=sys.stderr)
