"""Authors in two scripts (issue 15): a name in the other script is another form of an author only when it transliterates
to one; a foreign co-author is an author. Both directions, and mixed lists."""

from __future__ import annotations

import pytest
from refdesk.importers.extract import languages, merge, run_all
from refdesk.importers.extract.page import parse_page
from refdesk.model import Record

URL = "https://journal.example.ru/jour/article/view/31"


def record(lang: str, *authors: str) -> Record:
    metas = "".join(f'<meta name="citation_author" content="{a}">' for a in authors)
    html = (f'<html><head><meta name="citation_title" content="Title"><meta name="citation_journal_title" content="Journal">'
            f'<meta name="citation_language" content="{lang}">{metas}</head><body></body></html>')  # fmt: skip
    rec = merge.merge(run_all(parse_page(html, URL)), URL)
    assert rec is not None
    return rec


def lasts(rec: Record) -> list[str]:
    return [c["lastName"] for c in rec.creators]


def originals(rec: Record) -> list[str]:
    return [line for line in rec.get("extra").split("\n") if line.startswith("original-author:")]


def test_the_issue_page_keeps_its_foreign_co_author() -> None:
    rec = record("ru", "Иванова, Мария Петровна", "Smith, John")
    assert rec.creators == [
        {"creatorType": "author", "lastName": "Иванова", "firstName": "Мария Петровна"},
        {"creatorType": "author", "lastName": "Smith", "firstName": "John"},
    ]
    assert originals(rec) == []


def test_three_cyrillic_and_their_three_latin_forms_on_a_russian_page() -> None:
    rec = record("ru", "Иванова, Мария Петровна", "Щербаков, Юрий", "Соловьёв, Евгений", "Ivanova, Maria", "Shcherbakov, Yury",
                 "Solovyov, Evgenii")  # fmt: skip
    assert lasts(rec) == ["Иванова", "Щербаков", "Соловьёв"]
    assert originals(rec) == ["original-author: Ivanova || Maria", "original-author: Shcherbakov || Yury", "original-author: Solovyov || Evgenii"]


def test_three_latin_and_their_three_cyrillic_forms_on_an_english_page() -> None:
    rec = record("en", "Ivanova, Maria", "Tsvetaeva, Anna", "Khrushchev, Ilya", "Иванова, Мария", "Цветаева, Анна", "Хрущёв, Илья")
    assert lasts(rec) == ["Ivanova", "Tsvetaeva", "Khrushchev"]
    assert originals(rec) == ["original-author: Иванова || Мария", "original-author: Цветаева || Анна", "original-author: Хрущёв || Илья"]


def test_two_cyrillic_and_one_foreign_co_author_are_three_authors() -> None:
    rec = record("ru", "Иванова, Мария", "Петров, Сергей", "Müller, Hans")
    assert lasts(rec) == ["Иванова", "Петров", "Müller"]
    assert originals(rec) == []


def test_an_english_page_with_a_russian_co_author_written_only_in_cyrillic() -> None:
    rec = record("en", "Smith, John", "Кузнецова, Ольга")
    assert lasts(rec) == ["Smith", "Кузнецова"]
    assert originals(rec) == []


def test_mixed_list_pairs_what_transliterates_and_keeps_the_rest() -> None:
    rec = record("ru", "Иванова, Мария", "Петров, Сергей", "Ivanova, Maria", "Petrov, Sergei", "Smith, John")
    assert lasts(rec) == ["Иванова", "Петров", "Smith"]
    assert originals(rec) == ["original-author: Ivanova || Maria", "original-author: Petrov || Sergei"]


def test_each_form_pairs_with_one_author_only() -> None:
    """Two Latin names cannot both be the form of the one Cyrillic author; the second is a co-author."""
    rec = record("ru", "Петров, Сергей", "Petrov, Sergei", "Petrova, Svetlana")
    assert lasts(rec) == ["Петров", "Petrova"]
    assert originals(rec) == ["original-author: Petrov || Sergei"]


@pytest.mark.parametrize(
    ("cyrillic", "latin"),
    [("Сергеев", "Sergeev"), ("Сергеев", "Sergeyev"), ("Чайковский", "Tchaikovsky"), ("Щербаков", "Shcherbakov"),
     ("Хрущёв", "Khrushchev"), ("Цветаева", "Tsvetaeva"), ("Яковлев", "Iakovlev"), ("Соловьёв", "Solov'ev"), ("Ким", "Kim")],
)  # fmt: skip
def test_transliteration_variants_are_one_name(cyrillic: str, latin: str) -> None:
    assert languages.is_transliteration({"lastName": cyrillic, "firstName": ""}, {"lastName": latin, "firstName": ""})


@pytest.mark.parametrize(("cyrillic", "latin"), [("Петров", "Petrova"), ("Иванова", "Smith"), ("Ким", "Kum"), ("Иванов", "Ivanova")])
def test_different_names_are_not_transliterations(cyrillic: str, latin: str) -> None:
    assert not languages.is_transliteration({"lastName": cyrillic, "firstName": ""}, {"lastName": latin, "firstName": ""})


def test_given_name_initials_must_agree() -> None:
    assert not languages.is_transliteration({"lastName": "Иванова", "firstName": "Мария"}, {"lastName": "Ivanova", "firstName": "Olga"})
    assert languages.is_transliteration({"lastName": "Сергеев", "firstName": "Е. Ю."}, {"lastName": "Sergeev", "firstName": "E. Yu."})
    assert languages.latin_form("Щербаков Юрий") == "shherbakovyurij"
