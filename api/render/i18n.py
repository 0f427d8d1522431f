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
from datetime import date, datetime
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
    "{n} claims": {"ar": "عدد الادعاءات: {n}", "he": "טענות: {n}"},
    "{n} zones": {"ar": "عدد المناطق: {n}", "he": "אזורים: {n}"},
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
    "corroborated": {"ar": "مؤكَّد", "he": "מאומת"},
    "disputed": {"ar": "متنازع عليه", "he": "שנוי במחלוקת"},
    "reported": {"ar": "مُبلَّغ عنه", "he": "דווח"},
    "Clear filters": {"ar": "إزالة التصفية", "he": "ניקוי הסינון"},
    "filtered": {"ar": "مُصفّى", "he": "מסונן"},
    "Without a place (not drawn)": {"ar": "بلا مكان (غير مرسوم)", "he": "ללא מקום (לא מסומן)"},
    "No claims in view for this time.": {
        "ar": "لا ادعاءات في هذا العرض لهذا الوقت.",
        "he": "אין טענות בתצוגה בזמן הזה.",
    },
    "Link to this claim": {"ar": "رابط هذا الادعاء", "he": "קישור לטענה זו"},
    "Full map": {"ar": "الخريطة الكاملة", "he": "המפה המלאה"},
    "Data": {"ar": "البيانات", "he": "הנתונים"},
    "as of {when}": {"ar": "كما في {when}", "he": "נכון ל־{when}"},
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
    "{n} without a place, not drawn": {"ar": "بلا مكان وغير مرسومة: {n}", "he": "ללא מקום ולא מסומנות: {n}"},
    "record incomplete: 1 known order not drawn": {
        "ar": "السجل ناقص: أمر واحد معروف غير مرسوم",
        "he": "הרשומה חסרה: צו ידוע אחד אינו מסומן",
    },
    "record incomplete: {n} known orders not drawn": {
        "ar": "السجل ناقص: {n} من الأوامر المعروفة غير مرسومة",
        "he": "הרשומה חסרה: {n} צווים ידועים אינם מסומנים",
    },
    "Show": {"ar": "عرض", "he": "הצגה"},
    "Blocks": {"ar": "المربعات", "he": "גושים"},
    "Area": {"ar": "المنطقة", "he": "אזור"},
    "In force": {"ar": "مدة السريان", "he": "תקופת התוקף"},
    "Who says": {"ar": "من يقول", "he": "מי אומר"},
    "{n} blocks under evacuation orders:": {
        "ar": "المربعات الخاضعة لأوامر الإخلاء ({n}):",
        "he": "{n} גושים תחת צווי פינוי:",
    },
    "Orders as issued and reported, in force at some time on this day (UTC). "
    "Block numbers refer to the numbered evacuation grid.": {
        "ar": "الأوامر كما صدرت ونُشرت، السارية في وقت ما من هذا اليوم (بالتوقيت العالمي). "
        "أرقام المربعات هي أرقام شبكة الإخلاء المرقّمة.",
        "he": "הצווים כפי שפורסמו ודווחו, בתוקף בשעה כלשהי ביום זה (UTC). מספרי הגושים הם לפי רשת הפינוי הממוספרת.",
    },
    "1 order issued on or before this day is known but not listed here, "
    "because the data does not say which area it covered:": {
        "ar": "أمر واحد صادر في هذا اليوم أو قبله معروف لكنه غير مدرج هنا، لأن البيانات لا تذكر المنطقة التي شملها:",
        "he": "ידוע על צו אחד שניתן ביום זה או לפניו ואינו מופיע כאן, כי הנתונים אינם אומרים על איזה אזור חל:",
    },
    "{n} orders issued on or before this day are known but not listed here, "
    "because the data does not say which area they covered:": {
        "ar": "{n} من الأوامر الصادرة في هذا اليوم أو قبله معروفة لكنها غير مدرجة هنا، "
        "لأن البيانات لا تذكر المنطقة التي شملتها:",
        "he": "ידוע על {n} צווים שניתנו ביום זה או לפניו ואינם מופיעים כאן, כי הנתונים אינם אומרים על איזה אזור חלו:",
    },
    # event types and order types (layers.catalog palettes), claim states, placement methods (words.METHOD_WORDS)
    "Airstrike": {"ar": "غارة جوية", "he": "תקיפה אווירית"},
    "Shelling": {"ar": "قصف مدفعي", "he": "הפגזה"},
    "Ground operation": {"ar": "عملية برية", "he": "פעולה קרקעית"},
    "Rocket fire": {"ar": "إطلاق صواريخ", "he": "ירי רקטות"},
    "Shooting": {"ar": "إطلاق نار", "he": "ירי"},
    "Evacuation order": {"ar": "أمر إخلاء", "he": "צו פינוי"},
    "Humanitarian zone": {"ar": "منطقة إنسانية", "he": "אזור הומניטרי"},
    "Negotiation": {"ar": "مفاوضات", "he": "משא ומתן"},
    "Other": {"ar": "أخرى", "he": "אחר"},
    "Declared humanitarian zone": {"ar": "منطقة إنسانية معلنة", "he": "אזור הומניטרי מוכרז"},
    "retracted": {"ar": "مسحوب", "he": "נמשך בחזרה"},
    "placed at a named place from the gazetteer": {
        "ar": "حُدِّد في مكان مسمّى من المعجم الجغرافي",
        "he": "מוקם במקום בעל שם מתוך המילון הגאוגרפי",
    },
    "placed near a named place (widened for 'near', 'outskirts', ...)": {
        "ar": "حُدِّد قرب مكان مسمّى (وُسِّع لعبارات مثل «قرب» و«أطراف»)",
        "he": "מוקם ליד מקום בעל שם (הורחב בשל ביטויים כמו ״ליד״ ו״בפאתי״)",
    },
    "only the wider area (governorate or Strip) is known": {
        "ar": "المعروف هو المنطقة الأوسع فقط (المحافظة أو القطاع)",
        "he": "ידוע רק האזור הרחב (המחוז או הרצועה)",
    },
    "placed from the numbered evacuation blocks named": {
        "ar": "حُدِّد من أرقام مربعات الإخلاء المذكورة",
        "he": "מוקם לפי מספרי גושי הפינוי שצוינו",
    },
    "coordinates given by the source": {"ar": "إحداثيات قدّمها المصدر", "he": "קואורדינטות שמסר המקור"},
    "area drawn by the issuer": {"ar": "منطقة رسمتها الجهة المُصدِرة", "he": "אזור ששרטט הגורם שהוציא את הצו"},
    "placed by a reviewer": {"ar": "حدّده مراجِع", "he": "מוקם בידי בודק"},
    "place could not be determined": {"ar": "تعذّر تحديد المكان", "he": "לא ניתן היה לקבוע את המקום"},
    # the default layers' titles (layers.catalog.DEFAULT_LAYERS), translated only while they are unchanged
    "Strikes": {"ar": "الضربات", "he": "תקיפות"},
    "Ground operations": {"ar": "العمليات البرية", "he": "פעולות קרקעיות"},
    "Attacks": {"ar": "الهجمات", "he": "התקפות"},
    "Diplomacy": {"ar": "الدبلوماسية", "he": "דיפלומטיה"},
    "All claims": {"ar": "كل الادعاءات", "he": "כל הטענות"},
    "Incidents": {"ar": "الحوادث", "he": "אירועים"},
    # time and place in words (mirrors api/render/words.py)
    "time unknown": {"ar": "الوقت غير معروف", "he": "הזמן אינו ידוע"},
    "on {day}": {"ar": "في {day}", "he": "ב־{day}"},
    "between {a} and {b}": {"ar": "بين {a} و{b}", "he": "בין {a} ל־{b}"},
    "around {time} on {day} (UTC)": {
        "ar": "نحو الساعة {time} في {day} (بالتوقيت العالمي)",
        "he": "בסביבות {time} ב־{day} (UTC)",
    },
    "between {t0} on {d0} and {t1} on {d1} (UTC)": {
        "ar": "بين الساعة {t0} في {d0} والساعة {t1} في {d1} (بالتوقيت العالمي)",
        "he": "בין {t0} ב־{d0} ל־{t1} ב־{d1} (UTC)",
    },
    "in the week of {day}": {"ar": "في الأسبوع الذي يبدأ في {day}", "he": "בשבוע שמתחיל ב־{day}"},
    "sometime between {a} and {b}": {"ar": "في وقت ما بين {a} و{b}", "he": "בזמן כלשהו בין {a} ל־{b}"},
    "sometime in {when}": {"ar": "في وقت ما من {when}", "he": "בזמן כלשהו ב־{when}"},
    "± {n} m": {"ar": "± {n} م", "he": "± {n} מ׳"},
    "± {n} km": {"ar": "± {n} كم", "he": "± {n} ק״מ"},
    "{n} km²": {"ar": "{n} كم²", "he": "{n} קמ״ר"},
    "unnamed place": {"ar": "مكان غير مسمّى", "he": "מקום ללא שם"},
    # popups
    "When": {"ar": "الوقت", "he": "זמן"},
    "Where": {"ar": "المكان", "he": "מקום"},
    "How placed": {"ar": "طريقة تحديد المكان", "he": "אופן המיקום"},
    "Who": {"ar": "مَن", "he": "מי"},
    "{who} said so": {"ar": "بحسب {who}", "he": "לדברי {who}"},
    "{who} said:": {"ar": "بحسب {who}:", "he": "לדברי {who}:"},
    "{who} — says": {"ar": "بحسب {who}", "he": "לדברי {who}"},
    "An unnamed source": {"ar": "مصدر غير مسمّى", "he": "מקור שלא נמסר שמו"},
    "Loading source and quote…": {"ar": "جارٍ تحميل المصدر والاقتباس…", "he": "טוען את המקור והציטוט…"},
    "Checking other sources…": {"ar": "جارٍ البحث في مصادر أخرى…", "he": "בודק מקורות נוספים…"},
    "Sources": {"ar": "المصادر", "he": "מקורות"},
    "{n} independent ({status})": {"ar": "مصادر مستقلة: {n} ({status})", "he": "מקורות בלתי תלויים: {n} ({status})"},
    "1 (single source)": {"ar": "1 (مصدر واحد)", "he": "1 (מקור יחיד)"},
    "Other sources unavailable ({error})": {
        "ar": "تعذّر تحميل المصادر الأخرى ({error})",
        "he": "לא ניתן לטעון מקורות נוספים ({error})",
    },
    "Claims differ on: {list}": {"ar": "تختلف الادعاءات في: {list}", "he": "הטענות חלוקות בעניין: {list}"},
    "attribution": {"ar": "نسبة الادعاء", "he": "ייחוס הטענה"},
    "fatalities": {"ar": "عدد القتلى", "he": "מספר ההרוגים"},
    "time": {"ar": "الوقت", "he": "הזמן"},
    "status": {"ar": "الحالة", "he": "המצב"},
    "Killed (claimed)": {"ar": "القتلى (بحسب الادعاء)", "he": "הרוגים (לפי הטענה)"},
    "Killed (as claimed)": {"ar": "القتلى (بحسب الادعاء)", "he": "הרוגים (לפי הטענה)"},
    "Injured (as claimed)": {"ar": "الجرحى (بحسب الادعاء)", "he": "פצועים (לפי הטענה)"},
    "source": {"ar": "المصدر", "he": "המקור"},
    "report {id}": {"ar": "التقرير {id}", "he": "דיווח {id}"},
    "Published as": {"ar": "نُشر بصيغة", "he": "פורסם כ־"},
    "location coarsened to {place}": {"ar": "الموقع مُعمَّم إلى {place}", "he": "המיקום הוכלל ל־{place}"},
    "Checked": {"ar": "التدقيق", "he": "בדיקה"},
    "checked by an editor": {"ar": "دقّقه محرِّر", "he": "נבדק בידי עורך"},
    "machine reading, not yet checked": {"ar": "قراءة آلية لم تُدقَّق بعد", "he": "קריאה ממוחשבת שטרם נבדקה"},
    "disputed: another account in the reports contradicts this one": {
        "ar": "متنازع عليه: رواية أخرى في التقارير تناقض هذه الرواية",
        "he": "שנוי במחלוקת: גרסה אחרת בדיווחים סותרת גרסה זו",
    },
    "How it was read": {"ar": "كيف قُرئ", "he": "כיצד נקרא"},
    "Recorded": {"ar": "التسجيل", "he": "נרשם"},
    "{time} UTC, version {v}, {review} review": {
        "ar": "{time} بالتوقيت العالمي، النسخة {v}، المراجعة: {review}",
        "he": "{time} UTC, גרסה {v}, בדיקה: {review}",
    },
    "Details unavailable ({error})": {"ar": "التفاصيل غير متاحة ({error})", "he": "הפרטים אינם זמינים ({error})"},
    "{n} claims here": {"ar": "عدد الادعاءات هنا: {n}", "he": "טענות במקום זה: {n}"},
    "{n} claims here, on {d} different days": {
        "ar": "عدد الادعاءات هنا: {n}، في أيام مختلفة عددها {d}",
        "he": "טענות במקום זה: {n}, ב־{d} ימים שונים",
    },
    "{n} claims here: zoom in to see them": {
        "ar": "عدد الادعاءات هنا: {n}؛ كبّر الخريطة لرؤيتها",
        "he": "טענות במקום זה: {n}; יש להגדיל את התצוגה כדי לראותן",
    },
    "{n} more in clusters: zoom in": {
        "ar": "{n} أخرى ضمن مجموعات: كبّر الخريطة",
        "he": "עוד {n} באשכולות: יש להגדיל את התצוגה",
    },
    "(+{n} more)": {"ar": "(و{n} أخرى)", "he": "(ועוד {n})"},
    "Order": {"ar": "الأمر", "he": "הצו"},
    "Issued": {"ar": "تاريخ الإصدار", "he": "הוצא"},
    "in force": {"ar": "ساري", "he": "בתוקף"},
    "lifted": {"ar": "مرفوع", "he": "בוטל"},
    "not lifted": {"ar": "لم يُرفع", "he": "לא בוטל"},
    "{who} ordered this": {"ar": "صادر عن {who}", "he": "הוצא בידי {who}"},
    "unknown issuer": {"ar": "جهة غير معروفة", "he": "גורם לא ידוע"},
    "Approximate": {"ar": "تقريبي", "he": "משוער"},
    "(parent block used)": {"ar": "(استُخدم المربع الأكبر)", "he": "(נעשה שימוש בגוש האב)"},
    "(stated {n} km²)": {"ar": "(المساحة المعلنة {n} كم²)", "he": "(השטח המוצהר {n} קמ״ר)"},
    "Flags": {"ar": "تنبيهات", "he": "סימונים"},
    "approx_blocks": {"ar": "مربعات تقريبية", "he": "גושים משוערים"},
    "unknown_blocks": {"ar": "مربعات غير معروفة", "he": "גושים לא ידועים"},
    "block_drawn_mismatch": {"ar": "المربعات لا تطابق المنطقة المرسومة", "he": "הגושים אינם תואמים לאזור המשורטט"},
    "stated_area_mismatch": {"ar": "المساحة المعلنة لا تطابق", "he": "השטח המוצהר אינו תואם"},
    "area_upper_bound": {"ar": "المساحة حدّ أعلى", "he": "השטח הוא גבול עליון"},
    "repaired": {"ar": "شكل هندسي مُصحَّح", "he": "צורה שתוקנה"},
    # legend, layer control, status line, time bar
    "corroborated: 2+ independent sources": {
        "ar": "مؤكَّد: مصدران مستقلان أو أكثر",
        "he": "מאומת: שני מקורות בלתי תלויים או יותר",
    },
    "disputed: claimants contradict each other": {
        "ar": "متنازع عليه: أصحاب الادعاءات يناقض بعضهم بعضًا",
        "he": "שנוי במחלוקת: בעלי הטענות סותרים זה את זה",
    },
    "time known only to a week or month": {
        "ar": "الوقت معروف بدقة أسبوع أو شهر فقط",
        "he": "הזמן ידוע רק ברמת שבוע או חודש",
    },
    "shaded circle or area: where it may have happened (paler = vaguer)": {
        "ar": "دائرة أو منطقة مظلّلة: حيث ربما وقع (الأفتح أقل دقة)",
        "he": "עיגול או אזור מוצלל: היכן ייתכן שהתרחש (בהיר יותר = פחות מדויק)",
    },
    "{label} (dashed: lifted)": {"ar": "{label} (الخط المتقطع: مرفوع)", "he": "{label} (קו מקווקו: בוטל)"},
    "Every feature is a claim: who says so is in its popup.": {
        "ar": "كل ما على الخريطة ادعاء: صاحبه مذكور في نافذته.",
        "he": "כל פריט במפה הוא טענה: מי טוען אותה מופיע בחלונית שלו.",
    },
    "{title}: only claims checked by an editor": {
        "ar": "{title}: الادعاءات التي دقّقها محرِّر فقط",
        "he": "{title}: רק טענות שנבדקו בידי עורך",
    },
    "Boundaries": {"ar": "الحدود", "he": "גבולות"},
    "(claims)": {"ar": "(ادعاءات)", "he": "(טענות)"},
    "(zones)": {"ar": "(مناطق)", "he": "(אזורים)"},
    "Basemap": {"ar": "الخريطة الأساسية", "he": "מפת רקע"},
    "Loading…": {"ar": "جارٍ التحميل…", "he": "טוען…"},
    "as known {when}": {"ar": "بحسب ما كان معروفًا {when}", "he": "כפי שהיה ידוע {when}"},
    "Could not load {what}: {error}": {"ar": "تعذّر تحميل {what}: {error}", "he": "לא ניתן לטעון את {what}: {error}"},
    "Newer reports exist: open the current map": {
        "ar": "توجد تقارير أحدث: افتح الخريطة الحالية",
        "he": "קיימים דיווחים חדשים יותר: פתיחת המפה העדכנית",
    },
    "Previous day": {"ar": "اليوم السابق", "he": "היום הקודם"},
    "Next day": {"ar": "اليوم التالي", "he": "היום הבא"},
    "Day shown": {"ar": "اليوم المعروض", "he": "היום המוצג"},
    "{n} days with claims, {a} – {b}": {
        "ar": "أيام فيها ادعاءات: {n}، من {a} إلى {b}",
        "he": "ימים שיש בהם טענות: {n}, מ־{a} עד {b}",
    },
    "{n} more: zoom in or filter to list them": {
        "ar": "{n} أخرى: كبّر الخريطة أو صفِّ النتائج لعرضها",
        "he": "עוד {n}: יש להגדיל את התצוגה או לסנן כדי לראותן",
    },
    "not placed: it cannot be drawn": {"ar": "بلا مكان: لا يمكن رسمه", "he": "ללא מיקום: אי אפשר לסמן אותו"},
    "Order type": {"ar": "نوع الأمر", "he": "סוג הצו"},
    "Zoom in": {"ar": "تكبير", "he": "הגדלת התצוגה"},
    "Zoom out": {"ar": "تصغير", "he": "הקטנת התצוגה"},
    # the page around the map (templates header.html, panel.html) and the orders list
    "Every feature is a claim: shaded areas show how unsure its place is, and popups say who claims it.": {
        "ar": "كل ما على الخريطة ادعاء: تُظهر المناطق المظلّلة مدى عدم اليقين في مكانه، وتذكر النوافذ صاحب الادعاء.",
        "he": "כל פריט במפה הוא טענה: האזורים המוצללים מראים עד כמה מיקומו אינו ודאי, והחלוניות מציינות מי טוען אותה.",
    },
    "Shows what was known on {when}.": {"ar": "تعرض ما كان معروفًا في {when}.", "he": "מציגה את מה שהיה ידוע ב־{when}."},
    "Static map: {title}": {"ar": "خريطة ثابتة: {title}", "he": "מפה סטטית: {title}"},
    "Static image (PNG)": {"ar": "صورة ثابتة (PNG)", "he": "תמונה סטטית (PNG)"},
    "Layers": {"ar": "الطبقات", "he": "שכבות"},
    "The snippet pins the map to what is known now ({as_of}), so your article keeps showing what it showed "
    "when published.": {
        "ar": "تثبّت الشيفرة الخريطة على ما هو معروف الآن ({as_of})، فيبقى مقالك يعرض ما عرضه عند نشره.",
        "he": "הקוד מקבע את המפה למה שידוע כעת ({as_of}), כך שהכתבה תמשיך להציג את מה שהציגה בעת פרסומה.",
    },
    "iframe snippet": {"ar": "شيفرة التضمين (iframe)", "he": "קוד הטמעה (iframe)"},
    "Copy snippet (pinned to now)": {"ar": "نسخ الشيفرة (مثبّتة على الآن)", "he": "העתקת הקוד (מקובע לעכשיו)"},
    "copied": {"ar": "تم النسخ", "he": "הועתק"},
    "Low bandwidth": {"ar": "اتصال ضعيف", "he": "חיבור איטי"},
    "Evacuation orders in force, as a plain list": {
        "ar": "أوامر الإخلاء السارية، في قائمة بسيطة",
        "he": "צווי הפינוי שבתוקף, כרשימה פשוטה",
    },
    "Claims are shown as reported by their claimants and sources, not as verified facts.": {
        "ar": "تُعرض الادعاءات كما أبلغ عنها أصحابها ومصادرها، لا بوصفها حقائق مؤكدة.",
        "he": "הטענות מוצגות כפי שדווחו בידי בעליהן ומקורותיהן, ולא כעובדות מאומתות.",
    },
    "since {day}": {"ar": "منذ {day}", "he": "מאז {day}"},
    "The last day in the record:": {"ar": "آخر يوم في السجل:", "he": "היום האחרון ברשומה:"},
    "no order was issued or lifted after it, and orders stay in force until they are lifted.": {
        "ar": "لم يُسجَّل بعده إصدار أي أمر أو رفعه، وتبقى الأوامر سارية حتى تُرفع.",
        "he": "לא נרשם אחריו צו שהוצא או בוטל, וצווים נשארים בתוקף עד שהם מבוטלים.",
    },
    "lifted {day}": {"ar": "رُفع في {day}", "he": "בוטל ב־{day}"},
    "issued {day}": {"ar": "صدر في {day}", "he": "ניתן ב־{day}"},
    ", via": {"ar": "، نقلًا عن", "he": ", לפי"},
    ",": {"ar": "،", "he": ","},
    "(an area, no block numbers)": {"ar": "(منطقة بلا أرقام مربعات)", "he": "(אזור ללא מספרי גושים)"},
    "approximate:": {"ar": "تقريبي:", "he": "משוער:"},
    "As known on {when}.": {"ar": "بحسب ما كان معروفًا في {when}.", "he": "כפי שהיה ידוע ב־{when}."},
    "sitmap: every order is shown as its issuer stated it.": {
        "ar": "sitmap: يُعرض كل أمر كما أعلنته الجهة التي أصدرته.",
        "he": "sitmap: כל צו מוצג כפי שניסח אותו הגורם שהוציא אותו.",
    },
    "Order types": {"ar": "أنواع الأوامر", "he": "סוגי הצווים"},
}


#: The default layers' descriptions (by layer id; the English is ``layers.catalog.DEFAULT_LAYERS``'),
#: used only while a layer's description is the default one.
LAYER_DESCRIPTIONS: dict[str, dict[str, str]] = {
    "strikes": {
        "ar": "الغارات الجوية والقصف المُبلَّغ عنها، كلٌّ كما ادّعاه صاحبه، مع عدم اليقين في المكان والوقت.",
        "he": "תקיפות אוויריות והפגזות שדווחו, כל אחת כפי שטען בעל הטענה, עם אי־הוודאות במיקום ובזמן.",
    },
    "ground-operations": {
        "ar": "العمليات البرية المُبلَّغ عنها: توغلات ومداهمات واشتباكات، كما ادُّعيت.",
        "he": "פעולות קרקעיות שדווחו: חדירות, פשיטות ועימותים, כפי שנטען.",
    },
    "rocket-fire": {
        "ar": "عمليات إطلاق الصواريخ وقذائف الهاون وسقوطها المُبلَّغ عنها، كما ادُّعيت.",
        "he": "שיגורי רקטות ופצמ״רים ונפילותיהם שדווחו, כפי שנטען.",
    },
    "attacks": {
        "ar": "حوادث إطلاق النار وغيرها من الاعتداءات على الأشخاص المُبلَّغ عنها، كما ادُّعيت.",
        "he": "אירועי ירי והתקפות אחרות על בני אדם שדווחו, כפי שנטען.",
    },
    "evacuation-orders": {
        "ar": "المناطق الخاضعة لأوامر الإخلاء، والعودة المسموح بها، والمناطق الإنسانية المعلنة، مع المربعات التي "
        "سمّاها كل أمر وموعد سريانه أو رفعه.",
        "he": "אזורים תחת צווי פינוי, היתרי חזרה ואזורים הומניטריים מוכרזים, עם הגושים שכל צו ציין ומועד כניסתו "
        "לתוקף או ביטולו.",
    },
    "diplomacy": {
        "ar": "المفاوضات والمحادثات والوفود المُبلَّغ عنها، كما ادُّعيت.",
        "he": "משאים ומתנים, שיחות ומשלחות שדווחו, כפי שנטען.",
    },
    "all": {
        "ar": "كل الادعاءات من كل الأنواع، كلٌّ منسوب إلى صاحبه ومصدره.",
        "he": "כל הטענות מכל הסוגים, כל אחת מיוחסת לבעל הטענה ולמקור.",
    },
    "incidents": {
        "ar": "الادعاءات المتعلقة بالحدث نفسه مجمّعة في حوادث: كل مصدر وكل صاحب ادعاء مذكور، والمصادر المستقلة "
        "معدودة، والحادث مؤكَّد فقط حين يتفق صاحبا ادعاء مستقلان، ومتنازع عليه حين يتناقضان.",
        "he": "טענות על אותו אירוע מקובצות לאירועים: כל מקור וכל בעל טענה מפורטים, המקורות הבלתי תלויים נספרים, "
        "אירוע מאומת רק כששני בעלי טענה בלתי תלויים מסכימים, ושנוי במחלוקת כשהם סותרים זה את זה.",
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

    def instant(self, t: datetime) -> str:
        """A UTC instant to the minute: the day as :meth:`day` writes it, then ``HH:MM UTC``."""
        return f"{self.day(t.date())} {t:%H:%M} UTC"

    def place(self, name: str) -> str:
        """A place name in this language's script where the gazetteer has it, else as given."""
        return place_names(self.lang).get(name, name) if self.lang != "en" else name

    def js(self) -> dict[str, Any]:
        """What the map script needs: the language, direction, messages and Babel's month names and digits."""
        return _js_words(self.lang)


def default_layer_text(layer_id: str, text: str, field: str = "title") -> bool:
    """True when ``text`` is the default layer's own ``title`` (or ``description``): sitmap's words, translatable.

    A layer an editor renamed keeps its name as written.
    """
    from layers.catalog import DEFAULT_LAYERS

    return any(lay.id == layer_id and getattr(lay, field) == text for lay in DEFAULT_LAYERS)


@cache
def place_names(lang: str) -> dict[str, str]:
    """English place name -> its name in ``lang``'s script, where sitmap's gazetteer has one.

    From the curated aliases (a place's name maps to its first alias in the script of
    ``lang``; a governorate's COD-AB name too) and the basemap labels (places of the Strip
    with the gazetteer's Arabic and Hebrew names), which win over the curated names.
    """
    if lang not in RTL:
        return {}
    import csv

    from api.render.basemap import BASEMAP_DIR, basemap_geojson
    from geo.boundaries import admin_areas

    adm2 = {a.pcode: a.name for a in admin_areas("adm2")}
    out: dict[str, str] = {}
    governorates: dict[str, str] = {}
    with (BASEMAP_DIR.parent / "gazetteer" / "aliases.csv").open(encoding="utf-8", newline="") as fh:
        for row in csv.DictReader(fh):
            aliases = [a.strip() for a in (row.get("aliases") or "").split("|") if a.strip()]
            local = next((a for a in aliases if _script_of(a) == lang), None)
            if local:
                out[row["name"]] = local
                if row.get("kind") == "admin2" and row.get("pcodes") in adm2:
                    governorates[adm2[row["pcodes"]]] = local
    for feat in basemap_geojson().get("features", []):
        p = feat.get("properties") or {}
        if p.get("kind") == "label" and p.get("name") and p.get(f"name_{lang}"):
            out[p["name"]] = p[f"name_{lang}"]
    for name, local in governorates.items():  # the governorate as COD-AB names it ("North Gaza"), unless a city
        out.setdefault(name, local)
    return out


def _script_of(text: str) -> str | None:
    if any("\u0590" <= c <= "\u05ff" for c in text):
        return "he"
    if any("\u0600" <= c <= "\u06ff" for c in text):
        return "ar"
    return None


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
        "places": place_names(lang),
    }


def format_digits(value: int, lang: str) -> str:
    """An integer in the locale's own digits (Arabic-Indic for Arabic where CLDR says so)."""
    from babel.numbers import format_decimal

    return str(format_decimal(value, locale=lang, group_separator=False))


def words(lang: str) -> Words:
    """:class:`Words` for ``lang`` (English for anything sitmap does not speak)."""
    return Words(lang if lang in LANGS else "en")
