"""collections: list, create, rename and delete collections (synced to Zotero like the app's left pane)."""

from __future__ import annotations

import argparse
import sys

from refdesk.app import AppContext
from refdesk.commands import add_command
from refdesk.library.collections import (
    Collection,
    create_collection,
    delete_collection,
    list_collections,
    move_collection,
    rename_collection,
)
from refdesk.output import dump_json


def register(sub: argparse._SubParsersAction) -> None:
    p = add_command(sub, "collections", cmd_list, "list, create, rename or delete collections",
                    description="Collections as in Zotero: nested, synced at the next `refdesk sync`. An item is put "
                    "into one with `refdesk edit KEY --add-collection COLLECTION`.")
    p.add_argument("--json", action="store_true", help="print JSON")
    p.add_argument("--library", metavar="ID", help="only this library ('user', or 'group:ID')")
    actions = p.add_subparsers(dest="collections_action", metavar="ACTION")
    listing = actions.add_parser("list", help="every collection as a tree, with its key and how many items it holds "
                                 "(the default)")
    listing.add_argument("--json", action="store_true", help="print a JSON array of collections")
    listing.add_argument("--library", metavar="ID", help="only this library ('user', or 'group:ID')")
    listing.set_defaults(func=cmd_list)
    new = actions.add_parser("new", help="create a collection (a subcollection with --parent)")
    new.add_argument("name")
    new.add_argument("--parent", metavar="KEY", help="the collection to create it in")
    new.add_argument("--library", metavar="ID", help="the library to create it in (default: My Library, or the "
                     "parent's)")
    new.add_argument("--json", action="store_true", help="print the new collection as JSON")
    new.set_defaults(func=cmd_new)
    rename = actions.add_parser("rename", help="give a collection a new name")
    rename.add_argument("key")
    rename.add_argument("name")
    rename.add_argument("--json", action="store_true", help="print the renamed collection as JSON")
    rename.set_defaults(func=cmd_rename)
    move = actions.add_parser("move", help="put a collection (with its subcollections) inside another, or at the top")
    move.add_argument("key")
    where = move.add_mutually_exclusive_group(required=True)
    where.add_argument("--parent", metavar="KEY", help="the collection to put it in (not one of its own subcollections)")
    where.add_argument("--top", action="store_true", help="make it a top-level collection of its library")
    move.add_argument("--json", action="store_true", help="print the moved collection as JSON")
    move.set_defaults(func=cmd_move)
    delete = actions.add_parser("delete", help="delete a collection and its subcollections (their items stay in the "
                                "library)")
    delete.add_argument("key")
    delete.add_argument("--json", action="store_true", help="print the deleted collections as JSON")
    delete.set_defaults(func=cmd_delete)


def _json(c: Collection) -> dict[str, object]:
    return {"key": c.key, "library": c.library_id, "name": c.name, "parentCollection": c.parent or False,
            "items": c.items}


def cmd_list(ctx: AppContext, args: argparse.Namespace) -> int:
    found = list_collections(ctx.library, getattr(args, "library", None), counts=True)
    if args.json:
        dump_json([_json(c) for c in found])
        return 0
    if not found:
        print("No collections yet: `refdesk collections new NAME` makes one.", file=sys.stderr)
        return 0
    several = len({c.library_id for c in found}) > 1
    for c in found:
        where = f"  [{c.library_id}]" if several and c.depth == 0 else ""
        print(f"{c.key}  {'    ' * c.depth}{c.name} ({c.items:,}){where}")
    return 0


def cmd_new(ctx: AppContext, args: argparse.Namespace) -> int:
    made = create_collection(ctx.library, args.name, args.parent, args.library)
    if args.json:
        dump_json(_json(made))
    else:
        inside = f" in {args.parent}" if args.parent else ""
        print(f"Created {made.key}  {made.name}{inside} (uploaded at the next sync)")
    return 0


def cmd_rename(ctx: AppContext, args: argparse.Namespace) -> int:
    renamed = rename_collection(ctx.library, args.key, args.name)
    if args.json:
        dump_json(_json(renamed))
    else:
        print(f"Renamed {renamed.key} to {renamed.name}")
    return 0


def cmd_move(ctx: AppContext, args: argparse.Namespace) -> int:
    moved = move_collection(ctx.library, args.key, None if args.top else args.parent)
    if args.json:
        dump_json(_json(moved))
    else:
        where = f"into {moved.parent}" if moved.parent else "to the top of its library"
        print(f"Moved {moved.key}  {moved.name} {where} (uploaded at the next sync)")
    return 0


def cmd_delete(ctx: AppContext, args: argparse.Namespace) -> int:
    gone = delete_collection(ctx.library, args.key)
    if args.json:
        dump_json([_json(c) for c in gone])
        return 0
    print(f"Deleted {gone[0].key}  {gone[0].name} (its items stay in the library)")
    if len(gone) > 1:
        n = len(gone) - 1
        print(f"  and {n} subcollection{'' if n == 1 else 's'}: " + ", ".join(c.name for c in gone[1:]))
    return 0
