"""Command-line front end: ``refdesk COMMAND ...``; no command opens the desktop app.

Commands live in ``refdesk.commands.<name>`` modules, each with ``register(subparsers)``,
so features add commands without editing this file.
"""

from __future__ import annotations

import argparse
import importlib
import logging
import pkgutil
import sys
from collections.abc import Sequence

from refdesk import __version__, commands
from refdesk.app import AppContext
from refdesk.config import load_settings
from refdesk.errors import RefdeskError


def build_parser() -> argparse.ArgumentParser:
    parser = argparse.ArgumentParser(prog="refdesk", description="A reference manager for researchers.")
    parser.add_argument("--version", action="version", version=f"refdesk {__version__}")
    parser.add_argument("--library", metavar="PATH", help="library file (default: $REFDESK_LIBRARY or the user data dir)")
    parser.add_argument("-v", "--verbose", action="store_true", help="log what happens on standard error")
    sub = parser.add_subparsers(dest="command", metavar="COMMAND")
    for info in sorted(pkgutil.iter_modules(commands.__path__), key=lambda m: m.name):
        module = importlib.import_module(f"refdesk.commands.{info.name}")
        register = getattr(module, "register", None)
        if register is not None:
            register(sub)
    return parser


def main(argv: Sequence[str] | None = None) -> int:
    args_list = list(sys.argv[1:] if argv is None else argv)
    parser = build_parser()
    args = parser.parse_args(args_list)
    logging.basicConfig(level=logging.INFO if args.verbose else logging.WARNING, format="%(levelname)s %(name)s: %(message)s")
    if args.command is None:
        args = parser.parse_args([*args_list, "gui"])
    try:
        settings = load_settings()
        ctx = AppContext(settings, args.library or None)
    except RefdeskError as exc:
        print(f"refdesk: {exc}", file=sys.stderr)
        return exc.exit_code
    try:
        result: int = args.func(ctx, args)
        return result
    except RefdeskError as exc:
        print(f"refdesk: {exc}", file=sys.stderr)
        return exc.exit_code
    except KeyboardInterrupt:
        print("refdesk: interrupted", file=sys.stderr)
        return 130
    except BrokenPipeError:
        return 0
    finally:
        ctx.close()
