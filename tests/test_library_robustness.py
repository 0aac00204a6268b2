"""Library files that are locked, read-only, newer or foreign: a plain message and untouched bytes."""

from __future__ import annotations

import os
import sqlite3
import stat
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest
from refdesk.library import Library
from refdesk.library import connection as connection_module
from refdesk.library.migrations import SCHEMA_VERSION
from refdesk.model import Record

DATA = Path(__file__).resolve().parent / "data" / "files"


@pytest.fixture(autouse=True)
def short_busy_timeout(monkeypatch: pytest.MonkeyPatch) -> None:
    """Wait 0.2 s, not 5 s, for another program's lock: the tests stay fast."""
    monkeypatch.setattr(connection_module, "BUSY_TIMEOUT", 0.2)


def make_library(path: Path) -> str:
    with Library.open(path) as lib:
        rec = Record.new("journalArticle", title="Вестник: первая запись")
        lib.add(rec)
        return rec.key


def assert_plain_failure(result: Any, *fragments: str) -> None:
    assert result.code != 0
    assert "Traceback" not in result.err
    assert result.err.startswith("refdesk: ")
    for fragment in fragments:
        assert fragment in result.err, result.err


@pytest.fixture
def exclusive_holder(tmp_path: Path) -> Iterator[tuple[Path, sqlite3.Connection]]:
    path = tmp_path / "locked.sqlite"
    make_library(path)
    other = sqlite3.connect(path, isolation_level=None)
    other.execute("PRAGMA locking_mode = EXCLUSIVE")
    other.execute("BEGIN EXCLUSIVE")
    other.execute("CREATE TABLE scratch(x)")  # a pending write under an exclusive lock
    yield path, other
    other.execute("ROLLBACK")
    other.close()


def test_exclusively_locked_library_gives_a_plain_message(cli: Any, exclusive_holder: tuple[Path, sqlite3.Connection]) -> None:
    path, _ = exclusive_holder
    before = path.read_bytes()
    for args in (("list",), ("import", str(DATA / "mixed.json"))):
        result = cli("--library", str(path), *args)
        assert_plain_failure(result, "locked by another program")
    assert path.read_bytes() == before


def test_library_being_written_by_another_program_can_be_read_not_written(cli: Any, tmp_path: Path) -> None:
    path = tmp_path / "busy.sqlite"
    key = make_library(path)
    writer = sqlite3.connect(path, isolation_level=None)
    writer.execute("BEGIN IMMEDIATE")
    try:
        listed = cli("--library", str(path), "list", "--json")
        assert listed.code == 0, listed.err
        assert [r["key"] for r in listed.json()] == [key]
        blocked = cli("--library", str(path), "import", str(DATA / "mixed.json"))
        assert_plain_failure(blocked, "locked by another program")
    finally:
        writer.execute("ROLLBACK")
        writer.close()
    assert len(cli("--library", str(path), "list", "--json").json()) == 1


def test_read_only_library_is_refused_and_untouched(cli: Any, tmp_path: Path) -> None:
    path = tmp_path / "ro.sqlite"
    make_library(path)
    before = path.read_bytes()
    os.chmod(path, stat.S_IRUSR | stat.S_IRGRP)
    try:
        result = cli("--library", str(path), "list")
        assert_plain_failure(result, "read-only")
    finally:
        os.chmod(path, stat.S_IRUSR | stat.S_IWUSR)
    assert path.read_bytes() == before


def test_newer_schema_is_refused_and_untouched(cli: Any, tmp_path: Path) -> None:
    path = tmp_path / "newer.sqlite"
    make_library(path)
    raw = sqlite3.connect(path)
    raw.execute(f"PRAGMA user_version = {SCHEMA_VERSION + 1}")
    raw.execute("PRAGMA journal_mode = DELETE")
    raw.close()
    before = path.read_bytes()
    result = cli("--library", str(path), "list")
    assert_plain_failure(result, "newer refdesk", f"schema {SCHEMA_VERSION + 1}")
    assert path.read_bytes() == before
    assert not Path(f"{path}-wal").exists()


def test_newer_wal_library_is_refused_with_nothing_left_beside_it(cli: Any, tmp_path: Path) -> None:
    """A newer refdesk's library is in WAL mode, like ours: refusing it creates no -wal or -shm next to it."""
    folder = tmp_path / "libraries"
    folder.mkdir()
    path = folder / "newer-wal.sqlite"
    make_library(path)
    raw = sqlite3.connect(path)
    raw.execute(f"PRAGMA user_version = {SCHEMA_VERSION + 1}")
    raw.close()
    assert sorted(p.name for p in folder.iterdir()) == ["newer-wal.sqlite"]
    before = path.read_bytes()
    for command in (["list"], ["import", str(DATA / "mixed.json")]):
        assert_plain_failure(cli("--library", str(path), *command), "newer refdesk")
    assert path.read_bytes() == before
    assert sorted(p.name for p in folder.iterdir()) == ["newer-wal.sqlite"]


def test_other_sqlite_database_is_refused_and_untouched(cli: Any, tmp_path: Path) -> None:
    path = tmp_path / "other.sqlite"
    raw = sqlite3.connect(path)
    raw.execute("CREATE TABLE invoices(id INTEGER PRIMARY KEY, total REAL)")
    raw.execute("INSERT INTO invoices(total) VALUES (12.5)")
    raw.commit()
    raw.close()
    before = path.read_bytes()
    result = cli("--library", str(path), "import", str(DATA / "mixed.json"))
    assert_plain_failure(result, "not a refdesk library")
    assert path.read_bytes() == before
    assert not Path(f"{path}-wal").exists()


@pytest.mark.parametrize(
    ("content", "fragment"),
    [
        (os.urandom(4096), "not a refdesk library"),
        (b"SQLite format 3\x00" + b"\xff" * 200, "left untouched"),
    ],
)
def test_random_bytes_are_refused_and_untouched(cli: Any, tmp_path: Path, content: bytes, fragment: str) -> None:
    path = tmp_path / "junk.sqlite"
    path.write_bytes(content)
    result = cli("--library", str(path), "list")
    assert_plain_failure(result, fragment)
    assert path.read_bytes() == content


def test_library_path_that_is_a_folder(cli: Any, tmp_path: Path) -> None:
    result = cli("--library", str(tmp_path), "list")
    assert_plain_failure(result, "is a folder")
