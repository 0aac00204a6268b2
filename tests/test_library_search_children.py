"""A search of top-level items finds the item whose note, attachment or annotation matches (as Zotero does)."""

from __future__ import annotations

from pathlib import Path

import pytest
from refdesk.library import Library, store
from refdesk.model import Record

from tests.test_library_organize import article, child


@pytest.fixture
def lib(tmp_path: Path) -> Library:
    library = Library.open(tmp_path / "l.sqlite")
    yield library  # type: ignore[misc]
    library.close()


@pytest.mark.parametrize("walk_index", [True, False], ids=["index walk", "sort matches"])
def test_a_search_matching_only_a_child_shows_its_parent(
    lib: Library, monkeypatch: pytest.MonkeyPatch, walk_index: bool
) -> None:
    monkeypatch.setattr(store, "_SCAN_IN_ORDER_ABOVE", 0 if walk_index else 10**9)
    boreal = lib.add(article("Boreal soils"))
    peat = lib.add(article("Peat carbon"))
    lib.add(article("Unrelated"))
    lib.add(child("note", boreal.key, note="<p>Ask about the tundra samples</p>"))
    pdf = lib.add(child("attachment", peat.key, title="Full Text PDF", contentType="application/pdf"))
    lib.add(child("annotation", pdf.key, annotationText="tundra thaw", annotationType="highlight"))
    group = lib.add(article("Group paper"), library_id="group:1")
    lib.add(child("note", group.key, note="<p>tundra in a group</p>"), library_id="group:1")
    lib.add(Record(data={"itemType": "note", "note": "<p>Tundra on its own</p>", "tags": [], "collections": [],
                         "relations": {}}))

    def shown(search: str, **kw: object) -> list[str]:
        return sorted(r.title for r in lib.rows(search=search, top_level=True, **kw))  # type: ignore[arg-type]

    everything = ["Boreal soils", "Group paper", "Peat carbon", "Tundra on its own"]
    for order in ("added", "title", "year"):
        assert sorted(r.title for r in lib.rows(search="tundra", top_level=True, order=order)) == everything
    assert lib.count("tundra", top_level=True) == 4
    assert shown("tund", library_id="user") == ["Boreal soils", "Peat carbon", "Tundra on its own"]
    assert lib.count("tund", "user", top_level=True) == 3
    assert sorted(r.title for r in lib.records(search="tundra", top_level=True)) == everything
    assert shown("carbon") == ["Peat carbon"]  # the parent's own match, once
    assert lib.count("tundra") == 4  # not top-level: the matching items themselves (two notes, annotation, note)
    lib.trash([boreal.key])  # its note goes with it
    assert shown("tundra") == ["Group paper", "Peat carbon", "Tundra on its own"]
    assert lib.count("tundra", top_level=True) == 3


def test_a_library_without_children_keeps_the_streamed_plan(lib: Library) -> None:
    lib.add(article("Peat carbon"))
    assert not lib._has_children()
    page = store._Page(0, 10, "added", "peat", None, True, None, False, (), True, None)
    assert lib._plan(page) == lib._page_from_search_index
    lib.add(child("note", lib.rows()[0].key, note="peat"))
    assert lib._plan(page) != lib._page_from_search_index


def test_the_parents_found_follow_every_write_to_the_library(lib: Library, tmp_path: Path) -> None:
    """The parents a search finds are kept between pages; a write here or by another connection renews them."""
    paper = lib.add(article("Peat carbon"))
    lib.add(article("Bog water"))
    lib.add(child("note", paper.key, note="nothing yet"))
    assert [r.title for r in lib.rows(search="sedge", top_level=True)] == []
    note = lib.add(child("note", paper.key, note="sedge cover"))
    assert [r.title for r in lib.rows(search="sedge", top_level=True)] == ["Peat carbon"]
    other = Library.open(lib.path)
    try:
        bog = other.rows(search="bog")[0]
        other.add(child("note", bog.key, note="sedge too"))
        other.remove(note.key)
    finally:
        other.close()
    assert [r.title for r in lib.rows(search="sedge", top_level=True)] == ["Bog water"]
    assert lib.count("sedge", top_level=True) == 1
