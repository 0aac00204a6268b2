"""trash: list, restore and empty Zotero's Trash (``refdesk remove`` moves items there)."""

from __future__ import annotations

import argparse
import sys
from collections.abc import Sequence

from refdesk.app import AppContext
from refdesk.commands import add_command
from refdesk.model import Record
from refdesk.output import dump_json, one_line, print_records


def register(sub: argparse._SubParsersAction) -> None:
    p = add_command(sub, "trash", cmd_trash_list, "list, restore or empty the Trash",
                    description="Items removed with `refdesk remove` (or moved to the Trash in Zotero) wait here with "
                    "their notes and attachments: out of lists, searches, exports and enrichment. Restoring brings "
                    "them back; emptying deletes them for good, in Zotero too at the next sync.")
    p.add_argument("--json", action="store_true", help="print JSON")
    actions = p.add_subparsers(dest="trash_action", metavar="ACTION")
    listing = actions.add_parser("list", help="the items in the Trash, newest first (the default)")
    listing.add_argument("--search", "-s", metavar="TEXT", help="only items whose title, creators or journal match")
    listing.add_argument("--json", action="store_true", help="print a JSON array of records")
    listing.set_defaults(func=cmd_trash_list)
    restore = actions.add_parser("restore", help="bring items back from the Trash (with their children)")
    restore.add_argument("key", nargs="+")
    restore.add_argument("--json", action="store_true", help="print the restored records as JSON")
    restore.set_defaults(func=cmd_trash_restore)
    empty = actions.add_parser("empty", help="delete items in the Trash for good (all, or the KEYs given)")
    empty.add_argument("key", nargs="*")
    empty.add_argument("--json", action="store_true", help="print the deleted keys as JSON")
    empty.set_defaults(func=cmd_trash_empty)


def report_moved(records: Sequence[Record], asked: Sequence[str], verb: str, *, as_json: bool = False) -> None:
    """One line per item asked for, and how many of their children went with them."""
    if as_json:
        dump_json([r.to_json() for r in records])
        return
    wanted = set(asked)
    for rec in records:
        if rec.key in wanted:
            print(f"{verb}: {one_line(rec)}")
    children = [r for r in records if r.key not in wanted]
    if children:
        n = len(children)
        print(f"  and {n} child item{'' if n == 1 else 's'} (notes, attachments, annotations) with them")
    if not records:
        print("Nothing changed: those items were already there.", file=sys.stderr)


def cmd_trash_list(ctx: AppContext, args: argparse.Namespace) -> int:
    records = ctx.library.records(search=getattr(args, "search", None), trash=True)
    print_records(records, args.json)
    if not args.json and not records:
        print("No items in the Trash match." if getattr(args, "search", None) else "The Trash is empty.", file=sys.stderr)
    return 0


def cmd_trash_restore(ctx: AppContext, args: argparse.Namespace) -> int:
    restored = ctx.library.restore(args.key)
    report_moved(restored, args.key, "Restored", as_json=args.json)
    return 0


def cmd_trash_empty(ctx: AppContext, args: argparse.Namespace) -> int:
    deleted = ctx.library.empty_trash(args.key or None)
    if args.json:
        dump_json([r.key for r in deleted])
    elif deleted:
        n = len(deleted)
        print(f"Deleted for good: {n} item{'' if n == 1 else 's'} (and from Zotero at the next sync)")
    else:
        print("The Trash is empty.", file=sys.stderr)
    return 0
