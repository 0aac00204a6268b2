"""backup, restore, check: keeping the library safe (docs/library-safety.md).

None of them opens the library the way other commands do: no daily backup runs first (``auto_backup``), so
``check`` can read a damaged library and ``restore`` holds no connection to the file it replaces.
"""

from __future__ import annotations

import argparse
import sys
from pathlib import Path

from refdesk.app import AppContext
from refdesk.commands import add_command
from refdesk.library import backup as backups
from refdesk.library.check import check as run_check
from refdesk.library.check import open_for_check, repair
from refdesk.output import dump_json, shown


def register(sub: argparse._SubParsersAction) -> None:
    p = add_command(sub, "backup", cmd_backup, "back the library up (a consistent copy, safe while it is in use)",
                    description="Copies the library with SQLite's online backup API, safe while the app or another "
                    "command is using it. Without PATH the copy goes to the backups folder beside the library, "
                    "which keeps the newest backup_keep (5) backups.")
    p.add_argument("path", nargs="?", metavar="PATH", help="a new file (or a folder) for the backup")
    p.set_defaults(auto_backup=False)

    p = add_command(sub, "restore", cmd_restore, "put a backup in the library's place (the replaced file is kept aside)",
                    description="Checks that BACKUP is a sound refdesk library, then puts it in the library's place; "
                    "the replaced library is kept beside it as NAME.replaced-<time>. Refuses while the app, a "
                    "command or a sync has the library open.")
    p.add_argument("backup", metavar="BACKUP", help="a backup file (or its name in the backups folder)")
    p.set_defaults(auto_backup=False)

    p = add_command(sub, "check", cmd_check, "check the library for damage and inconsistencies",
                    json="print the report as JSON",
                    description="SQLite's integrity check, the search index, foreign keys and the sync bookkeeping; "
                    "each problem in words with what --repair does. Exits 1 while problems remain.")
    p.add_argument("--repair", action="store_true", help="back the library up, then fix what can be fixed")
    p.set_defaults(auto_backup=False)


def cmd_backup(ctx: AppContext, args: argparse.Namespace) -> int:
    target = Path(args.path) if args.path else None
    made = backups.make_backup(ctx.library_path, target, keep=ctx.settings.backup_keep)
    print(shown(str(made)))
    kept = backups.backups(ctx.library_path)
    if target is None:
        print(f"Backed up the library; {len(kept)} backup{'s' if len(kept) != 1 else ''} kept in "
              f"{shown(str(backups.backup_folder(ctx.library_path)))}", file=sys.stderr)
    return 0


def _backup_path(ctx: AppContext, text: str) -> Path:
    """BACKUP as given, or the file of that name in the backups folder."""
    path = Path(text).expanduser()
    if not path.exists() and path.name == text:
        beside = backups.backup_folder(ctx.library_path) / text
        if beside.exists():
            return beside
    return path


def cmd_restore(ctx: AppContext, args: argparse.Namespace) -> int:
    result = backups.restore(ctx.library_path, _backup_path(ctx, args.backup))
    info = result.restored
    made = info.made.astimezone().strftime("%Y-%m-%d %H:%M")
    print(f"Restored {shown(str(info.path))} ({made}, {info.items:,} record{'s' if info.items != 1 else ''}) "
          f"as the library {shown(str(result.library))}")
    if result.replaced is not None:
        print(f"The library it replaced is kept as {shown(str(result.replaced))}")
    return 0


def cmd_check(ctx: AppContext, args: argparse.Namespace) -> int:
    lib = open_for_check(ctx.library_path)
    try:
        report = repair(lib, keep=ctx.settings.backup_keep) if args.repair else run_check(lib)
    finally:
        lib.close()
    if args.json:
        dump_json(report.to_json())
    else:
        print("\n".join(report.lines()))
    return 0 if report.ok else 1
