"""The library: unknown Zotero fields survive, edits are journaled, dedupe, FTS search, field validation."""

from __future__ import annotations

import copy
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest
from refdesk.errors import UnknownFieldError, UnknownItemTypeError
from refdesk.library import Library
from refdesk.model import Record


@pytest.fixture
def lib(tmp_path: Path) -> Iterator[Library]:
    library = Library.open(tmp_path / "lib.sqlite")
    yield library
    library.close()


ZOTERO_ITEM = {
    "key": "ABCD2345",
    "version": 42,
    "itemType": "journalArticle",
    "title": "Советская и британская дипломатия",
    "creators": [{"creatorType": "author", "lastName": "Сергеев", "firstName": "Е. Ю."}],
    "abstractNote": "",
    "publicationTitle": "Вестник Московского университета",
    "date": "2022-11-01",
    "tags": [{"tag": "дипломатия"}, {"tag": "auto", "type": 1}],
    "collections": ["COLL2345"],
    "relations": {"dc:relation": ["http://zotero.org/users/1/items/XYZW2345"]},
    "dateAdded": "2022-11-02T10:00:00Z",
    "dateModified": "2022-11-03T10:00:00Z",
    # sent by a newer Zotero; refdesk has never heard of them
    "futureField": "keep me",
    "futureStructure": {"nested": [1, 2, {"deep": "значение"}]},
}


def test_unknown_zotero_fields_survive_add_save_get(lib: Library) -> None:
    rec = Record.from_json(ZOTERO_ITEM)
    lib.add(rec, "sync", dirty=False)
    got = lib.get("ABCD2345")
    expected = copy.deepcopy(ZOTERO_ITEM)
    assert got.version == expected.pop("version")
    assert got.to_json() == expected
    got.set("volume", "14")
    lib.save(got)
    again = lib.get("ABCD2345").to_json()
    expected["volume"] = "14"
    assert again == expected
    assert [r.key for r in lib.records()] == ["ABCD2345"]
    assert lib.records()[0].data["futureStructure"] == {"nested": [1, 2, {"deep": "значение"}]}


def test_every_edit_is_journaled(lib: Library) -> None:
    rec = Record.new("book", title="Дипломатия")
    lib.add(rec, "import:file")
    rec.set("publisher", "Наука")
    rec.set("place", "Москва")
    lib.save(rec, "user")
    lib.save(rec, "user")  # nothing changed: no journal entry
    lib.remove(rec.key)
    changes = lib.changes()
    assert [(c.op, c.item_key, c.source) for c in changes] == [
        ("create", rec.key, "import:file"),
        ("update", rec.key, "user"),
        ("delete", rec.key, "user"),
    ]
    assert changes[1].fields == ["place", "publisher"]
    assert "title" in changes[0].fields
    assert lib.changes(since_id=changes[1].id)[0].op == "delete"


def test_cli_edit_goes_into_the_journal(cli: Any, tmp_path: Path) -> None:
    src = tmp_path / "one.ris"
    src.write_text("TY  - JOUR\nTI  - Edit me\nER  - \n", encoding="utf-8")
    key = cli("import", str(src), "--json").json()[0]["key"]
    assert cli("edit", key, "--set", "volume=7", "--add-tag", "История").code == 0
    removed = cli("edit", key, "--remove-tag", "nope")
    assert removed.code != 0 and "has no tag 'nope'" in removed.err
    with Library.open(tmp_path / "home" / "data" / "library.sqlite") as lib:
        last = lib.changes()[-1]
        assert (last.op, last.item_key, last.source) == ("update", key, "user")
        assert last.fields == ["tags", "volume"]
        assert key in lib.dirty_keys()


def _article(title: str, last: str, year: str, **fields: str) -> Record:
    rec = Record.new("journalArticle", title=title, date=year, **fields)
    rec.set("creators", [{"creatorType": "author", "lastName": last, "firstName": "A."}])
    return rec


@pytest.mark.parametrize(
    ("stored", "incoming", "matched_by"),
    [
        ({"DOI": "10.1000/ABC"}, {"DOI": "10.1000/abc"}, "DOI"),
        ({"url": "https://www.Example.org/a/"}, {"url": "http://example.org/a#top"}, "URL"),
        ({}, {}, "title, first author and year"),
    ],
)
def test_dedupe_updates_instead_of_adding(lib: Library, stored: dict[str, str], incoming: dict[str, str], matched_by: str) -> None:
    first = _article("Советская дипломатия: 1922", "Сергеев", "2022", **stored)
    lib.import_record(first, "import:file")
    title = "СОВЕТСКАЯ ДИПЛОМАТИЯ 1922" if matched_by.startswith("title") else "Another title"
    second = _article(title, "сергеев", "2022-11-01", volume="14", **incoming)
    outcome = lib.import_record(second, "import:file")
    assert outcome.status == "updated"
    assert outcome.matched_by == matched_by
    assert outcome.record.key == first.key
    assert lib.count() == 1
    assert lib.get(first.key).get("volume") == "14"


def test_no_dedupe_for_different_year_or_author(lib: Library) -> None:
    lib.import_record(_article("Same title", "Smith", "2020"), "t")
    assert lib.import_record(_article("Same title", "Smith", "2021"), "t").status == "added"
    assert lib.import_record(_article("Same title", "Jones", "2020"), "t").status == "added"
    assert lib.count() == 3


def test_fields_the_user_typed_are_not_overwritten_on_reimport(lib: Library) -> None:
    rec = _article("Title", "Smith", "2020", DOI="10.1/x")
    lib.import_record(rec, "t")
    stored = lib.get(rec.key)
    stored.set("volume", "user volume", "user")
    lib.save(stored)
    outcome = lib.import_record(_article("Title", "Smith", "2020", DOI="10.1/x", volume="imported"), "t")
    assert outcome.status == "unchanged"
    assert lib.get(rec.key).get("volume") == "user volume"


def test_full_text_search_cyrillic_prefix_and_accents(lib: Library) -> None:
    a = _article("Советская и британская дипломатия", "Сергеев", "2022", publicationTitle="Вестник Московского университета")
    b = _article("Économie de la Russie", "Müller", "2019", abstractNote="Une étude des réformes")
    c = _article("Unrelated", "Smith", "2018")
    c.add_tag("ёлка")
    lib.add_many([a, b, c])

    def keys(query: str) -> set[str]:
        return {r.key for r in lib.records(search=query)}

    assert keys("дипломатия") == {a.key}
    assert keys("ДИПЛОМАТИЯ") == {a.key}
    assert keys("дипл") == {a.key}  # prefix, as the user types
    assert keys("вестник моск") == {a.key}  # two words, the last a prefix
    assert keys("сергеев") == {a.key}  # creators are indexed
    assert keys("economie") == {b.key}  # accents folded
    assert keys("muller") == {b.key}
    assert keys("reformes") == {b.key}  # abstract
    assert keys("ёлка") == {c.key}  # tags
    assert keys("дипломатия smith") == set()
    assert keys("'\"*") == set()  # punctuation only: no error, no match
    assert lib.count(search="дипл") == 1
    assert [r.key for r in lib.rows(search="дипл")] == [a.key]


def test_unknown_field_for_item_type_names_field_and_type() -> None:
    rec = Record.new("journalArticle")
    with pytest.raises(UnknownFieldError, match="Field 'university' is not valid for item type 'journalArticle'"):
        rec.set("university", "MSU")
    with pytest.raises(UnknownFieldError, match="Field 'publicationTitle' is not valid for item type 'book'"):
        Record.new("book", publicationTitle="x")
    with pytest.raises(UnknownItemTypeError, match="Unknown item type 'journalArtikel'"):
        Record.new("journalArtikel")
    bad = Record.from_json({"itemType": "thesis", "title": "T", "volume": "3"})
    with pytest.raises(UnknownFieldError, match="Field 'volume' is not valid for item type 'thesis'"):
        bad.validate()


def test_import_of_an_invalid_record_is_refused(lib: Library) -> None:
    bad = Record.from_json({"itemType": "thesis", "title": "T", "volume": "3"})
    with pytest.raises(UnknownFieldError):
        lib.import_record(bad, "t")
    assert lib.count() == 0


def test_transaction_rolls_back_everything(lib: Library) -> None:
    with pytest.raises(RuntimeError), lib.transaction():
        lib.add(Record.new("book", title="One"))
        lib.add(Record.new("book", title="Two"))
        raise RuntimeError("boom")
    assert lib.count() == 0
    assert lib.changes() == []
