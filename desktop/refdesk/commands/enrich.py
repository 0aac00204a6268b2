"""refdesk enrich: run the enrichment add-ons on records and store (or safely apply) their suggestions."""

from __future__ import annotations

import argparse
import sys
from collections import defaultdict

from refdesk.app import AppContext
from refdesk.commands import add_command
from refdesk.errors import InvalidInputError
from refdesk.output import dump_json


def register(sub: argparse._SubParsersAction) -> None:
    p = add_command(sub, "enrich", cmd_enrich, "ask the enabled add-ons for subjects, abstracts and missing fields",
                    json="print the report as JSON")
    p.add_argument("keys", nargs="*", metavar="KEY", help="records to enrich")
    p.add_argument("--all", action="store_true", help="enrich every record of the library")
    p.add_argument("--plugin", metavar="NAME", help="run only this add-on")
    p.add_argument("--apply", action="store_true",
                   help="accept the safe suggestions: fill empty fields, complete a cut-short abstract, add subjects as automatic tags")


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
    report = manager.enrich(ctx, keys, args.plugin, _progress if show_progress else None, apply=args.apply)
    if args.json:
        dump_json(report.to_json())
        return 0
    if report.applied.accepted:
        print(f"Applied {len(report.applied.accepted)} suggestion(s) to {len(report.applied.changed)} record(s):")
        for key, fields in report.applied.changed.items():
            print(f"  {key}: {', '.join(fields)}")
        print_suggestions(report.applied.accepted)
    if report.suggestions:
        print(f"{len(report.suggestions)} suggestion(s) to review (refdesk suggestions accept|reject ID...):")
        print_suggestions(report.suggestions)
    elif not report.applied.accepted:
        print(f"No new suggestions for {report.records} record(s) from {', '.join(report.plugins)}.")
    if report.problems:
        by_plugin: dict[str, list[str]] = defaultdict(list)
        for p in report.problems:
            by_plugin[p.plugin].append(str(p))
        print("Problems:", file=sys.stderr)
        for lines in by_plugin.values():
            for line in lines[:5]:
                print(f"  {line}", file=sys.stderr)
            if len(lines) > 5:
                print(f"  ... and {len(lines) - 5} more from the same add-on", file=sys.stderr)
    return 130 if report.cancelled else 0
