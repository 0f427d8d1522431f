"""Who tells a sentence: attributions ("the IDF said", "according to the health ministry",
"a statement from UNRWA") normalised to canonical claimant names, keeping the words used,
and the body that issues an order ("the army told residents to leave").
"""

from __future__ import annotations

import re
from dataclasses import dataclass
from functools import lru_cache

from geo.prefilter import hinted


@dataclass(frozen=True)
class ClaimantMatch:
    """An attribution in a sentence: the canonical claimant and the words used for it."""

    name: str
    text: str
    start: int
    end: int
    #: the tellers of a joint attribution ("the Red Crescent and medics said"), each a claimant of its own
    joint: tuple[str, ...] = ()


def _foreign_ministry(state: str, demonym: str) -> str:
    """ "Qatar's foreign ministry", "the Qatari Ministry of Foreign Affairs", "the foreign ministry
    in Qatar": one claimant, named after the state (as "Gaza health ministry" is)."""
    body = r"(?:[Ff]oreign [Mm]inistry|[Mm]inistry of [Ff]oreign [Aa]ffairs)"
    return rf"(?:the\s+)?(?:{state}(?:'s)?|{demonym})\s+{body}|(?:the\s+)?{body}\s+(?:of|in)\s+{state}"


#: Canonical claimant names and the patterns that name them (checked in this order).
CLAIMANTS: list[tuple[str, str]] = [
    (
        "Israeli military",
        r"(?:the\s+)?(?:IDF|I\.D\.F\.|Israel Defen[cs]e Forces|Israeli (?:military|army|forces|air force|"
        r"navy|troops|defen[cs]e forces|commanders?|officers?|generals?)|Israel's (?:military|army)|"
        r"(?:Israeli\s+)?military spokes(?:man|woman|person)|"
        r"army spokes(?:man|woman|person)|(?:Avichay\s+)?Adraee|(?:أفيخاي\s+)?أدرعي|(?:אביחי\s+)?אדרעי|"
        r"army spokes(?:man|woman|person)|(?:the\s+)?(?:Israeli\s+)?(?:military|army)'s\s+(?:[\w-]+\s+){0,2}?"
        r"spokes(?:man|woman|person)|(?:the\s+)?(?:army|military)(?=\s+(?:said|says|told|stated|added|reported|"
        r"announced|confirmed|claimed|wrote|denied|dismissed|rejected)|\s*\Z))|الجيش الإسرائيلي|جيش الاحتلال|"
        r"(?:דובר\s+)?צה[\"״']?ל|צבא ההגנה לישראל|דובר הצבא|הצבא(?!\s+ה?(?:לבנוני|סורי|מצרי|ירדני|האיראני))",
    ),
    ("COGAT", r"COGAT|Coordinator of Government Activities in the Territories"),
    ("Home Front Command", r"(?:the\s+)?(?:IDF\s+|Israeli\s+|Israel's\s+)?Home Front Command|פיקוד העורף"),
    (
        "Israel Fire and Rescue Services",
        r"(?:Israel's\s+|the\s+|Israeli\s+)?(?:[Ff]ire and [Rr]escue [Ss]ervices?|[Ff]ire (?:service|brigade)s?|"
        r"[Ff]irefighters)|כבאות והצלה|לוחמי האש",
    ),
    ("Israeli police", r"(?:the\s+)?(?:Israeli\s+)?[Pp]olice|המשטרה|משטרת ישראל|דוברות המשטרה|الشرطة الإسرائيلية"),
    ("Magen David Adom", r"Magen David Adom|MDA(?:\s+paramedics)?|מגן דוד אדום|מד[\"״']?א"),
    (
        "Israeli Prime Minister's Office",
        r"(?:Israel's\s+|the\s+Israeli\s+|the\s+)?Prime Minister'?s Office|Netanyahu'?s office",
    ),
    (
        "Gaza health ministry",
        r"(?:the\s+)?(?:Gaza(?:'s)?|Hamas-run(?:\s+Gaza)?)\s+(?:health ministry|Health Ministry|ministry of health|"
        r"Ministry of Health)|(?:the\s+)?(?:Palestinian\s+)?(?:health ministry|Health Ministry|Ministry of Health)"
        r"(?:\s+(?:sources|officials|spokes(?:man|woman|person)))?\s+in\s+Gaza|وزارة الصحة(?:\s+في\s+غزة)?|"
        r"(?:the\s+)?(?:Gaza(?:'s)?|Palestinian)\s+health\s+(?:officials|authorities)|"
        r"[Hh]ealth (?:officials|authorities) in Gaza|משרד הבריאות (?:ב|של )?עזה",
    ),
    (
        "Palestinian health ministry",
        r"(?:the\s+)?(?:Palestinian|Ramallah-based)\s+(?:health ministry|Health Ministry|Ministry of Health)|"
        r"(?:the\s+)?(?:health ministry|Health Ministry|Ministry of Health)\s+in\s+Ramallah",
    ),
    (
        "Lebanese health ministry",
        r"(?:the\s+)?(?:Lebanese|Lebanon's)\s+(?:[Hh]ealth [Mm]inistry|[Mm]inistry of (?:[Pp]ublic )?[Hh]ealth)|"
        r"(?:the\s+)?(?:[Hh]ealth [Mm]inistry|[Mm]inistry of (?:[Pp]ublic )?[Hh]ealth)\s+in\s+(?:Lebanon|Beirut)|"
        # "وزارة الصحة العامة" (the Ministry of Public Health) is Lebanon's name for its ministry; "التابع
        # لوزارة ...": the ministry's own centre tells for it
        r"[لب]?وزارة الصحة العامة(?: اللبنانية)?|وزارة الصحة اللبنانية|משרד הבריאות הלבנוני",
    ),
    ("Gaza health ministry", r"(?:[Tt]he\s+)?(?i:health ministry|ministry of health)"),
    (
        "Gaza civil defence",
        r"(?:Gaza(?:'s)?\s+|the\s+|Palestinian\s+)?[Cc]ivil [Dd]efen[cs]e(?:\s+agency|\s+service)?|الدفاع المدني",
    ),
    (
        "Gaza government media office",
        r"(?:the\s+)?(?:Gaza\s+|Hamas-run\s+)?government media office|المكتب الإعلامي الحكومي(?:\s+(?:في|ب)\s*غزة)?|"
        r"משרד התקשורת הממשלתי(?: (?:ב|של )?עזה)?",
    ),
    (
        "Palestinian Prisoners' Society",
        r"(?:the\s+)?Palestinian Prisoners'? (?:Society|Club)|(?:the\s+)?Prisoners'? (?:Society|Club)|"
        r"نادي الأسير(?: الفلسطيني)?|מועדון האסיר(?: הפלסטיני)?",
    ),
    ("Lebanese army", r"(?:the\s+)?Lebanese (?:army|Armed Forces)|الجيش اللبناني|ה?צבא הלבנוני"),
    (
        "National News Agency",
        r"(?:Lebanon's\s+|the\s+)?(?:(?:state-run|official)\s+)?National News Agency|NNA|الوكالة الوطنية للإعلام|"
        r"(?:the\s+)?(?:Lebanese|Lebanon's)\s+(?:state|official)\s+(?:media|news\s+agency)|"
        r"סוכנות הידיעות (?:הלבנונית|הממלכתית בלבנון)(?: הרשמית)?",
    ),
    (
        "Palestinian media",
        r"(?:the\s+)?Palestinian (?:media|news (?:agencies|outlets|sites))(?:\s+reports)?|"
        r"(?:ה)?דיווחים? (?:ב)?(?:תקשורת )?ה?פלסטיני(?:ים|ת)?|(?:ה)?תקשורת הפלסטינית|وسائل (?:ال)?إعلام فلسطينية",
    ),
    (
        "Palestinian security sources",
        r"(?:the\s+)?Palestinian security (?:sources|officials)|مصادر أمنية فلسطينية|גורמי ביטחון פלסטינים",
    ),
    (
        "Hamas",
        r"(?:the\s+)?(?:Hamas(?:'s)?(?:\s+(?:armed wing|official|spokes(?:man|person)|leader|political bureau|"
        r"officials|movement))?|(?:(?:Izz|Ezz)(?:\s+|-)?(?:ad|al|el|e)?-?[Dd]in(?:e)?\s+)?"
        r"(?:al-|Al-|el-)?Qassam Brigades|"
        r"Ezzedd?ine al-Qassam Brigades|Islamic Resistance Movement)|حركة حماس|حماس|حركة المقاومة الإسلامية|"
        r"كتائب (?:الشهيد )?(?:عز الدين )?القسام|القسام|חמאס|(?:ה)?זרוע הצבאית של חמאס|"
        r"גדודי (?:עז א-דין )?אל-קסאם|(?:ה)?גדודי (?:עז א-דין )?אל[- ]?קאסם",
    ),
    (
        "Palestinian Islamic Jihad",
        r"(?:the\s+)?(?:Palestinian\s+)?Islamic Jihad(?:'s)?"
        r"(?:\s+(?:armed wing|movement|official|spokes(?:man|person)))?|"
        r"(?:the\s+)?(?:al-|Al-)?Quds Brigades?|(?:the\s+)?Saraya (?:al-|Al-)?Quds|PIJ|"
        r"(?:حركة\s+)?الجهاد الإسلامي|سرايا القدس|"
        r"(?:ה)?ג'יהאד (?:ה)?אסלאמי(?: הפלסטיני)?|סראיא אל[- ]?קודס|(?:ה)?גדודי אל[- ]?קודס",
    ),
    (
        "Hezbollah",
        # "the Islamic Resistance" is Hezbollah's name for its fighters; "Islamic Resistance Movement" is Hamas,
        # "the Islamic Resistance in Iraq" other militias
        r"Hezbollah|Hizbullah|Hizbollah|(?:the\s+)?Islamic Resistance(?:\s+in\s+Lebanon)?(?!\s+(?:Movement|in\s+Iraq))|"
        r"حزب الله|(?<!حركة )المقاومة الإسلامية(?: في لبنان)?(?! في العراق)|חיזבאללה|חזבאללה|"
        r"(?:ה)?התנגדות (?:ה)?אסלאמית(?: בלבנון)?",
    ),
    ("Houthis", r"(?:the\s+)?Houthis?|Ansar Allah|(?:ال)?حوثيون|(?:ال)?حوثيين|جماعة الحوثي|أنصار الله|(?:ה)?חות'?ים"),
    (
        "UNRWA",
        r"UNRWA|UN agency for Palestinian refugees|(?:وكالة\s+)?الأونروا|"
        r"وكالة (?:الأمم المتحدة لإغاثة|غوث) (?:وتشغيل )?اللاجئين(?: الفلسطينيين)?|אונר[\"״']?א",
    ),
    (
        "UN OCHA",
        r"OCHA|(?:the\s+)?(?:UN|United Nations)\s+(?:humanitarian\s+office|Office for the Coordination of "
        r"Humanitarian Affairs)|משרד האו[\"״]ם לתיאום עניינים הומניטריים|אוצ'ה|"
        r"مكتب الأمم المتحدة لتنسيق الشؤون الإنسانية|(?:مكتب\s+)?أوتشا",
    ),
    ("WHO", r"(?:the\s+)?(?:WHO|World Health Organi[sz]ation)"),
    ("UNICEF", r"UNICEF"),
    ("World Food Programme", r"(?:the\s+)?(?:WFP|World Food Programme)"),
    (
        "Palestinian Red Crescent",
        r"(?:the\s+)?(?:Palestinian\s+)?Red Crescent(?:\s+Society)?|PRCS|(?:جمعية\s+)?الهلال الأحمر(?: الفلسطيني)?|"
        r"(?:אגודת\s+)?ה?סהר האדום(?: הפלסטיני)?",
    ),
    ("ICRC", r"(?:the\s+)?(?:ICRC|International Committee of the Red Cross|Red Cross)"),
    (
        "WAFA",
        r"(?:the\s+)?(?:WAFA|Wafa)(?:\s+news agency)?|(?:the\s+)?official Palestinian news agency|وكالة وفا|وفا|"
        r"וואפא|ופ[\"״]א|(?:ה)?סוכנות (?:ה)?ידיעות (?:ה)?פלסטינית(?: (?:ה)?רשמית)?(?: וואפא)?",
    ),
    (
        "Colonisation and Wall Resistance Commission",
        r"(?:the\s+)?(?:Palestinian Authority['’]s\s+)?Coloni[sz]ation (?:and|&) Wall Resistance Commission|"
        r"(?:the\s+)?(?:Wall and Settlement|Settlement and Wall) Resistance Commission|"
        r"هيئة مقاومة الجدار والاستيطان|ועדת ההתנגדות לגדר ולהתנחלויות",
    ),
    (
        "Palestinian security forces",
        r"(?:the\s+)?(?:Palestinian(?: Authority)?|PA) security forces|"
        r"(?:الناطق باسم\s+)?(?:ال)?أجهزة الأمنية الفلسطينية|قوى الأمن الفلسطينية|"
        r"(?:ה)?מנגנוני הביטחון הפלסטיניים|כוחות הביטחון הפלסטיניים",
    ),
    ("Palestinian Authority", r"(?:the\s+)?Palestinian Authority"),
    # rights groups and aid agencies that document and report, named in three languages
    ("B'Tselem", r"B['’]?[Tt]selem|بتسيلم|בצלם"),
    ("Yesh Din", r"Yesh Din|يش دين|יש דין"),
    ("Al-Haq", r"Al-Haq|مؤسسة الحق|אל-חק"),
    ("PCHR", r"PCHR|(?:the\s+)?Palestinian Cent(?:re|er) for Human Rights|المركز الفلسطيني لحقوق الإنسان"),
    (
        "MSF",
        r"MSF|M[ée]decins [Ss]ans [Ff]ronti[èe]res|Doctors Without Borders|أطباء بلا حدود|רופאים ללא גבולות",
    ),
    ("NRC", r"NRC|(?:the\s+)?Norwegian Refugee Council|المجلس النرويجي للاجئين"),
    ("Save the Children", r"Save the Children|منظمة (?:إنقاذ الطفل|أنقذوا الأطفال)|הצילו את הילדים"),
    (
        "Palestinian Medical Relief Society",
        r"(?:the\s+)?Palestinian Medical Relief Society|PMRS|(?:جمعية\s+)?الإغاثة الطبية(?: الفلسطينية)?",
    ),
    ("Peace Now", r"Peace Now|שלום עכשיו"),
    *(
        (f"{state} foreign ministry", _foreign_ministry(state, demonym))
        for state, demonym in (
            ("Qatar", "Qatari"),
            ("Egypt", "Egyptian"),
            ("Jordan", "Jordanian"),
            ("Israel", "Israeli"),
            ("Saudi Arabia", "Saudi"),
            ("Turkey", "Turkish"),
            ("Iran", "Iranian"),
            ("Lebanon", "Lebanese"),
            ("United Arab Emirates", "Emirati"),
        )
    ),
    ("Qatari officials", r"(?:an?\s+)?Qatari (?:officials?|sources?|mediators?|diplomats?)"),
    ("Egyptian officials", r"Egyptian (?:officials?|sources|security sources|intelligence)"),
    (
        "United Nations",
        r"(?:the\s+)?(?:UN|United Nations)(?:\s+(?:spokes(?:man|woman|person)|officials?|chief|"
        r"secretary-general))?",
    ),
    *(
        (f"{en} Regional Council", rf"(?:the\s+)?{en} Regional Council|(?:ה)?מועצה (?:ה)?אזורית {he}")
        for en, he in (
            ("Samaria", "שומרון"),
            ("Binyamin", "בנימין|מטה בנימין"),
            ("Gush Etzion", "גוש עציון"),
            ("Mount Hebron", "הר חברון"),
            ("Sha'ar HaNegev", "שער הנגב"),
            ("Eshkol", "אשכול"),
            ("Mateh Asher", "מטה אשר"),
            ("Upper Galilee", "הגליל העליון|גליל עליון"),
            ("Jordan Valley", "בקעת הירדן"),
        )
    ),
    *(
        (f"{en} governorate", rf"(?:the\s+)?{en} [Gg]overnorate|(?:the\s+)?[Gg]overnorate of {en}|محافظة {ar}")
        for en, ar in (
            ("Jerusalem", "القدس"),
            ("Jenin", "جنين"),
            ("Tulkarm", "طولكرم"),
            ("Nablus", "نابلس"),
            ("Hebron", "الخليل"),
            ("Bethlehem", "بيت لحم"),
            ("Ramallah", "رام الله(?: والبيرة)?"),
            ("Qalqilya", "قلقيلية"),
            ("Tubas", "طوباس"),
            ("Salfit", "سلفيت"),
            ("Jericho", "أريحا"),
        )
    ),
    ("local sources", r"(?i:local sources)|مصادر محلية|(?:ה)?מקורות (?:ה)?מקומיים|גורמים מקומיים"),
    ("village council", r"(?:the\s+)?(?i:village council)|مجلس (?:ال)?قرية|ועד הכפר|מועצת הכפר"),
    # a town's council named without its town ("the municipality said"): named after the event's place
    # (geo.assembly); "the Jenin municipality" keeps the words it is written with
    ("municipality", r"^(?:the\s+)?(?:town\s+|city\s+)?municipality$|^البلدية$|^העירייה$"),
    ("local council", r"^(?:the\s+)?local council$|^המועצה המקומית$"),
    (
        "witnesses",
        r"(?i:(?:eye)?witness(?:es)?)|(?:ال)?شهود(?: (?:ال)?عيان)?|شاهد(?:ا|ان|ين|ة)? عيان|עדי ראייה|עדי ראיה|עדים|"
        r"עד(?:ת)? ראייה",
    ),
    ("residents", r"(?i:(?:local\s+)?residents)|(?:ال)?سكان|الأهالي|أهالي|תושבים|תושבי המקום"),
    (
        "medics",
        # "medics at Nasser Hospital": the hospital is part of the teller's name, not a place of the event
        r"(?:[Oo]fficials|[Mm]edics|[Pp]aramedics|[Dd]octors|[Ss]taff|[Ss]ources) at (?:the\s+)?(?:nearby\s+|local\s+|"
        r"main\s+)?[A-Z][\w-]+(?:\s+[A-Z][\w-]+){0,3}\s+[Hh]ospital|"
        r"(?i:(?:Palestinian\s+)?(?:medics|paramedics|doctors|hospital(?:'s)? (?:officials|sources|staff|director)|"
        r"health officials|medical sources))|"
        r"مسعفون|مصادر طبية|طواقم طبية|أطباء|רופאים|צוותי רפואה",
    ),
]

#: Claimants whose mere naming in a sentence marks it as their report ("health ministry
#: figures show..."): bodies that count and report, never the actors of an event.
REPORTING_BODIES = frozenset(
    {
        "Gaza health ministry",
        "Palestinian health ministry",
        "Gaza civil defence",
        "Gaza government media office",
        "Magen David Adom",
        "Lebanese health ministry",
        "Israel Fire and Rescue Services",
        "UNRWA",
        "UN OCHA",
        "WHO",
        "UNICEF",
        "World Food Programme",
        "Palestinian Red Crescent",
        "ICRC",
        "WAFA",
        "medics",
    }
)
#: Claimants that are local observers: the place they are named with is the event's place.
LOCAL_OBSERVERS = frozenset({"witnesses", "residents"})

_KNOWN_NAMES = frozenset(name for name, _ in CLAIMANTS)
#: Each known name's pattern, tried only where one of its words is (:mod:`geo.prefilter`): a phrase is
#: checked against every name, and holds at most a few of them.
_CANON = [(name, hinted(re.compile(r"(?<![\w-])(?:" + pat + r")(?![\w-])"))) for name, pat in CLAIMANTS]
_REPORTING_NAMES = {f"c{i}": name for i, (name, _) in enumerate(CLAIMANTS) if name in REPORTING_BODIES}
#: All reporting bodies in one pattern (the leftmost one named wins).
_REPORTING_RE = re.compile(
    "|".join(
        rf"(?P<c{i}>(?<![\w-])(?:{pat})(?![\w-]))"
        for i, (name, pat) in enumerate(CLAIMANTS)
        if name in REPORTING_BODIES
    )
)

#: Speech verbs of an attribution; "told" only counts when someone is told ("told Reuters"),
#: not when people are told to do something ("told residents to leave").
_SAY = (
    r"(?:said|says|say|stated|states|added|reported|reports|announced|announces|confirmed|confirms|"
    r"claimed|claims|claim(?=\s+(?:that|they|it|to|responsibility)\b)|wrote|noted|denied|denies|dismissed|rejected|"
    r"disputed|disputes|contested|refuted|"
    r"told(?=\s+(?:[A-Z]|the\s+[A-Z]|reporters|journalists|a\s+(?:news|press)\b|"
    r"(?:local|state|public|foreign|army|the)\s+(?:media|radio|television|TV|press|outlets|newspapers)\b))|"
    r"tells?(?=\s+[A-Z])|report(?=\s+(?:that|on)\b)|"
    r"(?:(?<=witnesses\s)|(?<=residents\s)|(?<=medics\s)|(?<=paramedics\s)|(?<=doctors\s)|(?<=sources\s)|"
    r"(?<=officials\s)|(?<=journalists\s)|(?<=Hospital\s))report)"
)
#: A speech verb after its subject ("the IDF said", "Hamas has claimed").
#: Hebrew speech verbs (masculine, feminine, plural), optionally after "כך" ("so said").
_HE_SAY = (
    r"(?<![\u0590-\u05ff])ו?(?:כך\s+)?(?:מסר|מסרה|מסרו|הודיע|הודיעה|הודיעו|דיווח|דיווחה|דיווחו|אמר|אמרה|אמרו|עדכן|"
    r"עדכנה|עדכנו|ציין|ציינה|ציינו|הבהיר|הבהירה|סיפר|סיפרה|סיפרו|טען|טענה|טענו|הכחיש|הכחישה|הכחישו|נמסר|נמסרה)"
    r"(?![\u0590-\u05ff])"
)
_SAY_VERB = re.compile(r"\s+(?:has\s+|have\s+|had\s+)?" + _SAY + r"\b")
_ATTRIBUTION = [
    re.compile(r"\baccording to\s+(?P<who>[^,.;]{2,120}?)(?=\s*(?:[,.;]|$|\bwhich\b|\bwho\b))", re.I),
    re.compile(
        r"\b(?:a|an|the)\s+statement\s+(?:from|by|issued by)\s+(?P<who>[^,.;]{2,120}?)(?=\s*(?:[,.;]|$|\bsaid\b))", re.I
    ),
    re.compile(
        r"\b(?:in\s+a\s+statement|in\s+a\s+post\s+on\s+\w+|on\s+Telegram),?\s+(?P<who>[^,.;]{2,80}?)\s+" + _SAY + r"\b",
        re.I,
    ),
    # "..., said the ministry"; not "..., told WAFA" (whom one tells is not who tells)
    re.compile(r"[,\"”]\s*(?!told\b|tells?\b)" + _SAY + r"\s+(?P<who>(?:the\s+)?[A-Z][^,.;]{1,60}?)(?=\s*(?:[,.;]|$))"),
    _SAY_VERB,  # "X said": see _subject_matches
    re.compile(r"\bper\s+(?P<who>[^,.;]{2,80}?)(?=\s*(?:[,.;]|$))", re.I),
    re.compile(
        r"\b(?:as\s+)?(?:reported|announced|confirmed|documented)\s+by\s+(?P<who>[^,.;]{2,80}?)(?=\s*(?:[,.;]|$))", re.I
    ),
    # the outlet's own people, with whatever verb they report by ("Our team in Deir el-Balah saw ...")
    re.compile(
        r"^(?P<who>(?:Our|My)\s+(?:own\s+)?(?:correspondents?|reporters?|team|crew|journalists?)"
        r"(?:\s+(?:in|at|on)\s+[A-Z][\w'’ -]{1,40}?)?)\s+(?:says|said|saw|sees|reports?|reported|witnessed|"
        r"tells?|told|confirms?|confirmed|describes?|described|counted)\b"
    ),
    # "نقلت وفا عن مصادر محلية أن ...", "نقلا عن مصادر طبية": the source quoted is the teller
    re.compile(
        r"(?:(?<![\u0620-\u065f\u066e-\u06d3])[وف]?(?:نقلت|نقل)\s+[^،,.؛]{2,40}?\s+|نقلاً?\s+)عن\s+"
        r"(?P<who>[^،,.؛]{2,60}?)(?=\s+(?:(?:إن|أن|بأن)(?:ه|ها|هم)?|قوله|قولها)(?![\u0620-\u065f\u066e-\u06d3])|\s*[،,.؛]|$)"
    ),
    re.compile(
        r"(?:قالت|قال|أعلنت|أعلن|أفادت|أفاد|ذكرت|ذكر|زعمت|زعم|ادعت|ادعى|أكدت|أكد|أوضحت|أوضح|أضافت|أضاف)"
        r"\s+(?P<who>[^،,.؛]{2,60}?)\s+(?:إن|أن|بأن)(?:ه|ها|هم)?(?![\u0620-\u065f\u066e-\u06d3])"
    ),
    _AR_DENY := re.compile(
        r"(?<![\u0620-\u065f\u066e-\u06d3])[وف]?(?:نفت|نفى|رفضت|رفض)\s+(?P<who>[^،,.؛\s]+(?:\s+[^،,.؛\s]+){0,3}?)\s+"
        r"(?:ذلك|هذا|هذه|ما|أن|أي|الاتهام|الاتهامات|الرواية|التقارير|صحة|الادعاء|الادعاءات|تلك)(?![\u0620-\u065f\u066e-\u06d3])"
    ),
    re.compile(
        r"(?:وفقا\s*ل|وفق|بحسب|حسب)\s*(?:ما\s+(?:أفاد|أفادت|ذكر|ذكرت|أعلن|أعلنت|قال|قالت|أكد|أكدت)(?:ه|ته)?\s+(?:به\s+)?)?"
        r"(?P<who>[^،,.؛]{2,60}?)(?=\s*(?:[،,.؛]|$))"
    ),
    # Hebrew: "..., כך מסר דובר צה"ל", "לפי מגן דוד אדום, ...", "מד"א דיווח כי ..."
    re.compile(_HE_SAY + r"\s+(?!(?:כי|את|על)(?:\s|$)|ש)(?P<who>[^,.;:]{2,60}?)(?=\s*(?:[,.;:]|$))"),
    re.compile(r"(?:^|\s)ו?(?:כך\s+)?(?:לפי|על פי|לדברי|בהודעת)\s+(?P<who>[^,.;:]{2,60}?)(?=\s*(?:[,.;:]|$))"),
    re.compile(r"(?P<who>[^,.;:]{2,60}?)\s+" + _HE_SAY + r"\s+(?:כי|ש)"),
    _HE_IN_BODY := re.compile(
        # "בחיזבאללה טענו", "בצה"ל, לעומת זאת, מסרו": the body, then perhaps a connective between commas
        r"(?:^|\s)ו?ב(?P<who>[^\s,.;:][^,.;:]{1,40}?)(?:\s*,\s*[^,.;:]{2,20},)?\s+(?:מסרו|אמרו|הודיעו|דיווחו|עדכנו|"
        r"ציינו|מוסרים|אומרים|מדווחים|נמסר|טענו|טוענים|הבהירו)(?![\u0590-\u05ff])"
    ),
]
#: A key word (lower case) each attribution pattern needs; ``None``: always try it.
_ATTRIBUTION_HINTS: list[re.Pattern[str] | None] = [
    re.compile("according"),
    re.compile("statement"),
    re.compile("statement|post on|telegram"),
    re.compile(r"[,\"”]"),
    None,
    re.compile(r"\bper\b"),
    re.compile(r"\bby\b"),
    re.compile(r"^(?:our|my)\s"),
    re.compile("[\u0600-\u06ff]"),
    re.compile("[\u0600-\u06ff]"),
    re.compile("[\u0600-\u06ff]"),
    re.compile("[\u0600-\u06ff]"),
    re.compile("[\u0590-\u05ff]"),
    re.compile("[\u0590-\u05ff]"),
    re.compile("[\u0590-\u05ff]"),
    re.compile("[\u0590-\u05ff]"),
]
#: Words one of which every reporting body's name contains.
_REPORTING_HINT = re.compile(
    r"[Mm]inistry|[Dd]efen[cs]e|media office|Magen|MDA|UNRWA|OCHA|WHO|World Health|UNICEF|WFP|Food Programme|"
    r"Red Crescent|PRCS|ICRC|Red Cross|WAFA|Wafa|news agency|[Mm]edic|[Dd]octor|[Hh]ospital|[Hh]ealth official|"
    r"[Mm]edical|[Ff]ire|وزارة|الدفاع|مسعف|الهلال|وفا|מגן דוד|מד|כבאות"
)
#: Words after which the subject of "X said" starts ("tanks advanced ... as the military said").
_CLAUSE_WORD = re.compile(r"(?:\s+(?:and|but|as|while|after|when|because|since|where|that|whereas)\s+|\s+[-—–]\s+)")
#: "Airstrikes were reported", "no fatalities were reported": a passive, not an attribution.
_PASSIVE_END = re.compile(
    r"\b(?:was|were|is|are|be|been|being|had|has|have)(?:\s+(?:also|reportedly|widely|not|later|earlier|first|"
    r"previously|now|still|already))?$",
    re.I,
)
#: "Residents of Zeitoun and Sabra": a teller named with the places it speaks for.
_OF_PLACES = re.compile(r"^((?:the\s+)?(?:local\s+)?(?:residents|witnesses|medics|people))\s+(?:of|in)\s+", re.I)
#: A subject that ends on an article or possessive ("Among the reported incidents"): not a name.
_DANGLING = re.compile(r"\b(?:the|a|an|its|their|his|her|our|of|in|among)$", re.I)
#: The outlet's own reporting ("our correspondent in Rafah", "مراسلنا"): the source is the teller.
OWN_REPORTER = re.compile(
    r"^(?:(?:our|my)\s+(?:own\s+)?(?:correspondents?|reporters?|team|crew|journalists?)\b|"
    r"(?:مراسل|مراسلة|طاقم)(?:نا|تنا)|כתב(?:נו|תנו)|הכתב שלנו)",
    re.I,
)


#: The name of a teller that is the outlet's own correspondent (the claim is the source's).
OWN_CORRESPONDENT = "the outlet's correspondent"
#: A line headed by a correspondent of the outlet ("مراسل الجزيرة:", "Our correspondent:", "כתבנו:"): in a
#: live blog or wire the head of a line names the outlet's own reporter, and the line is the outlet's word.
_REPORTER_HEAD = re.compile(
    r"(?:(?:[\w'’-]+\s+){0,2}(?:correspondents?|reporters?)(?:\s+in\s+\S+(?:\s+\S+)?)?|"
    r"(?:مراسل|مراسلة|مراسلو|مراسلي)(?:نا|تنا)?(?:\s+\S+){0,2}|(?:כתב|כתבת|כתבי)(?:נו|תנו)?(?:\s+\S+){0,2})",
    re.I,
)


def is_own_reporter(text: str) -> bool:
    """True if an attribution names the outlet's own reporter ("our correspondent")."""
    return bool(OWN_REPORTER.match(text.strip()))


#: A connective that may open the words before a speech verb ("ואולם", "מנגד", "لكن", "however").
_CONNECTIVE = re.compile(
    r"(?:ואולם|אולם|אך|ואילו|מנגד|במקביל|בינתיים|עם זאת|ובינתיים|لكن|ولكن|بينما|فيما|however|meanwhile)[\s,]+",
    re.I,
)

#: What may follow an Arabic speech verb before its content instead of its teller ("زعم في بيان مساء
#: أمس أنه ...": "in a statement last night"): a preposition or a time word, never a name.
_AR_ADVERBIAL = re.compile(
    r"^(?:في|خلال|على|عبر|من|منذ|عن|مساء|صباح|ظهر|فجر|ليلة|ليل|اليوم|أمس|الليلة|لاحقا|لاحقاً|قبل|بعد|أيضا|أيضاً)"
    r"(?![\u0620-\u065f\u066e-\u06d3])"
)

#: Words that make "X said" a non-attribution ("it said", "he added") or an unnamed one.
_PRONOUN = re.compile(
    r"^(?:it|he|she|they|we|i|you|this|that|which|who|officials?|sources?|one|both|some|others?|"
    r"(?:media\s+|news\s+|initial\s+|early\s+)?reports|דיווחים|הדיווחים|דיווחים ראשונים|تقارير|التقارير)$",
    re.I,
)


#: A teller named by a bare generic noun ("the Ministry said", "the agency said").
_GENERIC = re.compile(
    # "the terror group's armed wing", "the militant group": the kind word stands for the body named before
    r"^(?:(?:terror|terrorist|militant|armed|Islamist)\s+)?"
    r"(?P<word>ministry|agency|army|military|movement|group|charity|office|service|authority|police|الحركة|الوزارة|"
    r"התנועה|הארגון)(?:['’]s\s+(?:armed|military)\s+wing)?$",
    re.I,
)


def _generic_word(name: str) -> str | None:
    """The bare noun a generic teller is named by ("Terror group's armed wing" -> "group")."""
    m = _GENERIC.match(name) if name not in _KNOWN_NAMES else None
    return m.group("word").lower() if m is not None else None


#: What a bare noun may stand for when the body's name does not hold it ("the agency" after "the
#: civil defence", "the group" after "Hamas", "the charity" after "the Red Crescent").
_ARMED = ("Hamas", "Palestinian Islamic Jihad", "Hezbollah", "Houthis")
_KIND: dict[str, tuple[str, ...]] = {
    "agency": (
        "Gaza civil defence",
        "UNRWA",
        "WAFA",
        "National News Agency",
        "UN OCHA",
        "WHO",
        "UNICEF",
        "World Food Programme",
    ),
    "service": ("Gaza civil defence", "Magen David Adom", "Israel Fire and Rescue Services"),
    "charity": ("Palestinian Red Crescent", "ICRC"),
    "group": _ARMED,
    "movement": ("Hamas", "Palestinian Islamic Jihad"),
    "الحركة": ("Hamas", "Palestinian Islamic Jihad"),
    "התנועה": ("Hamas", "Palestinian Islamic Jihad"),
    "הארגון": _ARMED,
    "army": ("Israeli military", "Lebanese army"),
    "military": ("Israeli military",),
}


def resolve_generic(found: list[ClaimantMatch | None], paragraphs: list[int]) -> list[ClaimantMatch | None]:
    """ "The Ministry said" after "according to the Ministry of Health in Gaza": the bare noun
    is the teller named before it in the paragraph whose name holds that noun."""
    out = list(found)
    for i, c in enumerate(found):
        word = _generic_word(c.name) if c is not None else None
        if c is None or word is None:
            continue
        stem = word.removeprefix("ال").removeprefix("ה")  # Arabic and Hebrew "the" is written onto the noun
        for j in range(i - 1, -1, -1):
            prev = out[j]
            if paragraphs[j] != paragraphs[i]:
                break
            named = (
                word in prev.name.lower() or (stem != word and stem in prev.text) or prev.name in _KIND.get(word, ())
                if prev is not None
                else False
            )
            if prev is not None and prev is not c and named and not _GENERIC.match(prev.name):
                out[i] = ClaimantMatch(prev.name, c.text, c.start, c.end)
                break
    return out


def is_generic(c: ClaimantMatch) -> bool:
    """True if a teller is named by a bare noun ("the Ministry", "الحركة") that needs resolving."""
    return bool(_GENERIC.match(c.name))


def generic_named_before(c: ClaimantMatch, before: str) -> ClaimantMatch | None:
    """ "ونفت الحركة ذلك" after "مقرا لحركة الجهاد الإسلامي": a teller named by a bare noun ("the
    movement", "the group") is the last known body named before it whose name holds that noun,
    even when that body was named as a target rather than as a teller."""
    word = _generic_word(c.name)
    if word is None:
        return None
    stem = word.removeprefix("ال").removeprefix("ה")
    best: tuple[int, str] | None = None
    for name, pattern in _CANON:
        if _GENERIC.match(name):
            continue
        for m in pattern.finditer(before):
            near = before[max(0, m.start() - 8) : m.end()]  # "لحركة الجهاد": the noun may stand just before
            if (word in name.lower() or stem in near or name in _KIND.get(word, ())) and (
                best is None or m.start() > best[0]
            ):
                best = (m.start(), name)
    return ClaimantMatch(best[1], c.text, c.start, c.end) if best is not None else None


@lru_cache(maxsize=4096)
def canonical_claimant(text: str) -> str | None:
    """The canonical claimant name for an attribution phrase, if it is a known claimant.

    The longest name found wins ("UN OCHA" is OCHA, not the UN; "the Hamas-run health
    ministry" is the ministry, not Hamas), then the earliest. Cached: a pure function of
    the phrase, asked again for every claim of a text (its source) and for the same few
    tellers of a long report; each call tries every known name's pattern (about 4 % of a
    full parse of a 600-word article before the cache).
    """
    best: tuple[int, int, str] | None = None
    for name, pattern in _CANON:
        m = pattern.search(text)
        if m and (best is None or (-(m.end() - m.start()), m.start()) < (best[0], best[1])):
            best = (-(m.end() - m.start()), m.start(), name)
    if best is None and _HE_PREFIX.match(text):
        # "בפיקוד העורף נמסר": "in the Home Front Command"; "במשטרה": the article is written into the prefix
        return canonical_claimant(text[1:]) or canonical_claimant("ה" + text[1:])
    return best[2] if best else None


#: A Hebrew preposition or conjunction written onto the name that follows it (ב, ל, מ, ו).
_HE_PREFIX = re.compile(r"^[בלמו](?=[\u05d0-\u05ea]{2})")


def find_claimant(sentence: str) -> ClaimantMatch | None:
    """The claimant a sentence attributes its content to, or ``None`` if unattributed.

    Attribution phrases ("according to X", "X said", "said X", "a statement from X",
    "X told Reuters") are found first and normalised with :data:`CLAIMANTS`; a named
    claimant not in that table keeps its own words ("Mayor Ahmed Sufi"). Pronouns
    ("it said") are not claimants; the caller links them to the previous one.
    """
    low = sentence.lower()
    for pattern, hint in zip(_ATTRIBUTION, _ATTRIBUTION_HINTS, strict=True):
        if hint is not None and not hint.search(low):
            continue  # the pattern's key word is absent
        matches = _subject_matches(sentence) if pattern is _SAY_VERB else pattern.finditer(sentence)
        for m in matches:
            who = m.group("who").strip(" \"'“”‘’-–—")
            s = m.start("who") + (len(m.group("who")) - len(m.group("who").lstrip(" \"'“”‘’-–—")))
            # keep only the last clause before the verb: "Strikes hit Rafah, the IDF said" -> "the IDF"
            if pattern is _SAY_VERB:
                if _ELIDED_SUBJECT.match(who):  # "The army published a map ..., and said ...": its subject
                    opening = opening_subject(sentence[: m.start("who")])
                    if opening is not None:
                        return opening
                    continue
                if _AND_THEN_SAID.search(who):  # "The IDF dismissed the claim ... and said": its opening subject
                    opening = opening_subject(sentence[: m.start("who")] or who)
                    if opening is not None:
                        return opening
                    continue
                tail = list(_CLAUSE_WORD.finditer(who))
                head = _OF_PLACES.match(who)
                if tail and head is not None and canonical_claimant(head.group(1)) is not None:
                    # "Residents of Zeitoun and Sabra reported": the residents, of both places
                    name = canonical_claimant(head.group(1))
                    assert name is not None
                    return ClaimantMatch(name=name, text=who, start=s, end=s + len(who))
                spanning = _name_across(who, tail[-1]) if tail else None
                if spanning is not None:
                    # "the Colonisation and Wall Resistance Commission said": the "and" is inside the name
                    return ClaimantMatch(spanning[0], spanning[1], s + spanning[2], s + spanning[2] + len(spanning[1]))
                if tail:
                    joint = _joint_subject(who, tail, s)
                    if joint is not None:
                        return joint
                    cut = tail[-1].end()
                    s += cut + (len(who[cut:]) - len(who[cut:].lstrip()))
                    who = who[cut:].strip(" -—")
            who = re.sub(r"\s+(?:on|in|late|early|earlier|later)\s+\w+day$", "", who)
            opener = _CONNECTIVE.match(who)
            if opener is not None:  # "ואולם בחיזבאללה הכחישו": the connective is not part of the name
                s += opener.end()
                who = who[opener.end() :]
            if not who or _PRONOUN.match(who) or _PASSIVE_END.search(who) or _DANGLING.search(who):
                continue
            if _AR_ADVERBIAL.match(who) and canonical_claimant(who) is None:
                continue  # "زعم في بيان مساء أمس أنه": where and when it was said, its teller stands before the verb
            name = canonical_claimant(who)
            if pattern is not _SAY_VERB and name is not None:
                # after "according to" / "לפי" / "قالت" the teller opens the phrase; a longer name further
                # on ("לפי צה"ל פעלו מחבלי הג'יהאד") is what the teller spoke of, not who spoke
                lead = opening_subject(who)
                if lead is not None and lead.start <= 4:
                    name = lead.name
            if name is None and pattern is _HE_IN_BODY:
                continue  # "בעזה אמרו": only a known body is "in X they said"; a place is not a teller
            if name is None and pattern is _AR_DENY and not _GENERIC.match(who):
                continue  # "نفى تنفيذ أي ضربة": after the verb stands what is denied, not who denies
            if name is None:
                if pattern is _SAY_VERB and not _looks_like_named_claimant(who):
                    continue
                if len(who.split()) > 8:
                    continue
                name = _tidy_name(who)
                if _PERSON.fullmatch(who) and _AGE_AFTER.match(sentence, s + len(who)):
                    name = "witnesses"  # "said Umm Khaled, 41, who ...": a private person who saw it
            return ClaimantMatch(name=name, text=who, start=s, end=s + len(who))
    before = _teller_before_verb(sentence)
    if before is not None:
        return before
    after = _teller_after_verb(sentence)
    if after is not None:
        return after
    headed = _headed_by(sentence)
    if headed is not None:
        return headed
    if _SAYING.search(sentence):
        # "Hezbollah fired two projectiles at Mount Dov, calling it a warning": the subject said so itself
        opening = opening_subject(_LINE_DATE.sub("", sentence, count=1))
        if opening is not None:
            return opening
    # a reporting body named without a speech verb ("with the health ministry saying ...");
    # armed groups, armies and bystanders are too often the event's actors, not its tellers
    hit = _REPORTING_RE.search(sentence) if _REPORTING_HINT.search(sentence) else None
    if hit and hit.lastgroup:
        name = _REPORTING_NAMES[hit.lastgroup]
        return ClaimantMatch(name=name, text=hit.group(0), start=hit.start(), end=hit.end())
    return None


#: Arabic and Hebrew speech and denial verbs after their subject ("الجيش الإسرائيلي نفى ذلك",
#: "צה"ל הכחיש את הדיווח"), where the verb does not introduce its content with "إن" / "כי".
_SV_VERB = re.compile(
    r"\s+(?:قد\s+)?(?:نفى|نفت|ينفي|تنفي|قال|قالت|يقول|تقول|أكد|أكدت|يؤكد|تؤكد|أعلن|أعلنت|يعلن|تعلن|زعم|زعمت|ادعى|ادعت|"
    r"أفاد|أفادت|ذكر|ذكرت)(?![\u0620-\u065f\u066e-\u06d3])|"
    r"\s+(?:הכחיש|הכחישה|הכחישו|מכחיש|מכחישה|דחה|דחתה|מסר|מסרה|טען|טענה|דיווח|דיווחה|הודיע|הודיעה|אמר|אמרה|"
    r"עדכן|עדכנה|מדווח|מדווחת|מודיע|מודיעה)(?![\u0590-\u05ff])"
)
_SV_HINT = re.compile("[\u0590-\u05ff\u0600-\u06ff]")


def _teller_before_verb(sentence: str) -> ClaimantMatch | None:
    """A known claimant whose name ends right before an Arabic or Hebrew speech or denial verb:
    the subject of that verb. Only names in :data:`CLAIMANTS` count, never free words."""
    if not _SV_HINT.search(sentence):
        return None
    for v in _SV_VERB.finditer(sentence):
        lo = max(0, v.start() - 60)
        head = sentence[lo : v.start()]
        best: ClaimantMatch | None = None
        for name, pattern in _CANON:
            for m in pattern.finditer(head):
                if m.end() == len(head) and (best is None or m.end() - m.start() > best.end - best.start):
                    best = ClaimantMatch(name, m.group(0), lo + m.start(), lo + m.end())
        if best is not None:
            return best
    return None


#: What may open a line before the name of who speaks in it: a bullet, a time stamp ("10:42 GMT -").
_LINE_LEAD = re.compile(
    r"\s*(?:[-•*–—]\s*)?(?:\d{1,2}[:.]\d{2}\s*(?:GMT|UTC|IDT|EET|EEST|local time)?\s*[-–—:]\s*)?"
    # a live blog's flash mark before the line's teller ("عاجل | مراسل الجزيرة:", "BREAKING | ...")
    r"(?:(?:عاجل|BREAKING|Breaking|Urgent|דחוף|מבזק)\s*[|:\-–—]\s*)?"
)


#: An Arabic report verb before its subject with no "إن/أن" after the name ("أعلن جيش الاحتلال
#: سيطرته على المعبر", "أعلنت كتائب القسام، الجناح العسكري لحركة حماس، أن ...").
_AR_SAY_FIRST = re.compile(
    r"(?<![\u0620-\u065f\u066e-\u06d3])[وف]?(?:قال|قالت|أعلن|أعلنت|أفاد|أفادت|ذكر|ذكرت|أكد|أكدت|زعم|زعمت|ادعى|ادعت|"
    r"نفى|نفت|تبنى|تبنت|يعلن|تعلن)\s+"
)


#: A Hebrew report verb before its subject ("הודיע חיזבאללה כי שיגר", "מסרו בכבאות והצלה"): the
#: subject may carry the "in" of "in the body they said" (ב).
_HE_SAY_FIRST = re.compile(
    r"(?<![\u0590-\u05ff])ו?(?:הודיע|הודיעה|הודיעו|מסר|מסרה|מסרו|דיווח|דיווחה|דיווחו|אמר|אמרה|אמרו|טען|טענה|טענו|"
    r"הכחיש|הכחישה|הכחישו|ציין|ציינה|ציינו|עדכן|עדכנה|עדכנו|פרסם|פרסמה|פרסמו|נמסר)\s+(?:ה?ערב\s+|ה?בוקר\s+|ה?לילה\s+)?"
)


def _teller_after_verb(sentence: str) -> ClaimantMatch | None:
    """A known claimant named right after an Arabic or Hebrew report verb: the subject of that verb."""
    if not _SV_HINT.search(sentence):
        return None
    for v in (*_AR_SAY_FIRST.finditer(sentence), *_HE_SAY_FIRST.finditer(sentence)):
        best: ClaimantMatch | None = None
        at = v.end()
        for name, pattern in _CANON:
            m = pattern.match(sentence, at)
            if m is None and sentence.startswith("ב", at):
                m = pattern.match(sentence, at + 1)  # "מסרו בכבאות והצלה": in the body
            if m is not None and (best is None or m.end() - m.start() > best.end - best.start):
                best = ClaimantMatch(name, m.group(0), m.start(), m.end())
        if best is not None:
            return best
    return None


#: Where a body sits, after its name in a line's head ("الدفاع المدني في غزة", "Civil defence in Gaza").
_SEAT = re.compile(r"\s+(?:في|ب|in|ב)\s*\S+(?:\s+\S+)?")


def _headed_by(sentence: str) -> ClaimantMatch | None:
    """The known body a live-blog or wire line opens with before a colon ("Civil defence: five
    killed ...", "- سرايا القدس: قصفنا سديروت", "מועצה אזורית שומרון: אבנים יודו ..."): its words."""
    lead = _LINE_LEAD.match(sentence)
    at = lead.end() if lead else 0
    colon = sentence.find(":", at)
    if colon < 0 or colon - at > 60:
        return None
    head = sentence[at:colon].strip()
    if not head:
        return None
    start = at + (len(sentence[at:colon]) - len(sentence[at:colon].lstrip()))
    for name, pattern in _CANON:
        m = pattern.match(head)
        if m is not None and (m.end() == len(head) or _SEAT.fullmatch(head[m.end() :])):
            return ClaimantMatch(name, head, start, start + len(head))
    if _REPORTER_HEAD.fullmatch(head):
        # "مراسل الجزيرة: شهداء في قصف ...": the outlet's correspondent, so the outlet's own claim
        return ClaimantMatch(OWN_CORRESPONDENT, head, start, start + len(head))
    return None


#: A participle of speech after the clause it comments on ("..., calling it a warning", "..., saying it
#: had hit militants"): what the clause's subject says of its own act.
_SAYING = re.compile(r",\s+(?:calling|describing|saying|claiming|terming)\s+(?:it|them|this|that|they|the)\b", re.I)
#: The date an ACLED-style note opens with ("On 2 December 2024, ").
_LINE_DATE = re.compile(r"^\s*On\s+\d{1,2}\s+[A-Z][a-z]+\s+\d{4},\s*")


def name_span(c: ClaimantMatch) -> tuple[int, int] | None:
    """Where, in the sentence, the known name of a teller is written ("עדי ראייה", "Gaza civil
    defence"), leaving out the places it speaks for ("Residents of Zeitoun"): a place read inside
    that span is part of the name, not where the event was."""
    if c.start < 0:
        return None
    best: tuple[int, int] | None = None
    for name, pattern in _CANON:
        if name != c.name:
            continue
        m = pattern.search(c.text)
        if m is not None and (best is None or m.end() - m.start() > best[1] - best[0]):
            best = (c.start + m.start(), c.start + m.end())
    return best


#: What is left of a speech verb's subject when the clause shares the sentence's subject
#: ("The army published a map ..., and said"; "..., and then said").
_ELIDED_SUBJECT = re.compile(r"^(?:(?:and|but)\s*)?(?:(?:then|also|later|subsequently|again)\s*)?$", re.I)
#: A speech verb joined by "and" to a clause of the same subject ("... dismissed the claim and said").
_AND_THEN_SAID = re.compile(r"\s(?:and|but)(?:\s+(?:then|also|later|subsequently|again))?$", re.I)
#: A clause that opens with its speech verb, its subject left to the clause before ("then said it had ...").
_ELIDED_SAY = re.compile(
    r"^(?:(?:and|but)\s+)?(?:(?:then|also|later|subsequently|again)\s+)?(?:has\s+|have\s+|had\s+)?" + _SAY + r"\b",
    re.I,
)
#: Words that make the part before "and" a clause of its own, not a first claimant
#: ("Strikes hit Rafah and the army said": "hit" is a verb).
_NOT_A_NAME_WORD = re.compile(
    r"^(?:\w+ed|hit|struck|shot|fired|took|left|came|went|were|was|is|are|has|have|had|says?|told|killed|hurt)$", re.I
)


def elided_speech(clause: str) -> bool:
    """True if a clause opens with a speech verb whose subject is the clause before's
    ("..., and then said it had launched rockets"): it is that clause's claimant's."""
    return bool(_ELIDED_SAY.match(clause.strip()))


def opening_subject(sentence: str) -> ClaimantMatch | None:
    """The known claimant a sentence opens with ("The Israeli military published ...",
    "Hamas's armed wing told ..."): the subject of a later verb whose subject is left out."""
    lead = re.match(r"\s*(?:(?:The|the|A|a|An|an)\s+)?", sentence)
    at = lead.end() if lead else 0
    best: ClaimantMatch | None = None
    for name, pattern in _CANON:
        m = pattern.match(sentence, at)
        if m is None and at:
            m = pattern.match(sentence, 0)
        if m and (best is None or m.end() - m.start() > best.end - best.start):
            best = ClaimantMatch(name, m.group(0), m.start(), m.end())
    return best


def _name_across(who: str, word: re.Match[str]) -> tuple[str, str, int] | None:
    """A known name that runs across a clause word of a speech verb's subject ("Colonisation and Wall
    Resistance Commission"), ending where the subject ends: its name, words and offset."""
    if "and" not in word.group(0):
        return None
    for name, pattern in _CANON:
        for m in pattern.finditer(who):
            if m.start() < word.start() and m.end() >= word.end() and not who[m.end() :].strip(" -—"):
                return name, m.group(0), m.start()
    return None


def _joint_subject(who: str, tail: list[re.Match[str]], offset: int) -> ClaimantMatch | None:
    """ "WAFA and witnesses said": two known claimants joined by "and" are one joint claimant.

    Only when the part before "and" is a short name ending in a known claimant (no verb),
    so "Strikes hit Rafah and the army said" stays the army's.
    """
    last = tail[-1]
    if last.group(0).strip() != "and":
        return None
    begin = tail[-2].end() if len(tail) > 1 else 0
    first, second = who[begin : last.start()].strip(), who[last.end() :].strip(" -—")
    a, b = canonical_claimant(first), canonical_claimant(second)
    if a is None or b is None or a == b:
        return None
    m = next((m for n, pat in _CANON if n == a and (m := pat.search(first)) is not None), None)
    if m is None or m.end() != len(first):
        return None
    extra = first[: m.start()].split()
    if len(extra) > 4 or any(_NOT_A_NAME_WORD.match(w) for w in extra):
        return None
    start = offset + begin + (len(who[begin:]) - len(who[begin:].lstrip()))
    text = who[begin:].strip(" -—")
    return ClaimantMatch(name=f"{a} and {b}", text=text, start=start, end=start + len(text), joint=(a, b))


class _Subject:
    """The subject before a speech verb, shaped like a regex match with a ``who`` group."""

    __slots__ = ("_start", "_who")

    def __init__(self, start: int, who: str) -> None:
        self._start, self._who = start, who

    def group(self, name: str) -> str:
        return self._who

    def start(self, name: str) -> int:
        return self._start


#: A person's name in apposition ("Amin Abu Alia", "Dr. Hussam Abu Safiya").
_PERSON = re.compile(
    r"(?:(?:Dr|Mr|Ms|Mrs|Gen|Col|Lt)\.?\s+)?[A-Z][\w'’-]+(?:\s+(?:[A-Z][\w'’-]+|al-|el-|abu|bin|ibn)){1,4}"
)
#: A person's age set after the name ("Umm Khaled, 41,"; "Ahmad Saleh, aged 34,"): how reports name
#: private people who saw what they tell, never officials.
_AGE_AFTER = re.compile(r"\s*,\s*(?:aged\s+)?\d{1,2}\s*[,.;]")
_SUBJECT_STOP = re.compile(r"[,.;:\"“”]")
#: A description set between a teller and its verb ("X, our partner in Rafah, said", "X, a local
#: rights group, said", "X, which runs the shelter, said").
_DESCRIPTION = re.compile(r"^\s*(?:our|its|their|his|her|a|an|which|who)\s+[^,]{1,50}$", re.I)
#: An aside between a subject and its verb ("X, however, said").
_ASIDE = re.compile(
    r"^\s*(?:however|though|for (?:its|their|his|her) part|in turn|in response|meanwhile|instead|in contrast|"
    r"by contrast|in a statement|on its part)\s*$",
    re.I,
)


def _subject_matches(sentence: str) -> list[_Subject]:
    """For each speech verb, the words before it back to the last punctuation (at most 100
    characters): what "(?P<who>[^,.;:]{2,100}?) said" matches, without its quadratic scan."""
    out: list[_Subject] = []
    pos = 0
    for v in _SAY_VERB.finditer(sentence):
        if v.start() < pos:
            continue
        lo = max(pos, v.start() - 100)
        seg = sentence[lo : v.start()]
        stops = list(_SUBJECT_STOP.finditer(seg))
        if stops:
            if len(stops) >= 2 and _ASIDE.match(seg[stops[-2].end() : stops[-1].start()]):
                # "The Israeli military, however, said": the subject stands before the aside
                cut = stops[-3].end() if len(stops) >= 3 else 0
                seg = seg[cut : stops[-2].start()]
                lo += cut
            elif (
                len(stops) >= 3
                and stops[-1].group(0) == ","
                and not seg[stops[-1].end() :].strip()
                and re.fullmatch(r"\s*(?:aged\s+)?\d{1,2}\s*", seg[stops[-2].end() : stops[-1].start()])
                and _PERSON.fullmatch(seg[stops[-3].end() : stops[-2].start()].strip())
            ):
                # "..., Ahmad Saleh, 34, told reporters": the person before the age
                seg, lo = seg[stops[-3].end() : stops[-2].start()], lo + stops[-3].end()
            elif (
                len(stops) >= 2
                and stops[-1].group(0) == ","
                and not seg[stops[-1].end() :].strip()
                and _DESCRIPTION.match(seg[stops[-2].end() : stops[-1].start()])
                and canonical_claimant(seg[(stops[-3].end() if len(stops) >= 3 else 0) : stops[-2].start()])
            ):
                # "the Medical Relief Society, our partner there, said": the body before its description
                cut = stops[-3].end() if len(stops) >= 3 else 0
                seg, lo = seg[cut : stops[-2].start()], lo + cut
            elif (
                len(stops) >= 2
                and stops[-1].group(0) == ","
                and not seg[stops[-1].end() :].strip()
                and _PERSON.fullmatch(seg[stops[-2].end() : stops[-1].start()].strip())
            ):
                # "the head of the village council, Amin Abu Alia, told WAFA": the role before the name
                cut = stops[-3].end() if len(stops) >= 3 else 0
                role = seg[cut : stops[-2].start()]
                if canonical_claimant(role) is not None:
                    seg, lo = role, lo + cut
                else:
                    seg, lo = seg[stops[-2].end() : stops[-1].start()], lo + stops[-2].end()
            else:
                lo += stops[-1].end()
                seg = seg[stops[-1].end() :]
        if len(seg) >= 2:
            out.append(_Subject(lo, seg))
        pos = v.end()
    return out


#: Tellers named by role rather than name ("local officials", "security sources").
_ROLE_TELLER = re.compile(
    r"^(?:the\s+)?(?:(?:[\w'’-]+\s+){1,2}(?:officials|sources|authorities|spokes(?:man|woman|person)|partners|"
    r"syndicate|union|committee|association|federation|municipality|council)|"
    r"(?:[\w-]+\s+)?(?:aid\s+workers|aid\s+agencies|rights\s+groups))$",
    re.I,
)


def _looks_like_named_claimant(who: str) -> bool:
    """A "X said" subject that names someone: capitalised words, or a role ("local
    officials"), not a whole clause."""
    if _ROLE_TELLER.match(who):
        return True
    words = who.split()
    if len(words) > 7 or len(words) == 0:
        return False
    caps = sum(1 for w in words if w[:1].isupper())
    first = words[0].lower()
    if first in ("the", "a", "an", "its", "his", "her", "their") and len(words) > 1:
        return caps >= 1 or words[-1].lower() in ("spokesman", "spokeswoman", "spokesperson", "official", "officials")
    return caps >= max(1, len(words) // 2)


def _tidy_name(who: str) -> str:
    who = re.sub(r"^(?:the|a|an)\s+", "", who, flags=re.I)
    # a kind word before a name ("the charity Save the Children") is not part of the name
    who = re.sub(
        r"^(?:charity|aid group|aid agency|rights group|group|agency|organi[sz]ation|NGO)\s+(?=[A-Z])", "", who
    )
    return who[:1].upper() + who[1:]


#: Verbs with which a body issues an order or warning ("the IDF told residents to leave").
_ISSUE_VERB = re.compile(
    # an optional role of the body ("'s Arabic-language spokesman"), then the verb of the order
    r"(?:'s\s+(?:[\w-]+\s+){0,3}?(?:spokes(?:man|woman|person)|officials?|commanders?|command|office|unit|wing|"
    r"account|channel))?"
    r"\s+(?:(?:has|had|have|also|again|then|on\s+\w+day)\s+)*(?:told|ordered|urged|warned|instructed|called on|"
    r"issued|published|posted|dropped|sent|announced|posts|issues|publishes|orders|tells|warns|urges|drops)\b|\s+(?:הורה|הורו|הנחה|הנחו|קרא|קראו|פרסם|פרסמה|פרסמו|أمر|أمرت|طالب)"
)


#: Up to two words between an issuer and its verb ("דובר צה"ל בערבית פרסם", "the IDF on Monday
#: posted"), and the verbs of an order in the present tense of live blogs ("posts", "issues").
_ISSUE_GAP = re.compile(
    r"(?:\s+[^\s,.;:]+){0,2}?(?=\s+(?:posts|issues|publishes|orders|tells|warns|urges|drops|"
    r"פרסם|פרסמה|פרסמו|הורה|הורו|הנחה|הנחו|קרא|קראו)(?![\w\u0590-\u05ff]))"
)
#: An Arabic order verb before its subject ("ونشر المتحدث باسم جيش الاحتلال خريطة", "وأمر الجيش"):
#: the issuer is named within a few words after it.
_AR_ISSUE_VERB = re.compile(
    r"(?<![\u0620-\u065f\u066e-\u06d3])[وف]?(?:نشر|نشرت|أصدر|أصدرت|أمر|أمرت|طالب|طالبت|دعا|دعت|ألقى|ألقت|وجه|وجهت)"
    r"(?![\u0620-\u065f\u066e-\u06d3])\s+(?P<rest>(?:\S+\s+){0,3}\S+)"
)


def find_issuer(sentence: str) -> ClaimantMatch | None:
    """The known body that issues an order in a sentence ("The Israeli military told residents
    of Khan Younis to move south", "The IDF's Arabic-language spokesman posts an evacuation order",
    "דובר צה"ל בערבית פרסם הוראת פינוי", "ونشر المتحدث باسم جيش الاحتلال خريطة"): the claimant of
    an evacuation order with no "said"."""
    best: ClaimantMatch | None = None
    for name, pattern in _CANON:
        for m in pattern.finditer(sentence):
            gap = _ISSUE_GAP.match(sentence, m.end())
            at = gap.end() if gap is not None else m.end()
            if (_ISSUE_VERB.match(sentence, m.end()) or _ISSUE_VERB.match(sentence, at)) and (
                best is None or m.start() < best.start
            ):
                best = ClaimantMatch(name, m.group(0), m.start(), m.end())
                break
    if best is None and _SV_HINT.search(sentence):
        for v in _AR_ISSUE_VERB.finditer(sentence):
            rest = v.group("rest")
            for name, pattern in _CANON:
                hit = pattern.search(rest)
                if hit is not None and (best is None or v.start("rest") + hit.start() < best.start):
                    at = v.start("rest") + hit.start()
                    best = ClaimantMatch(name, hit.group(0), at, at + len(hit.group(0)))
            if best is not None:
                break
    return best
