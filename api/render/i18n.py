"""The reader's language for map pages, embeds, popups and the orders list: English, Arabic, Hebrew.

``?lang=ar`` (or ``he``, ``en``) wins; otherwise the ``Accept-Language`` header is
negotiated with Babel; English is the fallback. Arabic and Hebrew pages are laid out
right to left. sitmap's own words come from :data:`MESSAGES` (written for sitmap);
dates and numbers are formatted with Babel in the reader's locale. What users wrote
(claimants, places, quotes, layer titles) is never translated: it is shown as written,
isolated from the surrounding text.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date
from functools import cache
from typing import Any

#: The languages sitmap's pages speak.
LANGS: tuple[str, ...] = ("en", "ar", "he")
#: Those written right to left.
RTL: frozenset[str] = frozenset({"ar", "he"})

#: sitmap's own words: English key -> Arabic and Hebrew. ``{n}``-style fields are filled in.
MESSAGES: dict[str, dict[str, str]] = {
    "Legend": {"ar": "دليل الخريطة", "he": "מקרא"},
    "Claims in view": {"ar": "الادعاءات المعروضة", "he": "טענות בתצוגה"},
    "{n} claims": {"ar": "{n} ادعاء", "he": "{n} טענות"},
    "{n} zones": {"ar": "{n} منطقة", "he": "{n} אזורים"},
    "all dates": {"ar": "كل التواريخ", "he": "כל התאריכים"},
    "Previous day with claims": {"ar": "اليوم السابق الذي فيه ادعاءات", "he": "היום הקודם שיש בו טענות"},
    "Next day with claims": {"ar": "اليوم التالي الذي فيه ادعاءات", "he": "היום הבא שיש בו טענות"},
    "Play": {"ar": "تشغيل", "he": "הפעלה"},
    "Pause": {"ar": "إيقاف مؤقت", "he": "השהיה"},
    "Claims per day": {"ar": "عدد الادعاءات في كل يوم", "he": "מספר הטענות בכל יום"},
    "Filters": {"ar": "عوامل التصفية", "he": "סינון"},
    "Event type": {"ar": "نوع الحدث", "he": "סוג האירוע"},
    "Claimant": {"ar": "صاحب الادعاء", "he": "בעל הטענה"},
    "Source": {"ar": "المصدر", "he": "מקור"},
    "Review": {"ar": "المراجعة", "he": "בדיקה"},
    "Status": {"ar": "الحالة", "he": "מצב"},
    "any": {"ar": "الكل", "he": "הכול"},
    "reviewed": {"ar": "تمت مراجعته", "he": "נבדק"},
    "machine": {"ar": "آلي", "he": "אוטומטי"},
    "corroborated": {"ar": "مؤكَّد من مصادر مستقلة", "he": "מאומת ממקורות בלתי תלויים"},
    "disputed": {"ar": "متنازع عليه", "he": "שנוי במחלוקת"},
    "reported": {"ar": "مُبلَّغ عنه", "he": "דווח"},
    "Clear filters": {"ar": "إزالة التصفية", "he": "ניקוי הסינון"},
    "filtered": {"ar": "مُصفّى", "he": "מסונן"},
    "Without a place (not drawn)": {"ar": "بلا مكان (غير مرسوم)", "he": "ללא מקום (לא מסומן)"},
    "No claims in view for this time.": {
        "ar": "لا ادعاءات في هذا العرض لهذا الوقت.",
        "he": "אין טענות בתצוגה בזמן הזה.",
    },
    "says": {"ar": "يقول", "he": "לדברי"},
    "Link to this claim": {"ar": "رابط هذا الادعاء", "he": "קישור לטענה זו"},
    "Full map": {"ar": "الخريطة الكاملة", "he": "המפה המלאה"},
    "Data": {"ar": "البيانات", "he": "הנתונים"},
    "as of": {"ar": "حتى", "he": "נכון ל־"},
    "Attribution": {"ar": "المصادر والحقوق", "he": "קרדיטים"},
    "Close": {"ar": "إغلاق", "he": "סגירה"},
    "Download this view": {"ar": "تنزيل هذا العرض", "he": "הורדת התצוגה"},
    "Embed this map": {"ar": "تضمين هذه الخريطة", "he": "הטמעת המפה"},
    "Orders in force on {day}": {"ar": "الأوامر السارية في {day}", "he": "צווים בתוקף ב־{day}"},
    "Known to be incomplete.": {"ar": "السجل ناقص.", "he": "ידוע שהרשומה חסרה."},
    "Evacuation orders": {"ar": "أوامر الإخلاء", "he": "צווי פינוי"},
    "Return allowed": {"ar": "السماح بالعودة", "he": "חזרה מותרת"},
    "Declared humanitarian zones": {"ar": "مناطق إنسانية معلنة", "he": "אזורים הומניטריים מוכרזים"},
    "previous day": {"ar": "اليوم السابق", "he": "היום הקודם"},
    "next day": {"ar": "اليوم التالي", "he": "היום הבא"},
    "Open the map": {"ar": "افتح الخريطة", "he": "פתיחת המפה"},
    "None recorded for this day.": {"ar": "لا شيء مسجّل لهذا اليوم.", "he": "לא נרשם דבר ליום זה."},
    "Language": {"ar": "اللغة", "he": "שפה"},
    "Date": {"ar": "التاريخ", "he": "תאריך"},
    "{n} without a place, not drawn": {"ar": "{n} بلا مكان، غير مرسوم", "he": "{n} ללא מקום, לא מסומנות"},
    "record incomplete: {n} known orders not drawn": {
        "ar": "السجل ناقص: {n} من الأوامر المعروفة غير مرسومة",
        "he": "הרשומה חסרה: {n} צווים ידועים אינם מסומנים",
    },
    "Show": {"ar": "عرض", "he": "הצגה"},
    "Blocks": {"ar": "المربعات", "he": "גושים"},
    "Area": {"ar": "المنطقة", "he": "אזור"},
    "In force": {"ar": "ساري", "he": "בתוקף"},
    "Who says": {"ar": "من يقول", "he": "מי אומר"},
    "{n} blocks under evacuation orders:": {"ar": "{n} مربعًا تحت أوامر الإخلاء:", "he": "{n} גושים תחת צווי פינוי:"},
    "Orders as issued and reported, in force at some time on this day (UTC). "
    "Block numbers refer to the numbered evacuation grid.": {
        "ar": "الأوامر كما صدرت ونُشرت، السارية في وقت ما من هذا اليوم (بالتوقيت العالمي). "
        "أرقام المربعات هي أرقام شبكة الإخلاء المرقّمة.",
        "he": "הצווים כפי שפורסמו ודווחו, בתוקף בשעה כלשהי ביום זה (UTC). מספרי הגושים הם לפי רשת הפינוי הממוספרת.",
    },
    "{n} orders issued on or before this day are known but not listed here, "
    "because the data does not say which area they covered:": {
        "ar": "{n} من الأوامر الصادرة في هذا اليوم أو قبله معروفة لكنها غير مدرجة هنا، "
        "لأن البيانات لا تذكر المنطقة التي شملتها:",
        "he": "ידוע על {n} צווים שניתנו ביום זה או לפניו ואינם מופיעים כאן, כי הנתונים אינם אומרים על איזה אזור חלו:",
    },
}


def pick_lang(requested: str | None, accept_language: str | None) -> str:
    """The page language: ``?lang=`` if sitmap speaks it, else the best ``Accept-Language`` match, else English."""
    if requested:
        code = requested.strip().lower().replace("_", "-").split("-")[0]
        if code in LANGS:
            return code
    if accept_language:
        from babel import Locale

        wanted = []
        for part in accept_language.split(",")[:20]:
            tag, _, q = part.strip().partition(";q=")
            try:
                weight = float(q) if q else 1.0
            except ValueError:
                weight = 0.0
            if tag and weight > 0:
                wanted.append((weight, tag.strip().replace("-", "_")))
        ordered = [t for _w, t in sorted(wanted, key=lambda x: -x[0])]
        best = Locale.negotiate(ordered, list(LANGS), sep="_") if ordered else None
        if best is not None and best.language in LANGS:
            return str(best.language)
    return "en"


@dataclass(frozen=True)
class Words:
    """sitmap's words and formats in one language (``t`` for text, ``day`` and ``number`` via Babel)."""

    lang: str

    @property
    def dir(self) -> str:
        """``rtl`` for Arabic and Hebrew, else ``ltr``."""
        return "rtl" if self.lang in RTL else "ltr"

    def t(self, key: str, **fields: Any) -> str:
        """The message ``key`` in this language (English when there is no translation), fields filled."""
        text = MESSAGES.get(key, {}).get(self.lang, key) if self.lang != "en" else key
        return text.format(**fields) if fields else text

    def day(self, d: date) -> str:
        """A day as readers of this language write it ("2 Dec 2023", "٢ ديسمبر ٢٠٢٣", "2 בדצמ׳ 2023")."""
        from babel.dates import format_date

        return str(format_date(d, format="d MMM y", locale=self.lang))

    def number(self, value: float) -> str:
        """A number with this language's digits and separators."""
        from babel.numbers import format_decimal

        return str(format_decimal(value, locale=self.lang))

    def js(self) -> dict[str, Any]:
        """What the map script needs: the language, direction, messages and Babel's month names and digits."""
        return _js_words(self.lang)


@cache
def _js_words(lang: str) -> dict[str, Any]:
    from babel import Locale
    from babel.numbers import get_decimal_symbol, get_group_symbol

    loc = Locale.parse(lang)
    months = loc.months["format"]["abbreviated"]
    zero = str(format_digits(0, lang))
    return {
        "lang": lang,
        "dir": "rtl" if lang in RTL else "ltr",
        "messages": {k: v[lang] for k, v in MESSAGES.items() if lang in v},
        "months": [str(months[i]) for i in range(1, 13)],
        "zero": zero,
        "decimal": str(get_decimal_symbol(lang)),
        "group": str(get_group_symbol(lang)),
    }


def format_digits(value: int, lang: str) -> str:
    """An integer in the locale's own digits (Arabic-Indic for Arabic where CLDR says so)."""
    from babel.numbers import format_decimal

    return str(format_decimal(value, locale=lang, group_separator=False))


def words(lang: str) -> Words:
    """:class:`Words` for ``lang`` (English for anything sitmap does not speak)."""
    return Words(lang if lang in LANGS else "en")
