"""One module per CLI command group; each exposes ``register(subparsers)``."""

from __future__ import annotations

import argparse
from collections.abc import Callable
from typing import Any

from refdesk.app import AppContext

Handler = Callable[[AppContext, argparse.Namespace], int]


def add_command(
    sub: argparse._SubParsersAction, name: str, func: Handler, help: str, *, json: str | None = None, **parser_options: Any
) -> argparse.ArgumentParser:
    """A (sub)command that runs ``func(ctx, args)``; with ``json``, a ``--json`` flag with that help text."""
    parser: argparse.ArgumentParser = sub.add_parser(name, help=help, **parser_options)
    if json is not None:
        parser.add_argument("--json", action="store_true", help=json)
    parser.set_defaults(func=func)
    return parser


def positive_int(text: str) -> int:
    """An argparse type for counts such as ``--limit``: a whole number of at least 1."""
    try:
        value = int(text)
    except ValueError:
        raise argparse.ArgumentTypeError(f"must be a whole number, got '{text}'") from None
    if value < 1:
        raise argparse.ArgumentTypeError(f"must be 1 or more, got {value}")
    return value


def add_refresh(parser: argparse.ArgumentParser) -> None:
    parser.add_argument("--refresh", action="store_true", help="ignore cached responses")
