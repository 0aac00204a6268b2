"""Where the app's file dialogs open: the folder last used for that kind of file, else Documents.

A file dialog given "" opens in the process's working directory, which for an app started
from a menu is the home folder or "/", and for `make run` the source checkout.
"""

from __future__ import annotations

from pathlib import Path

from PySide6.QtCore import QSettings, QStandardPaths

from refdesk.config import config_dir


def _settings() -> QSettings:
    return QSettings(str(config_dir() / "gui.ini"), QSettings.Format.IniFormat)


def start_folder(kind: str) -> str:
    """The folder the ``kind`` ("export", "import") dialog opens in: the last one used, if it still exists,
    else the user's Documents folder, else home."""
    last = _settings().value(f"folders/{kind}")
    if isinstance(last, str) and last and Path(last).is_dir():
        return last
    documents = QStandardPaths.writableLocation(QStandardPaths.StandardLocation.DocumentsLocation)
    if documents and Path(documents).is_dir():
        return documents
    return str(Path.home())


def remember_folder(kind: str, chosen_file: str) -> None:
    """Remember the folder of the file just chosen, for the next ``kind`` dialog."""
    s = _settings()
    s.setValue(f"folders/{kind}", str(Path(chosen_file).parent))
    s.sync()


def items(n: int) -> str:
    """'1 item', '3 items'."""
    return f"{n:,} item{'s' if n != 1 else ''}"
