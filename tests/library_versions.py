"""Library files as an older refdesk wrote them, for migration tests."""

from __future__ import annotations

import json
import sqlite3
from pathlib import Path

from refdesk.library.migrations import APPLICATION_ID, MIGRATIONS, _statements
from refdesk.model import Record


def library_at(path: Path, version: int, records: list[Record]) -> None:
    """A library file as refdesk wrote it at schema ``version``, holding ``records``."""
    conn = sqlite3.connect(path, isolation_level=None)
    for v, sql in MIGRATIONS:
        if v > version:
            break
        if v == version:  # the last step indexes the rows already there, as an upgraded library had them
            for n, rec in enumerate(records, start=1):
                conn.execute(
                    "INSERT INTO items(id, key, item_type, data, date_added, date_modified, title, creators_text, year, publication)"
                    " VALUES (?, ?, ?, ?, '2020-01-01T00:00:00Z', '', ?, ?, ?, ?)",
                    (n, rec.key, rec.item_type, json.dumps(rec.data, ensure_ascii=False), rec.title, rec.creators[0].get("lastName", "") if rec.creators else "",
                     rec.year, rec.publication()),
                )
        for statement in _statements(sql):
            conn.execute(statement)
    conn.execute(f"PRAGMA application_id = {APPLICATION_ID}")
    conn.execute(f"PRAGMA user_version = {version}")
    conn.close()
