"""Time expressions resolved against a publication date: every form, honest widths, clear errors."""

from __future__ import annotations

from datetime import UTC, date, datetime, timedelta

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from geo.errors import InvalidInput
from geo.timeparse import find_times, parse_published, publication_window, resolve_time

# Friday 8 December 2023
PUB = "2023-12-08"


def _days(text: str, published: str | None = PUB) -> tuple[str, str, str]:
    t = resolve_time(text, published)
    assert t is not None, text
    return t.start.date().isoformat(), t.end.date().isoformat(), t.precision


@pytest.mark.parametrize(
    ("text", "expected"),
    [
        ("Strikes hit the town on Thursday.", ("2023-12-07", "2023-12-07", "day")),
        ("Thursday's strike", ("2023-12-07", "2023-12-07", "day")),
        ("on Saturday", ("2023-12-02", "2023-12-02", "day")),
        ("on Friday", ("2023-12-08", "2023-12-08", "day")),  # the publication day itself
        ("last Friday", ("2023-12-01", "2023-12-01", "day")),
        ("yesterday", ("2023-12-07", "2023-12-07", "day")),
        ("today", ("2023-12-08", "2023-12-08", "day")),
        ("in the past day", ("2023-12-07", "2023-12-08", "day")),
        ("in the past 24 hours", ("2023-12-07", "2023-12-08", "day")),
        ("over the past 48 hours", ("2023-12-06", "2023-12-08", "week")),
        ("last week", ("2023-11-27", "2023-12-03", "week")),
        ("earlier this week", ("2023-12-04", "2023-12-08", "week")),
        ("earlier this month", ("2023-12-01", "2023-12-08", "month")),
        ("last month", ("2023-11-01", "2023-11-30", "month")),
        ("two days ago", ("2023-12-06", "2023-12-06", "day")),
        ("over the weekend", ("2023-12-02", "2023-12-03", "day")),
        ("1 December", ("2023-12-01", "2023-12-01", "day")),
        ("Dec. 2", ("2023-12-02", "2023-12-02", "day")),
        ("December 2", ("2023-12-02", "2023-12-02", "day")),
        ("2 December 2023", ("2023-12-02", "2023-12-02", "day")),
        ("2023-12-02", ("2023-12-02", "2023-12-02", "day")),
        ("6 June 2025", ("2025-06-06", "2025-06-06", "day")),
        ("6-Jun-25", ("2025-06-06", "2025-06-06", "day")),
        ("June 6, 2025", ("2025-06-06", "2025-06-06", "day")),
        ("between 13 and 16 August", ("2023-08-13", "2023-08-16", "week")),
        ("in March", ("2023-03-01", "2023-03-31", "month")),
        ("in December 2022", ("2022-12-01", "2022-12-31", "month")),
    ],
)
def test_every_form_resolves_against_the_publication_date(text: str, expected: tuple[str, str, str]) -> None:
    assert _days(text) == expected


def test_a_date_without_year_after_publication_is_last_year() -> None:
    # an article of 5 January 2024 that says "28 December" means December 2023
    assert _days("on 28 December", "2024-01-05") == ("2023-12-28", "2023-12-28", "day")
    # but a date a few days ahead stays in the same year (a scheduled event)
    assert _days("on 10 January", "2024-01-05")[0] == "2024-01-10"


def test_part_of_day_phrases_narrow_the_interval_but_keep_day_precision() -> None:
    t = resolve_time("overnight into Saturday", PUB)
    assert t is not None and t.precision == "day"
    assert t.start == datetime(2023, 12, 1, 18, tzinfo=UTC)
    assert t.end.date() == date(2023, 12, 2) and t.end.hour == 8
    morning = resolve_time("this morning", PUB)
    assert morning is not None and morning.start.date() == morning.end.date() == date(2023, 12, 8)
    assert morning.end.hour == 11
    night = resolve_time("last night", PUB)
    assert night is not None and night.start.date() == date(2023, 12, 7) and night.end.date() == date(2023, 12, 8)
    thursday_night = resolve_time("on Thursday night", PUB)
    assert thursday_night is not None and thursday_night.start == datetime(2023, 12, 7, 18, tzinfo=UTC)


def test_no_time_is_ever_an_exact_timestamp() -> None:
    for t in find_times("On 2 December 2023 at 14:30, and overnight, and yesterday morning.", PUB):
        assert t.interval.end > t.interval.start
        assert t.interval.precision in ("day", "week", "month", "year")


def test_offsets_and_order_of_several_expressions() -> None:
    text = "Strikes on Monday followed raids overnight into Tuesday and a siege last week."
    found = find_times(text, PUB)
    assert [t.text for t in found] == ["on Monday", "overnight into Tuesday", "last week"]
    for t in found:
        assert text[t.start : t.end] == t.text


def test_relative_forms_need_a_publication_date() -> None:
    assert resolve_time("on Thursday", None) is None
    assert resolve_time("yesterday", None) is None
    assert resolve_time("1 December", None) is None  # no year and no anchor: not guessed
    assert _days("2 December 2023", None) == ("2023-12-02", "2023-12-02", "day")
    assert _days("2023-12-02", None) == ("2023-12-02", "2023-12-02", "day")


def test_may_the_verb_is_not_a_month() -> None:
    assert find_times("Officials said talks may resume.", PUB) == []
    assert _days("in May", PUB) == ("2023-05-01", "2023-05-31", "month")


def test_impossible_dates_are_skipped_not_raised() -> None:
    assert find_times("on 31 February 2024", PUB) == []
    assert find_times("2024-13-45", PUB) == []


@pytest.mark.parametrize(
    ("value", "expected"),
    [
        ("2023-12-02", datetime(2023, 12, 2, tzinfo=UTC)),
        ("2023-12-02T14:30:00Z", datetime(2023, 12, 2, 14, 30, tzinfo=UTC)),
        ("2023-12-02T16:30:00+02:00", datetime(2023, 12, 2, 14, 30, tzinfo=UTC)),
        (date(2023, 12, 2), datetime(2023, 12, 2, tzinfo=UTC)),
        (None, None),
    ],
)
def test_published_formats(value: object, expected: datetime | None) -> None:
    assert parse_published(value) == expected  # type: ignore[arg-type]


@pytest.mark.parametrize("bad", ["02/12/2023", "2 Dec 2023", "yesterday", "2023-13-02", "", "20231202"])
def test_unknown_published_format_names_the_expected_format(bad: str) -> None:
    with pytest.raises(InvalidInput) as err:
        parse_published(bad)
    assert "YYYY-MM-DD" in err.value.message and "ISO 8601" in err.value.message
    assert repr(bad) in err.value.message


def test_publication_window_covers_the_day_before() -> None:
    w = publication_window(parse_published(PUB))
    assert w is not None
    assert (w.start.date(), w.end.date(), w.precision) == (date(2023, 12, 7), date(2023, 12, 8), "day")
    assert publication_window(None) is None


def test_since_runs_up_to_the_publication_day() -> None:
    t = resolve_time("struck 400 targets since the truce ended on Friday morning", "2023-12-02")
    assert t is not None
    assert (t.start.date(), t.end.date()) == (date(2023, 12, 1), date(2023, 12, 2))


def test_since_does_not_disturb_later_expressions_of_the_same_form() -> None:
    text = "Fighting since Monday. Strikes on Tuesday. Raids on Wednesday."
    found = find_times(text, "2023-12-08")
    assert [t.kind for t in found] == ["since", "wd", "wd"]
    assert [t.interval.start.day for t in found] == [4, 5, 6]


@pytest.mark.parametrize(
    ("text", "expected"),
    [
        ("Between the afternoon of 12 March and 14:00 on 13 March, 69 were killed.", ("2024-03-12", "2024-03-13")),
        ("Raids went on from Monday to Wednesday.", ("2024-03-11", "2024-03-13")),
        ("Strikes on Monday and Wednesday.", ("2024-03-11", "2024-03-11")),  # two days, not a range
    ],
)
def test_ranges_between_two_expressions(text: str, expected: tuple[str, str]) -> None:
    t = find_times(text, "2024-03-14")[0]
    assert (t.interval.start.date().isoformat(), t.interval.end.date().isoformat()) == expected


_MONTH_NAMES = ["January", "February", "March", "April", "May", "June", "July", "August", "September", "October",
                "November", "December"]  # fmt: skip
_WEEKDAY_NAMES = ["Monday", "Tuesday", "Wednesday", "Thursday", "Friday", "Saturday", "Sunday"]


@settings(max_examples=200, deadline=None)
@given(st.dates(min_value=date(2001, 1, 1), max_value=date(2030, 12, 31)), st.integers(min_value=0, max_value=6))
def test_every_explicit_form_and_the_weekday_name_give_the_day(day: date, lag: int) -> None:
    published = (day + timedelta(days=lag)).isoformat()
    month = _MONTH_NAMES[day.month - 1]
    forms = [
        f"{day.day} {month} {day.year}",
        day.isoformat(),
        f"{month} {day.day}, {day.year}",
        f"{day.day}-{month[:3]}-{day.year % 100:02d}",
        f"{day.day} {month}",  # no year: taken from the publication date
        f"on {_WEEKDAY_NAMES[day.weekday()]}",  # within the week before publication
    ]
    for form in forms:
        t = resolve_time(f"Strikes hit the camp {form}, medics said.", published)
        assert t is not None, form
        assert t.start.date() == day == t.end.date(), form
        assert t.precision == "day"
