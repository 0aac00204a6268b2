"""Pages of the item table come in the same order whichever plan the library picks.

``Library.rows`` walks an order's index when a search matches many records and lets SQLite sort
the matches otherwise; both plans, every sort column, both directions and a library filter must
give exactly the order the column promises (ties broken by insertion).
"""

from __future__ import annotations

import random
import sqlite3
from collections.abc import Callable
from pathlib import Path
from typing import Any

import pytest
from refdesk.library import Library, store
from refdesk.library.store import Order, Row
from refdesk.model import Record

from tests.library_versions import library_at

LAST = ["Sergeev", "smith", "Smith", "Åberg", "Brown", "brown", "Zhou", "Сергеев", "adams"]
JOURNALS = ["Journal of Modern History", "journal of modern history", "Вестник МГУ", "Annals", ""]
YEARS = ["2022", "1999", "2022", "2010", ""]


DATES = ["rising", "any order", "changed"]


def build(path: Path, dates: str = "rising") -> tuple[Library, list[Record]]:
    """120 records in two libraries; their dates added (with ties) rise with insertion, as local additions do, or
    come in any order, as a sync download brings them, or are "changed" afterwards (ids no longer follow them)."""
    rnd = random.Random(7)
    lib = Library.open(path)
    records = []
    added = [f"2024-0{rnd.randint(1, 9)}-1{rnd.randint(0, 9)}T10:00:00Z" for _ in range(120)]
    if dates == "rising":
        added.sort()
    for n in range(120):
        rec = Record.new(
            "journalArticle", title=f"{rnd.choice(['Peat', 'peat', 'Carbon'])} study {n % 9}",
            date=rnd.choice(YEARS), publicationTitle=rnd.choice(JOURNALS), abstractNote=rnd.choice(["peatland", "carbon", ""]),
        )
        rec.set("creators", [{"creatorType": "author", "lastName": rnd.choice(LAST), "firstName": "A."}])
        rec.data["collections"] = ["COLLAAAA"] if n % 3 else []
        rec.data["dateAdded"] = added[n]
        records.append(rec)
    lib.add_many(records[:80])
    for rec in records[80:]:
        lib.add(rec, library_id="group:51240")
    if dates == "changed":
        for rec in records[::7]:  # as sync writes a date added that Zotero changed
            lib.execute("UPDATE items SET date_added = ? WHERE key = ?", (f"2023-0{rnd.randint(1, 9)}-01T00:00:00Z", rec.key))
    return lib, records


def matches(rec: Record, search: str | None) -> bool:
    """The search as the library means it: the word starts a word of the title or abstract."""
    words = f"{rec.title} {rec.get('abstractNote')}".lower().split()
    return search is None or any(w.startswith(search) for w in words)


def nocase(text: str) -> str:
    """SQLite's NOCASE: only ASCII letters fold."""
    return "".join(c.lower() if c.isascii() else c for c in text)


SORT_KEYS: dict[Order, Callable[[Row], Any]] = {
    "title": lambda r: nocase(r.title),
    "creators": lambda r: nocase(r.creators),
    "year": lambda r: r.year,
    "publication": lambda r: nocase(r.publication),
    "added": lambda r: r.date_added,
}
DEFAULT_DESCENDING = {"title": False, "creators": False, "year": True, "publication": False, "added": True}


@pytest.mark.parametrize("dates", DATES)
@pytest.mark.parametrize("walk_index", [True, False], ids=["index walk", "sort matches"])
@pytest.mark.parametrize("order", list(SORT_KEYS))
def test_every_order_and_plan_gives_the_promised_order(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch, order: Order, walk_index: bool, dates: str
) -> None:
    """While ids follow date added a search in date-added order streams from the search index; else it walks an
    index or sorts its matches, as for the other orders. Ties are broken by id: date added, then insertion."""
    monkeypatch.setattr(store, "_SCAN_IN_ORDER_ABOVE", 0 if walk_index else 10**9)
    lib, records = build(tmp_path / "order.sqlite", dates)
    by_key = {rec.key: rec for rec in records}
    with lib:
        assert lib._ids_follow_added() is (dates != "changed")
        everything = lib.rows(0, 1000)
        position = {key: n for n, key in enumerate(lib.keys())}  # id order
        filters = [(None, None, None), ("peat", None, None), ("carb", "user", None), ("pe", "group:51240", None),
                   (None, "user", "COLLAAAA"), ("pe", "user", "COLLAAAA"), (None, None, "COLLAAAA")]
        for search, library_id, collection in filters:
            for descending in (None, True, False):
                pages = [lib.rows(offset, 25, order, search, library_id, descending, collection) for offset in range(0, 150, 25)]
                got = [row for page in pages for row in page]
                wanted_desc = DEFAULT_DESCENDING[order] if descending is None else descending
                matching = [
                    r for r in everything
                    if (library_id is None or lib.library_of(r.key) == library_id)
                    and matches(by_key[r.key], search)
                    and (collection is None or collection in by_key[r.key].data["collections"])
                ]
                expected = sorted(matching, key=lambda r: (SORT_KEYS[order](r), position[r.key]), reverse=wanted_desc)
                assert len(expected) > 25  # more than one page
                assert [r.key for r in got] == [r.key for r in expected], (order, search, library_id, collection, descending)
                assert lib.count(search, library_id, collection) == len(expected)


def test_every_sort_column_has_an_index_and_pages_use_it(tmp_path: Path) -> None:
    lib, _ = build(tmp_path / "plan.sqlite")
    with lib:
        for order in store._ORDER_SQL:
            index = store._ORDER_INDEX.get(order)
            assert index is not None, order
            plan = " ".join(str(r[3]) for r in lib.execute(
                f"EXPLAIN QUERY PLAN SELECT key FROM items ORDER BY {store._ORDER_SQL[order]} LIMIT 50"
            ))
            assert f"USING INDEX {index}" in plan and "TEMP B-TREE" not in plan, (order, plan)


def dated(title: str, added: str) -> Record:
    rec = Record.new("journalArticle", title=title)
    rec.data["dateAdded"] = added
    return rec


def test_whether_ids_follow_date_added_is_kept_by_every_write(tmp_path: Path) -> None:
    """Additions keep it, older ones too (a sync download: ids are made from the date added); a date added
    changed afterwards ends it."""
    with Library.open(tmp_path / "a.sqlite") as lib:
        assert lib._ids_follow_added()
        lib.add_many([dated("peat one", "2024-01-01T10:00:00Z"), dated("peat two", "2024-01-01T10:00:00Z")])
        lib.add(dated("peat three", "2024-02-01T10:00:00Z"))
        third = lib.rows(0, 1)[0].key
        rec = lib.get(third)
        rec.set("title", "peat three, revised")
        lib.save(rec)
        lib.remove(third)
        assert lib._ids_follow_added()
        lib.add(dated("peat from Zotero", "2023-05-05T10:00:00Z"), library_id="group:1")  # its id goes before
        lib.add_many([dated("peat, 2022", "2022-05-05T10:00:00Z"), dated("peat, 2025", "2025-05-05T10:00:00Z")])
        assert lib._ids_follow_added()
        titles = ["peat, 2025", "peat two", "peat one", "peat from Zotero", "peat, 2022"]
        assert [r.title for r in lib.rows(0, 10, search="peat")] == titles
        assert [r.title for r in lib.rows(0, 10, search="peat", descending=False)] == titles[::-1]
    with Library.open(tmp_path / "b.sqlite") as lib:
        lib.add_many([dated(f"peat {n}", f"2024-01-0{n}T10:00:00Z") for n in range(1, 4)])
        lib.execute("UPDATE items SET date_added = '2025-01-01T00:00:00Z' WHERE title = 'peat 2'")  # as sync writes
        assert not lib._ids_follow_added()
        assert [r.title for r in lib.rows(0, 10, search="peat")] == ["peat 2", "peat 3", "peat 1"]


@pytest.mark.parametrize("ordered", [True, False])
def test_migration_finds_whether_ids_follow_date_added(tmp_path: Path, ordered: bool) -> None:
    path = tmp_path / "v8.sqlite"
    library_at(path, 8, [dated("peat one", ""), dated("peat two", ""), dated("peat three", "")])
    if not ordered:
        raw = sqlite3.connect(path)
        raw.execute("UPDATE items SET date_added = '2019-01-01T00:00:00Z' WHERE id = 3")
        raw.commit()
        raw.close()
    with Library.open(path) as lib:
        assert lib._ids_follow_added() is ordered
        titles = [r.title for r in lib.rows(0, 10)]
        assert titles == (["peat three", "peat two", "peat one"] if ordered else ["peat two", "peat one", "peat three"])


def test_more_additions_in_one_second_than_its_ids(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    """Past the ids of one second, additions take the next free id: all stored, pages still in order."""
    monkeypatch.setattr(store, "_ID_SECOND", 4)
    with Library.open(tmp_path / "full.sqlite") as lib:
        lib.add(dated("peat next second", "2024-01-01T10:00:01Z"))
        lib.add_many([dated(f"peat {n}", "2024-01-01T10:00:00Z") for n in range(10)])
        lib.add(dated("peat later", "2024-01-01T10:00:00Z"))
        assert len(set(lib.keys())) == 12
        titles = [r.title for r in lib.rows(0, 20, search="peat")]
        assert titles == ["peat next second", "peat later", *[f"peat {n}" for n in range(9, -1, -1)]]
