"""``refdesk check [--repair] [--json]`` on real damage: each problem in words, a backup before any repair,
and a second check that passes; damage below the tables is not "repaired" but sent to a restore."""

from __future__ import annotations

import json
import sqlite3
from pathlib import Path
from typing import Any

import pytest
from refdesk.errors import LibraryDamagedError
from refdesk.library import Library
from refdesk.library import backup as backups
from refdesk.library.check import check, open_for_check, repair
from refdesk.model import Record


def article(title: str, **fields: Any) -> Record:
    return Record.new("journalArticle", title=title, abstractNote=f"{title}: permafrost carbon", **fields)


@pytest.fixture
def lib_path(library_path: Path) -> Path:
    with Library.open(library_path) as lib:
        for i in range(30):
            lib.add(article(f"Record {i}"))
    return library_path


def raw(path: Path) -> sqlite3.Connection:
    """Another program writing to the file behind refdesk's back (foreign keys off, as sqlite3 opens)."""
    return sqlite3.connect(path, isolation_level=None)


def codes(report: Any) -> set[str]:
    return {p.code for p in report.problems}


def test_a_sound_library(cli: Any, lib_path: Path) -> None:
    result = cli("check")
    assert result.code == 0 and result.out.startswith("No problems found") and "30 records" in result.out
    data = cli("check", "--json").json()
    assert data["ok"] is True and data["problems"] == [] and data["records"] == 30


def test_a_damaged_search_index_is_rebuilt_after_a_backup(cli: Any, lib_path: Path) -> None:
    conn = raw(lib_path)
    block_id, size = conn.execute("SELECT id, length(block) FROM items_fts_data WHERE id > 10 ORDER BY id DESC LIMIT 1").fetchone()
    conn.execute("UPDATE items_fts_data SET block = ? WHERE id = ?", (bytes(range(256)) * (size // 256 + 1), block_id))
    conn.close()
    result = cli("check")
    assert result.code == 1
    assert "The search index is damaged" in result.out and "--repair would rebuild the search index from the 30" in result.out
    assert backups.backups(lib_path) == []  # checking takes no backup
    result = cli("check", "--repair")
    assert result.code == 0, result.out
    assert "Repaired: rebuilt the search index (30 records)" in result.out and "A backup was taken first" in result.out
    assert len(backups.backups(lib_path)) == 1
    assert len(cli("list", "--search", "permafrost", "--json").json()) == 30


def test_missing_and_extra_index_entries_and_wrong_trash_flags(lib_path: Path) -> None:
    with Library.open(lib_path) as lib:
        keys = lib.keys()
        for key in (keys[0], keys[2]):
            gone = lib.get(key)
            item_id = lib.execute("SELECT id FROM items WHERE key = ?", (key,))[0][0]
            with lib.transaction():
                lib._delete_fts(item_id, gone)  # the record stays, its index entry goes
        lib.execute("UPDATE items SET trashed = 1 WHERE key = ?", (keys[1],))  # not deleted in its data
        report = check(lib)
        assert codes(report) == {"search-index-count", "trash-flags"}
        count = next(p for p in report.problems if p.code == "search-index-count")
        assert "holds 28 entries for the 29 records outside the Trash" in count.message
        fixed = repair(lib)
        assert fixed.ok, fixed.problems
        assert lib.count("permafrost") == 30
        assert fixed.backup is not None and fixed.backup.exists()


def test_orphaned_rows_beside_the_records(cli: Any, lib_path: Path) -> None:
    with Library.open(lib_path) as lib:
        key = lib.keys()[0]
        item_id = lib.execute("SELECT id FROM items WHERE key = ?", (key,))[0][0]
    conn = raw(lib_path)
    now = "2026-12-05T09:00:00Z"
    conn.execute("INSERT INTO item_collections(library_id, collection, item_id) VALUES ('user', 'COLL1234', ?)", (item_id,))
    conn.execute("DELETE FROM items WHERE id = ?", (item_id,))  # foreign keys off: provenance stays behind
    conn.execute("INSERT INTO item_collections(library_id, collection, item_id) VALUES ('user', 'COLL1234', 999999)")
    conn.execute("INSERT INTO suggestions(item_key, plugin, field, value, value_key, source, created)"
                 " VALUES ('GONEGONE', 'crossref', 'subject', 'Soils', 'soils', 'Crossref', ?)", (now,))
    conn.execute("INSERT INTO zotero_conflicts(library_id, item_key, field, created) VALUES ('user', 'GONEGONE', 'title', ?)",
                 (now,))
    conn.execute("INSERT INTO zotero_conflicts(library_id, item_key, field, created) VALUES ('user', 'KEPTKEPT', '$deleted', ?)",
                 (now,))  # deleted here, changed in Zotero: the user decides, not check
    conn.execute("INSERT INTO zotero_upload_journal(library_id, object_type, token, keys, base_version, created)"
                 " VALUES ('group:1', 'items', 'tok', '[]', 1, ?)", (now,))
    conn.execute("INSERT INTO zotero_delete_log(library_id, object_type, key, at) VALUES ('group:1', 'item', 'X', ?)", (now,))
    conn.close()
    result = cli("check", "--json")
    assert result.code == 1
    report = result.json()
    found = {p["code"]: p for p in report["problems"]}
    assert set(found) == {"foreign-keys", "collections-orphans", "suggestions-orphans", "conflicts-orphans",
                          "upload-journal-orphans", "delete-log-orphans", "search-index-count"}  # its entry stayed too
    assert all(p["repairable"] for p in report["problems"])
    assert "rows of provenance point at records that no longer exist" in found["foreign-keys"]["message"]
    assert found["collections-orphans"]["count"] == 1  # (the trigger took the deleted record's own)
    text = cli("check").out
    assert "add-on suggestions belong to records that no longer exist" in text and "--repair would delete" in text
    result = cli("check", "--repair", "--json")
    assert result.code == 0, result.out
    assert result.json()["ok"] and len(result.json()["repaired"]) == 7
    conn = raw(lib_path)
    assert conn.execute("SELECT count(*) FROM zotero_conflicts WHERE resolved IS NULL").fetchone()[0] == 1
    conn.close()


def test_missing_collection_memberships_and_a_wrong_date_order_flag(lib_path: Path) -> None:
    with Library.open(lib_path) as lib:
        rec = lib.get(lib.keys()[0])
        rec.data["collections"] = ["COLL1234"]
        lib.save(rec)
        assert lib.count(collection="COLL1234") == 1
    conn = raw(lib_path)
    conn.execute("DELETE FROM item_collections")
    conn.execute("UPDATE items SET date_added = '1990-01-01T00:00:00Z' WHERE id = (SELECT max(id) FROM items)")
    conn.execute("UPDATE library_state SET value = 1 WHERE name = 'ids_follow_added'")
    conn.close()
    with Library.open(lib_path) as lib:
        report = check(lib)
        assert codes(report) == {"collections-missing", "date-order"}
        assert repair(lib).ok
        assert lib.count(collection="COLL1234") == 1


def test_an_index_that_disagrees_with_its_table_is_reindexed(lib_path: Path) -> None:
    """SQLite's own kind of index damage: entries missing from an index, which REINDEX rebuilds from the table."""
    conn = raw(lib_path)
    conn.execute("CREATE TABLE scratch(a TEXT, b TEXT)")
    conn.execute("CREATE INDEX scratch_a ON scratch(a)")
    conn.executemany("INSERT INTO scratch VALUES (?, ?)", [(f"a{i}", f"b{i}") for i in range(50)])
    conn.execute("PRAGMA writable_schema = ON")
    conn.execute("UPDATE sqlite_master SET sql = 'CREATE INDEX scratch_a ON scratch(b)' WHERE name = 'scratch_a'")
    conn.close()
    with Library.open(lib_path) as lib:
        report = check(lib)
        assert codes(report) == {"indexes"}
        assert "missing from index scratch_a" in report.problems[0].message
        assert report.problems[0].repairable
        assert repair(lib).ok


def test_damage_below_the_tables_is_sent_to_a_restore_and_left_untouched(cli: Any, lib_path: Path) -> None:
    good = backups.make_backup(lib_path)
    conn = raw(lib_path)
    conn.execute("PRAGMA wal_checkpoint(TRUNCATE)")
    pages = conn.execute("PRAGMA page_count").fetchone()[0]
    conn.close()
    with lib_path.open("r+b") as fh:  # nothing holds the file: junk over a run of its pages
        fh.seek((pages // 2) * 4096)
        fh.write(b"\x5a" * 4096 * 3)
    before = lib_path.read_bytes()
    result = cli("check", "--json")
    assert result.code == 1
    report = result.json()
    assert report["damaged"] is True and not any(p["repairable"] for p in report["problems"])
    assert f"refdesk restore {good}" in report["problems"][0]["message"]
    repaired = cli("check", "--repair")
    assert repaired.code != 0
    assert "refdesk restore" in repaired.out + repaired.err
    assert lib_path.read_bytes() == before
    assert [b.path for b in backups.backups(lib_path)] == [good]


def test_open_for_check_reads_a_library_connect_refuses_as_damaged(tmp_path: Path) -> None:
    path = tmp_path / "cut.sqlite"
    with Library.open(path) as lib:
        lib.add_many([article(f"R{i} " + "words " * 300) for i in range(60)])
    conn = raw(path)
    conn.execute("PRAGMA wal_checkpoint(TRUNCATE)")
    conn.close()
    with path.open("r+b") as fh:  # damage the schema's own page: connect cannot read the file at all
        fh.seek(100)
        fh.write(b"\xff" * 3000)
    before = path.read_bytes()
    with pytest.raises(LibraryDamagedError):
        Library.open(path)
    lib = open_for_check(path)
    try:
        report = check(lib)
        again = repair(lib)  # nothing it could repair: the same report, nothing written
    finally:
        lib.close()
    assert report.damaged and not report.ok
    assert again.damaged and again.backup is None and not again.repaired
    assert json.dumps(report.to_json())
    assert path.read_bytes() == before
