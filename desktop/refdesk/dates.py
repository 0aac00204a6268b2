"""Dates as metadata writes them -> ISO 8601 (``2022-11-01``, ``2022-11``, ``2022``)."""

from __future__ import annotations

import re
from collections.abc import Sequence

_MONTHS = {
    name: i
    for i, names in enumerate(
        [
            ("jan", "january", "янв", "января", "январь"),
            ("feb", "february", "фев", "февраля", "февраль"),
            ("mar", "march", "мар", "марта", "март"),
            ("apr", "april", "апр", "апреля", "апрель"),
            ("may", "мая", "май"),
            ("jun", "june", "июн", "июня", "июнь"),
            ("jul", "july", "июл", "июля", "июль"),
            ("aug", "august", "авг", "августа", "август"),
            ("sep", "sept", "september", "сен", "сентября", "сентябрь"),
            ("oct", "october", "окт", "октября", "октябрь"),
            ("nov", "november", "ноя", "ноября", "ноябрь"),
            ("dec", "december", "дек", "декабря", "декабрь"),
        ],
        start=1,
    )
    for name in names
}

_ISO = re.compile(r"^(\d{4})(?:[-/.](\d{1,2})(?:[-/.](\d{1,2}))?)?(?:[T ][\d:.]+(?:Z|[+-]\d\d:?\d\d)?)?$")
_DMY = re.compile(r"^(\d{1,2})[./-](\d{1,2})[./-](\d{4})$")
_COMPACT = re.compile(r"^(\d{4})(\d{2})(\d{2})$")
_WORDS = re.compile(r"[^\W\d_]+|\d+", re.UNICODE)


def _fmt(year: int, month: int | None = None, day: int | None = None) -> str | None:
    if not 1000 <= year <= 2999:
        return None
    if month is None or not 1 <= month <= 12:
        return f"{year:04d}"
    if day is None or not 1 <= day <= 31:
        return f"{year:04d}-{month:02d}"
    return f"{year:04d}-{month:02d}-{day:02d}"


def normalize_date(text: str | None) -> str | None:
    """ISO form of a date string, or None when no year can be read from it.

    Accepts ISO and its variants, ``dd.mm.yyyy`` (day first, as European and
    Russian pages write), ``1 November 2022``, ``Nov 1, 2022``, ``November 2022``,
    Russian month names, and strings that merely contain a year.
    """
    if not text:
        return None
    s = text.strip()
    m = _ISO.match(s)
    if m:
        y, mo, d = m.groups()
        return _fmt(int(y), int(mo) if mo else None, int(d) if d else None)
    m = _COMPACT.match(s)
    if m:
        return _fmt(int(m[1]), int(m[2]), int(m[3]))
    m = _DMY.match(s)
    if m:
        return _fmt(int(m[3]), int(m[2]), int(m[1]))
    tokens = _WORDS.findall(s.casefold())
    year = month = day = None
    for tok in tokens:
        if tok.isdigit():
            n = int(tok)
            if len(tok) == 4 and year is None:
                year = n
            elif len(tok) <= 2 and day is None and 1 <= n <= 31:
                day = n
        elif month is None:
            month = _MONTHS.get(tok) or _MONTHS.get(tok[:3])
    if year is None:
        return None
    if month is None:
        return _fmt(year)
    return _fmt(year, month, day)


def from_date_parts(parts: Sequence[Sequence[int | str]] | None) -> str | None:
    """CSL/Crossref ``{"date-parts": [[2022, 11, 1]]}`` -> ``2022-11-01``."""
    if not parts or not parts[0] or parts[0][0] in (None, ""):
        return None
    nums = [int(p) for p in parts[0][:3]]
    return _fmt(*nums)


def year_of(date: str | None) -> str:
    """The four-digit year of any date string, or ''."""
    iso = normalize_date(date) if date else None
    return iso[:4] if iso else ""
