"""Which sources know the journal: all three, only one, none; print vs electronic ISSN; what is not an ISSN."""

from __future__ import annotations

from typing import Any

import pytest
from refdesk.app import AppContext
from refdesk.errors import InvalidInputError, NotFoundError
from refdesk.importers.journal import check_issn, import_issn, lookup_journal

from tests.servers.scholarly import ScholarlyServer, make_journal, numbered_papers

PRINT, ONLINE = "1111-1119", "2222-3339"


def test_journal_known_to_crossref_only(ctx: AppContext, server: ScholarlyServer) -> None:
    """The recorded Crossref answer for 1803-2427; OpenAlex answers 404 and DOAJ finds nothing: not failures."""
    found = lookup_journal(ctx, "1803-2427")
    assert found.failures == []
    j = found.journal
    assert j is not None
    assert (j.title, j.publisher) == ("Journal of Landscape Ecology", "De Gruyter Poland Sp. z o.o.")
    assert (j.issn_print, j.issn_electronic) == ("1803-2427", "1805-4196")
    assert j.sources == ["Crossref"]
    assert j.works_count == 356
    assert found.articles == []


def test_cli_journal_only_in_one_source_says_so(cli: Any, server: ScholarlyServer) -> None:
    r = cli("journal", "1805-4196")  # the electronic ISSN of the same journal
    assert r.code == 0, r.err
    text = " ".join(r.out.split())
    assert text.startswith("Journal of Landscape Ecology")
    assert "ISSN: 1803-2427 (print), 1805-4196 (electronic)" in text
    assert "Sources: Crossref" in text and "No articles." in text


def test_journal_in_no_source_is_a_clear_not_found(cli: Any, ctx: AppContext, server: ScholarlyServer) -> None:
    r = cli("journal", "0317-8471")
    assert r.code == NotFoundError.exit_code
    assert "No journal with ISSN 0317-8471 in Crossref, OpenAlex or DOAJ" in r.err
    with pytest.raises(NotFoundError, match="No journal with ISSN 0317-8471"):
        import_issn(ctx, "0317-8471", None, 20, say=lambda _m: None)
    assert cli("import", "0317-8471").code == NotFoundError.exit_code


@pytest.mark.parametrize("asked", [PRINT, ONLINE])
def test_print_and_electronic_issn_find_the_same_journal(ctx: AppContext, server: ScholarlyServer, asked: str) -> None:
    server.add(make_journal("Estuarine Notes", [PRINT, ONLINE], numbered_papers(5), print_issn=PRINT, electronic_issn=ONLINE))
    found = lookup_journal(ctx, asked)
    j = found.journal
    assert j is not None and j.title == "Estuarine Notes"
    assert (j.issn_print, j.issn_electronic, j.issn_linking) == (PRINT, ONLINE, PRINT)
    assert j.sources == ["Crossref", "OpenAlex", "DOAJ"]
    assert len(found.articles) == 5 and all(a.sources == ["Crossref", "OpenAlex", "DOAJ"] for a in found.articles)
    other = ONLINE if asked == PRINT else PRINT
    assert found.articles[0].issns == [asked, other]  # the ISSN the user gave first, as Zotero joins them


def test_journal_found_in_all_three_even_when_titles_differ(ctx: AppContext, server: ScholarlyServer) -> None:
    found = lookup_journal(ctx, "2076-7404")
    assert found.journal is not None and found.journal.sources == ["Crossref", "OpenAlex", "DOAJ"]
    assert found.journal.open_access is True and found.journal.homepage == "https://fmp.elpub.ru/jour"
    assert found.totals == {"Crossref": 6, "OpenAlex": 6, "DOAJ": 4}


@pytest.mark.parametrize(
    ("text", "message"),
    [
        ("2076-7405", "check digit is 5, expected 4"),
        ("10.48015/2076-7404-2022-14-4-37-62", "is a DOI (10.48015/2076-7404-2022-14-4-37-62), not an ISSN"),
        ("978-5-211-05012-9", "is an ISBN"),
        ("978-5-211-05012-5", "Invalid ISBN 978-5-211-05012-5: the check digit is 5, expected 9"),
        ("https://fmp.elpub.ru/jour", "is a URL"),
        ("journal of things", "is not an ISSN"),
    ],
)
def test_what_is_not_an_issn_is_named(text: str, message: str) -> None:
    with pytest.raises(InvalidInputError, match=message.replace("(", r"\(").replace(")", r"\)")):
        check_issn(text)


def test_cli_names_a_wrong_check_digit_and_asks_nothing(cli: Any, server: ScholarlyServer) -> None:
    r = cli("journal", "2076-740X")
    assert r.code == InvalidInputError.exit_code
    assert "expected 4" in r.err and "2076-7404" in r.err
    assert server.requests == []


def test_issn_forms_are_normalised(ctx: AppContext, server: ScholarlyServer) -> None:
    assert check_issn("ISSN 20767404") == "2076-7404"
    assert lookup_journal(ctx, "20767404").issn == "2076-7404"


@pytest.mark.parametrize(("source", "name"), [("openalex", "OpenAlex"), ("doaj", "DOAJ")])
def test_journal_known_to_one_other_source(ctx: AppContext, server: ScholarlyServer, source: str, name: str) -> None:
    server.add(make_journal("Notes on Salt Marshes", [PRINT, ONLINE], numbered_papers(3), in_sources=(source,)))
    found = lookup_journal(ctx, ONLINE)
    j = found.journal
    assert found.failures == [] and j is not None
    assert (j.title, j.sources, j.open_access) == ("Notes on Salt Marshes", [name], True)
    assert j.homepage == "https://journal.example.org"
    if name == "OpenAlex":
        assert j.issn_linking == PRINT and j.subjects == ["Example studies"] and j.issns == [PRINT, ONLINE]
    else:
        assert (j.issn_print, j.issn_electronic) == (PRINT, ONLINE) and j.subjects == ["Social sciences (General)"]
    assert [a.sources for a in found.articles] == [[name]] * 3
