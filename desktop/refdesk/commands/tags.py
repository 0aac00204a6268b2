"""tags: the tags in the library with how many items have each; rename or delete a tag on every item."""

from __future__ import annotations

import argparse
import sys

from refdesk.app import AppContext
from refdesk.commands import add_command
from refdesk.library.tags import delete_tag, rename_tag, tag_counts
from refdesk.output import dump_json


def register(sub: argparse._SubParsersAction) -> None:
    p = add_command(sub, "tags", cmd_list, "list the tags, or rename or delete one on every item",
                    description="Tags as the app's tag selector shows them: typed ones, and automatic ones (added by an "
                    "importer or an add-on) marked (auto). A rename or deletion changes each item that has the tag, "
                    "synced at the next `refdesk sync`.")
    p.add_argument("--json", action="store_true", help="print JSON")
    p.add_argument("--library", metavar="ID", help="only this library ('user', or 'group:ID')")
    actions = p.add_subparsers(dest="tags_action", metavar="ACTION")
    listing = actions.add_parser("list", help="every tag with how many items have it (the default)")
    listing.add_argument("--json", action="store_true", help="print a JSON array of tags")
    listing.add_argument("--library", metavar="ID", help="only this library ('user', or 'group:ID')")
    listing.add_argument("--search", "-s", metavar="TEXT", help="only the tags of the items this search finds")
    listing.add_argument("--no-automatic", action="store_true", help="leave out automatic tags")
    listing.set_defaults(func=cmd_list)
    rename = actions.add_parser("rename", help="rename a tag on every item that has it")
    rename.add_argument("old")
    rename.add_argument("new")
    rename.add_argument("--library", metavar="ID", help="only in this library (default: every library)")
    rename.set_defaults(func=cmd_rename)
    delete = actions.add_parser("delete", help="take a tag off every item that has it")
    delete.add_argument("tag")
    delete.add_argument("--library", metavar="ID", help="only in this library (default: every library)")
    delete.set_defaults(func=cmd_delete)


def cmd_list(ctx: AppContext, args: argparse.Namespace) -> int:
    found = tag_counts(ctx.library, getattr(args, "search", None), getattr(args, "library", None))
    if getattr(args, "no_automatic", False):
        found = [t for t in found if not t.automatic]
    if getattr(args, "json", False):
        dump_json([{"tag": t.tag, "type": 1 if t.automatic else 0, "items": t.items} for t in found])
        return 0
    if not found:
        print("No tags match." if getattr(args, "search", None) else "No tags yet.", file=sys.stderr)
    for t in found:
        print(f"{t.items:>7,}  {t.tag}{'  (auto)' if t.automatic else ''}")
    return 0


def _items(n: int) -> str:
    return f"{n:,} item{'' if n == 1 else 's'}"


def cmd_rename(ctx: AppContext, args: argparse.Namespace) -> int:
    changed = rename_tag(ctx.library, args.old, args.new, args.library)
    print(f"Renamed '{args.old}' to '{args.new.strip()}' on {_items(len(changed))}")
    return 0


def cmd_delete(ctx: AppContext, args: argparse.Namespace) -> int:
    changed = delete_tag(ctx.library, args.tag, args.library)
    print(f"Deleted the tag '{args.tag}' from {_items(len(changed))}")
    return 0
