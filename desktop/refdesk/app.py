"""The application context: settings, the library and the shared HTTP client, opened lazily.

The CLI, the GUI and the plugin host all work through one ``AppContext`` so that
there is one library connection and one HTTP client (with its cache and per-host
limits) per process. Both are created on first use, from any thread: a lock makes
that happen once (a pool's threads may all ask for the client at the same moment).
"""

from __future__ import annotations

import threading
from pathlib import Path
from typing import TYPE_CHECKING

from refdesk.config import Settings, load_settings

if TYPE_CHECKING:
    from refdesk.library import Library
    from refdesk.net import HttpClient
    from refdesk.retry import Pacer


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
        self._pacer: Pacer | None = None
        self._library_lock = threading.Lock()  # opening the library happens once
        self._http_lock = threading.RLock()  # so does creating the client and the pacer (not behind a library backup)

    @property
    def library(self) -> Library:
        if self._library is not None:
            return self._library
        with self._library_lock:
            return self._open_library()

    def _open_library(self) -> Library:
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
        """The shared HTTP client (imported lazily so commands that never go online start faster); any thread."""
        client = self._http
        if client is not None:
            return client
        with self._http_lock:
            if self._http is None:
                from refdesk import net

                self._http = net.HttpClient(self.settings, self.pacer)
            return self._http

    @property
    def pacer(self) -> Pacer:
        """The per-host minimum intervals (``[min_interval]``), shared by ``http`` and the Zotero transport."""
        pacer = self._pacer
        if pacer is not None:
            return pacer
        with self._http_lock:
            if self._pacer is None:
                from refdesk.retry import Pacer

                self._pacer = Pacer(self.settings.min_interval)
            return self._pacer

    def close(self) -> None:
        with self._library_lock:
            if self._library is not None:
                self._library.close()
                self._library = None
        with self._http_lock:
            if self._http is not None:
                self._http.close()
                self._http = None

    def __enter__(self) -> AppContext:
        return self

    def __exit__(self, *exc: object) -> None:
        self.close()
