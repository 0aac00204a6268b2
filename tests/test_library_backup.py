"""Backups, restores and a damaged library (issue 12): real files, real damage, a real second process.

Backups are made with SQLite's online backup API, rotated, made when the library is opened a day after the
newest and before every migration, never from a damaged file; a restore validates the backup, refuses while
another process has the library open, and keeps the replaced file aside. Each failure is one sentence and
leaves the library as it was.
"""

from __future__ import annotations

import os
import shutil
import sqlite3
import subprocess
import sys
import textwrap
from datetime import UTC, datetime, timedelta
from pathlib import Path
from typing import Any

import pytest
from refdesk.errors import InvalidInputError, LibraryDamagedError, LibraryError
from refdesk.library import Library
from refdesk.library import backup as backups
from refdesk.library import connection as connection_module
from refdesk.library.migrations import SCHEMA_VERSION
from refdesk.model import Record

from tests.library_versions import library_at

T0 = datetime(2026, 12, 5, 9, 30, 0, tzinfo=UTC)


@pytest.fixture(autouse=True)
def short_busy_timeout(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setattr(connection_module, "BUSY_TIMEOUT", 0.2)


def article(title: str) -> Record:
    return Record.new("journalArticle", title=title, abstractNote=f"About {title.lower()} and permafrost.")


def make_library(path: Path, n: int = 3) -> list[str]:
    with Library.open(path) as lib:
        return [lib.add(article(f"Record {i}")).key for i in range(n)]


def titles(path: Path) -> set[str]:
    conn = sqlite3.connect(f"file:{path}?mode=ro", uri=True)
    try:
        return {r[0] for r in conn.execute("SELECT title FROM items")}
    finally:
        conn.close()


def folder_names(path: Path) -> list[str]:
    return sorted(p.name for p in path.iterdir()) if path.exists() else []


def assert_one_plain_line(result: Any, *fragments: str) -> None:
    assert result.code != 0
    assert "Traceback" not in result.err
    assert result.err.startswith("refdesk: ") and result.err.count("\n") == 1, result.err
    for fragment in fragments:
        assert fragment in result.err, result.err


def damage_pages(path: Path, first_page: int, pages: int) -> None:
    """Overwrite whole pages of a library file (not open anywhere) with junk."""
    size = 4096
    with path.open("r+b") as fh:
        fh.seek(first_page * size)
        fh.write(bytes((i * 37 + 11) % 251 for i in range(size * pages)))


def checkpointed(path: Path) -> None:
    """Fold the write-ahead log into the file (still a WAL-mode library), so damage to the file is damage to the data."""
    conn = sqlite3.connect(path)
    conn.execute("PRAGMA wal_checkpoint(TRUNCATE)")
    conn.close()
    assert not Path(f"{path}-wal").exists()


# -- making backups ------------------------------------------------------------------
def test_backup_is_a_consistent_self_contained_copy_while_another_connection_writes(tmp_path: Path) -> None:
    path = tmp_path / "library.sqlite"
    make_library(path)
    writer = sqlite3.connect(path, isolation_level=None)
    writer.execute("BEGIN IMMEDIATE")
    writer.execute("UPDATE items SET title = 'uncommitted' WHERE id = (SELECT min(id) FROM items)")
    try:
        made = backups.make_backup(path, now=T0)
    finally:
        writer.execute("ROLLBACK")
        writer.close()
    assert made == tmp_path / "backups" / "library-20261205-093000.sqlite"
    assert folder_names(made.parent) == [made.name]  # no .part, no -wal, no -journal beside it
    assert made.read_bytes()[18:20] == b"\x01\x01"  # a rollback-journal file: one file holds it all
    assert titles(made) == {"Record 0", "Record 1", "Record 2"}  # committed rows only
    info = backups.describe(made)
    assert (info.items, info.schema, info.made) == (3, SCHEMA_VERSION, T0)


def test_only_the_newest_backups_are_kept_and_names_sort_by_time(tmp_path: Path) -> None:
    path = tmp_path / "library.sqlite"
    make_library(path)
    other = tmp_path / "other.sqlite"  # another library in the same folder keeps its own backups
    make_library(other, 1)
    backups.make_backup(other, now=T0)
    made = [backups.make_backup(path, keep=3, now=T0 + timedelta(hours=h)) for h in range(5)]
    same_second = backups.make_backup(path, keep=3, now=T0 + timedelta(hours=4))
    kept = backups.backups(path)
    assert [b.path for b in kept] == [made[3], made[4], same_second]
    assert same_second.name == "library-20261205-133000-2.sqlite"
    assert backups.newest_backup(path) == kept[-1]
    assert [b.path.name for b in backups.backups(other)] == ["other-20261205-093000.sqlite"]


def test_backup_to_a_path_refuses_the_library_itself_and_an_existing_file(tmp_path: Path) -> None:
    path = tmp_path / "library.sqlite"
    make_library(path)
    with pytest.raises(InvalidInputError, match="is the library itself"):
        backups.make_backup(path, path)
    taken = tmp_path / "taken.sqlite"
    taken.write_text("mine")
    with pytest.raises(InvalidInputError, match="already exists"):
        backups.make_backup(path, taken)
    assert taken.read_text() == "mine"
    into_folder = backups.make_backup(path, tmp_path, now=T0)
    assert into_folder == tmp_path / "library-20261205-093000.sqlite"
    assert backups.backups(path) == []  # a backup made elsewhere is not rotated


def test_a_backup_is_due_a_day_after_the_newest_read_from_names_alone(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    path = tmp_path / "library.sqlite"
    make_library(path)
    assert backups.auto_backup(path, interval_hours=24, now=T0) is not None
    opened: list[Path] = []
    real_open = backups._open_library

    def counting_open(library: Path) -> sqlite3.Connection:
        opened.append(library)
        return real_open(library)

    monkeypatch.setattr(backups, "_open_library", counting_open)
    assert backups.auto_backup(path, interval_hours=24, now=T0 + timedelta(hours=23)) is None
    assert opened == []  # not due: no file was opened, the folder's names said so
    assert backups.auto_backup(path, interval_hours=0, now=T0 + timedelta(days=30)) is None
    assert backups.auto_backup(path, interval_hours=24, now=T0 + timedelta(hours=25)) is not None
    assert len(backups.backups(path)) == 2
    empty = tmp_path / "empty.sqlite"
    Library.open(empty).close()
    assert backups.auto_backup(empty, now=T0) is None  # nothing to lose yet


def test_cli_commands_back_up_once_a_day(cli: Any, library_path: Path, tmp_path: Path) -> None:
    assert cli("import", str(Path(__file__).parent / "data" / "files" / "mixed.json")).code == 0
    assert backups.backups(library_path) == []  # the library was empty when the command opened it
    assert cli("list").code == 0
    first = backups.backups(library_path)
    assert len(first) == 1 and titles(first[0].path)
    assert cli("list").code == 0
    assert backups.backups(library_path) == first


def test_a_migration_is_always_preceded_by_a_backup(tmp_path: Path) -> None:
    path = tmp_path / "library.sqlite"
    library_at(path, 8, [article("From schema 8")])
    backups.make_backup(path, now=datetime.now(UTC) - timedelta(minutes=5))  # a backup made minutes ago
    Library.open(path).close()
    kept = backups.backups(path)
    assert len(kept) == 2  # the daily rule does not apply: a migration always backs up
    conn = sqlite3.connect(kept[-1].path)
    assert conn.execute("PRAGMA user_version").fetchone()[0] == 8  # the file as it was before the upgrade
    conn.close()
    with Library.open(path) as lib:
        assert lib.execute("PRAGMA user_version")[0][0] == SCHEMA_VERSION
    assert len(backups.backups(path)) == 2  # opened again, nothing to migrate, no backup


# -- damage ----------------------------------------------------------------------------
@pytest.fixture
def backed_up(cli: Any, library_path: Path) -> tuple[Path, Path]:
    """A library of 40 records with one backup of it; the library checkpointed into one file."""
    with Library.open(library_path) as lib:
        for i in range(40):
            lib.add(article(f"Record {i} " + "long text " * 50))
    good = backups.make_backup(library_path, now=datetime.now(UTC) - timedelta(days=3))
    checkpointed(library_path)
    return library_path, good


def test_a_truncated_library_is_named_damaged_with_the_backup_to_restore(cli: Any, backed_up: tuple[Path, Path]) -> None:
    path, good = backed_up
    os.truncate(path, path.stat().st_size // 2)
    before = path.read_bytes()
    result = cli("list")
    assert_one_plain_line(result, "is damaged", str(good), f"refdesk restore {good}", "nothing was written")
    assert result.code == 5
    assert path.read_bytes() == before
    assert [b.path for b in backups.backups(path)] == [good]  # the daily backup was due, and not made


def test_junk_pages_are_named_damaged_and_never_push_out_a_good_backup(cli: Any, backed_up: tuple[Path, Path]) -> None:
    path, good = backed_up
    pages = path.stat().st_size // 4096
    damage_pages(path, pages // 2, 3)
    before = path.read_bytes()
    for _ in range(3):
        result = cli("list", "--search", "permafrost")
        assert_one_plain_line(result, "is damaged", f"refdesk restore {good}")
    assert path.read_bytes() == before
    with pytest.raises(LibraryDamagedError, match="newest backup"):
        backups.make_backup(path, keep=1)  # even by hand: the copy fails SQLite's check, the good one stays
    assert [b.path for b in backups.backups(path)] == [good]
    assert folder_names(good.parent) == [good.name]


def test_a_library_cut_short_in_its_header(cli: Any, tmp_path: Path) -> None:
    path = tmp_path / "short.sqlite"
    path.write_bytes(b"SQLite format 3\x00" + b"\x10\x00")
    assert_one_plain_line(cli("--library", str(path), "list"), "is damaged (cut short at 18 bytes)",
                          "There is no backup in")


def test_a_migration_never_runs_on_a_damaged_library(tmp_path: Path) -> None:
    path = tmp_path / "library.sqlite"
    library_at(path, 8, [article(f"Old {i} " + "text " * 400) for i in range(30)])
    damage_pages(path, 5, 2)
    before = path.read_bytes()
    with pytest.raises(LibraryDamagedError, match="is damaged"):
        Library.open(path)
    assert path.read_bytes() == before
    assert backups.backups(path) == []


# -- restoring --------------------------------------------------------------------------
def test_restore_puts_the_backup_in_place_and_keeps_the_replaced_file(cli: Any, library_path: Path) -> None:
    keys = make_library(library_path)
    good = backups.make_backup(library_path)
    assert cli("remove", keys[0]).code == 0
    with Library.open(library_path) as lib:
        lib.add(article("Added after the backup"))
    result = cli("restore", good.name)  # a name in the backups folder is enough
    assert result.code == 0, result.err
    assert "3 records" in result.out and "kept as" in result.out
    replaced = [p for p in library_path.parent.iterdir() if ".replaced-" in p.name]
    assert len(replaced) == 1
    assert "Added after the backup" in titles(replaced[0])  # nothing is lost: the replaced library is aside
    assert not Path(f"{library_path}-wal").exists() and not library_path.with_name(library_path.name + ".restoring").exists()
    listed = {r["title"] for r in cli("list", "--json").json()}
    assert listed == {"Record 0", "Record 1", "Record 2"}
    assert cli("check").code == 0


def test_restore_refuses_bad_backups_with_the_library_untouched(cli: Any, library_path: Path, tmp_path: Path) -> None:
    make_library(library_path)
    checkpointed(library_path)
    before = library_path.read_bytes()
    good = backups.make_backup(library_path)

    foreign = tmp_path / "invoices.sqlite"
    conn = sqlite3.connect(foreign)
    conn.execute("CREATE TABLE invoices(total REAL)")
    conn.commit()
    conn.close()
    newer = tmp_path / "newer.sqlite"
    shutil.copy(good, newer)
    conn = sqlite3.connect(newer)
    conn.execute(f"PRAGMA user_version = {SCHEMA_VERSION + 1}")
    conn.commit()
    conn.close()
    truncated = tmp_path / "truncated.sqlite"
    truncated.write_bytes(good.read_bytes()[: good.stat().st_size // 2])
    text = tmp_path / "notes.txt"
    text.write_text("not a database\n" * 100)

    cases = [
        (foreign, "not a refdesk library backup"),
        (newer, f"newer refdesk (schema {SCHEMA_VERSION + 1}"),
        (truncated, "is damaged"),
        (text, "not an SQLite database"),
        (tmp_path / "missing.sqlite", "There is no backup at"),
        (library_path, "is the library itself"),
    ]
    for backup, fragment in cases:
        assert_one_plain_line(cli("restore", str(backup)), fragment)
        assert library_path.read_bytes() == before
    assert folder_names(library_path.parent) == ["backups", "library.sqlite"]


HOLDER = textwrap.dedent("""
    import sqlite3, sys
    conn = sqlite3.connect(sys.argv[1])
    conn.execute("SELECT count(*) FROM items").fetchone()
    print("holding", flush=True)
    sys.stdin.readline()
    conn.close()
""")


def test_restore_refuses_while_another_process_has_the_library_open(cli: Any, library_path: Path) -> None:
    make_library(library_path)
    good = backups.make_backup(library_path)
    with Library.open(library_path) as lib:
        lib.add(article("Newer than the backup"))
    holder = subprocess.Popen([sys.executable, "-c", HOLDER, str(library_path)], stdin=subprocess.PIPE,
                              stdout=subprocess.PIPE, text=True)
    try:
        assert holder.stdout is not None and holder.stdout.readline().strip() == "holding"
        assert_one_plain_line(cli("restore", str(good)), "is open in another program", "Nothing was changed")
        # this process's own open connection counts as well
        with Library.open(library_path), pytest.raises(LibraryError, match="is open in another program"):
            backups.restore(library_path, good)
    finally:
        assert holder.stdin is not None
        holder.stdin.write("\n")
        holder.stdin.close()
        holder.wait(timeout=30)
    assert "Newer than the backup" in titles(library_path)
    assert not [p for p in library_path.parent.iterdir() if ".replaced-" in p.name or p.name.endswith(".restoring")]
    assert cli("restore", str(good)).code == 0  # once it is closed
    assert "Newer than the backup" not in titles(library_path)


def test_restore_of_a_damaged_library(cli: Any, backed_up: tuple[Path, Path]) -> None:
    path, good = backed_up
    damage_pages(path, 2, 4)
    assert cli("list").code == 5
    result = cli("restore", str(good))
    assert result.code == 0, result.err
    assert len(cli("list", "--json").json()) == 40
    assert cli("check").code == 0


# -- a full disk ----------------------------------------------------------------------------
FULL_DISK = textwrap.dedent("""
    set -e
    mount -t tmpfs -o size=96k tmpfs "$1/backups"
    set +e
    "$2" -m refdesk --library "$1/library.sqlite" backup
    echo "rc=$?"
    "$2" -m refdesk --library "$1/library.sqlite" restore "$1/backups/none.sqlite"
    ls -A "$1/backups"
    echo "listed"
    "$2" -m refdesk --library "$1/library.sqlite" backup "$1/backups/mine.sqlite"
    echo "rc=$?"
    ls -A "$1/backups"
""")


def test_a_full_disk_during_a_backup_leaves_nothing_behind(tmp_path: Path) -> None:
    """A real full file system: a 96 KiB tmpfs mounted over the backups folder in a private mount namespace."""
    if shutil.which("unshare") is None:
        pytest.skip("unshare is not installed")
    probe = subprocess.run(["unshare", "--user", "--map-root-user", "--mount", "true"], capture_output=True)
    if probe.returncode != 0:
        pytest.skip(f"no unprivileged mount namespace here: {probe.stderr.decode(errors='replace').strip()}")
    path = tmp_path / "library.sqlite"
    with Library.open(path) as lib:
        lib.add_many([article(f"Record {i} " + "text " * 200) for i in range(200)])
    checkpointed(path)
    before = path.read_bytes()
    (tmp_path / "backups").mkdir()
    env = {**os.environ, "REFDESK_CONFIG_DIR": str(tmp_path / "config")}
    out = subprocess.run(["unshare", "--user", "--map-root-user", "--mount", "sh", "-c", FULL_DISK, "sh", str(tmp_path),
                          sys.executable], capture_output=True, text=True, env=env, timeout=120)
    assert out.returncode == 0, out.stderr
    lines = out.stdout.splitlines()
    assert lines[0] == "rc=3" and lines[1] == "listed", out.stdout  # nothing left in the full folder
    assert lines[2] == "rc=3" and len(lines) == 3, out.stdout
    errors = out.stderr.strip().splitlines()
    assert len(errors) == 3 and all(e.startswith("refdesk: ") for e in errors), out.stderr
    assert "is full" in errors[0] and "left untouched" in errors[0] and "no partial backup" in errors[0]
    assert "is full" in errors[2]
    assert path.read_bytes() == before
