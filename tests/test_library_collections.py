"""Collection membership stays exact through every way a record's collections change."""

from __future__ import annotations

import json
from pathlib import Path

from refdesk.library import Library
from refdesk.library.migrations import SCHEMA_VERSION
from refdesk.model import Record

from tests.library_versions import library_at


def article(title: str, *collections: str) -> Record:
    rec = Record.new("journalArticle", title=title)
    rec.data["collections"] = list(collections)
    return rec


def members(lib: Library, collection: str, library_id: str | None = "user") -> list[str]:
    rows = lib.rows(0, 100, order="title", library_id=library_id, collection=collection)
    assert lib.count(library_id=library_id, collection=collection) == len(rows)
    return [r.title for r in rows]


def test_add_save_sync_update_and_remove_keep_membership(tmp_path: Path) -> None:
    with Library.open(tmp_path / "c.sqlite") as lib:
        a = lib.add(article("A", "COLLAAAA", "COLLBBBB"))
        lib.add_many([article("B", "COLLAAAA"), article("C"), article("D", "COLLBBBB")])
        lib.add(article("E", "COLLAAAA"), library_id="group:51240")
        assert members(lib, "COLLAAAA") == ["A", "B"]
        assert members(lib, "COLLBBBB") == ["A", "D"]
        assert members(lib, "COLLAAAA", library_id=None) == ["A", "B", "E"]
        assert members(lib, "COLLAAAA", library_id="group:51240") == ["E"]

        a.data["collections"] = ["COLLBBBB", "COLLCCCC"]  # an edit moves it
        lib.save(a)
        assert members(lib, "COLLAAAA") == ["B"]
        assert members(lib, "COLLCCCC") == ["A"]

        # Sync writes records' JSON with a plain UPDATE (a deleted collection taken out of its items).
        b = lib.get(lib.rows(0, 1, order="title", collection="COLLAAAA")[0].key)
        b.data["collections"] = []
        lib.execute("UPDATE items SET data = ? WHERE key = ?", (json.dumps(b.data), b.key))
        assert members(lib, "COLLAAAA") == []

        lib.remove(a.key)
        assert members(lib, "COLLBBBB") == ["D"] and members(lib, "COLLCCCC") == []
        assert lib.execute("SELECT count(*) FROM item_collections WHERE item_id NOT IN (SELECT id FROM items)")[0][0] == 0

        # Odd JSON from a server is kept in the record but is no membership.
        odd = Record.new("journalArticle", title="Odd")
        odd.data["collections"] = [7, None, "COLLDDDD", "COLLDDDD"]
        lib.add(odd)
        no_list = Record.new("journalArticle", title="No list")
        no_list.data["collections"] = "COLLDDDD"
        lib.add(no_list)
        assert members(lib, "COLLDDDD") == ["Odd"]
        assert lib.get(no_list.key).data["collections"] == "COLLDDDD"


def test_counting_a_collection_reads_the_membership_index(tmp_path: Path) -> None:
    seen: list[str] = []
    with Library.open(tmp_path / "plan.sqlite") as lib:
        plan = " ".join(str(r[3]) for r in lib.execute(
            "EXPLAIN QUERY PLAN SELECT count(*) FROM item_collections WHERE library_id = ? AND collection = ?",
            ("user", "COLLAAAA"),
        ))
        assert "COVERING INDEX" in plan or "PRIMARY KEY" in plan, plan
        lib.add(article("A", "COLLAAAA"))
        with lib.transaction() as conn:  # the library's own count is that query
            conn.set_trace_callback(seen.append)
            assert lib.count(library_id="user", collection="COLLAAAA") == 1
            conn.set_trace_callback(None)
        assert any("item_collections" in sql and "json_each" not in sql for sql in seen), seen


def test_migration_8_fills_membership_of_a_version_7_library(tmp_path: Path) -> None:
    path = tmp_path / "v7.sqlite"
    library_at(path, 7, [article("In both", "COLLAAAA", "COLLBBBB"), article("In none"), article("In A", "COLLAAAA")])
    with Library.open(path) as lib:
        assert lib.execute("PRAGMA user_version")[0][0] == SCHEMA_VERSION
        assert members(lib, "COLLAAAA", library_id=None) == ["In A", "In both"]
        assert members(lib, "COLLBBBB", library_id=None) == ["In both"]
