"""Dates -> ISO, keeping the original text where it says more (see refdesk.dates)."""

from __future__ import annotations

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st
from refdesk.dates import from_date_parts, normalize_date, parse_date, season_of, store_form, year_of


@pytest.mark.parametrize(
    ("raw", "stored"),
    [
        ("2022-11-01", "2022-11-01"),
        ("2022/11/01", "2022-11-01"),
        ("2022-11", "2022-11"),
        ("2022", "2022"),
        ("20221101", "2022-11-01"),
        ("01.11.2022", "2022-11-01"),
        ("1.11.2022", "2022-11-01"),
        ("12/2007", "2007-12"),
        ("03.2020", "2020-03"),
        ("Nov 1, 2022", "2022-11-01"),
        ("1 November 2022", "2022-11-01"),
        ("November 2022", "2022-11"),
        ("Tuesday, 1st of November 2022", "2022-11-01"),
        ("1 ноября 2022 г.", "2022-11-01"),
        ("ноябрь 2022", "2022-11"),
        ("2022 г.", "2022"),
        ("  2022-11-01 ", "2022-11-01"),
        # the original carries more: kept as written
        ("Spring 2022", "Spring 2022"),
        ("2022-11-01T10:00", "2022-11-01T10:00"),
        ("2022-11-01T10:00:00Z", "2022-11-01T10:00:00Z"),
        ("1-3 Nov 2022", "1-3 Nov 2022"),
        ("2022-11-01/2022-11-03", "2022-11-01/2022-11-03"),
        ("circa 1920", "circa 1920"),
        ("2022-02-30", "2022-02-30"),
        ("n.d.", "n.d."),
        ("forthcoming", "forthcoming"),
        ("13/2020", "13/2020"),
    ],
)
def test_store_form(raw: str, stored: str) -> None:
    assert store_form(raw) == stored


@pytest.mark.parametrize(
    ("raw", "iso"),
    [
        ("Spring 2022", "2022"),
        ("2022-11-01T10:00", "2022-11-01"),
        ("1-3 Nov 2022", "2022-11-01"),
        ("2022-11-01/2022-11-03", "2022-11-01"),
        ("2022-02-30", "2022-02"),
        ("n.d.", None),
        ("", None),
        (None, None),
        ("0999", None),
    ],
)
def test_normalize_date(raw: str | None, iso: str | None) -> None:
    assert normalize_date(raw) == iso


def test_parse_date_flags_what_iso_would_lose() -> None:
    assert not parse_date("Nov 1, 2022").carries_more
    assert parse_date("Spring 2022").carries_more
    assert parse_date("Spring 2022").original == "Spring 2022"


def test_date_parts_and_helpers() -> None:
    assert from_date_parts([[2022, 11, 1]]) == "2022-11-01"
    assert from_date_parts([["2022", "11"]]) == "2022-11"
    assert from_date_parts([[2022, 11, 1], [2022, 11, 3]]) == "2022-11-01/2022-11-03"
    assert from_date_parts([[None]]) is None
    assert from_date_parts([["x"]]) is None
    assert from_date_parts([]) is None
    assert season_of("Autumn 2021") == 3 and season_of("зима 2020") == 4 and season_of("2020") is None
    assert year_of("Spring 2022") == "2022" and year_of("") == ""


@settings(max_examples=200, deadline=None)
@given(st.dates(min_value=__import__("datetime").date(1000, 1, 1), max_value=__import__("datetime").date(2999, 12, 31)))
def test_every_real_date_round_trips_in_common_spellings(day: object) -> None:
    import datetime

    assert isinstance(day, datetime.date)
    iso = day.isoformat()
    for text in (iso, day.strftime("%d.%m.%Y"), day.strftime("%B %d, %Y"), day.strftime("%d %b %Y"), day.strftime("%Y%m%d")):
        assert store_form(text) == iso, text


@settings(max_examples=300, deadline=None)
@given(st.text(max_size=30))
def test_never_raises_and_iso_is_well_formed(text: str) -> None:
    parsed = parse_date(text)
    if parsed.iso is not None:
        assert len(parsed.iso) in (4, 7, 10)
        normalize_date(parsed.iso)  # an ISO form reads back as itself
        assert normalize_date(parsed.iso) == parsed.iso
