"""Dating events told by outside voices (issue 12, session 5): a dateline's date is the day the
report was filed; "hours later" / "shortly before" / "في وقت لاحق" / "כעבור שעות" follow the time
just told, even across a paragraph; "since January" gives way to the night a sentence names;
Hebrew weekdays in brackets and "the past 24 hours" in Arabic and Hebrew; a live-blog item does
not lend its time to the next. Texts written here, in several voices and three languages."""

from __future__ import annotations

from datetime import date

import geo
from geo.events import event_times, is_dateline
from geo.timeparse import find_times, relative_day


def _days(c: geo.Claim) -> tuple[date, date]:
    assert c.valid_from is not None and c.valid_to is not None
    return c.valid_from.date(), c.valid_to.date()


def _located(text: str, published: str) -> list[geo.Claim]:
    return [c for c in geo.parse(text, published=published, source="desk") if c.geometry is not None]


def test_a_datelines_date_does_not_date_the_event() -> None:
    text = (
        "RAFAH, Gaza Strip, June 7 (Wire) - Israeli tanks shelled homes in Rafah late on Thursday, "
        "killing four people, medics said."
    )
    [c] = _located(text, "2024-06-07")
    assert _days(c) == (date(2024, 6, 6), date(2024, 6, 6))


def test_dateline_is_only_the_head_of_the_text() -> None:
    head = "BEIRUT, Oct 3 (Wire) - A strike hit a flat."
    [t] = find_times(head, "2024-10-04")
    assert is_dateline(head, t)
    body = "The strike hit the flat on Oct 3 - and the second one later."
    [t2] = find_times(body, "2024-10-04")
    assert not is_dateline(body, t2)


def test_since_gives_way_to_the_named_night() -> None:
    text = "In Tulkarm, where an operation has been going on since March, bulldozers tore up two roads overnight."
    times = event_times(text, find_times(text, "2025-05-02"))
    assert [t.kind for t in times] == ["overnight"]


def test_hours_later_in_a_new_paragraph_follows_the_last_event() -> None:
    text = (
        "Israeli aircraft struck a house in Bani Suheila late on Tuesday, killing six, civil defence said.\n\n"
        "Hours later, artillery shelled farmland east of Abasan al-Kabira, residents said."
    )
    claims = _located(text, "2025-03-20")  # a Thursday: Tuesday is two days back
    by_type = {c.event_type: _days(c) for c in claims}
    assert by_type["airstrike"] == (date(2025, 3, 18), date(2025, 3, 18))
    assert by_type["shelling"] == (date(2025, 3, 18), date(2025, 3, 19))


def test_near_times_in_arabic_and_hebrew() -> None:
    class Clause:
        def __init__(self, text: str) -> None:
            self.text, self.start = text, 0

    [ctx] = find_times("on Monday", "2024-11-13")  # a Wednesday
    for words in (
        "وفي وقت لاحق، قصفت المدفعية البلدة",
        "כעבור כמה שעות נורו רקטות",
        "Shortly afterwards, troops moved in",
    ):
        [t] = relative_day(Clause(words), [], ctx, None)
        assert (t.interval.start.date(), t.interval.end.date()) == (date(2024, 11, 11), date(2024, 11, 12)), words
    [t] = relative_day(Clause("قبل ذلك بساعات اقتحمت القوات المخيم"), [], ctx, None)
    assert (t.interval.start.date(), t.interval.end.date()) == (date(2024, 11, 10), date(2024, 11, 11))


def test_hours_later_never_runs_past_the_publication_day() -> None:
    text = "Drones struck a car in Tammun on Wednesday, the ministry said. Hours later, troops raided Tubas."
    claims = _located(text, "2025-03-19")  # Wednesday itself
    assert all(_days(c)[1] <= date(2025, 3, 19) for c in claims)


def test_hebrew_weekday_in_brackets_and_the_past_day() -> None:
    [_morning, b] = find_times('צה"ל תקף הבוקר (רביעי) בדרום לבנון', "2024-10-17")  # a Thursday
    assert b.kind == "wd_he" and b.interval.start.date() == date(2024, 10, 16)
    [t] = find_times("ביממה האחרונה נעצרו 20 חשודים", "2024-10-17")
    assert (t.interval.start.date(), t.interval.end.date()) == (date(2024, 10, 16), date(2024, 10, 17))
    [t] = find_times("استشهد 40 مواطنا خلال الـ24 ساعة الماضية", "2024-10-17")
    assert (t.interval.start.date(), t.interval.end.date()) == (date(2024, 10, 16), date(2024, 10, 17))


def test_a_live_blog_item_does_not_lend_its_time_to_the_next() -> None:
    text = (
        "Live updates\n"
        "- Medics: two killed in shelling on Beit Lahia yesterday.\n"
        "- Correspondent: a drone strike hit a car in Khan Younis."
    )
    claims = _located(text, "2024-07-10")
    khan = [c for c in claims if c.place_text == "Khan Younis"]
    assert khan and _days(khan[0])[1] == date(2024, 7, 10)


def test_a_day_earlier_than_overnight_is_the_day_before_the_morning() -> None:
    """ "Overnight" in a Wednesday report runs from Tuesday evening into Wednesday: "a day
    earlier" is Tuesday, not Monday."""

    class Clause:
        def __init__(self, text: str) -> None:
            self.text, self.start = text, 0

    [ctx] = find_times("bulldozers tore up a road overnight", "2025-03-19")
    [t] = relative_day(Clause("A day earlier, settlers beat two shepherds"), [], ctx, None)
    assert t.interval.start.date() == date(2025, 3, 18)


def test_earlier_that_day_is_the_day_told() -> None:
    class Clause:
        def __init__(self, text: str) -> None:
            self.text, self.start = text, 0

    [ctx] = find_times("on Wednesday evening", "2025-01-09")  # a Thursday
    for words in ("Stones were thrown at a car earlier that day", "وفي وقت سابق من اليوم اقتحمت القوات البلدة"):
        [t] = relative_day(Clause(words), [], ctx, None)
        assert (t.interval.start.date(), t.interval.end.date()) == (date(2025, 1, 8), date(2025, 1, 8)), words


def test_arabic_and_hebrew_weeks_and_the_day_before_yesterday() -> None:
    pub = "2024-11-07"  # a Thursday
    cases = {
        "اقتحمت قوات الاحتلال البلدة أول أمس": (date(2024, 11, 5), date(2024, 11, 5)),
        "שלשום פשטו כוחות על העיר": (date(2024, 11, 5), date(2024, 11, 5)),
        "وفي وقت سابق من الأسبوع الجاري اقتحمت القوات المدينة": (date(2024, 11, 4), date(2024, 11, 7)),
        "מוקדם יותר השבוע נעצרו חשודים": (date(2024, 11, 4), date(2024, 11, 7)),
        "هدمت سلطات الاحتلال منزلا الأسبوع الماضي": (date(2024, 10, 28), date(2024, 11, 3)),
        "בשבוע שעבר נורו רקטות": (date(2024, 10, 28), date(2024, 11, 3)),
    }
    for words, (first, last) in cases.items():
        [t] = find_times(words, pub)
        assert (t.interval.start.date(), t.interval.end.date()) == (first, last), words


def test_the_time_told_nearest_the_event_dates_it() -> None:
    """OCHA-style weekly summary: the strike told with its own day inside a sentence that opens
    with the week is dated that day."""
    text = (
        "Between 6 and 12 August, Israeli forces killed 12 Palestinians across the West Bank, including "
        "five in an air strike on Tubas on 12 August."
    )
    [c] = _located(text, "2024-08-14")
    assert c.event_type == "airstrike" and _days(c) == (date(2024, 8, 12), date(2024, 8, 12))
