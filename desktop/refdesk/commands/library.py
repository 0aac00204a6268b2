"""list, show, edit, remove, export: working with records already in the library."""

from __future__ import annotations

import argparse
import sys

from refdesk import schema
from refdesk.app import AppContext
from refdesk.commands import add_command, positive_int
from refdesk.errors import InvalidInputError
from refdesk.importers.files import FORMATS, write
from refdesk.library import Library
from refdesk.model import Record
from refdesk.output import child_line, detail, dump_json, one_line, print_records, shown


def register(sub: argparse._SubParsersAction) -> None:
    p = add_command(sub, "list", cmd_list, "list records, newest first, or those matching --search",
                    json="print a JSON array of records")
    p.add_argument("--search", "-s", metavar="TEXT", help="full-text search over title, creators, journal, abstract, tags")
    p.add_argument("--limit", type=positive_int, default=None, help="at most this many records")
    p.add_argument("--trash", action="store_true", help="list the items in the Trash instead")
    p.add_argument("--children", action="store_true",
                   help="also list each item's notes and attachments, under it (annotations stay with their PDF)")

    p = add_command(sub, "show", cmd_show, "show one record with every field and where it came from",
                    json="print the record as JSON")
    p.add_argument("key")

    p = add_command(sub, "edit", cmd_edit, "change fields and tags of a record (validated against its item type)",
                    json="print the changed record as JSON")
    p.add_argument("key")
    p.add_argument("--set", action="append", default=[], metavar="FIELD=VALUE", dest="assignments")
    p.add_argument("--add-tag", action="append", default=[], metavar="TAG")
    p.add_argument("--remove-tag", action="append", default=[], metavar="TAG")
    p.add_argument("--add-collection", action="append", default=[], metavar="COLLECTION",
                   help="put the item into this collection (its key: `refdesk collections` lists them)")
    p.add_argument("--remove-collection", action="append", default=[], metavar="COLLECTION",
                   help="take the item out of this collection")

    p = add_command(sub, "remove", cmd_remove, "move records to the Trash with their notes and attachments (synced to "
                    "Zotero; `refdesk trash` restores or deletes for good)")
    p.add_argument("key", nargs="+")

    p = add_command(sub, "export", cmd_export, "write records as CSL-JSON, RIS or BibTeX to standard output")
    p.add_argument("keys", nargs="*", metavar="KEY", help="records to export (default: all)")
    p.add_argument("--format", "-f", choices=FORMATS, default="csljson")
    p.add_argument("--output", "-o", metavar="FILE", help="write to FILE instead of standard output")


def cmd_list(ctx: AppContext, args: argparse.Namespace) -> int:
    """Top-level items (as Zotero's item list shows them); the Trash lists whatever was moved there."""
    lib = ctx.library
    records = lib.records(search=args.search, limit=args.limit, trash=args.trash, top_level=not args.trash)
    if args.children and not args.trash:
        children = {r.key: lib.children(r.key) for r in records}
        if args.json:
            print_records([c for r in records for c in (r, *children[r.key])], True)
        else:
            for r in records:
                print(one_line(r))
                for c in children[r.key]:
                    print(f"    {child_line(c)}")
    else:
        print_records(records, args.json)
    if not args.json and not records:
        empty = "The Trash is empty." if args.trash else "The library is empty."
        print("No records match." if args.search else empty, file=sys.stderr)
    return 0


def cmd_show(ctx: AppContext, args: argparse.Namespace) -> int:
    rec = ctx.library.get(args.key)
    if args.json:
        dump_json(rec.to_json())
    else:
        print(detail(rec))
        from refdesk.plugins.suggestions import tag_origin_lines

        for line in tag_origin_lines(ctx.library, rec):  # where each subject tag came from (add-ons)
            print(line)
    return 0


def cmd_edit(ctx: AppContext, args: argparse.Namespace) -> int:
    lib = ctx.library
    # Read and write in one transaction: an edit another process (the app, a sync) saves in between would
    # otherwise be overwritten by this one's copy of the record, though that process said it was saved.
    with lib.transaction():
        rec = lib.get(args.key)
        _apply_edits(rec, args)
        _check_collections(lib, rec, args)
        lib.save(rec, "user")
        from refdesk.library.collections import add_to_collection, remove_from_collection

        for key in args.add_collection:
            add_to_collection(lib, [rec.key], key)
        for key in args.remove_collection:
            remove_from_collection(lib, [rec.key], key)
        rec = lib.get(rec.key)
    if args.json:
        dump_json(rec.to_json())
    else:
        print(detail(rec))
    return 0


def _check_collections(lib: Library, rec: Record, args: argparse.Namespace) -> None:
    """``--add-collection`` and ``--remove-collection`` name collections that exist, and the item is in those to
    leave (checked before anything is saved)."""
    from refdesk.library.collections import get_collection

    for key in [*args.add_collection, *args.remove_collection]:
        get_collection(lib, key)
    for key in args.remove_collection:
        if key.strip() not in (rec.data.get("collections") or []):
            raise InvalidInputError(f"Record {rec.key} is not in the collection {key.strip()}")


def _apply_edits(rec: Record, args: argparse.Namespace) -> None:
    """``--set``, ``--add-tag`` and ``--remove-tag`` on ``rec``, each checked first (InvalidInputError)."""
    for assignment in args.assignments:
        name, sep, value = assignment.partition("=")
        name = name.strip()
        if not sep or not name:
            raise InvalidInputError(f"--set needs FIELD=VALUE, got '{assignment}'")
        if name in ("key", "version", "itemType", "creators", "tags", "collections", "relations"):
            raise InvalidInputError(f"'{name}' cannot be set with --set")
        schema.check_field(rec.item_type, name)
        if value:
            rec.set(name, value, "user")
        else:
            rec.data.pop(name, None)
            rec.provenance.pop(name, None)
    for tag in args.add_tag:
        if not tag.strip():
            raise InvalidInputError("--add-tag needs a tag; got an empty one")
        rec.add_tag(tag)
    for tag in args.remove_tag:
        if not rec.remove_tag(tag):
            raise InvalidInputError(f"Record {rec.key} has no tag '{tag}'")


def cmd_remove(ctx: AppContext, args: argparse.Namespace) -> int:
    from refdesk.commands.trash import report_moved

    moved = ctx.library.trash(args.key)
    report_moved(moved, args.key, "Moved to the Trash")
    return 0


def cmd_export(ctx: AppContext, args: argparse.Namespace) -> int:
    from refdesk.exporting import export_file, export_records

    if args.output:
        n = export_file(ctx, args.keys, args.format, args.output)
        print(f"Wrote {n} record{'' if n == 1 else 's'} to {shown(args.output)}", file=sys.stderr)
    else:
        sys.stdout.write(write(export_records(ctx, args.keys), args.format))
    return 0


__all__ = ["print_records", "register"]
