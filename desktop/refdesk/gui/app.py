"""Starting the desktop app: ``refdesk``, ``refdesk gui`` and the ``refdesk-gui`` launcher.

Opens the window as early as possible (the table reads one page), applies a small
stylesheet written in palette roles so light and dark follow the system, and
turns any exception that escapes a slot into a message box instead of a crash.
"""

from __future__ import annotations

import logging
import sys
import traceback
from pathlib import Path
from types import TracebackType

from PySide6.QtCore import Qt
from PySide6.QtGui import QGuiApplication, QIcon, QPalette
from PySide6.QtWidgets import QApplication, QMessageBox

from refdesk.app import AppContext
from refdesk.errors import RefdeskError
from refdesk.gui.workers import readable_error

log = logging.getLogger(__name__)

RESOURCES = Path(__file__).resolve().parent / "resources"


def is_dark(app: QGuiApplication) -> bool:
    """Dark when the system says so (Qt >= 6.5), else when the window colour is dark."""
    scheme = app.styleHints().colorScheme()
    if scheme == Qt.ColorScheme.Dark:
        return True
    if scheme == Qt.ColorScheme.Light:
        return False
    return app.palette().color(QPalette.ColorRole.Window).lightness() < 128


def apply_style(app: QApplication) -> None:
    """The app stylesheet, with the accent colours for the current (light or dark) scheme."""
    qss = (RESOURCES / "app.qss").read_text(encoding="utf-8") if (RESOURCES / "app.qss").exists() else ""
    dark = is_dark(app)
    colours = {"@error": "#ff7b72" if dark else "#b3261e", "@hint": "#9da5b4" if dark else "#5f6368"}
    for name, value in colours.items():
        qss = qss.replace(name, value)
    app.setStyleSheet(qss)


def make_app(argv: list[str] | None = None) -> QApplication:
    existing = QApplication.instance()
    if isinstance(existing, QApplication):
        return existing
    app = QApplication(argv if argv is not None else sys.argv[:1])
    app.setApplicationName("refdesk")
    app.setOrganizationName("refdesk")
    app.setDesktopFileName("refdesk")
    icon = RESOURCES / "refdesk.svg"
    if icon.exists():
        app.setWindowIcon(QIcon(str(icon)))
    apply_style(app)
    app.styleHints().colorSchemeChanged.connect(lambda _scheme: apply_style(app))
    from refdesk.gui.icons import install_clear_buttons

    install_clear_buttons(app)  # line edits' clear buttons drawn in the palette's colour (visible in dark mode)
    return app


def _excepthook(kind: type[BaseException], exc: BaseException, tb: TracebackType | None) -> None:
    """An exception escaping a slot: log the traceback, show the user a sentence."""
    log.error("unhandled error:\n%s", "".join(traceback.format_exception(kind, exc, tb)))
    if QApplication.instance() is not None:
        QMessageBox.warning(None, "refdesk", readable_error(exc))


def check_display() -> None:
    """On Linux without a display Qt aborts the process; say what to do instead."""
    import os

    if QApplication.instance() is not None or not sys.platform.startswith("linux"):
        return
    if os.environ.get("QT_QPA_PLATFORM") or os.environ.get("DISPLAY") or os.environ.get("WAYLAND_DISPLAY"):
        return
    raise RefdeskError(
        "No display to open the window on (neither DISPLAY nor WAYLAND_DISPLAY is set). Run refdesk in a desktop "
        "session, or under `xvfb-run -a refdesk gui`; the command line works without one (`refdesk --help`)."
    )


def run(ctx: AppContext, inputs: list[str] | None = None) -> int:
    """Open the main window on ``ctx``'s library and run until it is closed.

    ``inputs`` (URLs, DOIs, files from a launcher) are offered to the Add dialog once shown.
    """
    check_display()
    app = make_app()
    from refdesk.gui.main_window import MainWindow

    try:
        window = MainWindow(ctx)
    except RefdeskError as exc:
        QMessageBox.critical(None, "refdesk", str(exc))
        raise
    previous = sys.excepthook
    sys.excepthook = _excepthook
    try:
        window.show()
        for text in inputs or []:
            if text.startswith("file://") or Path(text).exists():
                window.import_file(text.removeprefix("file://"))
            else:
                window.open_add_dialog(text, start=True)
        return int(app.exec())
    finally:
        sys.excepthook = previous


def main() -> int:
    """Entry point of the ``refdesk-gui`` script (the .desktop launcher)."""
    from refdesk.cli import main as cli_main

    args = sys.argv[1:]
    if args and args[0].startswith("-"):  # global options (e.g. --library PATH) go before the command
        return cli_main([*args, "gui"])
    return cli_main(["gui", *args])


if __name__ == "__main__":
    raise SystemExit(main())
