"""What did the user give us? URL, DOI, ISSN, ISBN or a file, validated.

ISSN and ISBN check digits are verified with python-stdnum; a wrong check digit
is reported with the digit that was expected, because that is usually a typo.
"""

from __future__ import annotations

import re
from dataclasses import dataclass
from enum import StrEnum
from pathlib import Path
from urllib.parse import unquote, urlsplit

from stdnum import isbn as std_isbn
from stdnum import issn as std_issn
from stdnum.exceptions import InvalidChecksum, ValidationError

from refdesk.errors import InvalidInputError


class Kind(StrEnum):
    URL = "url"
    DOI = "doi"
    ISSN = "issn"
    ISBN = "isbn"
    FILE = "file"


@dataclass(frozen=True)
class Identifier:
    kind: Kind
    value: str  # normalised: DOI lower-cased prefix form "10.x/y", ISSN "NNNN-NNNC", ISBN-13 digits, URL as given

    def __str__(self) -> str:
        return self.value


_DOI = re.compile(r"^(?:doi:\s*|https?://(?:dx\.)?doi\.org/)?(10\.\d{4,9}/\S+)$", re.IGNORECASE)
_DOI_IN_TEXT = re.compile(r"\b(10\.\d{4,9}/[^\s\"'<>&]+)", re.IGNORECASE)
_ISSN_SHAPE = re.compile(r"^(?:issn:?\s*)?(\d{4})-?(\d{3}[\dXx])$", re.IGNORECASE)
_ISBN_SHAPE = re.compile(r"^(?:isbn:?\s*)?([\d\- ]{9,17}[\dXx])$", re.IGNORECASE)
_SCHEME = re.compile(r"^([a-zA-Z][a-zA-Z0-9+.-]*):")
#: What starts as a DOI (or a DOI resolver's address) but is not one: the suffix after the '/' is missing.
_DOI_INCOMPLETE = re.compile(r"^(?:doi:\s*)?10\.\d{4,9}/?$", re.IGNORECASE)
_DOI_RESOLVER = re.compile(r"^https?://(?:dx\.)?doi\.org(?:/|$)", re.IGNORECASE)


def normalize_doi(text: str) -> str | None:
    """'https://doi.org/10.1000/ABC' -> '10.1000/abc'? No: DOIs are case-insensitive
    but we keep the case the registrant used and only strip the resolver prefix."""
    m = _DOI.match(unquote(text.strip()))
    if not m:
        return None
    return m.group(1).rstrip(".,;")


def find_doi(text: str) -> str | None:
    """First DOI in free text (a URL path, a PDF link, a citation)."""
    m = _DOI_IN_TEXT.search(unquote(text))
    return m.group(1).rstrip(".,;)") if m else None


def validate_issn(text: str) -> str:
    """'20767404' -> '2076-7404'; a wrong check digit names the expected one."""
    m = _ISSN_SHAPE.match(text.strip())
    if not m:
        raise InvalidInputError(f"'{text}' is not an ISSN (expected 8 characters, like 2076-7404)")
    body = m.group(1) + m.group(2)[:3]
    given = m.group(2)[3].upper()
    expected = std_issn.calc_check_digit(body)
    if given != expected:
        raise InvalidInputError(
            f"Invalid ISSN {m.group(1)}-{m.group(2).upper()}: the check digit is {given}, "
            f"expected {expected} (did you mean {m.group(1)}-{m.group(2)[:3]}{expected}?)"
        )
    return std_issn.format(body + expected)


def validate_isbn(text: str) -> str:
    """ISBN-10 or -13 -> ISBN-13 digits; a wrong check digit names the expected one."""
    compact = std_isbn.compact(text.strip().removeprefix("ISBN").removeprefix("isbn").strip(": "))
    try:
        std_isbn.validate(compact)
    except InvalidChecksum:
        if len(compact) == 10:
            expected = std_isbn._calc_isbn10_check_digit(compact[:9])
        else:
            expected = std_isbn.ean.calc_check_digit(compact[:12])
        raise InvalidInputError(f"Invalid ISBN {text.strip()}: the check digit is {compact[-1]}, expected {expected}") from None
    except ValidationError as exc:
        raise InvalidInputError(f"'{text}' is not a valid ISBN: {exc}") from None
    return std_isbn.to_isbn13(compact)


def check_url(text: str) -> str:
    """Only http(s) addresses are fetched; file:, data:, javascript: are refused by name."""
    parts = urlsplit(text.strip())
    scheme = parts.scheme.lower()
    if scheme not in ("http", "https"):
        raise InvalidInputError(f"Refusing to fetch '{text.strip()[:80]}': only http and https addresses are allowed, not '{scheme}:'")
    if not parts.netloc:
        raise InvalidInputError(f"'{text}' has no host name")
    return text.strip()


def classify(text: str) -> Identifier:
    """Decide what ``text`` is; raise InvalidInputError with a specific reason."""
    s = text.strip()
    if not s:
        raise InvalidInputError("Nothing to import: the input is empty")
    doi = normalize_doi(s)
    if doi:
        return Identifier(Kind.DOI, doi)
    if _DOI_INCOMPLETE.match(s) and not Path(s).exists():
        raise InvalidInputError(f"'{s}' is not a whole DOI: a DOI is 10.<registrant>/<suffix>, and the suffix is missing")
    if _DOI_RESOLVER.match(s):
        raise InvalidInputError(f"'{s}' is a doi.org address without a DOI in it (10.<registrant>/<suffix>)")
    scheme = _SCHEME.match(s)
    if scheme and len(scheme.group(1)) > 1 and not s.lower().startswith(("issn", "isbn")):
        return Identifier(Kind.URL, check_url(s))
    if s.lower().startswith("www."):
        return Identifier(Kind.URL, check_url("https://" + s))
    if _ISSN_SHAPE.match(s):
        return Identifier(Kind.ISSN, validate_issn(s))
    if _ISBN_SHAPE.match(s) and len(re.sub(r"[^\dXx]", "", s)) in (10, 13):
        return Identifier(Kind.ISBN, validate_isbn(s))
    path = Path(s)
    if path.suffix or path.exists():
        return Identifier(Kind.FILE, s)
    raise InvalidInputError(f"'{s}' is not a URL, DOI, ISSN, ISBN or file")


def describe(ident: Identifier) -> str:
    names = {Kind.URL: "a URL", Kind.DOI: "a DOI", Kind.ISSN: "an ISSN", Kind.ISBN: "an ISBN", Kind.FILE: "a file"}
    return f"{names[ident.kind]} ({ident.value})"
