"""Small helpers every source module needs: fetch JSON politely, read loosely typed fields."""

from __future__ import annotations

import re
from typing import Any

from refdesk.app import AppContext
from refdesk.importers.journal_sources.types import SourceFormatError
from refdesk.net import NetworkError
from refdesk.text import clean

#: Block elements (JATS or HTML): each starts a paragraph. Every other tag is inline and just goes.
_BLOCK = re.compile(r"</?(?:jats:)?(?:p|sec|list|list-item|title|label|caption|disp-quote|div|br|li|ul|ol|h\d)\b[^>]*>", re.IGNORECASE)
_ANY_TAG = re.compile(r"<[^>]+>")
_HEADING = re.compile(r"<(?:jats:)?title>\s*abstract\s*</(?:jats:)?title>", re.IGNORECASE)
_PARAGRAPHS = re.compile(r"\n\s*\n")
_SCRIPT_LATIN = re.compile(r"[A-Za-z\u00C0-\u024F]")
_LETTER = re.compile(r"[^\W\d_]", re.UNICODE)


def fetch_json(
    ctx: AppContext, url: str, params: dict[str, Any] | None, refresh: bool, *, missing_ok: bool = False
) -> dict[str, Any] | None:
    """GET JSON through the shared client; ``None`` for a 404 when ``missing_ok`` (journal unknown there)."""
    try:
        answer = ctx.http.get_json(url, params=params, refresh=refresh)
    except NetworkError as exc:
        if missing_ok and exc.status == 404:
            return None
        raise
    if not isinstance(answer, dict):
        raise SourceFormatError(f"{url}: expected a JSON object, got {type(answer).__name__}")
    return answer


def polite(ctx: AppContext, params: dict[str, Any]) -> dict[str, Any]:
    """Add ``mailto`` so Crossref and OpenAlex route us to their polite pools."""
    if ctx.settings.contact_email:
        params["mailto"] = ctx.settings.contact_email
    return params


def text(value: Any) -> str:
    """First string of a string-or-list field, cleaned ('' for anything else)."""
    if isinstance(value, list):
        value = next((v for v in value if isinstance(v, str) and v.strip()), "")
    if isinstance(value, int | float) and not isinstance(value, bool):
        value = str(value)
    return clean(value) if isinstance(value, str) else ""


def texts(value: Any, key: str | None = None) -> list[str]:
    """The non-empty strings of a list field, cleaned (with ``key``: of that key of each object in it)."""
    items = (as_dict(v).get(key) for v in as_list(value)) if key else as_list(value)
    return [t for t in (text(v) for v in items) if t]


def as_list(value: Any) -> list[Any]:
    return value if isinstance(value, list) else []


def as_dict(value: Any) -> dict[str, Any]:
    return value if isinstance(value, dict) else {}


def markup_to_text(markup: str) -> str:
    """JATS or HTML abstract -> plain text: paragraphs kept (blank line between), inline tags
    (italics, sub/superscripts) dropped without a gap, a leading "Abstract" heading dropped."""
    text = _ANY_TAG.sub("", _BLOCK.sub("\n\n", _HEADING.sub("", markup)))
    return "\n\n".join(p for p in (clean(part) for part in _PARAGRAPHS.split(text)) if p)


def is_latin(title: str) -> bool:
    """True when most letters are Latin: tells a transliteration from the original-script title."""
    letters = _LETTER.findall(title)
    if not letters:
        return True
    return sum(1 for ch in letters if _SCRIPT_LATIN.match(ch)) * 2 >= len(letters)


def doi_of(value: Any) -> str:
    """'https://doi.org/10.1/X' or '10.1/X' -> '10.1/X'."""
    s = text(value)
    for prefix in ("https://doi.org/", "http://doi.org/", "https://dx.doi.org/", "http://dx.doi.org/", "doi:"):
        if s.lower().startswith(prefix):
            return s[len(prefix):]
    return s if s.startswith("10.") else ""


def pages(first: Any, last: Any) -> str:
    a, b = text(first), text(last)
    return f"{a}-{b}" if a and b and a != b else a or b
