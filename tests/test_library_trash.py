"""The Trash, as Zotero has it: remove moves there with the children, restore brings back, empty deletes for good."""

from __future__ import annotations

import json
import sqlite3
from pathlib import Path
from typing import Any

import pytest
from refdesk.errors import LibraryError
from refdesk.library import Library
from refdesk.library.migrations import APPLICATION_ID, MIGRATIONS, _statements
from refdesk.model import Record


def article(title: str, **fields: Any) -> Record:
    return Record(data={"itemType": "journalArticle", "title": title, "creators": [], "tags": [], **fields})


def child(item_type: str, parent: str, **fields: Any) -> Record:
    return Record(data={"itemType": item_type, "parentItem": parent, "tags": [], **fields})


@pytest.fixture
def lib(library_path: Path) -> Any:
    with Library.open(library_path) as library:
        yield library


def fts_ok(lib: Library) -> None:
    lib.execute("INSERT INTO items_fts(items_fts, rank) VALUES ('integrity-check', 1)")


def test_trash_takes_the_children_and_hides_them_everywhere(lib: Library) -> None:
    paper = lib.add(article("Soviet and British diplomacy", abstractNote="conferences before the USSR"))
    other = lib.add(article("Another paper on diplomacy"))
    pdf = lib.add(child("attachment", paper.key, title="Full Text PDF", linkMode="imported_file"))
    note = lib.add(child("note", paper.key, note="<p>Read <b>again</b></p><p>second line</p>"))
    annotation = lib.add(child("annotation", pdf.key, annotationType="highlight", annotationText="a highlighted line"))
    moved = lib.trash([paper.key])
    assert [r.key for r in moved] == [paper.key, pdf.key, note.key, annotation.key]
    assert all(lib.get(k).trashed for k in (paper.key, pdf.key, note.key, annotation.key))
    assert lib.keys(trash=False) == [other.key]
    assert lib.count() == 1 and lib.count("diplomacy") == 1 and lib.count("conferences") == 0
    assert [r.key for r in lib.rows(search="diplomacy")] == [other.key]
    assert [r.key for r in lib.records()] == [other.key]
    assert lib.count(trash=True) == 4 and lib.count("diplomacy", trash=True) == 1
    assert {r.key for r in lib.rows(trash=True)} == {paper.key, pdf.key, note.key, annotation.key}
    fts_ok(lib)
    # journaled as an edit of "deleted", so sync uploads Zotero's flag
    assert [c.fields for c in lib.changes() if c.item_key == paper.key][-1] == ["deleted"]


def test_restore_brings_back_the_children_and_a_childs_parent(lib: Library) -> None:
    paper = lib.add(article("Restorable paper", abstractNote="searchable words"))
    note = lib.add(child("note", paper.key, note="<p>My note</p>"))
    lib.trash([paper.key])
    restored = lib.restore([note.key])  # restoring a child brings its parent back, never an orphan in view
    assert {r.key for r in restored} == {paper.key, note.key}
    assert "deleted" not in lib.get(paper.key).data
    assert lib.count("searchable") == 1 and lib.count(trash=True) == 0
    fts_ok(lib)
    with pytest.raises(LibraryError, match="not in the Trash"):
        lib.restore([paper.key])


def test_empty_trash_deletes_for_good_with_children_and_journals_each(lib: Library) -> None:
    paper = lib.add(article("Doomed paper"))
    keep = lib.add(article("Kept paper"))
    note = lib.add(child("note", paper.key, note="<p>gone too</p>"))
    lib.trash([paper.key])
    with pytest.raises(LibraryError, match="not in the Trash"):
        lib.empty_trash([keep.key])
    deleted = lib.empty_trash()
    assert {r.key for r in deleted} == {paper.key, note.key}
    assert not lib.exists(paper.key) and not lib.exists(note.key) and lib.exists(keep.key)
    assert {c.item_key for c in lib.changes() if c.op == "delete"} == {paper.key, note.key}
    fts_ok(lib)


def test_import_of_a_trashed_work_is_a_new_item(lib: Library) -> None:
    first = lib.import_record(article("Same work", DOI="10.1000/xyz"), "import")
    lib.trash([first.record.key])
    again = lib.import_record(article("Same work", DOI="10.1000/xyz"), "import")
    assert again.status == "added" and again.record.key != first.record.key


def test_a_note_is_titled_by_its_first_line(lib: Library) -> None:
    note = lib.add(Record(data={"itemType": "note", "note": "<div><h1>Reading plan</h1><p>chapter 2</p></div>", "tags": []}))
    assert [r.title for r in lib.rows()] == ["Reading plan"]
    assert lib.count("reading") == 1
    long = lib.add(Record(data={"itemType": "note", "note": "<p>" + "word " * 60 + "</p>", "tags": []}))
    assert len(lib.get(long.key).title) == 120 and note.title == "Reading plan"


def test_cli_remove_trash_restore_empty(cli: Any, lib: Library) -> None:
    paper = lib.add(article("A paper to trash"))
    note = lib.add(child("note", paper.key, note="<p>Child note</p>"))
    out = cli("remove", paper.key)
    assert out.code == 0 and "Moved to the Trash" in out.out and "1 child item" in out.out
    assert cli("list", "--json").json() == []
    assert {r["key"] for r in cli("trash", "list", "--json").json()} == {paper.key, note.key}
    assert {r["key"] for r in cli("list", "--trash", "--json").json()} == {paper.key, note.key}
    assert cli("export").out.strip() == "[]"
    out = cli("trash", "restore", paper.key)
    assert out.code == 0 and "Restored" in out.out
    assert {r["key"] for r in cli("list", "--children", "--json").json()} == {paper.key, note.key}
    bad = cli("trash", "restore", paper.key)
    assert bad.code != 0 and "not in the Trash" in bad.err
    cli("remove", paper.key)
    out = cli("trash", "empty")
    assert out.code == 0 and "Deleted for good: 2 items" in out.out
    assert cli("trash", "list").err.strip() == "The Trash is empty."
    missing = cli("remove", "NOSUCHKY")
    assert missing.code != 0 and "NOSUCHKY" in missing.err


def _v9_library(path: Path) -> None:
    """A library as refdesk 9 wrote it: a trashed item and a note indexed like any other, the note untitled."""
    conn = sqlite3.connect(path, isolation_level=None)
    for version, sql in MIGRATIONS:
        if version > 9:
            break
        for statement in _statements(sql):
            conn.execute(statement)
    rows = [
        (1 << 20, "AAAAAAAA", "journalArticle", {"itemType": "journalArticle", "title": "Kept words", "creators": [], "tags": []}, "Kept words"),
        (2 << 20, "BBBBBBBB", "journalArticle",
         {"itemType": "journalArticle", "title": "Trashed words", "deleted": 1, "creators": [], "tags": []}, "Trashed words"),
        (3 << 20, "CCCCCCCC", "note", {"itemType": "note", "note": "<p>Noted words</p>", "parentItem": "AAAAAAAA", "tags": []}, ""),
    ]
    for item_id, key, item_type, data, title in rows:
        conn.execute("INSERT INTO items(id, key, item_type, data, date_added, date_modified, title) VALUES (?,?,?,?,?,?,?)",
                     (item_id, key, item_type, json.dumps(data), f"2020-01-0{item_id >> 20}T00:00:00Z", "", title))
        conn.execute("INSERT INTO items_fts(rowid, title, creators, publication, abstract, tags) VALUES (?,?,'','','','')",
                     (item_id, title))
    conn.execute(f"PRAGMA application_id = {APPLICATION_ID}")
    conn.execute("PRAGMA user_version = 9")
    conn.close()


def test_migration_10_moves_trashed_items_out_of_the_index_and_titles_notes(tmp_path: Path) -> None:
    path = tmp_path / "v9.sqlite"
    _v9_library(path)
    with Library.open(path) as lib:
        assert lib.count() == 2 and lib.count(trash=True) == 1
        assert lib.count("trashed") == 0 and lib.count("noted") == 1
        assert {r.key: r.title for r in lib.rows()}["CCCCCCCC"] == "Noted words"
        assert lib.execute("SELECT parent_key FROM items WHERE key = 'CCCCCCCC'")[0][0] == "AAAAAAAA"
        fts_ok(lib)
        lib.trash(["AAAAAAAA"])  # the migrated parent column finds the note
        assert lib.count() == 0
