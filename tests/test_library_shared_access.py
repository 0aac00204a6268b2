"""Several processes on one library: the reproduction of issue 12 (the CLI beside the open app).

A process holding connections (as the desktop app does) must keep its POSIX locks while other
connections open and close, so another process that closes never takes itself for the last user
and deletes the write-ahead log under it.
"""

from __future__ import annotations

import json
import os
import sqlite3
from pathlib import Path
from typing import Any

from refdesk.library import Library
from refdesk.library.connection import connect
from refdesk.model import Record


def _deleted_library_files() -> list[str]:
    """Files of this process's open descriptors that were deleted while open."""
    out = []
    for fd in os.listdir("/proc/self/fd"):
        try:
            target = os.readlink(f"/proc/self/fd/{fd}")
        except OSError:
            continue
        if "library.sqlite" in target and target.endswith("(deleted)"):
            out.append(target)
    return out


def _article(title: str) -> Record:
    return Record(data={"itemType": "journalArticle", "title": title, "creators": [], "tags": []})


def test_cli_beside_open_connections_keeps_the_wal_and_sees_every_write(library_path: Path, run_refdesk: Any) -> None:
    env = {"REFDESK_LIBRARY": str(library_path)}
    app = Library.open(library_path)  # the app's shared connection
    reader = connect(library_path)  # the item table's own read connection
    try:
        app.add(_article("Written by the app before the CLI ran"))
        listed = run_refdesk("list", "--json", env=env)
        assert listed.returncode == 0, listed.stderr
        assert _deleted_library_files() == []
        added = app.add(_article("Written by the app after the CLI ran"))
        assert reader.execute("SELECT count(*) FROM items").fetchone()[0] == 2
        edited = run_refdesk("edit", added.key, "--set", "volume=77", env=env)
        assert edited.returncode == 0, edited.stderr
        assert _deleted_library_files() == []
        assert app.get(added.key).get("volume") == "77"  # the CLI's write is seen by the app
        listed = run_refdesk("list", "--json", env=env)
        seen = {r["title"] for r in json.loads(listed.stdout)}
        assert seen == {"Written by the app before the CLI ran", "Written by the app after the CLI ran"}
    finally:
        reader.close()
        app.close()
    check = sqlite3.connect(library_path)
    try:
        assert check.execute("PRAGMA integrity_check").fetchall() == [("ok",)]
    finally:
        check.close()


def test_a_second_connection_in_the_process_never_opens_the_file_outside_sqlite(library_path: Path, monkeypatch: Any) -> None:
    """Once a process holds a connection, opening the library again goes through SQLite only."""
    first = connect(library_path)
    opened: list[str] = []
    real_open = Path.open

    def spying_open(self: Path, *args: Any, **kwargs: Any) -> Any:
        opened.append(str(self))
        return real_open(self, *args, **kwargs)

    monkeypatch.setattr(Path, "open", spying_open)
    try:
        second = connect(library_path)
        second.close()
    finally:
        first.close()
    assert [p for p in opened if "library.sqlite" in p] == []
