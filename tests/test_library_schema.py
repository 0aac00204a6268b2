"""Schema upgrades of an existing library file: migration 6 (a larger FTS5 hashsize, the index kept)."""

from __future__ import annotations

import sqlite3
from pathlib import Path

from refdesk.library import Library
from refdesk.library.migrations import SCHEMA_VERSION
from refdesk.model import Record

from tests.library_versions import library_at


def keys(lib: Library, query: str) -> set[str]:
    return {r.key for r in lib.records(search=query)}


def article(title: str, last: str, abstract: str, tags: tuple[str, ...], journal: str, org: str = "") -> Record:
    rec = Record.new("journalArticle", title=title, abstractNote=abstract, publicationTitle=journal, date="2021")
    creators = [{"creatorType": "author", "lastName": last, "firstName": "Е. Ю."}]
    rec.set("creators", [*creators, {"creatorType": "author", "name": org}] if org else creators)
    for t in tags:
        rec.add_tag(t)
    return rec


def test_migration_6_upgrades_a_version_5_library_in_place(tmp_path: Path) -> None:
    path = tmp_path / "v5.sqlite"
    a = article("Советская дипломатия", "Сергеев", "Текст аннотации о торговле", ("архив",), "Вестник истории", "ВОЗ")
    b = article("British diplomacy", "Smith", "Trade and treaties", ("empire",), "Journal of Modern History")
    library_at(path, 5, [a, b])
    with sqlite3.connect(path) as raw:
        assert "prefix = '2 3'" in raw.execute("SELECT sql FROM sqlite_master WHERE name = 'items_fts'").fetchone()[0]
    with Library.open(path) as lib:
        assert lib.execute("PRAGMA user_version")[0][0] == SCHEMA_VERSION
        sql = lib.execute("SELECT sql FROM sqlite_master WHERE name = 'items_fts'")[0][0]
        assert "prefix = '2 3'" in sql and "content = ''" in sql
        assert dict(lib.execute("SELECT k, v FROM items_fts_config"))["hashsize"] == 32 * 1024 * 1024  # type: ignore[arg-type]
        # Every column, whole words and type-ahead prefixes of 1, 2, 3 and more letters (with and without a prefix index).
        for query in ("советская", "со", "сов", "сове", "сергеев", "се", "воз", "в", "вестник", "вес", "аннотации", "ан", "анн",
                      "архив", "ар", "торговле", "то", "дипломатия сер", "дипломатия с"):
            assert keys(lib, query) == {a.key}, query
        for query in ("diplomacy", "di", "dip", "smith", "sm", "treaties", "tr", "empire", "em", "modern", "mo", "trade emp"):
            assert keys(lib, query) == {b.key}, query
        assert keys(lib, "d") == {b.key} and keys(lib, "д") == {a.key}
        stored = lib.get(a.key)
        stored.set("title", "Новое название")
        stored.set("abstractNote", "")
        stored.remove_tag("архив")
        lib.save(stored)
        for gone in ("советская", "сов", "аннотации", "ан", "архив", "ар"):
            assert keys(lib, gone) == set(), gone
        assert keys(lib, "но") == {a.key}
        lib.remove(b.key)
        assert keys(lib, "di") == set() and keys(lib, "smi") == set()
        c = article("Климат и вечная мерзлота", "Иванов", "Оттаивание", ("климат",), "Природа")
        lib.add_many([c])
        assert keys(lib, "кл") == {c.key} and keys(lib, "мер") == {c.key} and keys(lib, "от") == {c.key}
