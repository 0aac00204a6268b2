"""gui: open the desktop window (the default when no command is given)."""

from __future__ import annotations

import argparse

from refdesk.app import AppContext
from refdesk.commands import add_command
from refdesk.errors import RefdeskError


def register(sub: argparse._SubParsersAction) -> None:
    p = add_command(sub, "gui", cmd_gui, "open the desktop app (default with no command)")
    p.add_argument("inputs", nargs="*", metavar="URL|DOI|FILE",
                   help="identifiers or files to add once the window is open (what a launcher passes as %%U)")
    p.set_defaults(auto_backup=False)  # the window backs up in the background (gui/library_safety.py)


def cmd_gui(ctx: AppContext, args: argparse.Namespace) -> int:
    try:
        from refdesk.gui.app import run
    except ImportError as exc:
        raise RefdeskError(f"The desktop app is not available: {exc}") from None
    return run(ctx, list(getattr(args, "inputs", None) or []))
