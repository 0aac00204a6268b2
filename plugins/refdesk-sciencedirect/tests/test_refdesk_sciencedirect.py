"""The ScienceDirect site add-on on saved pages (tests/pages/): no network at all."""

from __future__ import annotations

from pathlib import Path

from lxml import html
from refdesk.plugins.api import PluginContext, SitePage
from refdesk_sciencedirect import site

PAGES = Path(__file__).resolve().parent / "pages"
URL = "https://www.sciencedirect.com/science/article/pii/S0009261497040141"


def saved(name: str, url: str = URL) -> SitePage:
    text = (PAGES / name).read_text(encoding="utf-8")
    return SitePage(url, text, html.document_fromstring(text))


def test_matches_article_addresses_only() -> None:
    assert site.match(URL)
    assert site.match("https://www.sciencedirect.com/science/article/abs/pii/S0009261497040141?via%3Dihub")
    assert not site.match("https://www.sciencedirect.com/journal/chemical-physics-letters/vol/281/issue/1")
    assert not site.match("https://sciencedirect.com.evil.example/science/article/pii/S0009261497040141")
    assert not site.match("https://journal.example.org/science/article/pii/S0009261497040141")


def test_reads_the_article_from_the_embedded_state() -> None:
    fields = site.extract(saved("S0009261497040141.html"), PluginContext.for_tests("sciencedirect"))
    assert fields is not None
    assert fields["creators"] == [{"lastName": "Bergström", "firstName": "Lars"}, {"lastName": "Castillo", "firstName": "María"}]
    assert fields["title"] == "Density functional study of the water dimer potential energy surface"
    assert (fields["publicationTitle"], fields["volume"], fields["issue"], fields["pages"]) == ("Chemical Physics Letters", "281", "1-3", "151-158")
    assert (fields["date"], fields["DOI"], fields["ISSN"]) == ("1997-12-12", "10.1016/S0009-2614(97)04014-1", "0009-2614")
    assert fields["abstractNote"].startswith("The potential energy surface of the water dimer was mapped")
    assert fields["abstractNote"].endswith("underestimated by every functional tested.")
    assert fields["tags"] == ["Water dimer", "Density functional theory", "Hydrogen bonding"]


def test_a_page_without_an_article_state_is_left_to_refdesk() -> None:
    page = saved("issue-281.html", "https://www.sciencedirect.com/journal/chemical-physics-letters/vol/281/issue/1")
    assert site.extract(page, PluginContext.for_tests("sciencedirect")) is None


def test_declares_the_api_version() -> None:
    assert site.REFDESK_API_VERSION == "1.4"
