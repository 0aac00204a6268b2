"""Property tests: any title, name and abstract survives export and re-import in every format."""

from __future__ import annotations

from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st
from refdesk.importers import bibtex, csljson, ris
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


@settings(max_examples=60, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(TEXT, TEXT, NAME, NAME)
def test_bibtex_round_trip(title: str, abstract: str, last: str, first: str) -> None:
    rec = make(title, abstract, last, first)
    [back] = bibtex.read(bibtex.write([rec]), "t")
    assert back.title == rec.title
    assert back.get("abstractNote") == rec.get("abstractNote")
    assert back.get("publicationTitle") == rec.get("publicationTitle")
    assert back.creators == rec.creators
    assert back.get("date") == "2022-11-01"


@settings(max_examples=60, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(TEXT, TEXT, NAME, NAME)
def test_ris_round_trip(title: str, abstract: str, last: str, first: str) -> None:
    rec = make(title, abstract, last, first)
    [back] = ris.read(ris.write([rec]), "t")
    assert back.title == rec.title
    assert back.get("abstractNote") == rec.get("abstractNote")
    assert back.creators == rec.creators


@settings(max_examples=60, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(TEXT, TEXT, NAME, NAME)
def test_csljson_round_trip(title: str, abstract: str, last: str, first: str) -> None:
    rec = make(title, abstract, last, first)
    [back] = csljson.read(csljson.write([rec]), "t")
    assert back.title == rec.title
    assert back.get("abstractNote") == rec.get("abstractNote")
    assert back.creators == rec.creators
