"""Shared parsing of instants, intervals and bboxes (CLI and API use the same functions)."""

from __future__ import annotations

from datetime import UTC, date, datetime

import pytest
from hypothesis import given
from hypothesis import strategies as st

from geo.errors import InvalidInput
from layers.params import day_range, format_interval, parse_bbox, parse_instant, parse_interval


def test_instant_forms() -> None:
    assert parse_instant("2023-12-01") == datetime(2023, 12, 1, tzinfo=UTC)
    assert parse_instant("2023-12-01T08:30:00Z") == datetime(2023, 12, 1, 8, 30, tzinfo=UTC)
    assert parse_instant("2023-12-01T10:30:00+02:00") == datetime(2023, 12, 1, 8, 30, tzinfo=UTC)
    assert parse_instant("2023-12-01T08:30") == datetime(2023, 12, 1, 8, 30, tzinfo=UTC)


@pytest.mark.parametrize("bad", ["", "   ", "yesterday", "2023-13-01", "2023-12-01T25:00Z", "12/01/2023"])
def test_instant_bad_names_value(bad: str) -> None:
    with pytest.raises(InvalidInput) as err:
        parse_instant(bad, what="as_of")
    assert "as_of" in str(err.value)
    if bad.strip():
        assert bad.strip() in str(err.value)


def test_interval_date_end_includes_whole_day() -> None:
    start, end = parse_interval("2023-12-01/2023-12-02")
    assert start == datetime(2023, 12, 1, tzinfo=UTC)
    assert end == datetime(2023, 12, 2, 23, 59, 59, 999999, tzinfo=UTC)


def test_interval_single_date_is_that_day() -> None:
    assert parse_interval("2023-11-30") == (
        datetime(2023, 11, 30, tzinfo=UTC),
        datetime(2023, 11, 30, 23, 59, 59, 999999, tzinfo=UTC),
    )


def test_interval_instant_and_open_ends() -> None:
    t = datetime(2023, 12, 1, 6, tzinfo=UTC)
    assert parse_interval("2023-12-01T06:00:00Z") == (t, t)
    assert parse_interval("../2023-12-01T06:00:00Z") == (None, t)
    assert parse_interval("2023-12-01T06:00:00Z/..") == (t, None)
    assert parse_interval("2023-12-01T06:00:00Z/") == (t, None)


@pytest.mark.parametrize(
    ("bad", "fragment"),
    [
        ("2023-12-02/2023-12-01", "ends before it starts"),
        ("../..", "two open ends"),
        ("..", "at least one end"),
        ("2023-12-01/2023-12-02/2023-12-03", "more than one '/'"),
        ("2023-12-01/tomorrow", "tomorrow"),
        ("2023-02-30/2023-03-01", "2023-02-30"),
    ],
)
def test_interval_errors_name_the_value(bad: str, fragment: str) -> None:
    with pytest.raises(InvalidInput) as err:
        parse_interval(bad)
    assert fragment in str(err.value)
    assert "\n" not in str(err.value)


def test_format_interval_round_trips() -> None:
    for text in ["2023-12-01T00:00:00Z/2023-12-02T06:00:00Z", "../2023-12-02T06:00:00Z", "2023-12-01T00:00:00Z/.."]:
        assert format_interval(*parse_interval(text)) == text


def test_bbox() -> None:
    assert parse_bbox("34.2,31.2,34.6,31.6") == (34.2, 31.2, 34.6, 31.6)
    assert parse_bbox(" 34.2, 31.2 ,34.6,31.6 ") == (34.2, 31.2, 34.6, 31.6)
    assert parse_bbox("34.2,31.2,0,34.6,31.6,100") == (34.2, 31.2, 34.6, 31.6)


@pytest.mark.parametrize(
    ("bad", "fragment"),
    [
        ("1,2,3", "4 numbers"),
        ("a,b,c,d", "must be numbers"),
        ("34,31,200,32", "longitude 200"),
        ("34,-95,35,32", "latitude -95"),
        ("34,32,35,31", "miny 32"),
        ("35,31,34,32", "antimeridian"),
        ("nan,31,34,32", "finite"),
        ("", "empty"),
    ],
)
def test_bbox_errors(bad: str, fragment: str) -> None:
    with pytest.raises(InvalidInput) as err:
        parse_bbox(bad)
    assert fragment in str(err.value)


def test_day_range() -> None:
    days = day_range(datetime(2023, 11, 30, 22, tzinfo=UTC), datetime(2023, 12, 2, 1, tzinfo=UTC))
    assert days == [date(2023, 11, 30), date(2023, 12, 1), date(2023, 12, 2)]
    with pytest.raises(InvalidInput):
        day_range(datetime(2023, 12, 2, tzinfo=UTC), datetime(2023, 12, 1, tzinfo=UTC))


@given(st.text(max_size=80))
def test_any_text_gives_result_or_invalid_input(text: str) -> None:
    for fn in (parse_interval, parse_bbox, parse_instant):
        try:
            fn(text)
        except InvalidInput as exc:
            assert "\n" not in exc.message or "\n" in text
