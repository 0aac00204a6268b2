"""Pages of the item table come in the same order whichever plan the library picks.

``Library.rows`` walks an order's index when a search matches many records and lets SQLite sort
the matches otherwise; both plans, every sort column, both directions and a library filter must
give exactly the order the column promises (ties broken by insertion).
"""

from __future__ import annotations

import random
from collections.abc import Callable
from pathlib import Path
from typing import Any

import pytest
from refdesk.library import Library, store
from refdesk.library.store import Order, Row
from refdesk.model import Record

LAST = ["Sergeev", "smith", "Smith", "Åberg", "Brown", "brown", "Zhou", "Сергеев", "adams"]
JOURNALS = ["Journal of Modern History", "journal of modern history", "Вестник МГУ", "Annals", ""]
YEARS = ["2022", "1999", "2022", "2010", ""]


def build(path: Path) -> tuple[Library, list[Record]]:
    rnd = random.Random(7)
    lib = Library.open(path)
    records = []
    for n in range(120):
        rec = Record.new(
            "journalArticle", title=f"{rnd.choice(['Peat', 'peat', 'Carbon'])} study {n % 9}",
            date=rnd.choice(YEARS), publicationTitle=rnd.choice(JOURNALS), abstractNote=rnd.choice(["peatland", "carbon", ""]),
        )
        rec.set("creators", [{"creatorType": "author", "lastName": rnd.choice(LAST), "firstName": "A."}])
        rec.data["collections"] = ["COLLAAAA"] if n % 3 else []
        records.append(rec)
    lib.add_many(records[:80])
    for rec in records[80:]:
        lib.add(rec, library_id="group:51240")
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


@pytest.mark.parametrize("walk_index", [True, False], ids=["index walk", "sort matches"])
@pytest.mark.parametrize("order", list(SORT_KEYS))
def test_every_order_and_plan_gives_the_promised_order(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch, order: Order, walk_index: bool
) -> None:
    monkeypatch.setattr(store, "_SCAN_IN_ORDER_ABOVE", 0 if walk_index else 10**9)
    lib, records = build(tmp_path / "order.sqlite")
    by_key = {rec.key: rec for rec in records}
    with lib:
        everything = lib.rows(0, 1000)
        position = {row.key: n for n, row in enumerate(reversed(everything))}  # insertion order
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
