"""Record: Zotero item data plus key, validated fields, NFC text, tags, provenance."""

from __future__ import annotations

import unicodedata

import pytest
from refdesk import schema
from refdesk.errors import UnknownFieldError
from refdesk.model import KEY_ALPHABET, Record, new_key


def test_keys_are_zotero_style() -> None:
    keys = {new_key() for _ in range(200)}
    assert len(keys) == 200
    assert all(len(k) == 8 and set(k) <= set(KEY_ALPHABET) for k in keys)


@pytest.mark.parametrize("item_type", schema.CORE_ITEM_TYPES)
def test_core_types_have_title_date_and_a_primary_creator(item_type: str) -> None:
    rec = Record.new(item_type, title="Т", date="2022")
    assert rec.item_type == item_type
    assert schema.primary_creator_type(item_type)
    for name in schema.fields_for(item_type):
        rec.set(name, "x")  # every field of the type is accepted
    rec.validate()


def test_json_shape_is_zotero_data_plus_key() -> None:
    rec = Record.new("book", title="Дипломатия", publisher="Наука")
    out = rec.to_json()
    assert list(out)[:2] == ["key", "itemType"]
    assert out["creators"] == [] and out["tags"] == [] and out["collections"] == [] and out["relations"] == {}
    again = Record.from_json(out)
    assert again.key == rec.key and again.data == rec.data


def test_text_is_stored_nfc_and_provenance_is_kept() -> None:
    rec = Record.new("journalArticle")
    rec.set("title", unicodedata.normalize("NFD", "Ёжик в тумане"), "file:x.ris")
    assert rec.title == "Ёжик в тумане" and unicodedata.is_normalized("NFC", rec.title)
    assert rec.provenance["title"].source == "file:x.ris"
    assert rec.fill("title", "other", "web") is False  # fill never overwrites
    assert rec.fill("volume", " 14 ", "web") is True and rec.get("volume") == "14"
    assert rec.fill("university", "MSU", "web") is False  # not a journalArticle field: ignored by fill


def test_set_rejects_fields_of_other_types() -> None:
    with pytest.raises(UnknownFieldError) as info:
        Record.new("webpage").set("ISSN", "2076-7404")
    assert str(info.value) == "Field 'ISSN' is not valid for item type 'webpage'"


def test_tags_dedupe_by_case_and_accents() -> None:
    rec = Record.new("book")
    assert rec.add_tag("История")
    assert not rec.add_tag("история")
    assert rec.add_tag("Économie", automatic=True)
    assert not rec.add_tag("economie")
    assert rec.tags == [{"tag": "История"}, {"tag": "Économie", "type": 1}]
    assert rec.remove_tag("ИСТОРИЯ") and rec.tag_names() == ["Économie"]


def test_derived_values() -> None:
    rec = Record.new("bookSection", title="Глава", bookTitle="Книга", date="Spring 2020")
    rec.set("creators", [{"creatorType": "author", "lastName": "Сергеев", "firstName": "Е. Ю."}])
    assert (rec.year, rec.publication(), rec.first_creator_last_name()) == ("2020", "Книга", "Сергеев")
