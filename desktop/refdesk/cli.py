"""Command-line front end: ``refdesk COMMAND ...``; no command opens the desktop app.

Commands live in ``refdesk.commands.<name>`` modules, each with ``register(subparsers)``,
so features add commands without editing this file.

Whatever goes wrong ends in one plain line on standard error and a non-zero exit, never a traceback:
a ``RefdeskError`` is printed as it is, Ctrl-C is ``refdesk: interrupted`` (exit 130), a reader that
goes away (``| head``) ends the output quietly. Only the standard library is imported at module
level, so a Ctrl-C while refdesk starts is handled too.
"""

from __future__ import annotations

import _signal  # not `signal`, which loads enum: main() should handle Ctrl-C as early as it can
import os
import sys

TYPE_CHECKING = False
if TYPE_CHECKING:  # nothing but built-in modules loads before main() handles Ctrl-C
    import argparse
    import threading
    from collections.abc import Sequence
    from types import FrameType

# Arguments that name files: they may be any bytes the file system allows, not only UTF-8 text.
_PATH_ARGUMENTS = ("library", "output", "dir")
# After Ctrl-C, seconds refdesk may take to finish (roll back, close the library) before it exits anyway:
# worker threads waiting for a slow server cannot be stopped, and Python would wait for them.
INTERRUPT_GRACE = 2.0

_state = {"interrupted": False, "reported": False}
_timer: threading.Timer | None = None


def build_parser() -> argparse.ArgumentParser:
    import argparse
    import importlib
    import pkgutil

    from refdesk import __version__, commands

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
    """Run one command; the exit status. With ``argv`` None this is the ``refdesk`` process itself
    (the console script, ``python -m refdesk``): Ctrl-C then also ends threads still waiting on the network."""
    owns_process = argv is None
    if owns_process:
        _state.update(interrupted=False, reported=False)
        sys.unraisablehook = _unraisable
        _signal.signal(_signal.SIGINT, _on_interrupt)
    code = _run(list(sys.argv[1:] if argv is None else argv))
    if owns_process and _state["interrupted"]:
        _exit_now(code)
    return code


def _run(args_list: list[str]) -> int:
    ctx = None
    try:
        import logging

        parser = build_parser()
        try:
            args = parser.parse_args(args_list)
        except SystemExit:  # --help, --version or a usage error: argparse has written its text
            _flush_stdout()
            raise
        logging.basicConfig(level=logging.INFO if args.verbose else logging.WARNING, format="%(levelname)s %(name)s: %(message)s")
        if args.command is None:
            args = parser.parse_args([*args_list, "gui"])
        from refdesk.app import AppContext
        from refdesk.config import load_settings

        _check_text_arguments(args)
        # commands that open the library back it up once a day first (gui, backup, restore, check opt out)
        ctx = AppContext(load_settings(), args.library or None, auto_backup=getattr(args, "auto_backup", True))
        result: int = args.func(ctx, args)
        sys.stdout.flush()  # a closed pipe or a full disk shows here, not as Python's complaint at exit
        return result
    except KeyboardInterrupt:
        _report_interrupt()
        return 130
    except BrokenPipeError:  # the reader went away (`refdesk list | head`): nothing more to say to it
        _silence_stdout()
        return 0
    except Exception as exc:
        from refdesk.errors import RefdeskError

        if isinstance(exc, RefdeskError):
            print(f"refdesk: {exc}", file=sys.stderr)
            return exc.exit_code
        if ctx is not None:  # SQLite found the library damaged in the middle of a command
            from refdesk.library.backup import damage_error

            damaged = damage_error(exc, ctx.library_path)
            if damaged is not None:
                print(f"refdesk: {damaged}", file=sys.stderr)
                return damaged.exit_code
        if isinstance(exc, OSError):  # e.g. standard output on a full disk
            _flush_stdout()
            print(f"refdesk: {exc.strerror or exc}" + (f": {exc.filename}" if exc.filename else ""), file=sys.stderr)
            return 1
        print(f"refdesk: unexpected error ({type(exc).__name__}: {exc}); run again with -v to see where", file=sys.stderr)
        import logging

        if logging.getLogger().isEnabledFor(logging.INFO):
            import traceback

            traceback.print_exc()
        return 1
    finally:
        if ctx is not None:
            try:
                ctx.close()
            except KeyboardInterrupt:
                _report_interrupt()


def _check_text_arguments(args: argparse.Namespace) -> None:
    """Every argument must be UTF-8 text (Python keeps other bytes as lone surrogates, which SQLite refuses),
    except a file name: that may be any bytes, and is used as such."""
    from refdesk.errors import InvalidInputError
    from refdesk.output import shown

    for dest, value in vars(args).items():
        if dest in _PATH_ARGUMENTS:
            continue
        for text in value if isinstance(value, list) else [value]:
            if not isinstance(text, str):
                continue
            try:
                text.encode("utf-8")
            except UnicodeEncodeError:
                if os.path.lexists(text):  # an input file (import, plugins install)
                    continue
                raise InvalidInputError(
                    f"The argument '{shown(text)}' is not UTF-8 text; is the terminal set to another encoding?"
                ) from None


def _on_interrupt(signum: int, frame: FrameType | None) -> None:
    global _timer
    if not _state["interrupted"]:
        _state["interrupted"] = True
        try:
            import threading

            _timer = threading.Timer(INTERRUPT_GRACE, _exit_now, args=(130,))
        except (AttributeError, ImportError):  # Ctrl-C while threading itself loads: no worker threads to outwait yet
            pass
        else:
            _timer.daemon = True
            _timer.start()
    raise KeyboardInterrupt


def _unraisable(info: sys.UnraisableHookArgs) -> None:
    """Ctrl-C that lands where Python cannot raise it (a finaliser, an import's callback) is not a crash: the
    interrupt is already noted and ends the process (``_exit_now``), so Python's 'Exception ignored' report of it
    is dropped; anything else is reported as usual."""
    if isinstance(info.exc_value, KeyboardInterrupt):
        return
    sys.__unraisablehook__(info)


def _report_interrupt() -> None:
    if not _state["reported"]:
        _state["reported"] = True
        print("refdesk: interrupted", file=sys.stderr, flush=True)


def _exit_now(code: int) -> None:
    """End the process without waiting for worker threads (they may wait minutes for a silent server)."""
    import contextlib

    _report_interrupt()
    for stream in (sys.stdout, sys.stderr):
        with contextlib.suppress(OSError, ValueError):
            stream.flush()
    os._exit(code)


def _flush_stdout() -> None:
    """Write what is buffered; if standard output cannot take it (closed pipe, full disk), drop it quietly."""
    try:
        sys.stdout.flush()
    except OSError:
        _silence_stdout()


def _silence_stdout() -> None:
    """Point standard output at /dev/null, so Python's flush at exit has nothing to complain about."""
    try:
        fd = sys.stdout.fileno()
    except (OSError, ValueError, AttributeError):
        return  # not a real file (tests capture output in memory)
    devnull = os.open(os.devnull, os.O_WRONLY)
    os.dup2(devnull, fd)
    os.close(devnull)
