"""The application context: settings, the library and the shared HTTP client, opened lazily.

The CLI, the GUI and the plugin host all work through one ``AppContext`` so that
there is one library connection and one HTTP client (with its cache and per-host
limits) per process.
"""

from __future__ import annotations

from pathlib import Path
from typing import TYPE_CHECKING

from refdesk.config import Settings, load_settings

if TYPE_CHECKING:
    from refdesk.library import Library
    from refdesk.net import HttpClient


class AppContext:
    def __init__(self, settings: Settings | None = None, library_path: Path | str | None = None, *,
                 auto_backup: bool = False) -> None:
        self.settings = settings or load_settings()
        self.library_path = Path(library_path) if library_path else self.settings.library_path()
        #: Back the library up when it is opened and ``backup_interval_hours`` have passed (the CLI's commands;
        #: the app does it in the background, library/backup.py).
        self.auto_backup = auto_backup
        self._library: Library | None = None
        self._http: HttpClient | None = None

    @property
    def library(self) -> Library:
        if self._library is None:
            from refdesk.library import Library

            library = Library.open(self.library_path)
            if self.auto_backup:
                from refdesk.library.backup import auto_backup

                try:
                    auto_backup(self.library_path, self.settings.backup_keep, self.settings.backup_interval_hours)
                except BaseException:
                    library.close()
                    raise
            self._library = library
        return self._library

    @property
    def http(self) -> HttpClient:
        """The shared HTTP client (imported lazily so commands that never go online start faster)."""
        if self._http is None:
            from refdesk import net

            self._http = net.HttpClient(self.settings)
        return self._http

    def close(self) -> None:
        if self._library is not None:
            self._library.close()
            self._library = None
        if self._http is not None:
            self._http.close()
            self._http = None

    def __enter__(self) -> AppContext:
        return self

    def __exit__(self, *exc: object) -> None:
        self.close()
