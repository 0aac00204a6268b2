"""Dates as metadata writes them -> ISO 8601 (``2022-11-01``, ``2022-11``, ``2022``).

Storage rule (one Zotero ``date`` field, as Zotero itself keeps it): when the ISO
form says everything the original said ("Nov 1, 2022", "01.11.2022"), the field
holds the ISO form; when the original carries more ("Spring 2022",
"2022-11-01T10:00", "1-3 Nov 2022", "circa 1920"), the field keeps the original
text and the ISO form is derived from it wherever a date is needed (year column,
sorting, dedupe, exports). See :func:`store_form`.
"""

from __future__ import annotations

import re
from collections.abc import Sequence
from dataclasses import dataclass

from refdesk.text import clean

_MONTHS = {
    name: i
    for i, names in enumerate(
        [
            ("jan", "january", "янв", "января", "январь", "janv", "janvier", "januar"),
            ("feb", "february", "фев", "февраля", "февраль", "févr", "février", "februar"),
            ("mar", "march", "мар", "марта", "март", "mars", "märz"),
            ("apr", "april", "апр", "апреля", "апрель", "avr", "avril"),
            ("may", "мая", "май", "mai"),
            ("jun", "june", "июн", "июня", "июнь", "juin", "juni"),
            ("jul", "july", "июл", "июля", "июль", "juil", "juillet", "juli"),
            ("aug", "august", "авг", "августа", "август", "août"),
            ("sep", "sept", "september", "сен", "сент", "сентября", "сентябрь", "septembre"),
            ("oct", "october", "окт", "октября", "октябрь", "octobre", "oktober"),
            ("nov", "november", "ноя", "нояб", "ноября", "ноябрь", "novembre"),
            ("dec", "december", "дек", "декабря", "декабрь", "déc", "décembre", "dezember"),
        ],
        start=1,
    )
    for name in names
}
#: Words that add nothing to a date ("Tuesday, 1st of November 2022", "1 ноября 2022 г.").
_FILLER = {
    "of", "the", "st", "nd", "rd", "th", "г", "гг", "года", "год", "de", "del", "le",
    "mon", "monday", "tue", "tues", "tuesday", "wed", "wednesday", "thu", "thur", "thurs", "thursday",
    "fri", "friday", "sat", "saturday", "sun", "sunday",
    "пн", "вт", "ср", "чт", "пт", "сб", "вс", "понедельник", "вторник", "среда", "четверг", "пятница",
    "суббота", "воскресенье",
}  # fmt: skip
_SEASONS = {"spring": 1, "summer": 2, "autumn": 3, "fall": 3, "winter": 4, "весна": 1, "лето": 2, "осень": 3, "зима": 4}

_ISO = re.compile(r"^(\d{4})(?:[-/.](\d{1,2})(?:[-/.](\d{1,2}))?)?$")
_ISO_TIME = re.compile(r"^(\d{4})-(\d{1,2})-(\d{1,2})[T ][\d:.]+(?:Z|[+-]\d\d:?\d\d)?$")
_DMY = re.compile(r"^(\d{1,2})[./-](\d{1,2})[./-](\d{4})$")
#: Month and year: "12/2007" (SciELO's citation_date), "03.2020".
_MY = re.compile(r"^(\d{1,2})[./-](\d{4})$")
_COMPACT = re.compile(r"^(\d{4})(\d{2})(\d{2})$")
_INTERVAL = re.compile(r"^(\d{4}(?:-\d{2}(?:-\d{2})?)?)/(\d{4}(?:-\d{2}(?:-\d{2})?)?)$")
_WORDS = re.compile(r"[^\W\d_]+|\d+", re.UNICODE)


_DAYS = (31, 28, 31, 30, 31, 30, 31, 31, 30, 31, 30, 31)


def _days_in_month(year: int, month: int) -> int:
    if month == 2 and year % 4 == 0 and (year % 100 != 0 or year % 400 == 0):
        return 29
    return _DAYS[month - 1]


def _fmt(year: int, month: int | None = None, day: int | None = None) -> str | None:
    if not 1000 <= year <= 2999:
        return None
    if month is None or not 1 <= month <= 12:
        return f"{year:04d}"
    if day is None or not 1 <= day <= _days_in_month(year, month):
        return f"{year:04d}-{month:02d}"
    return f"{year:04d}-{month:02d}-{day:02d}"


@dataclass(frozen=True)
class ParsedDate:
    """What a date string says: its ISO form (None without a year) and whether the text says more."""

    original: str
    iso: str | None
    carries_more: bool


def parse_date(text: str | None) -> ParsedDate:
    """Read a date string; ``carries_more`` is True when the ISO form alone would lose something."""
    if not text:
        return ParsedDate("", None, False)
    # Fast path for what the library stores most: plain ISO dates (no entities, no odd spaces).
    s = text.strip() if text.isascii() and "&" not in text and "  " not in text else clean(text)
    if not s:
        return ParsedDate("", None, False)
    m = _ISO.match(s)
    if m:
        y, mo, d = m.groups()
        iso = _fmt(int(y), int(mo) if mo else None, int(d) if d else None)
        given = 1 + (mo is not None) + (d is not None)
        return ParsedDate(s, iso, iso is None or len(iso.split("-")) < given)
    m = _ISO_TIME.match(s)
    if m:
        return ParsedDate(s, _fmt(int(m[1]), int(m[2]), int(m[3])), True)
    m = _INTERVAL.match(s)
    if m:
        return ParsedDate(s, parse_date(m[1]).iso, True)
    m = _COMPACT.match(s)
    if m:
        iso = _fmt(int(m[1]), int(m[2]), int(m[3]))
        return ParsedDate(s, iso, iso is None or len(iso) < 10)
    m = _MY.match(s)
    if m:
        iso = _fmt(int(m[2]), int(m[1]))
        return ParsedDate(s, iso, iso is None or len(iso) < 7)
    m = _DMY.match(s)
    if m:
        iso = _fmt(int(m[3]), int(m[2]), int(m[1]))
        return ParsedDate(s, iso, iso is None or len(iso) < 10)
    year = month = day = None
    more = False
    for tok in _WORDS.findall(s.casefold()):
        if tok.isdecimal():
            n = int(tok)
            if len(tok) == 4 and year is None:
                year = n
            elif len(tok) <= 2 and day is None and 1 <= n <= 31:
                day = n
            else:
                more = True  # a second day or year: a range, or something else
        elif month is None and (_MONTHS.get(tok) or _MONTHS.get(tok.rstrip("."))):
            month = _MONTHS.get(tok) or _MONTHS.get(tok.rstrip("."))
        elif tok not in _FILLER:
            more = True  # "Spring", "circa", "printemps", a second month...
    if year is None:
        return ParsedDate(s, None, True)
    if month is None:
        if day is not None:
            more = True
        return ParsedDate(s, _fmt(year), more)
    iso = _fmt(year, month, day)
    if iso is None or (day is not None and len(iso) < 10):
        more = True
    return ParsedDate(s, iso, more)


def normalize_date(text: str | None) -> str | None:
    """ISO form of a date string, or None when no year can be read from it.

    Accepts ISO and its variants (with a time, or an interval: the start),
    ``dd.mm.yyyy`` (day first, as European and Russian pages write), ``mm/yyyy``,
    ``1 November 2022``, ``Nov 1, 2022``, ``November 2022``, Russian, French and
    German month names, and strings that merely contain a year.
    """
    return parse_date(text).iso


def store_form(text: str | None) -> str:
    """What the ``date`` field holds: ISO when that loses nothing, else the original text."""
    parsed = parse_date(text)
    if parsed.iso and not parsed.carries_more:
        return parsed.iso
    return parsed.original


def season_of(text: str | None) -> int | None:
    """CSL season number (1 spring .. 4 winter) named in a date string, if any."""
    for tok in _WORDS.findall(clean(text).casefold()):
        if tok in _SEASONS:
            return _SEASONS[tok]
    return None


def from_date_parts(parts: Sequence[Sequence[int | str]] | None) -> str | None:
    """CSL/Crossref ``{"date-parts": [[2022, 11, 1]]}`` -> ``2022-11-01``; a range -> ``start/end``."""
    if not parts or not parts[0] or parts[0][0] in (None, ""):
        return None
    try:
        start = _fmt(*[int(p) for p in parts[0][:3]])
        end = _fmt(*[int(p) for p in parts[1][:3]]) if len(parts) > 1 and parts[1] and parts[1][0] not in (None, "") else None
    except (TypeError, ValueError):
        return None
    if start and end and end != start:
        return f"{start}/{end}"
    return start


def iso_parts(iso: str) -> list[int]:
    """``2022-11-01`` -> ``[2022, 11, 1]`` (CSL date-parts, RIS and BibTeX exports)."""
    return [int(p) for p in iso.split("-")]


def year_of(date: str | None) -> str:
    """The four-digit year of any date string, or ''."""
    iso = normalize_date(date) if date else None
    return iso[:4] if iso else ""
