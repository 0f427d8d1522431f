"""Time expressions in report text, resolved against the publication date into intervals.

Reports rarely give timestamps: they say "Thursday", "overnight into Saturday", "in
the past 24 hours", "last week" or "1 December". :func:`find_times` finds those
expressions and turns each into a :class:`~geo.model.TimeInterval` whose width is
honest (a weekday is a whole day, "last week" a whole week) and whose precision says
so; nothing here ever invents an exact timestamp.

Conventions (documented so users can check them):

* Days are UTC calendar days, as everywhere in sitmap's model; a day-precision event
  on 2023-12-01 is ``2023-12-01T00:00Z .. 2023-12-01T23:59:59.999999Z``.
* A bare weekday ("Thursday", "on Saturday") is the latest such day on or before the
  publication day (the news convention: a Friday article's "Thursday" is yesterday,
  and a Thursday article's "Thursday" is today). "last Thursday" is strictly before.
* A date without a year takes the publication year, or the year before when that
  would put it more than a week after publication.
* Part-of-day phrases ("overnight", "this morning", "last night") narrow the interval
  but keep precision ``day``: the day is what is known, the hours are a guess.
* "last week" / "last month" are the previous calendar week (Monday..Sunday) or month;
  "earlier this month" is the 1st of the month up to the publication day.
* Without a publication date only self-contained expressions (dates with a year, ISO
  dates) resolve; relative ones are dropped rather than guessed.
"""

from __future__ import annotations

import re
from dataclasses import dataclass
from datetime import UTC, date, datetime, time, timedelta
from typing import Literal

from geo.errors import InvalidInput
from geo.model import TimeInterval, to_utc_instant

Precision = Literal["hour", "day", "week", "month", "year"]

_END_OF_DAY = time(23, 59, 59, 999999)

MONTHS: dict[str, int] = {
    "january": 1,
    "jan": 1,
    "february": 2,
    "feb": 2,
    "march": 3,
    "mar": 3,
    "april": 4,
    "apr": 4,
    "may": 5,
    "june": 6,
    "jun": 6,
    "july": 7,
    "jul": 7,
    "august": 8,
    "aug": 8,
    "september": 9,
    "sep": 9,
    "sept": 9,
    "october": 10,
    "oct": 10,
    "november": 11,
    "nov": 11,
    "december": 12,
    "dec": 12,
}
#: Hebrew month names ("15 באוקטובר") -> month numbers.
HE_MONTHS: dict[str, int] = {
    "ינואר": 1,
    "פברואר": 2,
    "מרץ": 3,
    "מרס": 3,
    "אפריל": 4,
    "מאי": 5,
    "יוני": 6,
    "יולי": 7,
    "אוגוסט": 8,
    "ספטמבר": 9,
    "אוקטובר": 10,
    "נובמבר": 11,
    "דצמבר": 12,
}
#: Arabic month names, the Egyptian-Gulf and the Levantine series ("15 أكتوبر", "15 تشرين الأول").
AR_MONTHS: dict[str, int] = {
    "يناير": 1,
    "كانون الثاني": 1,
    "فبراير": 2,
    "شباط": 2,
    "مارس": 3,
    "آذار": 3,
    "أبريل": 4,
    "ابريل": 4,
    "إبريل": 4,
    "نيسان": 4,
    "مايو": 5,
    "أيار": 5,
    "ايار": 5,
    "يونيو": 6,
    "حزيران": 6,
    "يوليو": 7,
    "تموز": 7,
    "أغسطس": 8,
    "اغسطس": 8,
    "آب": 8,
    "سبتمبر": 9,
    "أيلول": 9,
    "ايلول": 9,
    "أكتوبر": 10,
    "اكتوبر": 10,
    "تشرين الأول": 10,
    "تشرين الاول": 10,
    "نوفمبر": 11,
    "تشرين الثاني": 11,
    "ديسمبر": 12,
    "كانون الأول": 12,
    "كانون الاول": 12,
}
WEEKDAYS: dict[str, int] = {
    "monday": 0,
    "tuesday": 1,
    "wednesday": 2,
    "thursday": 3,
    "friday": 4,
    "saturday": 5,
    "sunday": 6,
}
NUMBER_WORDS: dict[str, int] = {
    "a": 1,
    "an": 1,
    "one": 1,
    "two": 2,
    "three": 3,
    "four": 4,
    "five": 5,
    "six": 6,
    "seven": 7,
    "eight": 8,
    "nine": 9,
    "ten": 10,
    "several": 3,
    "few": 3,
}


@dataclass(frozen=True)
class TimeExpression:
    """A time expression found in a text: its span, its words and the interval it means."""

    text: str
    start: int
    end: int
    interval: TimeInterval
    kind: str  # the pattern that matched: wd, dmy, iso, range, past_days, overnight, since, ...


# --------------------------------------------------------------------------------------
# Publication date
# --------------------------------------------------------------------------------------

_ISO_DATE = re.compile(r"^\d{4}-\d{2}-\d{2}$")


def parse_published(value: str | date | datetime | None) -> datetime | None:
    """Read a publication date (``YYYY-MM-DD`` or ISO 8601) into an aware UTC datetime.

    A bare date becomes midnight UTC of that day. Anything else raises
    :class:`InvalidInput` naming the expected formats, so a typo on the command line is
    never silently read as "no date".
    """
    if value is None:
        return None
    if isinstance(value, datetime):
        return to_utc_instant(value, "published")
    if isinstance(value, date):
        return to_utc_instant(datetime.combine(value, time(0), tzinfo=UTC), "published")
    if not isinstance(value, str):
        raise InvalidInput(f"published date must be a string or datetime, got {type(value).__name__}")
    text = value.strip()
    try:
        if _ISO_DATE.match(text):
            parsed = datetime.combine(date.fromisoformat(text), time(0), tzinfo=UTC)
        else:
            parsed = datetime.fromisoformat(text.replace("Z", "+00:00").replace("z", "+00:00"))
    except ValueError:
        parsed = None
    if parsed is None or not re.match(r"^\d{4}-\d{2}-\d{2}", text):
        raise InvalidInput(
            f"published date {value!r} is not in a known format: expected YYYY-MM-DD or ISO 8601 "
            "(e.g. 2023-12-02 or 2023-12-02T14:30:00Z)"
        )
    return to_utc_instant(parsed, "published")


# --------------------------------------------------------------------------------------
# Interval helpers
# --------------------------------------------------------------------------------------


def _day_start(d: date) -> datetime:
    return datetime.combine(d, time(0), tzinfo=UTC)


def _day_end(d: date) -> datetime:
    return datetime.combine(d, _END_OF_DAY, tzinfo=UTC)


def day_interval(d: date, *, last: date | None = None) -> TimeInterval:
    """The whole UTC day ``d`` (or days ``d..last``) with a precision fitting its width."""
    last = last or d
    return TimeInterval(start=_day_start(d), end=_day_end(last), precision=_precision_for_days((last - d).days + 1))


def _precision_for_days(days: int) -> Precision:
    if days <= 2:
        return "day"
    if days <= 10:
        return "week"
    if days <= 45:
        return "month"
    return "year"


def _hours(d: date, h0: int, d1: date, h1: int) -> TimeInterval:
    """An interval from hour ``h0`` of ``d`` to the end of hour ``h1 - 1`` of ``d1``; precision day."""
    start = datetime.combine(d, time(h0), tzinfo=UTC)
    end = datetime.combine(d1, time(0), tzinfo=UTC) + timedelta(hours=h1) - timedelta(microseconds=1)
    return TimeInterval(start=start, end=end, precision="day")


def publication_window(published: datetime | None) -> TimeInterval | None:
    """The default event interval of a report with no time expression: the day before
    publication and the publication day (so "in the past day" reports are covered)."""
    if published is None:
        return None
    d = published.date()
    return day_interval(d - timedelta(days=1), last=d)


def _weekday_on_or_before(ref: date, weekday: int, *, strictly: bool = False) -> date:
    delta = (ref.weekday() - weekday) % 7
    if strictly and delta == 0:
        delta = 7
    return ref - timedelta(days=delta)


def _infer_year(month: int, day: int, ref: date | None) -> int | None:
    if ref is None:
        return None
    year = ref.year
    try:
        candidate = date(year, month, day)
    except ValueError:
        return year  # let the caller raise on the impossible date
    if candidate > ref + timedelta(days=7):
        year -= 1
    return year


def _safe_date(year: int, month: int, day: int) -> date | None:
    try:
        return date(year, month, day)
    except ValueError:
        return None


def _two_digit_year(y: int) -> int:
    return 2000 + y if y < 70 else 1900 + y


def _month_interval(year: int, month: int) -> TimeInterval:
    first = date(year, month, 1)
    nxt = date(year + (month == 12), month % 12 + 1, 1)
    return TimeInterval(start=_day_start(first), end=_day_end(nxt - timedelta(days=1)), precision="month")


# --------------------------------------------------------------------------------------
# Patterns
# --------------------------------------------------------------------------------------

_MON = (
    r"(?P<mon>jan(?:uary)?|feb(?:ruary)?|mar(?:ch)?|apr(?:il)?|may|june?|july?|aug(?:ust)?"
    r"|sept?(?:ember)?|oct(?:ober)?|nov(?:ember)?|dec(?:ember)?)\.?"
)
_WD = r"(?P<wd>monday|tuesday|wednesday|thursday|friday|saturday|sunday)"
_DAYPART = r"(?P<part>morning|afternoon|evening|night|overnight)"
_NUM = r"(?P<n>\d{1,2}|a|an|one|two|three|four|five|six|seven|eight|nine|ten|several|a few)"

#: No Hebrew or Arabic letter just before / just after (word edges for those scripts).
_NOT_AFTER_LETTER = r"(?<![\u0590-\u05ff\u0620-\u065f\u066e-\u06d3])"
_NOT_BEFORE_LETTER = r"(?![\u0590-\u05ff\u0620-\u065f\u066e-\u06d3])"

#: A weekday told before a full date ("Tuesday 15-10-2024", "ביום שלישי, 15 באוקטובר", "يوم الثلاثاء 15
#: تشرين الأول"): one expression with the date, so the date, not the weekday, dates the event.
_WD_BEFORE_DATE = (
    r"(?:(?:(?:on|early|late)\s+)?(?:monday|tuesday|wednesday|thursday|friday|saturday|sunday)\s*,?\s+(?:the\s+)?|"
    r"(?<![\u0590-\u05ff])(?:ו?ב)?יום\s+(?:ראשון|שני|שלישי|רביעי|חמישי|שישי|שבת)\s*[,־-]?\s*(?:ה[-־]?|ב[-־]?)?|"
    r"(?<![\u0620-\u065f\u066e-\u06d3])(?:و?(?:يوم|فجر|صباح|مساء|ليلة|ظهر)\s+)?"
    r"(?:الاثنين|الإثنين|الثلاثاء|الأربعاء|الاربعاء|الخميس|الجمعة|السبت|الأحد|الاحد)\s*[،,]?\s*(?:الموافق\s+)?)?"
)
_HE_MON = r"(?P<hemon>" + "|".join(HE_MONTHS) + r")"
_AR_MON = r"(?P<armon>" + "|".join(sorted(AR_MONTHS, key=len, reverse=True)) + r")"

#: A day and month told without a year more than this many days before the publication names a
#: past event ("the 7 October massacre"), not the day of the event told.
NAMED_DAY_DAYS = 120

# Order matters: longer, more specific patterns first; overlapping later matches are dropped.
_PATTERNS: list[tuple[str, re.Pattern[str]]] = [
    (
        "iso",
        re.compile(r"\b(?P<y>\d{4})-(?P<m>\d{2})-(?P<d>\d{2})(?:[T ]\d{2}:\d{2}(?::\d{2})?(?:Z|[+-]\d{2}:?\d{2})?)?\b"),
    ),
    # day first, as in the region's press: "15/10/2024", "15.10.24", "الخليل 2-6-2025"
    (
        "num_dmy",
        re.compile(
            _WD_BEFORE_DATE
            + r"(?<![\d/.])(?<!\d-)(?P<d>\d{1,2})(?P<sep>[/.-])(?P<m>\d{1,2})(?P=sep)(?P<y>\d{4}|\d{2})(?![\d/.-]?\d)"
            # not a dateline ("القدس 2-6-2025 وفا-"): the day of the dispatch, which may tell of yesterday
            r"(?!\s*(?:\S+\s*)?[-–—](?!\d))",
            re.I,
        ),
    ),
    (
        "dmy_he",
        re.compile(
            _WD_BEFORE_DATE
            + r"(?<!\d)(?P<d>\d{1,2})\s*(?:ב|ל)?[-־]?"
            + _HE_MON
            + r"(?![\u0590-\u05ff])(?:\s*,?\s*(?P<y>\d{4}))?",
            re.I,
        ),
    ),
    (
        "dmy_ar",
        re.compile(
            _WD_BEFORE_DATE
            + r"(?<!\d)(?P<d>\d{1,2})\s+(?:من\s+)?(?:شهر\s+)?(?:[\u0600-\u06ff]+/)?"
            + _AR_MON
            + r"(?![\u0620-\u065f\u066e-\u06d3])(?:\s+(?:(?:من\s+)?(?:عام|العام|سنة)\s+)?(?P<y>\d{4}))?",
            re.I,
        ),
    ),
    (
        "range",
        re.compile(
            r"\b(?:between|from)\s+(?P<d1>\d{1,2})(?:st|nd|rd|th)?\s+(?:and|to|-|–)\s+(?P<d2>\d{1,2})(?:st|nd|rd|th)?\s+"
            + _MON
            + r"(?:,?\s+(?P<y>\d{4}))?",
            re.I,
        ),
    ),
    (
        "range",
        re.compile(
            r"\b(?P<d1>\d{1,2})\s*(?:-|–)\s*(?P<d2>\d{1,2})\s+" + _MON + r"(?:,?\s+(?P<y>\d{4}))?\b",
            re.I,
        ),
    ),
    ("dmy_short", re.compile(r"\b(?P<d>\d{1,2})-" + _MON.replace(r"\.?", "") + r"-(?P<y>\d{2,4})\b", re.I)),
    (
        "dmy",
        re.compile(
            r"\b(?P<d>\d{1,2})(?:st|nd|rd|th)?\s+(?:of\s+)?" + _MON + r"(?:,?\s+(?P<y>\d{4}))?\b",
            re.I,
        ),
    ),
    ("mdy", re.compile(r"\b" + _MON + r"\s+(?P<d>\d{1,2})(?:st|nd|rd|th)?\b(?:,?\s+(?P<y>\d{4}))?", re.I)),
    ("month", re.compile(r"\b(?:in|during|since|early|late|mid-?)\s+" + _MON + r"(?:\s+(?P<y>\d{4}))?\b", re.I)),
    ("overnight_into", re.compile(r"\bovernight\s+(?:into|to)\s+" + _WD + r"\b", re.I)),
    ("wd_overnight", re.compile(r"\b" + _WD + r"\s+(?:overnight|night)\b", re.I)),
    ("night_of", re.compile(r"\b(?:on\s+the\s+)?night\s+of\s+" + _WD + r"\b", re.I)),
    ("last_wd", re.compile(r"\blast\s+" + _WD + r"\b", re.I)),
    ("wd_part", re.compile(r"\b(?:(?:on|early|late)\s+)?" + _WD + r"\s+" + _DAYPART + r"\b", re.I)),
    ("wd", re.compile(r"\b(?:(?:on|early|late|from|since)\s+)?" + _WD + r"\b", re.I)),
    (
        "past_hours",
        re.compile(r"\b(?:in|over|during|within)\s+the\s+(?:past|last|previous)\s+(?P<h>24|48|72)\s+hours\b", re.I),
    ),
    (
        "past_days",
        re.compile(
            r"\b(?:in|over|during|within)\s+the\s+(?:past|last|previous)\s+"
            + _NUM
            + r"?\s*(?P<unit>day|days|week|weeks)\b",
            re.I,
        ),
    ),
    ("ago", re.compile(r"\b" + _NUM + r"\s+(?P<unit>days?|weeks?)\s+ago\b", re.I)),
    ("last_night", re.compile(r"\b(?:last|late\s+last)\s+night\b", re.I)),
    ("yesterday", re.compile(r"\byesterday(?:\s+(?P<part>morning|afternoon|evening))?\b", re.I)),
    ("this_part", re.compile(r"\b(?:this|early\s+this|late\s+this)\s+(?P<part>morning|afternoon|evening)\b", re.I)),
    ("tonight", re.compile(r"\btonight\b", re.I)),
    ("overnight", re.compile(r"\bovernight\b", re.I)),
    ("today", re.compile(r"\b(?:today|earlier\s+today|on\s+the\s+same\s+day)\b", re.I)),
    ("weekend", re.compile(r"\b(?:over|during|at|on)\s+the\s+weekend\b", re.I)),
    ("last_week", re.compile(r"\blast\s+week(?:end)?\b", re.I)),
    ("this_week", re.compile(r"\b(?:earlier\s+)?this\s+week(?:end)?\b", re.I)),
    ("last_month", re.compile(r"\blast\s+month\b", re.I)),
    ("this_month", re.compile(r"\b(?:earlier\s+)?this\s+month\b", re.I)),
    # Hebrew and Arabic: weekdays ("ביום שני", "يوم الاثنين", "فجر الثلاثاء") and the relative
    # words of wire copy; a clitic prefix (ו, ב, و) may stick to the word
    (
        "wd_he",
        re.compile(
            r"(?<![\u0590-\u05ff])(?:ו?ב?)?(?:יום\s+)(?P<hewd>ראשון|שני|שלישי|רביעי|חמישי|שישי|שבת)(?![\u0590-\u05ff])"
        ),
    ),
    ("wd_he", re.compile(r"(?<![\u0590-\u05ff])(?:ו?ב)(?P<hewd>שבת)(?![\u0590-\u05ff])")),
    # Hebrew news names the weekday in brackets after a part of the day: "הבוקר (חמישי)"
    ("wd_he", re.compile(r"\(\s*(?:יום\s+)?(?P<hewd>ראשון|שני|שלישי|רביעי|חמישי|שישי|שבת)\s*\)")),
    # the past 24 hours in Arabic and Hebrew wire copy
    (
        "past_hours",
        re.compile(
            r"(?:خلال\s+)?(?:الـ\s*|ال)?(?P<h>24|48|72)\s+ساعة\s+(?:ال)?(?:ماضية|أخيرة|الماضية|الأخيرة)|"
            r"(?:خلال\s+)?الساعات\s+(?:الـ\s*)?(?:(?P<h2>24|48|72)|الأربع والعشرين)\s+(?:ال)?(?:ماضية|الماضية|الأخيرة)|"
            r"(?<![\u0590-\u05ff])ב[-־]?(?P<h3>24|48|72)\s+השעות\s+האחרונות|(?<![\u0590-\u05ff])ב?יממה\s+האחרונה"
        ),
    ),
    (
        "wd_ar",
        re.compile(
            r"(?<![\u0620-\u065f\u066e-\u06d3])(?:و?(?:يوم|فجر|صباح|مساء|ليلة|ظهر)\s+)?"
            r"(?P<arwd>الاثنين|الإثنين|الثلاثاء|الأربعاء|الاربعاء|الخميس|الجمعة|السبت|الأحد|الاحد)(?![\u0620-\u065f\u066e-\u06d3])"
        ),
    ),
    # the day before yesterday ("أول أمس", "שלשום") before "yesterday" reads its last word
    (
        "two_days_ago",
        re.compile(
            _NOT_AFTER_LETTER + r"(?:ו|و)?(?:أول (?:من )?أمس|اول (?:من )?امس|أمس الأول|שלשום)" + _NOT_BEFORE_LETTER
        ),
    ),
    (
        "yesterday",
        re.compile(_NOT_AFTER_LETTER + r"(?:ו|و)?(?:אתמול|أمس|امس|البارحة)" + _NOT_BEFORE_LETTER),
    ),
    (
        "last_week",
        re.compile(
            _NOT_AFTER_LETTER + r"(?:ו|و)?(?:ב)?(?:الأسبوع الماضي|الاسبوع الماضي|שבוע שעבר)" + _NOT_BEFORE_LETTER
        ),
    ),
    (
        "this_week",
        re.compile(
            _NOT_AFTER_LETTER
            + r"(?:ו|و)?(?:هذا الأسبوع|الأسبوع الجاري|الأسبوع الحالي|الاسبوع الجاري|השבוע)"
            + _NOT_BEFORE_LETTER
        ),
    ),
    (
        "last_night",
        re.compile(_NOT_AFTER_LETTER + r"(?:ו)?(?:אמש|הלילה|בלילה האחרון|الليلة الماضية)" + _NOT_BEFORE_LETTER),
    ),
    (
        "this_morning",
        re.compile(_NOT_AFTER_LETTER + r"(?:ו)?(?:הבוקר|صباح اليوم|هذا الصباح)" + _NOT_BEFORE_LETTER),
    ),
    ("today", re.compile(_NOT_AFTER_LETTER + r"(?:ו|و)?(?:היום|اليوم)" + _NOT_BEFORE_LETTER)),
]
#: Hebrew and Arabic weekday names -> Python weekday numbers (Monday 0).
HE_WEEKDAYS = {"ראשון": 6, "שני": 0, "שלישי": 1, "רביעי": 2, "חמישי": 3, "שישי": 4, "שבת": 5}
AR_WEEKDAYS = {
    "الاثنين": 0,
    "الإثنين": 0,
    "الثلاثاء": 1,
    "الأربعاء": 2,
    "الاربعاء": 2,
    "الخميس": 3,
    "الجمعة": 4,
    "السبت": 5,
    "الأحد": 6,
    "الاحد": 6,
}

_SINCE = re.compile(r"\bsince\b[^.,;:]{0,40}$", re.I)

_MONTH_WORD = re.compile(r"jan|feb|mar|apr|may|jun|jul|aug|sep|oct|nov|dec")
_WEEKDAY_WORD = re.compile(r"monday|tuesday|wednesday|thursday|friday|saturday|sunday")
#: A key word (lower case) every match of a pattern contains, to skip patterns cheaply.
_TRIGGERS: dict[str, re.Pattern[str]] = {
    "iso": re.compile(r"\d{4}-\d"),
    "num_dmy": re.compile(r"\d[/.-]\d{1,2}[/.-]\d"),
    "dmy_he": re.compile("|".join(HE_MONTHS)),
    "dmy_ar": re.compile("|".join(AR_MONTHS)),
    "range": _MONTH_WORD,
    "dmy_short": _MONTH_WORD,
    "dmy": _MONTH_WORD,
    "mdy": _MONTH_WORD,
    "month": _MONTH_WORD,
    "overnight_into": re.compile("overnight"),
    "wd_overnight": _WEEKDAY_WORD,
    "night_of": _WEEKDAY_WORD,
    "last_wd": _WEEKDAY_WORD,
    "wd_part": _WEEKDAY_WORD,
    "wd": _WEEKDAY_WORD,
    "past_hours": re.compile("hours|ساعة|الساعات|השעות|יממה"),
    "past_days": re.compile("day|week"),
    "ago": re.compile("ago"),
    "last_night": re.compile("night|אמש|לילה|الليلة"),
    "yesterday": re.compile("yesterday|אתמול|أمس|امس|البارحة"),
    "two_days_ago": re.compile("أمس|امس|שלשום"),
    "this_part": re.compile("morning|afternoon|evening"),
    "tonight": re.compile("tonight"),
    "overnight": re.compile("overnight"),
    "today": re.compile("today|same day|היום|اليوم"),
    "weekend": re.compile("weekend"),
    "last_week": re.compile("week|الأسبوع|الاسبوع|שבוע"),
    "this_week": re.compile("week|الأسبوع|الاسبوع|השבוע"),
    "last_month": re.compile("month"),
    "this_month": re.compile("month"),
    "wd_he": re.compile("יום|שבת|\\("),
    "wd_ar": re.compile("ال(?:اثن|إثن|ثلاث|أرب|ارب|خمي|جمع|سبت|أحد|احد)"),
    "this_morning": re.compile("בוקר|صباح"),
}

_PART_HOURS = {"morning": (0, 12), "afternoon": (12, 18), "evening": (17, 24), "night": (18, 30)}


def _mon(m: re.Match[str]) -> int:
    return MONTHS[m.group("mon").lower().rstrip(".")]


def _num(word: str | None) -> int:
    if word is None:
        return 1
    w = word.lower()
    if w.isdigit():
        return int(w)
    return NUMBER_WORDS.get(w.replace("a few", "few"), 3)


def _resolve(kind: str, m: re.Match[str], ref: date | None) -> TimeInterval | None:
    """The interval for one matched expression, or ``None`` when it cannot be resolved."""
    g = m.groupdict()
    if kind == "iso":
        d = _safe_date(int(g["y"]), int(g["m"]), int(g["d"]))
        return day_interval(d) if d else None
    if kind in ("dmy", "mdy", "dmy_short"):
        month, day = _mon(m), int(g["d"])
        if g.get("y"):
            y = int(g["y"])
            year: int | None = _two_digit_year(y) if y < 100 else y
        else:
            year = _infer_year(month, day, ref)
        if year is None:
            return None
        d = _safe_date(year, month, day)
        return day_interval(d) if d else None
    if kind in ("num_dmy", "dmy_he", "dmy_ar"):
        if kind == "num_dmy":
            day, month = int(g["d"]), int(g["m"])
            if month > 12 >= day:
                day, month = month, day  # "10/15/2024": month first, as US copy writes it
        else:
            day = int(g["d"])
            month = HE_MONTHS[g["hemon"]] if kind == "dmy_he" else AR_MONTHS[g["armon"]]
        if not 1 <= month <= 12:
            return None
        if g.get("y"):
            y = int(g["y"])
            year = _two_digit_year(y) if y < 100 else y
        else:
            year = _infer_year(month, day, ref)
        if year is None:
            return None
        d = _safe_date(year, month, day)
        if d is not None and not g.get("y") and ref is not None and (ref - d).days > NAMED_DAY_DAYS:
            return None  # "טבח 7 באוקטובר", "هجوم 7 أكتوبر": a day that names a past event, not this one
        return day_interval(d) if d else None
    if kind == "range":
        month = _mon(m)
        d1, d2 = int(g["d1"]), int(g["d2"])
        year = int(g["y"]) if g.get("y") else _infer_year(month, d2, ref)
        if year is None:
            return None
        a, b = _safe_date(year, month, d1), _safe_date(year, month, d2)
        if a is None or b is None or a > b:
            return None
        return day_interval(a, last=b)
    if kind == "month":
        month = _mon(m)
        if g.get("y"):
            year = int(g["y"])
        elif ref is not None:
            year = ref.year if month <= ref.month else ref.year - 1
        else:
            return None
        return _month_interval(year, month)
    if ref is None:
        return None  # every remaining form is relative to the publication date
    if kind == "overnight_into":
        d = _weekday_on_or_before(ref, WEEKDAYS[g["wd"].lower()])
        return _hours(d - timedelta(days=1), 18, d, 9)
    if kind in ("wd_overnight", "night_of"):
        d = _weekday_on_or_before(ref, WEEKDAYS[g["wd"].lower()])
        if d == ref:  # "Thursday night" in a Thursday article may still be going on
            return _hours(d, 18, d, 24)
        return _hours(d, 18, d + timedelta(days=1), 9)
    if kind == "last_wd":
        return day_interval(_weekday_on_or_before(ref, WEEKDAYS[g["wd"].lower()], strictly=True))
    if kind == "wd_part":
        d = _weekday_on_or_before(ref, WEEKDAYS[g["wd"].lower()])
        part = g["part"].lower()
        if part == "overnight":
            return _hours(d, 18, d + timedelta(days=1), 9) if d < ref else _hours(d - timedelta(days=1), 18, d, 9)
        h0, h1 = _PART_HOURS[part]
        return _hours(d, h0, d, h1) if h1 <= 24 else _hours(d, h0, d + timedelta(days=1), h1 - 24)
    if kind == "wd":
        return day_interval(_weekday_on_or_before(ref, WEEKDAYS[g["wd"].lower()]))
    if kind == "wd_he":
        return day_interval(_weekday_on_or_before(ref, HE_WEEKDAYS[g["hewd"]]))
    if kind == "wd_ar":
        return day_interval(_weekday_on_or_before(ref, AR_WEEKDAYS[g["arwd"]]))
    if kind == "this_morning":
        return _hours(ref, 0, ref, 12)
    if kind == "past_hours":
        hours = g.get("h") or g.get("h2") or g.get("h3") or "24"
        days = int(hours) // 24
        return day_interval(ref - timedelta(days=days), last=ref)
    if kind == "past_days":
        n = _num(g.get("n"))
        days = n * (7 if g["unit"].lower().startswith("week") else 1)
        return day_interval(ref - timedelta(days=days), last=ref)
    if kind == "ago":
        n = _num(g.get("n"))
        if g["unit"].lower().startswith("week"):
            centre = ref - timedelta(days=7 * n)
            return day_interval(centre - timedelta(days=3), last=centre + timedelta(days=3))
        d = ref - timedelta(days=n)
        return day_interval(d) if n <= 2 else day_interval(d - timedelta(days=1), last=d + timedelta(days=1))
    if kind == "last_night":
        return _hours(ref - timedelta(days=1), 18, ref, 9)
    if kind == "two_days_ago":
        return day_interval(ref - timedelta(days=2))
    if kind == "yesterday":
        d = ref - timedelta(days=1)
        if g.get("part"):
            h0, h1 = _PART_HOURS[g["part"].lower()]
            return _hours(d, h0, d, h1)
        return day_interval(d)
    if kind == "this_part":
        h0, h1 = _PART_HOURS[g["part"].lower()]
        return _hours(ref, h0, ref, h1)
    if kind == "tonight":
        return _hours(ref, 17, ref, 24)
    if kind == "overnight":
        return _hours(ref - timedelta(days=1), 18, ref, 9)
    if kind == "today":
        return day_interval(ref)
    if kind == "weekend":
        sat = _weekday_on_or_before(ref, 5)
        return day_interval(sat, last=min(sat + timedelta(days=1), ref))
    if kind == "last_week":
        monday = ref - timedelta(days=ref.weekday())
        if m.group(0).lower().endswith("weekend"):
            sat = monday - timedelta(days=2)
            return day_interval(sat, last=sat + timedelta(days=1))
        return TimeInterval(
            start=_day_start(monday - timedelta(days=7)), end=_day_end(monday - timedelta(days=1)), precision="week"
        )
    if kind == "this_week":
        monday = ref - timedelta(days=ref.weekday())
        return TimeInterval(start=_day_start(monday), end=_day_end(ref), precision="week")
    if kind == "last_month":
        first = ref.replace(day=1) - timedelta(days=1)
        return _month_interval(first.year, first.month)
    if kind == "this_month":
        return TimeInterval(start=_day_start(ref.replace(day=1)), end=_day_end(ref), precision="month")
    raise AssertionError(f"unhandled time pattern {kind}")  # pragma: no cover - programming error


def find_times(text: str, published: datetime | date | str | None = None) -> list[TimeExpression]:
    """Every resolvable time expression in ``text``, in order, without overlaps.

    ``published`` anchors relative expressions; without it only expressions that carry
    their own year resolve (the others are skipped, never guessed).
    """
    pub = parse_published(published)
    ref = pub.date() if pub else None
    taken: list[tuple[int, int]] = []
    found: list[TimeExpression] = []
    low = text.lower()
    for kind, pattern in _PATTERNS:
        trigger = _TRIGGERS.get(kind)
        if trigger is not None and not trigger.search(low):
            continue  # the pattern's key word is absent: skip its (slower) full scan
        for m in pattern.finditer(text):
            s, e = m.span()
            if any(s < te and ts < e for ts, te in taken):
                continue
            if kind in ("month", "mdy", "dmy") and m.group("mon") == "may":
                continue  # "may" is also a verb: only the capitalised month counts
            interval = _resolve(kind, m, ref)
            taken.append((s, e))  # an unresolvable expression still blocks shorter re-readings of it
            if interval is None:
                continue
            found_kind = kind
            since = _SINCE.search(text[max(0, s - 50) : s]) or m.group(0).lower().startswith("since")
            if ref is not None and since and interval.start.date() <= ref:
                # "since the truce ended on Friday": from then up to the publication day
                interval = day_interval(interval.start.date(), last=ref)
                found_kind = "since"
            found.append(TimeExpression(text=m.group(0), start=s, end=e, interval=interval, kind=found_kind))
    found.sort(key=lambda t: t.start)
    return _join_ranges(text, found)


_RANGE_GAP = re.compile(r"^\s*(?:and|to|until|till|through|-|–)\s+(?:[\w:.]+\s+){0,3}?$", re.I)
_RANGE_OPEN = re.compile(r"\b(?:between|from)\b[^.;]{0,30}$", re.I)


def _join_ranges(text: str, found: list[TimeExpression]) -> list[TimeExpression]:
    """Join "between 12 March and 13 March" / "from Monday to Wednesday" into one interval."""
    out: list[TimeExpression] = []
    for t in found:
        prev = out[-1] if out else None
        if (
            prev is not None
            and _RANGE_GAP.match(text[prev.end : t.start])
            and _RANGE_OPEN.search(text[max(0, prev.start - 30) : prev.end])
            and prev.interval.start <= t.interval.end
        ):
            start, end = prev.interval.start, max(prev.interval.end, t.interval.end)
            days = (end.date() - start.date()).days + 1
            interval = TimeInterval(start=start, end=end, precision=_precision_for_days(days))
            out[-1] = TimeExpression(
                text=text[prev.start : t.end], start=prev.start, end=t.end, interval=interval, kind="range"
            )
            continue
        out.append(t)
    return out


def resolve_time(text: str, published: datetime | date | str | None = None) -> TimeInterval | None:
    """The event interval a sentence states: its first time expression, else ``None``."""
    times = find_times(text, published)
    return times[0].interval if times else None


#: Days told relative to the time just told ("the day before", "the following day", "on the
#: same day"), in English, Hebrew and Arabic, with their offset in days.
_RELATIVE_DAYS: list[tuple[int, re.Pattern[str]]] = [
    (
        -1,
        re.compile(
            r"\b(?:the|a) day (?:before|earlier)\b|\bthe previous (?:day|night)\b|\bthe night before\b|"
            r"יום (?:קודם|לפני כן)|ביום הקודם|في اليوم السابق|قبل ذلك بيوم",
            re.I,
        ),
    ),
    (
        1,
        re.compile(r"\bthe (?:following|next) day\b|\ba day later\b|\bthe day after\b|למחרת|في اليوم التالي", re.I),
    ),
    (0, re.compile(r"\b(?:on |earlier |later )?(?:the )?same day\b|באותו (?:ה)?יום|في (?:اليوم نفسه|نفس اليوم)", re.I)),
]

#: Spans told a few hours after or before the time just told ("hours later", "later that night",
#: "shortly before"): that day and the next (or the one before), since the hours may cross midnight.
_NEAR_TIMES: list[tuple[int, int, re.Pattern[str]]] = [
    # "earlier that day", "later that evening": the very day told
    (
        0,
        0,
        re.compile(
            r"\b(?:earlier|later) (?:that|the same) (?:day|morning|afternoon|evening)\b|"
            r"في وقت (?:سابق|لاحق) من (?:اليوم|اليوم نفسه|ذلك اليوم)|"
            r"(?:מוקדם|מאוחר) יותר באותו (?:ה)?יום",
            re.I,
        ),
    ),
    (
        0,
        1,
        re.compile(
            r"\b(?:(?:a few|several|two|three|some)\s+)?(?:hours|minutes)\s+later\b|\blater (?:that|the same) night\b|"
            r"\bshortly (?:after(?:wards)?|afterward)\b|\bsoon after(?:wards)?\b|"
            r"بعد (?:ذلك )?ب?(?:ساعات|ساعة|ساعتين|دقائق)|في وقت لاحق|لاحقا|"
            r"כעבור (?:כמה )?(?:שעות|שעה|דקות)|(?:שעות|שעה) (?:אחר כך|לאחר מכן)|מאוחר יותר|לאחר מכן",
            re.I,
        ),
    ),
    (
        -1,
        0,
        re.compile(
            r"\b(?:(?:a few|several|two|three|some)\s+)?(?:hours|minutes)\s+(?:earlier|before)\b|"
            r"\bearlier (?:that|the same) night\b|\bshortly before\b|"
            r"قبل (?:ذلك )?ب?(?:ساعات|ساعة|ساعتين)|(?:שעות|שעה) (?:קודם לכן|לפני כן)|קודם לכן",
            re.I,
        ),
    ),
]
_NEAR_HINT = re.compile(r"later|earlier|before|after|soon|ساع|لاحق|سابق|דקות|שעות|שעה|כך|מכן|כן|יותר", re.I)


def relative_day(
    clause: object, found: list[TimeExpression], context: TimeExpression | None, latest: datetime | None = None
) -> list[TimeExpression]:
    """A clause's times with "the day before" / "the following day" / "the same day" resolved
    against the time told just before (``context``), not against the publication date; a clause
    with no time of its own told "hours later" / "shortly before" / "في وقت لاحق" / "כעבור שעות"
    spans the context's day(s) and the next (or the one before), never past ``latest`` (the
    publication day).

    ``clause`` is anything with ``text`` and ``start`` (a sentence or clause); without a
    context time the clause's own times are returned unchanged.
    """
    text: str = getattr(clause, "text", "")
    if context is None:
        return found
    if not found and _NEAR_HINT.search(text):
        for before, after, pattern in _NEAR_TIMES:
            m = pattern.search(text)
            if m is None:
                continue
            start = getattr(clause, "start", 0) + m.start()
            first = context.interval.start.date() + timedelta(days=before)
            last = context.interval.end.date() + timedelta(days=after)
            if latest is not None:
                last = max(first, min(last, latest.date()))
            return [
                TimeExpression(
                    text=m.group(0),
                    start=start,
                    end=start + len(m.group(0)),
                    interval=day_interval(first, last=last),
                    kind="near",
                )
            ]
    if not any(w in text.lower() for w in ("day", "night", "יום", "למחרת", "اليوم", "بيوم")):
        return found
    for offset, pattern in _RELATIVE_DAYS:
        m = pattern.search(text)
        if m is None:
            continue
        start = getattr(clause, "start", 0) + m.start()
        anchor = context.interval.start
        if context.interval.end.date() > anchor.date() and context.interval.end.hour < 12 and anchor.hour >= 12:
            anchor = context.interval.end  # "overnight" told the night into a day: that day is the one meant
        day = anchor.date() + timedelta(days=offset)
        own = TimeExpression(
            text=m.group(0), start=start, end=start + len(m.group(0)), interval=day_interval(day), kind="relative"
        )
        return [own, *(t for t in found if not (t.start <= own.start < t.end or own.start <= t.start < own.end))]
    return found
