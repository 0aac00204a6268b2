"""Hypothesis: the extractors, on random, generated and mutated HTML, never raise anything but ImporterError."""

from __future__ import annotations

import contextlib
import json
from typing import Any

from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st
from refdesk.errors import ImporterError
from refdesk.importers.extract import links, merge, mods, ojs, run_all, vufind
from refdesk.importers.extract.page import parse_page

from tests.web.corpus import load_cases

URL = "https://journal.example.org/article/view/1"
PAGES = [p.read_bytes() for c in load_cases() for p in c.folder.glob("*.html")]
META_NAMES = [
    "citation_title", "citation_author", "citation_author_institution", "citation_date", "citation_firstpage",
    "citation_lastpage", "citation_doi", "citation_issn", "citation_keywords", "citation_language", "citation_journal_title",
    "DC.Title", "DC.Creator.PersonalName", "DC.Description", "DC.Source", "DC.Date.issued", "DC.Identifier", "DC.Type",
    "DC.Subject", "dcterms.isPartOf", "prism.startingPage", "prism.doi", "og:title", "og:type", "article:author",
    "generator", "description", "keywords", "author", "doi",
]  # fmt: skip
SETTINGS = settings(max_examples=120, deadline=None, suppress_health_check=[HealthCheck.too_slow])


def run_everything(html: str) -> None:
    """What the importer does with a page, minus the network."""
    try:
        page = parse_page(html, URL)
    except ImporterError:
        return
    try:
        founds = run_all(page)
        merge.merge(founds, URL)
        links.export_links(page)
        vufind.export_links(page)
        ojs.export_links(page)
    except ImporterError:
        pass


@SETTINGS
@given(st.text(max_size=2000))
def test_random_text(text: str) -> None:
    run_everything(text)


json_values = st.recursive(
    st.none() | st.booleans() | st.integers() | st.floats(allow_nan=False) | st.text(max_size=30),
    lambda inner: st.lists(inner, max_size=4) | st.dictionaries(st.sampled_from(["@type", "@id", "@graph", "name", "headline", "author", "isPartOf", "issn", "identifier", "keywords", "givenName", "familyName", "publisher", "inLanguage", "datePublished", "sameAs"]), inner, max_size=5),
    max_leaves=25,
)


@SETTINGS
@given(
    st.lists(st.tuples(st.sampled_from(META_NAMES), st.text(max_size=60), st.sampled_from(["", "en", "ru", "xx-YY", "\x00"])), max_size=25),
    st.lists(json_values | st.text(max_size=80), max_size=3),
    st.text(max_size=200),
)
def test_generated_pages(metas: list[tuple[str, str, str]], ld: list[Any], body: str) -> None:
    head = "".join(f'<meta name="{n}" xml:lang="{lang}" content="{c.replace(chr(34), "&quot;")}">' for n, c, lang in metas)
    scripts = "".join(f'<script type="application/ld+json">{x if isinstance(x, str) else json.dumps(x)}</script>' for x in ld)
    coins = f'<span class="Z3988" title="{body.replace(chr(34), "")}"></span>'
    run_everything(f"<html><head>{head}{scripts}</head><body>{coins}<a href=\"{body[:40]}\">x</a></body></html>")


@SETTINGS
@given(st.sampled_from(PAGES), st.lists(st.tuples(st.floats(0, 1), st.integers(0, 200), st.binary(max_size=40)), min_size=1, max_size=8))
def test_mutated_corpus_pages(page: bytes, edits: list[tuple[float, int, bytes]]) -> None:
    data = bytearray(page)
    for where, cut, insert in edits:
        at = int(where * len(data))
        data[at : at + cut] = insert
    run_everything(bytes(data).decode("utf-8", errors="replace"))


@SETTINGS
@given(st.binary(max_size=500) | st.text(max_size=500).map(lambda t: f"<mods xmlns='http://www.loc.gov/mods/v3'>{t}</mods>".encode("utf-8", "surrogatepass")))
def test_mods_and_unapi_readers(data: bytes) -> None:
    for fn in (lambda: mods.read(data, "web:mods"), lambda: links.unapi_choice(data, links.ExportLink(URL, "unapi", "unapi"))):
        with contextlib.suppress(ImporterError):
            fn()
