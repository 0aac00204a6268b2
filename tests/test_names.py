"""Personal and organisational names as metadata writes them -> Zotero creators."""

from __future__ import annotations

from collections import Counter

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st
from refdesk.names import creator_display, creators_summary, is_organisation, parse_name
from refdesk.text import clean


@pytest.mark.parametrize(
    ("raw", "last", "first"),
    [
        ("Sergeev, E. Yu.", "Sergeev", "E. Yu."),
        ("E. Yu. Sergeev", "Sergeev", "E. Yu."),
        ("Сергеев Е.Ю.", "Сергеев", "Е. Ю."),
        ("Сергеев Е. Ю.", "Сергеев", "Е. Ю."),
        ("Е.Ю. Сергеев", "Сергеев", "Е. Ю."),
        ("Sergeev E.Yu.", "Sergeev", "E. Yu."),
        ("E.Yu.Sergeev", "Sergeev", "E. Yu."),
        ("Сергеев Евгений Юрьевич", "Сергеев", "Евгений Юрьевич"),
        ("Евгений Юрьевич Сергеев", "Сергеев", "Евгений Юрьевич"),
        ("Иванова Мария Петровна", "Иванова", "Мария Петровна"),
        ("Иван Ильич Петрович", "Петрович", "Иван Ильич"),
        ("Sergeev Evgeny Yurievich", "Sergeev", "Evgeny Yurievich"),
        ("Ludwig van Beethoven", "van Beethoven", "Ludwig"),
        ("van Beethoven, Ludwig", "van Beethoven", "Ludwig"),
        ("Charles de Gaulle", "de Gaulle", "Charles"),
        ("Juan de la Cruz", "de la Cruz", "Juan"),
        ("Martin Luther King Jr.", "King", "Martin Luther, Jr."),
        ("King, Jr., Martin Luther", "King", "Martin Luther, Jr."),
        ("King, Martin Luther, Jr.", "King", "Martin Luther, Jr."),
        ("Jean-Paul Sartre", "Sartre", "Jean-Paul"),
        ("  Smith ,  John  ", "Smith", "John"),
        ("van der Berg", "van der Berg", ""),
        ("José María de la Cruz y Fernández", "de la Cruz y Fernández", "José María"),
    ],
)
def test_person_names(raw: str, last: str, first: str) -> None:
    assert parse_name(raw) == {"creatorType": "author", "lastName": last, "firstName": first}


@pytest.mark.parametrize(
    "raw",
    ["World Health Organization", "Moscow State University", "Министерство иностранных дел Российской Федерации", "WHO", "UNESCO"],
)
def test_organisations_are_single_field(raw: str) -> None:
    assert parse_name(raw, "editor") == {"creatorType": "editor", "name": raw}


def test_is_organisation() -> None:
    assert is_organisation("Российская академия наук")
    assert not is_organisation("Сергеев Евгений Юрьевич")


def test_display_and_summary() -> None:
    a = parse_name("Сергеев Е.Ю.")
    b = parse_name("Smith, John")
    c = parse_name("World Health Organization")
    assert creator_display(a) == "Сергеев, Е. Ю."
    assert creator_display(c) == "World Health Organization"
    assert creators_summary([a]) == "Сергеев"
    assert creators_summary([a, b]) == "Сергеев and Smith"
    assert creators_summary([a, b, c]) == "Сергеев et al."


def test_blank_name_is_an_error() -> None:
    with pytest.raises(ValueError):
        parse_name("   ")


def _letters(text: str) -> Counter[str]:
    return Counter(ch for ch in text if not ch.isspace() and ch not in ",;")


@settings(max_examples=300, deadline=None)
@given(st.text(min_size=1, max_size=40))
def test_parse_never_raises_and_never_loses_characters(raw: str) -> None:
    if not clean(raw):
        return
    creator = parse_name(raw)
    assert creator["creatorType"] == "author"
    parts = " ".join(v for k, v in creator.items() if k != "creatorType")
    assert _letters(parts) == _letters(clean(raw))


@settings(max_examples=150, deadline=None)
@given(
    st.lists(st.text(alphabet="абвгдежзиклмнопрстуфхцчшщэюяАБВГДЕЖЗИКЛМНОПРСТУФХЦЧШЩЭЮЯ", min_size=2, max_size=10), min_size=2, max_size=3)
)
def test_cyrillic_names_keep_every_letter(words: list[str]) -> None:
    raw = " ".join(w.capitalize() for w in words)
    creator = parse_name(raw)
    joined = " ".join(v for k, v in creator.items() if k != "creatorType")
    assert sorted(joined.split()) == sorted(raw.split())
