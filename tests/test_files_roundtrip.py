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

from tests.ris_zotero import ZOTERO_RECORDS, full_record

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


@pytest.mark.parametrize("item_type", list(ZOTERO_RECORDS))
def test_full_record_of_each_core_type_round_trips_through_ris(item_type: str) -> None:
    """Every field and creator Zotero's RIS translator carries for the type, and the ones refdesk adds, come back."""
    rec = full_record(item_type)
    [back] = ris.read(ris.write([rec]), "t")
    assert back.creators == rec.creators
    assert {f: back.get(f) for f in back.field_names()} == {f: rec.get(f) for f in rec.field_names()}
    assert back.data == rec.data


#: Free-text fields of each core type that RIS carries (not dates, numbers, identifiers or URLs).
FREE_TEXT = {
    item_type: [
        name
        for name, value in ZOTERO_RECORDS[item_type].items()
        if isinstance(value, str) and name not in {"date", "accessDate", "pages", "numPages", "ISSN", "ISBN", "DOI", "url"}
    ]
    for item_type in ZOTERO_RECORDS
}


@pytest.mark.parametrize("item_type", list(ZOTERO_RECORDS))
@settings(max_examples=25, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(st.data())
def test_any_text_in_every_ris_field_round_trips(item_type: str, data: st.DataObject) -> None:
    rec = full_record(item_type)
    for name in FREE_TEXT[item_type]:
        rec.set(name, data.draw(TEXT, label=name))
    [back] = ris.read(ris.write([rec]), "t")
    assert {f: back.get(f) for f in FREE_TEXT[item_type]} == {f: rec.get(f) for f in FREE_TEXT[item_type]}
    assert back.get("extra") == ""


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


#: Report numbers as they come: digits (some of them read as ISSNs or ISBNs), letters, dashes, ``;`` and spaces.
REPORT_NUMBER = st.text(alphabet=st.sampled_from(list("0123456789X-; RAB")), min_size=1, max_size=20).map(clean)
STANDARD = st.sampled_from(["2076-7404", "0000-0000", "978-0-19-882655-2", "9780198826552", "0317-8471"])


@settings(max_examples=300, deadline=None)
@given(REPORT_NUMBER, st.lists(STANDARD, max_size=2, unique=True))
def test_a_report_number_and_the_standard_numbers_after_it_are_told_apart(number: str, standard: list[str]) -> None:
    """Whatever a report number holds (``;``, or digits that pass an ISSN check), its SN line reads back as it."""
    assert ris.split_numbered(ris.join_numbered(number, standard)) == (number, standard)
