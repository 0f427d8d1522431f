"""Full dates in the forms of the region's press (issue 12): numeric day-first dates ("15/10/2024",
"Tuesday 15-10-2024"), Hebrew and Arabic month names ("15 באוקטובר", "15 تشرين الأول", "15 أكتوبر")
with the weekday told before them. The date, not the weekday, dates the event; a dispatch's dateline
("نابلس 2-6-2025 وفا-") and a day that names a past event ("the 7 October massacre") do not."""

from __future__ import annotations

from datetime import date

import pytest

from geo.timeparse import find_times, resolve_time


@pytest.mark.parametrize(
    ("sentence", "published", "day"),
    [
        ("Wednesday 09-04-2025: settlers torched two cars in the village.", "2025-04-20", date(2025, 4, 9)),
        ("On 03/11/2024 troops raided the camp, the committee said.", "2024-11-30", date(2024, 11, 3)),
        ("הפשיטה החלה ב-4.9.24 ונמשכה יומיים.", "2024-09-10", date(2024, 9, 4)),
        ("ביום חמישי, 12 בדצמבר, תקף חיל האוויר בדרום לבנון.", "2024-12-20", date(2024, 12, 12)),
        ("ב-28 בפברואר 2025 נורו רקטות לעבר שדרות.", "2025-03-10", date(2025, 2, 28)),
        ("شنت طائرات الاحتلال يوم الخميس 12 كانون الأول غارات على بلدة الخيام.", "2024-12-20", date(2024, 12, 12)),
        ("وفي 28 شباط 2025 اقتحمت قوات الاحتلال مخيم جنين.", "2025-03-10", date(2025, 2, 28)),
        ("استشهد شابان مساء الاثنين 4 نوفمبر برصاص الاحتلال.", "2024-11-06", date(2024, 11, 4)),
        ("وقع الهجوم يوم السبت الموافق 5 من شهر أيار.", "2024-05-09", date(2024, 5, 5)),
    ],
)
def test_full_dates_of_the_regions_press(sentence: str, published: str, day: date) -> None:
    interval = resolve_time(sentence, published)
    assert interval is not None
    assert interval.start.date() == day == interval.end.date()


def test_a_dateline_is_the_dispatch_day_not_the_event() -> None:
    times = find_times("رام الله 14-3-2025 وفا- اعتقلت قوات الاحتلال أمس خمسة شبان.", "2025-03-14")
    assert [t.interval.start.date() for t in times] == [date(2025, 3, 13)]


@pytest.mark.parametrize(
    "sentence",
    ["מחבל שהשתתף בטבח 7 באוקטובר חוסל.", "أحد منفذي هجوم 7 أكتوبر"],
)
def test_a_day_that_names_a_past_event(sentence: str) -> None:
    assert find_times(sentence, "2024-07-08") == []


@pytest.mark.parametrize("sentence", ["The score was 2-1 in 2024.", "version 1.2.3 of the app", "بنسبة 3/4"])
def test_numbers_that_are_no_dates(sentence: str) -> None:
    assert find_times(sentence, "2024-07-08") == []
