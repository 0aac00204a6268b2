from __future__ import annotations

import pytest
from refdesk.errors import InvalidInputError
from refdesk.identifiers import Kind, classify, find_doi, validate_issn


@pytest.mark.parametrize(
    ("text", "kind", "value"),
    [
        ("https://fmp.elpub.ru/jour/article/view/147", Kind.URL, "https://fmp.elpub.ru/jour/article/view/147"),
        ("10.1371/journal.pone.0033693", Kind.DOI, "10.1371/journal.pone.0033693"),
        ("https://doi.org/10.1371/journal.pone.0033693", Kind.DOI, "10.1371/journal.pone.0033693"),
        ("doi:10.1126/science.169.3946.635", Kind.DOI, "10.1126/science.169.3946.635"),
        ("2076-7404", Kind.ISSN, "2076-7404"),
        ("20767404", Kind.ISSN, "2076-7404"),
        ("ISSN 2167-8359", Kind.ISSN, "2167-8359"),
        ("978-3-16-148410-0", Kind.ISBN, "9783161484100"),
        ("refs.ris", Kind.FILE, "refs.ris"),
    ],
)
def test_classify(text: str, kind: Kind, value: str) -> None:
    ident = classify(text)
    assert ident.kind is kind
    assert ident.value == value


def test_issn_check_digit_is_named() -> None:
    with pytest.raises(InvalidInputError) as err:
        validate_issn("2076-7405")
    assert "expected 4" in str(err.value)
    assert "2076-7404" in str(err.value)


@pytest.mark.parametrize("url", ["file:///etc/passwd", "javascript:alert(1)", "data:text/html,hi"])
def test_non_http_schemes_refused(url: str) -> None:
    with pytest.raises(InvalidInputError, match="only http and https"):
        classify(url)


def test_find_doi_in_pdf_url() -> None:
    assert find_doi("https://example.org/pdf/10.1234/abc.5678.pdf") == "10.1234/abc.5678.pdf"


@pytest.mark.parametrize(
    ("text", "says"),
    [
        ("10.1000/", "the suffix is missing"),
        ("10.1000", "the suffix is missing"),
        ("doi:10.48015/", "the suffix is missing"),
        ("https://doi.org/", "without a DOI"),
        ("https://dx.doi.org/not-a-doi", "without a DOI"),
    ],
)
def test_what_is_not_a_whole_doi_is_named_not_taken_for_a_file_or_page(text: str, says: str) -> None:
    with pytest.raises(InvalidInputError, match=says):
        classify(text)
