"""refdesk plugins list|install|uninstall|enable|disable|new: managing add-ons of both kinds (enrichment and site)."""

from __future__ import annotations

import argparse
import sys
from pathlib import Path
from typing import TYPE_CHECKING

from refdesk.app import AppContext
from refdesk.commands import add_command
from refdesk.output import dump_json

if TYPE_CHECKING:
    from refdesk.plugins.host import PluginInfo


def register(sub: argparse._SubParsersAction) -> None:
    p = sub.add_parser("plugins", help="list, install, enable or create add-ons (enrichment and site add-ons)")
    actions = p.add_subparsers(dest="plugins_action", metavar="ACTION", required=True)

    add_command(actions, "list", cmd_list, "the installed add-ons: name, version, kind (enrichment or site), enabled, where from, compatible",
                json="print the add-ons as JSON")

    a = add_command(actions, "install", cmd_install,
                    "pip-install an add-on (a folder, a wheel or an sdist) into refdesk's environment and check that it "
                    "loads; exits 1 when it cannot run (it stays installed)",
                    json="print the install summary as JSON")
    a.add_argument("spec", metavar="SPEC", help="a project folder (installed editable, like pip install -e), a wheel or an sdist")
    a.add_argument("--dry-run", action="store_true", help="only say what would be installed")
    a.add_argument("--no-editable", dest="editable", action="store_false", default=None,
                   help="install a copy of a folder instead of running the add-on from it")

    a = add_command(actions, "uninstall", cmd_uninstall, "remove an add-on (by its name or distribution name)")
    a.add_argument("name", metavar="NAME")

    for action, enabled in (("enable", True), ("disable", False)):
        a = add_command(actions, action, cmd_enable, f"{action} an add-on (kept in settings)")
        a.add_argument("name", metavar="NAME")
        a.set_defaults(enabled=enabled)

    a = add_command(actions, "new", cmd_new, "write a ready-to-install add-on skeleton (pyproject, README, a passing test)")
    a.add_argument("name", metavar="NAME")
    a.add_argument("--dir", default=".", metavar="FOLDER", help="where to create refdesk-NAME/ (default: here)")
    a.add_argument("--kind", choices=("enrich", "site"), default="enrich",
                   help="enrich: suggests values for records (default); site: reads one platform's article pages on import")


def cmd_list(ctx: AppContext, args: argparse.Namespace) -> int:
    from refdesk.plugins import manager
    from refdesk.plugins.host import KIND_WORDS

    infos = manager.list_plugins(ctx)
    if args.json:
        dump_json([i.to_json() for i in infos])
        return 0
    print(environment_line())  # even with none: it names the Python to install into and to run add-on tests with
    if not infos:
        print("No add-ons installed. Try `refdesk plugins install FOLDER` or `refdesk plugins new NAME`.")
        return 0
    rows = [(i.name, i.distribution, i.version or "-", KIND_WORDS.get(i.kind, i.kind), state_of(i), f"from {i.origin}")
            for i in infos]
    widths = [max(len(r[c]) for r in rows) for c in range(5)]  # long names keep the columns aligned
    for info, row in zip(infos, rows, strict=True):
        print("  ".join(cell.ljust(w) for cell, w in zip(row[:5], widths, strict=True)) + "  " + row[5])
        if not info.compatible and info.message:
            print(" " * (widths[0] + 2) + info.message.removeprefix("cannot run: "))
    return 0


def state_of(info: PluginInfo) -> str:
    """What the user set (enabled, disabled) and whether it can run at all; never "disabled" for what the user did not."""
    if not info.compatible:
        return "cannot run" if info.enabled else "disabled, cannot run"
    return "enabled" if info.enabled else "disabled"


def environment_line() -> str:
    """Which Python's environment the add-ons live in: the one to install into and to run add-on tests with."""
    from refdesk import __version__
    from refdesk.plugins.api import API_VERSION

    return f"Add-ons of refdesk {__version__} (plugin API {API_VERSION}) in the environment of {sys.executable}"


def cmd_install(ctx: AppContext, args: argparse.Namespace) -> int:
    from refdesk.plugins import manager

    summary = manager.install(ctx, args.spec, dry_run=args.dry_run, editable=args.editable)
    if args.json:
        dump_json(summary.to_json())
    else:
        print(summary.text())
    return 0 if summary.ok else 1


def cmd_uninstall(ctx: AppContext, args: argparse.Namespace) -> int:
    from refdesk.plugins import manager

    print(manager.uninstall(ctx, args.name))
    return 0


def cmd_enable(ctx: AppContext, args: argparse.Namespace) -> int:
    from refdesk.plugins import manager

    info = manager.set_enabled(ctx, args.name, args.enabled)
    state = "enabled" if args.enabled else "disabled"
    if args.enabled and not info.compatible:
        print(f"{info.name} enabled, but it still {info.message}")
        return 1
    if info.kind == "site":
        print(f"{info.name} {state} (a site add-on: {'URL imports ask it first' if args.enabled else 'URL imports no longer ask it'})")
        return 0
    print(f"{info.name} {state}")
    return 0


def cmd_new(ctx: AppContext, args: argparse.Namespace) -> int:
    from refdesk.plugins.scaffold import new_plugin
    from refdesk.plugins.site_scaffold import new_site_addon

    root = (new_site_addon if args.kind == "site" else new_plugin)(args.name, Path(args.dir))
    print(f"Created {root}")
    print(f"  test it with refdesk's Python: cd {root} && {sys.executable} -m pytest")
    print(f"  install it (editable):         refdesk plugins install {root}")
    return 0
