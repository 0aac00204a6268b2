"""The contentless search index stays exact through edits, removals and the migration that built it."""

from __future__ import annotations

import json
import sqlite3
from pathlib import Path

from refdesk.library import Library
from refdesk.library.migrations import APPLICATION_ID, MIGRATIONS, SCHEMA_VERSION, _statements
from refdesk.model import Record


def keys(lib: Library, query: str) -> set[str]:
    return {r.key for r in lib.records(search=query)}


def article(title: str, last: str, abstract: str = "", tags: tuple[str, ...] = ()) -> Record:
    rec = Record.new("journalArticle", title=title, abstractNote=abstract, publicationTitle="Вестник")
    rec.set("creators", [{"creatorType": "author", "lastName": last, "firstName": "Е. Ю."}, {"creatorType": "author", "name": "ВОЗ"}])
    for t in tags:
        rec.add_tag(t)
    return rec


def test_edits_and_removals_leave_no_stale_hits(tmp_path: Path) -> None:
    with Library.open(tmp_path / "lib.sqlite") as lib:
        a = article("Советская дипломатия", "Сергеев", "первый текст", ("архив",))
        b = article("British diplomacy", "Smith")
        lib.add(a)
        lib.add_many([b])
        assert keys(lib, "дипломатия") == {a.key}
        a.set("title", "Британская политика")
        a.set("abstractNote", "")
        a.remove_tag("архив")
        a.set("creators", [{"creatorType": "author", "lastName": "Иванов", "firstName": "И."}])
        lib.save(a)
        for gone in ("дипломатия", "советская", "первый", "архив", "сергеев"):
            assert keys(lib, gone) == set(), gone
        assert keys(lib, "воз") == {b.key}
        assert keys(lib, "британская") == {a.key}
        assert keys(lib, "иванов") == {a.key}
        assert keys(lib, "diplomacy") == {b.key}
        lib.remove(b.key)
        assert keys(lib, "diplomacy") == set()
        assert keys(lib, "smith") == set()
        assert keys(lib, "воз") == set()
        assert lib.count(search="брит") == 1


def test_migration_rebuilds_the_index_from_stored_records(tmp_path: Path) -> None:
    path = tmp_path / "v4.sqlite"
    conn = sqlite3.connect(path, isolation_level=None)
    for version, sql in MIGRATIONS:
        if version > 4:
            break
        for statement in _statements(sql):
            conn.execute(statement)
    conn.execute(f"PRAGMA application_id = {APPLICATION_ID}")
    conn.execute("PRAGMA user_version = 4")
    rec = article("Советская дипломатия", "Сергеев", "Текст аннотации", ("архив",))
    conn.execute(
        "INSERT INTO items(id, key, item_type, data, date_added, date_modified, title, publication) VALUES (7, ?, ?, ?, '', '', ?, ?)",
        (rec.key, rec.item_type, json.dumps(rec.data, ensure_ascii=False), rec.title, rec.publication()),
    )
    conn.execute("INSERT INTO items_fts(rowid, title) VALUES (7, 'stale old-style row')")
    conn.close()
    with Library.open(path) as lib:
        assert lib.execute("PRAGMA user_version")[0][0] == SCHEMA_VERSION
        for word in ("советская", "сергеев", "воз", "вестник", "аннотации", "архив"):
            assert keys(lib, word) == {rec.key}, word
        stored = lib.get(rec.key)
        stored.set("title", "Новое название")
        stored.set("abstractNote", "")
        stored.set("creators", [])
        stored.remove_tag("архив")
        lib.save(stored)
        for gone in ("советская", "сергеев", "воз", "аннотации", "архив"):
            assert keys(lib, gone) == set(), gone
        assert keys(lib, "новое") == {rec.key}
        lib.remove(rec.key)
        assert keys(lib, "новое") == set() and keys(lib, "вестник") == set()


def test_bulk_add_many_is_searchable_and_restores_the_cache(tmp_path: Path) -> None:
    with Library.open(tmp_path / "bulk.sqlite") as lib:
        before = lib.execute("PRAGMA cache_size")[0][0]
        records = [Record.new("book", title=f"Книга номер {n}", abstractNote=f"word{n % 7}") for n in range(1200)]
        assert lib.add_many(records) == 1200
        assert lib.execute("PRAGMA cache_size")[0][0] == before
        assert lib.count(search="книга") == 1200
        assert lib.count(search="word3") == len([n for n in range(1200) if n % 7 == 3])
        assert [r.title for r in lib.records(search="книга", limit=3)] == ["Книга номер 1199", "Книга номер 1198", "Книга номер 1197"]
        assert len(lib.changes()) == 1200
