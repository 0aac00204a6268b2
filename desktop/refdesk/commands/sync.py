"""sync: two-way sync with Zotero (My Library and the chosen groups)."""

from __future__ import annotations

import argparse
import sys

from refdesk.app import AppContext
from refdesk.commands import add_command
from refdesk.output import dump_json


def register(sub: argparse._SubParsersAction) -> None:
    p = add_command(sub, "sync", cmd_sync, "two-way sync with Zotero (run `refdesk zotero login` first)",
                    json="print the sync report as JSON")
    p.add_argument("--library-id", action="append", default=[], metavar="ID",
                   help="'user' (My Library) or 'group:ID'; repeatable (default: My Library and the login's groups)")


def cmd_sync(ctx: AppContext, args: argparse.Namespace) -> int:
    from refdesk.commands.zotero import format_conflict_lines
    from refdesk.zotero.errors import ZoteroPausedError
    from refdesk.zotero.sync import Progress, SyncReport, sync

    def progress(p: Progress) -> None:
        if p.total and not args.json and sys.stderr.isatty():
            print(f"\r{p.library_id}: {p.phase} {p.done}/{p.total}", end="", file=sys.stderr, flush=True)

    try:
        report = sync(ctx, args.library_id or None, progress=progress)
    except ZoteroPausedError as exc:
        if not args.json:
            raise
        # the same JSON as every other outcome: nothing synced, and until when Zotero asked to wait
        from refdesk.zotero import conflicts

        report = SyncReport(error=str(exc), paused_until=exc.until, conflicts=conflicts.list_conflicts(ctx.library))
    if args.json:
        dump_json(report.to_json())
        return 0 if report.ok else 5
    if sys.stderr.isatty():
        print("\r", end="", file=sys.stderr)
    for r in report.libraries:
        if r.error:
            print(f"{r.library_id}: failed: {r.error}")
            continue
        parts = [f"{r.downloaded} downloaded", f"{r.merged} merged", f"{r.uploaded} uploaded",
                 f"{r.deleted_locally} deleted here", f"{r.deleted_remotely} deleted in Zotero"]
        if r.collections_downloaded or r.collections_uploaded:
            parts.append(f"{r.collections_downloaded + r.collections_uploaded} collections")
        print(f"{r.library_id}: " + ", ".join(parts) + f" (version {r.version_after})")
        if r.read_only:
            print(f"  read-only key: {r.pending} local change(s) stay here until a key with write access is given")
        for f in r.failed:
            print(f"  not accepted by Zotero: {f['key']}: {f['message']} (HTTP {f['code']})")
    if report.conflicts:
        print(f"{len(report.conflicts)} conflict(s) need a decision (the local values are kept meanwhile):")
        print("\n".join("  " + line for line in format_conflict_lines(report.conflicts)))
        print("Settle with: refdesk zotero conflicts --resolve KEY --take local|remote")
    print(f"{report.requests} requests in {report.seconds:.1f} s", file=sys.stderr)
    return 0 if report.ok else 5
