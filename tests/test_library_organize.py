"""Collections made here, tags across the library, and child items kept under their parent (issue 14)."""

from __future__ import annotations

import json
from pathlib import Path

import pytest
from refdesk.errors import InvalidInputError, NotFoundError
from refdesk.library import Library
from refdesk.library.collections import (
    add_to_collection,
    create_collection,
    delete_collection,
    get_collection,
    list_collections,
    remove_from_collection,
    rename_collection,
    subcollections,
)
from refdesk.library.migrations import SCHEMA_VERSION
from refdesk.library.tags import delete_tag, rename_tag, tag_counts
from refdesk.model import Record

from tests.library_versions import library_at


def article(title: str, *tags: str, auto: tuple[str, ...] = ()) -> Record:
    rec = Record.new("journalArticle", title=title)
    for tag in tags:
        rec.add_tag(tag)
    for tag in auto:
        rec.add_tag(tag, automatic=True)
    return rec


def child(item_type: str, parent: str, **fields: str) -> Record:
    return Record(data={"itemType": item_type, "parentItem": parent, "tags": [], "collections": [], "relations": {},
                        **fields})


@pytest.fixture
def lib(tmp_path: Path) -> Library:
    library = Library.open(tmp_path / "l.sqlite")
    yield library  # type: ignore[misc]
    library.close()


def titles(rows: list) -> list[str]:  # type: ignore[type-arg]
    return sorted(r.title for r in rows)


def test_collections_are_made_renamed_nested_and_deleted_as_sync_uploads_them(lib: Library) -> None:
    top = create_collection(lib, "  Soviet   diplomacy ")
    assert top.name == "Soviet diplomacy" and len(top.key) == 8 and top.library_id == "user"
    sub = create_collection(lib, "Genoa 1922", parent=top.key)
    subsub = create_collection(lib, "Delegations", parent=sub.key)
    other = create_collection(lib, "Archives")
    row = lib.execute("SELECT data, dirty, version, parent_key FROM collections WHERE key = ?", (sub.key,))[0]
    assert json.loads(row[0]) == {"name": "Genoa 1922", "parentCollection": top.key, "relations": {}}
    assert (row[1], row[2], row[3]) == (1, 0, top.key)
    assert json.loads(lib.execute("SELECT data FROM collections WHERE key = ?", (top.key,))[0][0])["parentCollection"] is False
    tree = list_collections(lib)
    assert [(c.name, c.depth) for c in tree] == [("Archives", 0), ("Soviet diplomacy", 0), ("Genoa 1922", 1),
                                                  ("Delegations", 2)]
    assert subcollections(lib, top.key, "user") == [sub.key, subsub.key]

    lib.execute("UPDATE collections SET dirty = 0, version = 5 WHERE key = ?", (sub.key,))  # as after an upload
    renamed = rename_collection(lib, sub.key, "Genoa conference")
    assert renamed.name == "Genoa conference"
    row = lib.execute("SELECT name, data, dirty FROM collections WHERE key = ?", (sub.key,))[0]
    assert row[0] == "Genoa conference" and json.loads(row[1])["name"] == "Genoa conference" and row[2] == 1

    a, b = lib.add(article("A")), lib.add(article("B"))
    assert add_to_collection(lib, [a.key, b.key], sub.key) == [a.key, b.key]
    assert add_to_collection(lib, [a.key], sub.key) == []  # already there: nothing journaled
    assert add_to_collection(lib, [a.key], subsub.key) == [a.key]
    assert titles(lib.rows(collection=sub.key)) == ["A", "B"]
    assert lib.count(collection=[top.key, sub.key, subsub.key]) == 2  # A counted once though in two of them
    assert [c.items for c in list_collections(lib, counts=True) if c.key == sub.key] == [2]
    assert remove_from_collection(lib, [b.key], sub.key) == [b.key]
    assert lib.get(b.key).data["collections"] == []
    journal = [(c.item_key, c.fields) for c in lib.changes() if c.op == "update"]
    assert (b.key, ["collections"]) in journal

    lib.execute("UPDATE items SET dirty = 0")
    gone = delete_collection(lib, top.key)
    assert [c.key for c in gone] == [top.key, sub.key, subsub.key]
    assert list_collections(lib) == [get_collection(lib, other.key)]
    logged = {r[0] for r in lib.execute("SELECT key FROM zotero_delete_log WHERE object_type = 'collection'")}
    assert logged == {top.key, sub.key, subsub.key}
    assert lib.get(a.key).data["collections"] == [] and lib.count() == 2  # the items stay, out of the collections
    assert lib.dirty_keys() == []  # Zotero takes a deleted collection out of its items itself


def test_collection_mistakes_are_refused_with_nothing_changed(lib: Library) -> None:
    coll = create_collection(lib, "Reading")
    paper = lib.add(article("Paper"))
    note = lib.add(child("note", paper.key, note="<p>A note</p>"))
    group_paper = lib.add(article("Group paper"), library_id="group:7")
    with pytest.raises(InvalidInputError, match="needs a name"):
        create_collection(lib, "   ")
    with pytest.raises(NotFoundError, match="No collection with key NOPE2345"):
        create_collection(lib, "Sub", parent="NOPE2345")
    with pytest.raises(InvalidInputError, match="only top-level items go into collections"):
        add_to_collection(lib, [paper.key, note.key], coll.key)
    with pytest.raises(InvalidInputError, match="of its own library"):
        add_to_collection(lib, [group_paper.key], coll.key)
    with pytest.raises(NotFoundError):
        add_to_collection(lib, [paper.key, "MISSING2"], coll.key)
    assert lib.count(collection=coll.key) == 0 and lib.get(paper.key).data["collections"] == []
    with pytest.raises(NotFoundError):
        rename_collection(lib, "NOPE2345", "x")
    assert len(list_collections(lib)) == 1


def test_tags_of_the_items_shown_and_filtering_by_several(lib: Library) -> None:
    a = lib.add(article("Carbon in soils", "soil", "to read", auto=("Ecology",)))
    lib.add(article("Carbon at sea", "to read", auto=("Ecology", "Oceans")))
    trashed = lib.add(article("Gone carbon", "soil", "trash only"))
    lib.add(child("note", a.key, note="<p>carbon note</p>", tags=[{"tag": "note tag"}]))  # type: ignore[arg-type]
    lib.add(article("Group item", "soil"), library_id="group:7")
    lib.trash([trashed.key])

    def shown(**kw: object) -> list[tuple[str, bool, int]]:
        return [(t.tag, t.automatic, t.items) for t in tag_counts(lib, **kw)]  # type: ignore[arg-type]

    assert shown(library_id="user") == [("Ecology", True, 2), ("Oceans", True, 1), ("soil", False, 1),
                                        ("to read", False, 2)]
    assert ("soil", False, 2) in shown()  # every library
    assert ("note tag", False, 1) in shown(top_level=False)
    assert shown(search="soils") == [("Ecology", True, 1), ("soil", False, 1), ("to read", False, 1)]
    assert shown(library_id="user", tags=["Ecology", "Oceans"]) == [("Ecology", True, 1), ("Oceans", True, 1),
                                                                    ("to read", False, 1)]
    assert shown(trash=True) == [("soil", False, 1), ("trash only", False, 1)]
    assert titles(lib.rows(tags=["to read", "Ecology"], top_level=True)) == ["Carbon at sea", "Carbon in soils"]
    assert lib.count(tags=["to read", "soil"], top_level=True) == 1
    assert lib.count(tags=["soil"], library_id="group:7") == 1


def test_a_tag_is_renamed_and_deleted_on_every_item_and_journaled(lib: Library) -> None:
    a = lib.add(article("A", "reading", "Later"))
    b = lib.add(article("B", "reading"))
    c = lib.add(article("C", "other"))
    assert sorted(rename_tag(lib, "reading", "later")) == sorted([a.key, b.key])
    assert lib.get(a.key).tag_names() == ["Later"]  # it had the new name (up to case) already: one tag left
    assert lib.get(b.key).tag_names() == ["later"]
    assert [c.item_key for c in lib.changes() if c.op == "update" and c.fields == ["tags"]] == [a.key, b.key]
    assert delete_tag(lib, "later") == [b.key]
    assert lib.get(b.key).tag_names() == [] and lib.get(c.key).tag_names() == ["other"]
    with pytest.raises(NotFoundError, match="No item has the tag 'nothing'"):
        rename_tag(lib, "nothing", "x")
    with pytest.raises(InvalidInputError, match="needs a name"):
        rename_tag(lib, "other", "  ")
    assert lib.get(c.key).tag_names() == ["other"]
    lib.remove(c.key)
    assert lib.execute("SELECT count(*) FROM item_tags")[0][0] == 1  # A's "Later" alone


def test_top_level_listings_leave_children_out_and_count_them_by_index(lib: Library) -> None:
    a = lib.add(article("Permafrost carbon"))
    b = lib.add(article("Boreal soils"))
    pdf = lib.add(child("attachment", a.key, title="Full Text PDF", contentType="application/pdf", linkMode="imported_file"))
    lib.add(child("note", a.key, note="<p>Permafrost notes</p>"))
    lib.add(child("annotation", pdf.key, annotationText="permafrost thaw", annotationType="highlight"))
    lib.add(Record(data={"itemType": "note", "note": "<p>Standalone permafrost note</p>", "tags": [], "collections": [],
                         "relations": {}}))
    assert lib.count() == 6 and lib.count(top_level=True) == 3
    assert titles(lib.rows(top_level=True)) == ["Boreal soils", "Permafrost carbon", "Standalone permafrost note"]
    assert lib.count("permafrost", top_level=True) == 2 == len(lib.rows(search="permafrost", top_level=True))
    assert lib.count("permafrost") == 4  # the note, the annotation and the standalone note too
    assert lib.count(library_id="user", top_level=True) == 3
    assert lib.child_counts([a.key, b.key]) == {a.key: 2}  # the annotation belongs to its PDF
    assert [r.item_type for r in lib.child_rows(a.key)] == ["attachment", "note"]
    assert [r.title for r in lib.children(a.key)] == ["Full Text PDF", "Permafrost notes"]
    assert [r.title for r in lib.records(top_level=True, order="title")] == [
        "Boreal soils", "Permafrost carbon", "Standalone permafrost note"]
    lib.trash([a.key])
    assert lib.count(top_level=True) == 2 and lib.child_counts([a.key]) == {}
    assert lib.child_counts([a.key], trash=True) == {a.key: 2}
    plan = " ".join(str(r[3]) for r in lib.execute(
        "EXPLAIN QUERY PLAN SELECT count(*) FROM items INDEXED BY items_children WHERE parent_key IS NOT NULL AND trashed = 0"))
    assert "COVERING INDEX items_children" in plan


def test_migration_11_fills_the_tags_of_a_version_10_library(tmp_path: Path) -> None:
    path = tmp_path / "v10.sqlite"
    odd = article("Odd")
    odd.data["tags"] = [{"tag": "kept"}, {"tag": ""}, {"tag": 7}, {"name": "x"}, {"tag": "auto", "type": 1}]
    library_at(path, 10, [article("A", "x", auto=("y",)), odd, article("None")])
    with Library.open(path) as lib:
        assert lib.execute("PRAGMA user_version")[0][0] == SCHEMA_VERSION
        assert [(t.tag, t.automatic, t.items) for t in tag_counts(lib)] == [
            ("auto", True, 1), ("kept", False, 1), ("x", False, 1), ("y", True, 1)]
