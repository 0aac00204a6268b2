"""Property tests: any title, name and abstract survives export and re-import in every format."""

from __future__ import annotations

from types import ModuleType

import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st
from refdesk.errors import ImporterError
from refdesk.importers import bibtex, csljson, ris
from refdesk.importers.files import parse_text
from refdesk.model import Record
from refdesk.text import clean

# Printable text: Latin, Cyrillic, LaTeX specials, punctuation; no control characters.
TEXT = st.text(
    alphabet=st.sampled_from(list("abcxyzABCXYZ0123456789 .,:;!?'\"-()[]{}\\&%$#_~^@=/АБВЖЯабвжяёйЁЙ«»–—éüçßøłŁ")),
    min_size=1,
    max_size=40,
).map(clean).filter(lambda s: any(ch.isalnum() for ch in s))
NAME = st.text(alphabet=st.sampled_from(list("abcxyzABCXYZАБВЖЯабвжяёйЁЙéüçß-'")), min_size=1, max_size=12).filter(
    lambda s: any(ch.isalpha() for ch in s)
)


def make(title: str, abstract: str, last: str, first: str) -> Record:
    rec = Record.new("journalArticle", title=title, abstractNote=abstract, publicationTitle=title, date="2022-11-01")
    rec.set("creators", [{"creatorType": "author", "lastName": last, "firstName": first}])
    return rec


@pytest.mark.parametrize("fmt", [bibtex, ris, csljson], ids=["bibtex", "ris", "csljson"])
@settings(max_examples=60, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(TEXT, TEXT, NAME, NAME)
def test_round_trip(fmt: ModuleType, title: str, abstract: str, last: str, first: str) -> None:
    rec = make(title, abstract, last, first)
    [back] = fmt.read(fmt.write([rec]), "t")
    assert back.title == rec.title
    assert back.get("abstractNote") == rec.get("abstractNote")
    assert back.get("publicationTitle") == rec.get("publicationTitle")
    assert back.creators == rec.creators
    assert back.get("date") == "2022-11-01"


def assert_records_or_importer_error(text: str, fmt: str) -> None:
    """Reading ``text`` gives valid records or an ImporterError with a message, never anything else."""
    try:
        records = parse_text(text, fmt, "fuzz")
    except ImporterError as exc:
        assert str(exc)
    else:
        for rec in records:
            rec.validate()


GARBAGE = st.text(alphabet=st.sampled_from(list("TYERAU -\n\r\t@{}()=,#\"'%\\[]:0123456789abcАБ")), max_size=120)


@settings(max_examples=150, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(GARBAGE, st.sampled_from(["ris", "bibtex", "csljson"]))
def test_damaged_input_gives_records_or_an_importer_error(text: str, fmt: str) -> None:
    assert_records_or_importer_error(text, fmt)


VALUE = st.text(alphabet=st.sampled_from(list("ab12/-.,; АБ{}\\@=\"")), max_size=15)
RIS_LINES = st.lists(
    st.tuples(st.sampled_from(["TY", "AU", "A2", "TI", "T2", "ER", "PY", "DA", "SP", "EP", "SN", "KW", "DO", "Y2", "M3", "ZZ"]), VALUE),
    max_size=12,
).map(lambda lines: "\n".join(f"{tag}  - {value}" for tag, value in lines))
BIB_ENTRIES = st.lists(
    st.tuples(
        st.sampled_from(["article", "book", "misc", "phdthesis", "online", "string", "comment"]),
        st.lists(st.tuples(st.sampled_from(["author", "title", "year", "month", "pages", "number", "date", "eprint", "x"]), VALUE), max_size=5),
    ),
    max_size=4,
).map(lambda entries: "\n".join(f"@{kind}{{k{n}," + ",".join(f"{f} = {{{v}}}" for f, v in fields) + "}" for n, (kind, fields) in enumerate(entries)))


@settings(max_examples=200, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(st.one_of(RIS_LINES.map(lambda t: ("ris", t)), BIB_ENTRIES.map(lambda t: ("bibtex", t))))
def test_near_valid_input_gives_records_or_an_importer_error(case: tuple[str, str]) -> None:
    fmt, text = case
    assert_records_or_importer_error(text, fmt)
