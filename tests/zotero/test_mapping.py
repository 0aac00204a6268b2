"""Record <-> Zotero JSON is exact, and the three-way merge follows Zotero's rules."""

from __future__ import annotations

import json
from typing import Any

from hypothesis import given
from hypothesis import strategies as st
from refdesk.zotero import conflicts, mapping

from tests.conftest import FIXTURES

ZFIX = FIXTURES / "zotero"


def _recorded_items() -> list[dict]:
    items = [json.loads((ZFIX / "pyzotero" / "item_doc.json").read_text())]
    items += json.loads((ZFIX / "web-library" / "test-user-get-item-by-key-66LW9WRP-PEZF7SPI.json").read_text())
    items += json.loads((ZFIX / "pyzotero" / "items_doc.json").read_text())
    return items


def test_recorded_items_round_trip_exactly() -> None:
    for obj in _recorded_items():
        rec = mapping.from_zotero(obj)
        assert rec.key == obj["key"] and rec.version == obj["version"]
        assert mapping.to_zotero(rec) == obj["data"]


def test_unknown_fields_tags_relations_and_notes_are_kept() -> None:
    data = {
        "key": "ABCD2345", "version": 7, "itemType": "journalArticle", "title": "T",
        "creators": [{"creatorType": "author", "name": "Org"}, {"creatorType": "editor", "firstName": "A", "lastName": "B"}],
        "tags": [{"tag": "manual"}, {"tag": "auto", "type": 1}], "collections": ["BCDE3456"],
        "relations": {"owl:sameAs": "http://zotero.org/groups/1/items/JKLM6543", "dc:relation": ["a", "b"]},
        "aFieldFromANewerZotero": "kept", "nested": {"x": [1, 2]},
    }
    assert mapping.to_zotero(mapping.from_zotero(data)) == data
    note = {"key": "NOTE2345", "version": 1, "itemType": "note", "note": "<p>x</p>", "parentItem": "ABCD2345",
            "tags": [], "collections": [], "relations": {}}
    rec = mapping.from_zotero(note)
    assert "creators" not in rec.data
    assert mapping.to_zotero(rec) == note


def test_merge_one_side_changes_win_and_sets_merge() -> None:
    base = {"title": "T", "volume": "1", "tags": [{"tag": "a"}, {"tag": "b"}], "collections": ["C1"]}
    local = {"title": "T2", "volume": "1", "tags": [{"tag": "a"}, {"tag": "b"}, {"tag": "l"}], "collections": ["C1", "C2"]}
    remote = {"title": "T", "volume": "9", "tags": [{"tag": "b"}, {"tag": "r", "type": 1}], "collections": []}
    merged, found = conflicts.merge(base, local, remote)
    assert found == []
    assert merged["title"] == "T2" and merged["volume"] == "9"
    assert merged["tags"] == [{"tag": "b"}, {"tag": "l"}, {"tag": "r", "type": 1}]
    assert merged["collections"] == ["C2"]


def test_merge_both_sides_same_field_is_a_conflict_keeping_local() -> None:
    merged, found = conflicts.merge({"title": "T"}, {"title": "L"}, {"title": "R"})
    assert merged["title"] == "L"
    assert [(c.field, c.base, c.local, c.remote) for c in found] == [("title", "T", "L", "R")]
    # the same change on both sides is no conflict; "" equals absent
    assert conflicts.merge({"title": "T"}, {"title": "X"}, {"title": "X"})[1] == []
    assert conflicts.merge({}, {"volume": ""}, {"title": "a"})[1] == []


def test_merge_relations_as_sets() -> None:
    merged, found = conflicts.merge({"relations": {"dc:relation": "a"}}, {"relations": {"dc:relation": ["a", "b"]}},
                                    {"relations": {"dc:relation": "a", "owl:sameAs": "z"}})
    assert found == []
    assert merged["relations"] == {"dc:relation": ["a", "b"], "owl:sameAs": "z"}


def test_merge_tag_type_change_on_one_side_wins() -> None:
    base = {"tags": [{"tag": "x"}, {"tag": "y"}]}
    local = {"tags": [{"tag": "x", "type": 1}, {"tag": "y"}]}
    remote = {"tags": [{"tag": "x"}, {"tag": "y", "type": 1}, {"tag": "z"}]}
    merged, found = conflicts.merge(base, local, remote)
    assert found == []
    assert merged["tags"] == [{"tag": "x", "type": 1}, {"tag": "y", "type": 1}, {"tag": "z"}]


_values = st.one_of(
    st.none(), st.just(""), st.just([]), st.just({}), st.text(max_size=3), st.integers(-1, 1), st.booleans(),
    st.lists(st.text(max_size=2), max_size=2), st.dictionaries(st.text(max_size=2), st.text(max_size=2), max_size=2),
)
_items = st.dictionaries(st.sampled_from(["title", "date", "tags", "key", "version", "dateModified", "extra"]), _values)


@given(_items, _items)
def test_same_means_equal_once_empty_and_server_managed_fields_are_ignored(a: dict[str, Any], b: dict[str, Any]) -> None:
    assert mapping.same(a, b) == (mapping.normalized(a) == mapping.normalized(b))
    assert mapping.same(a, b) == mapping.same(b, a)
    assert mapping.same(a, {**a, "version": 9, "dateModified": "2026-01-01T00:00:00Z"})
    if "extra" not in a:
        assert mapping.same(a, {**a, "extra": ""}) and mapping.same(a, {**a, "extra": []})
