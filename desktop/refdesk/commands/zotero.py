"""zotero login | status | logout | conflicts: the Zotero account and the sync conflicts."""

from __future__ import annotations

import argparse
import getpass
import sys
from typing import Any

from refdesk.app import AppContext
from refdesk.commands import add_command
from refdesk.errors import InvalidInputError
from refdesk.output import dump_json


def register(sub: argparse._SubParsersAction) -> None:
    p = sub.add_parser("zotero", help="connect to a Zotero account (the API key is kept in the OS keyring)")
    zsub = p.add_subparsers(dest="zotero_command", metavar="SUBCOMMAND", required=True)

    q = add_command(zsub, "login", cmd_login, "check an API key against Zotero and keep it in the OS keyring",
                    json="print the account as JSON",
                    description="Reads the API key from a prompt without echo, or from standard input with "
                    "--api-key-stdin. Create a key at https://www.zotero.org/settings/keys.")
    q.add_argument("--user-id", required=True, metavar="ID", help="your numeric Zotero user ID (shown with your keys)")
    q.add_argument("--group", action="append", default=[], metavar="ID", help="also sync this group library (repeatable)")
    q.add_argument("--api-key-stdin", action="store_true", help="read the key from standard input")

    add_command(zsub, "status", cmd_status, "the account, its libraries, last sync and pending changes",
                json="print the status as JSON")
    add_command(zsub, "logout", cmd_logout, "remove the API key from the keyring")

    q = add_command(zsub, "conflicts", cmd_conflicts,
                    "list sync conflicts, or settle one with --resolve KEY --take local|remote",
                    json="print the conflicts as JSON")
    q.add_argument("--resolve", metavar="KEY", help="the item whose conflicts to settle")
    q.add_argument("--take", choices=("local", "remote"), help="keep refdesk's value (local) or Zotero's (remote)")
    q.add_argument("--field", help="settle only this field")
    q.add_argument("--all", action="store_true", help="list settled conflicts too")


def _read_key(from_stdin: bool) -> str:
    key = sys.stdin.readline().strip() if from_stdin else getpass.getpass("Zotero API key (input hidden): ").strip()
    if not key:
        raise InvalidInputError("No API key given; create one at https://www.zotero.org/settings/keys")
    return key


def cmd_login(ctx: AppContext, args: argparse.Namespace) -> int:
    from refdesk.zotero import account, credentials

    credentials.backend()  # say so before asking for a key that could not be kept
    info = account.login(ctx, args.user_id, _read_key(args.api_key_stdin), args.group)
    if args.json:
        dump_json({**info.to_json(), "groupsSynced": ctx.settings.zotero_groups})
        return 0
    print(f"Logged in to Zotero as {info.username} (user {info.user_id}).")
    print(f"The key may: {info.describe()}.")
    if not info.can_write:
        print("This key is read-only: refdesk will download from Zotero but keep local changes here until a key "
              "with write access is given.")
    print("The key is stored in the OS keyring only.")
    return 0


def cmd_status(ctx: AppContext, args: argparse.Namespace) -> int:
    from refdesk.zotero import account

    st = account.status(ctx)
    if args.json:
        dump_json(st)
        return 0
    if not st["userId"]:
        print("Not connected to Zotero. Run `refdesk zotero login --user-id ID`.")
        return 0
    who = f"{st['username']} (user {st['userId']})" if st["username"] else f"user {st['userId']}"
    key = {True: "in the OS keyring", False: "missing (run `refdesk zotero login`)", None: "keyring unavailable"}[st["keyStored"]]
    print(f"Account: {who}; API key {key}")
    if st["keyring"]:
        print(st["keyring"])
    for lib in st["libraries"]:
        access = "" if lib["canWrite"] else ", read-only"
        print(f"  {lib['library']:<14} {lib['name']}: version {lib['version']}, last sync {lib['lastSync'] or 'never'}{access}; "
              f"{lib['pendingChanges']} changes and {lib['pendingDeletions']} deletions to upload; {lib['conflicts']} conflicts")
        if lib["lastError"]:
            print(f"    last error: {lib['lastError']}")
    return 0


def cmd_logout(ctx: AppContext, args: argparse.Namespace) -> int:
    from refdesk.zotero import account

    if account.logout(ctx):
        print("Removed the Zotero API key from the keyring.")
    else:
        print("No Zotero API key was stored.")
    return 0


def format_conflict_lines(items: list[Any]) -> list[str]:
    from refdesk.zotero.conflicts import DELETED

    lines = []
    for c in items:
        if c.field == DELETED:
            what = "deleted here, changed in Zotero" if c.local == "deleted" else "changed here, deleted in Zotero"
            lines.append(f"{c.key}  [{c.library_id}]  {what}")
        else:
            lines.append(f"{c.key}  [{c.library_id}]  {c.field}: local {c.local!r}  remote {c.remote!r}")
        if c.resolved:
            lines[-1] += f"  (settled: {c.resolution})"
    return lines


def cmd_conflicts(ctx: AppContext, args: argparse.Namespace) -> int:
    from refdesk.zotero import conflicts

    if args.resolve or args.take:
        if not (args.resolve and args.take):
            raise InvalidInputError("--resolve KEY needs --take local|remote")
        settled = conflicts.resolve(ctx.library, args.resolve, args.take, args.field)
        if args.json:
            dump_json([c.to_json() for c in settled])
        else:
            fields = ", ".join(c.field for c in settled)
            print(f"Settled {len(settled)} conflict(s) of {args.resolve} ({fields}) with the {args.take} value; "
                  "run `refdesk sync` to send the result.")
        return 0
    items = conflicts.list_conflicts(ctx.library, include_resolved=args.all)
    if args.json:
        dump_json([c.to_json() for c in items])
    elif not items:
        print("No sync conflicts.")
    else:
        print("\n".join(format_conflict_lines(items)))
        print("Settle with: refdesk zotero conflicts --resolve KEY --take local|remote", file=sys.stderr)
    return 0
