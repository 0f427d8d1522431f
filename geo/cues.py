"""What event a sentence reports: cue words (:mod:`geo.cue_words`) mapped onto sitmap's
event vocabulary (:data:`geo.model.EVENT_TYPES`), with negated, hypothetical and
metaphorical uses ("no strikes were reported", "strike a deal") set aside.
"""

from __future__ import annotations

import re
from dataclasses import replace
from functools import lru_cache

from geo.cue_words import _TRIGGER_RE, CUE_PATTERNS, HE_AR_LETTER, SCRIPT_CUES_FROM, Cue

#: Words that make a sentence a statement about no event ("no strikes were reported").
_NEGATION = re.compile(
    r"\b(?:no|without any|not a single)\s+(?:\w+\s+){0,2}(?:strikes?|attacks?|shelling|rockets?|incidents?|"
    r"fire|events?|violence|operations?|raids?|incursions?)\s+(?:\w+\s+){0,2}"
    r"(?:were|was|have been|has been)?\s*(?:reported|recorded|announced)|"
    r"\b(?:denied|dismissed) (?:\w+ ){0,3}(?:reports?|claims?)|\bwas quiet\b|\bremained calm\b|\bcalm returned\b",
    re.I,
)
#: Words that make a cue hypothetical or metaphorical rather than a reported event.
_NOT_AN_EVENT = re.compile(
    r"\b(?:would|could|might|threaten(?:s|ed)? to|vow(?:s|ed)? to|plans? to|if)\b\s+(?:\w+\s+){0,2}"
    r"(?:strike|attack|launch|raid|invade|shell)|\b(?:hunger|general|labou?r) strikes?\b|\bstrike(?:s)? a deal\b|"
    r"\bstruck (?:a|an) (?:deal|agreement|tone|balance)\b|\blucky strike\b",
    re.I,
)
#: Cue words that, on their own, only refer back to an event already told ("the strike").
_ANAPHORIC = re.compile(
    r"\b(?:the|this|same|these)\s+(?:\w+\s+)?(?:strikes?|attacks?|raids?|shelling|bombing|"
    r"incidents?|operation|barrage|assault|explosion|blast|launch(?:es)?)\b",
    re.I,
)


def event_cues(sentence: str) -> list[Cue]:
    """Every event cue in ``sentence`` (possibly several types), in text order."""
    return list(_event_cues(sentence))


@lru_cache(maxsize=4096)
def _event_cues(sentence: str) -> tuple[Cue, ...]:
    """:func:`event_cues`, cached: a sentence is asked for its cues several times while parsing."""
    out: list[Cue] = []
    low = sentence.lower()
    last = len(CUE_PATTERNS) if HE_AR_LETTER.search(sentence) else SCRIPT_CUES_FROM
    for etype, weight, pattern in CUE_PATTERNS[:last]:
        if not _TRIGGER_RE[etype].search(low):
            continue
        for m in pattern.finditer(sentence):
            out.append(Cue(etype, m.group(0), m.start(), m.end(), weight))
    out.sort(key=lambda c: (c.start, -c.weight))
    return tuple(out)


#: When a sentence holds cues of several types, the more specific type wins.
_TYPE_PRIORITY = {
    "evacuation_order": 9,
    "humanitarian_zone": 2.5,
    "rocket_launch": 7,
    "shelling": 6,
    "airstrike": 5,
    "shooting": 4,
    "ground_operation": 3,
    "negotiation": 2,
    "other": 1,
}

_KILL_WORDS = re.compile(
    r"\b(?:killed|killing|dead|died|deaths?|fatalities|wounded|injured|explosions?|blasts?)\b", re.I
)


_NEGATION_HINT = re.compile(r"\bno\b|\bnot\b|without|denied|dismissed|quiet|calm")
_NOT_AN_EVENT_HINT = re.compile(
    r"would|could|might|threaten|vow|plan|\bif\b|hunger|general|labo|deal|agree|tone|balance"
)


_CASUALTY = re.compile(
    r"\b(?:killed|killing|explosions?|blasts?|detonated|exploded|explosive devices?|roadside bombs?|IEDs?)\b|"
    r"(?<![\u0620-\u064a])(?:(?:و|ف)?(?:استشهد|استشهدوا|استشهاد|شهيدا|مقتل|انفجار)|"
    r"(?<!مستشفى )(?<!مقبرة )(?<!كتائب )شهداء)(?![\u0620-\u064a])|"
    r"(?<![\u05d0-\u05ea])ו?(?:נהרג|נהרגו|נהרגה|נרצח|נרצחו|פיצוץ)(?![\u05d0-\u05ea])",
    re.I,
)


def is_negated(sentence: str) -> bool:
    """True if the sentence reports the absence of an event or only a hypothetical one."""
    low = sentence.lower()
    if _NEGATION_HINT.search(low) and _NEGATION.search(sentence):
        return True
    return bool(_NOT_AN_EVENT_HINT.search(low) and _NOT_AN_EVENT.search(sentence) and not _KILL_WORDS.search(sentence))


def event_type(sentence: str) -> str | None:
    """The event type a sentence reports, or ``None`` if it reports no event.

    The most specific cue type wins (an evacuation order mentioning strikes is an
    evacuation order; rockets intercepted over Sderot are a rocket launch, not an
    airstrike). A sentence with no cue but a casualty phrase ("three people were
    killed") is ``other``; a negated or hypothetical sentence is ``None``.
    """
    if is_negated(sentence):
        return None
    cues = [c for c in event_cues(sentence) if not _cue_is_noise(sentence, c)]
    cues = _drop_overridden(sentence, cues)
    if not cues:
        fallback = _FALLBACK_STRIKE.search(sentence)
        if fallback is not None and not _NO_COMMENT.search(sentence):
            # "the Houthis claim they targeted the airport": a launch from afar, not an air strike
            far = _LONG_RANGE_LAUNCHER.search(sentence) or (
                _GAZA_LAUNCHER.search(sentence) and _CITY_TARGET.search(sentence)
            )
            return "rocket_launch" if far else "airstrike"
        if _CASUALTY.search(sentence) and not _RUNNING_TOTAL.search(sentence):
            return "other"  # "three people were killed"; not "40,000 have been killed since the war began"
        return None
    no_comment = _NO_COMMENT.search(sentence)
    if no_comment is not None and all(c.start >= no_comment.end() for c in cues):
        return None  # "it did not comment on the Deir al-Balah strike": about a statement, not an event
    # cues in a supporting phrase ("a raid backed by air strikes", "..., adding that it had
    # struck 50 targets") describe the main event's means, not the event: main clause first
    main = [c for c in cues if not _SUPPORTING.search(sentence[max(0, c.start - 60) : c.start])]
    types = {c.event_type for c in (main or cues)}
    if types == {"ground_operation"} and _POLICE.search(sentence) and all(_ARREST.search(c.text) for c in cues):
        return None  # "police arrested a suspect in Beersheba": a police arrest, not a military raid
    if (
        {"ground_operation", "other"} <= types
        and any(c.event_type == "other" and _BLADE_OR_CAR.search(c.text) for c in cues)
        and all(_ARREST.search(c.text) for c in cues if c.event_type == "ground_operation")
    ):
        types.discard("ground_operation")  # "צעיר דקר אזרח ונעצר": the attacker's arrest ends the stabbing
    # "talks" next to a strike are context, not the event: negotiation only wins alone
    if "negotiation" in types and len(types) > 1:
        types.discard("negotiation")
    if types == {"negotiation"} and (_FORECAST.search(sentence) or _STANDING.search(sentence)):
        return None  # "talks have been stalled for weeks", "mediators are expected to meet next week"
    # "its fighter jets, artillery and navy struck 400 targets": a strike campaign led from the
    # air, told as a targets count, is an airstrike; artillery alone or tank fire stays shelling
    if {"airstrike", "shelling"} <= types and _AIR_MEANS.search(sentence) and _TARGET_STRIKES.search(sentence):
        types.discard("shelling")
    if types == {"ground_operation"} and _is_demolition(sentence, main or cues):
        return "other"  # "forces blew up houses", "جرافات الاحتلال هدمت منشأة": a demolition, not a raid
    return max(types, key=lambda t: _TYPE_PRIORITY[t])


#: Demolition words: houses blown up, land bulldozed, homes razed (English, Arabic, Hebrew).
_DEMOLITION = re.compile(
    r"demoli|blew up|blowing up|blown up|bulldozed|bulldozing|flattened|razed|razing|"
    r"هدم|جرفت|جرف |تجريف|نسف|فجّر|تفجير|הרס|הריס|פוצצ|פיצוץ",
    re.I,
)
#: Cue words of a raid or an operation ("stormed", "raided", "اقتحم", "פשטו"): with them a demolition
#: is part of the raid.
_RAID = re.compile(
    r"raid|storm|incursion|operat|advanc|encircl|besieg|siege|clash|arrest|detain|ground|offensive|assault|"
    r"اقتحم|اقتحام|توغل|داهم|عملية|اعتقل|פשט|פשיט|מבצע|נכנס|עצר|פעל",
    re.I,
)
#: Bulldozers, the machines of a demolition ("bulldozers flattened a tent", "جرافات الاحتلال").
_MACHINES = re.compile(r"bulldozers?|excavators?|جراف|דחפור", re.I)
#: Troops and forces: a demolition they carry out is told as part of their operation (the gold
#: sets disagree on "forces blew up houses": told as a ground operation in some, "other" in others).
_FORCES = re.compile(
    r"\b(?:forces|troops|soldiers|army|military)\b|(?<![\u0620-\u064a])(?:قوات|الجيش|جيش|جنود)|"
    r"(?<![\u05d0-\u05ea])(?:כוחות|צה\"ל|חיילים|לוחמים)",
    re.I,
)
#: Streets, roads, infrastructure: bulldozed in the course of a raid, not a demolition of homes.
_STREETS = re.compile(
    r"\b(?:streets?|roads?|infrastructure|pavements?)\b|الشوارع|الشارع|الطرق|البنية التحتية|כבישים|רחובות|תשתיות",
    re.I,
)


def _is_demolition(sentence: str, cues: list[Cue]) -> bool:
    """True if a sentence tells a demolition of homes, structures or land and no raid: it has a
    demolition word, names no troops or forces and no streets, and its ground-operation cues are
    demolition words or machines ("bulldozers flattened a tent", "هدمت جرافات الاحتلال منشأة زراعية",
    police and inspectors "הרסו שלושה בתים")."""
    ground = [c for c in cues if c.event_type == "ground_operation"]
    if not ground or not _DEMOLITION.search(sentence) or _FORCES.search(sentence) or _STREETS.search(sentence):
        return False
    return all((_DEMOLITION.search(c.text) or _MACHINES.search(c.text)) and not _RAID.search(c.text) for c in ground)


_AIR_MEANS = re.compile(r"\b(?:fighter jets?|warplanes?|jets|aircraft|air force|air ?strikes?|drones?)\b", re.I)
_TARGET_STRIKES = re.compile(
    r"\b(?:struck|hit|striking|attacked)\s+(?:\w+\s+){0,3}?(?:\d[\d,]*|hundreds|dozens|scores)\s+(?:\w+\s+)?targets\b",
    re.I,
)


_SUPPORTING = re.compile(
    r"(?:\b(?:backed by|supported by|under cover of|covered by|with the help of|accompanied by)\s+(?:\w+\s+){0,3}"
    r"|\badding that\s+[^,;]*)$",
    re.I,
)


#: "it did not comment on ...", "declined to comment on ...": the event words after it only name an
#: event already told.
_NO_COMMENT = re.compile(
    r"\b(?:did not|didn't|would not|wouldn't|declined to|refused to|has not|had not|have not) (?:immediately )?"
    r"(?:comment|respond|react)(?:ed)?\b|לא (?:הגיב|הגיבה|הגיבו|התייחס|התייחסה)|"
    r"(?:لم|رفض|رفضت) (?:\S+ )?(?:يعلق|تعلق|التعليق)",
    re.I,
)

#: "The army said it had hit militants in Nuseirat", "زعم أنه استهدف مسلحين": a strike told
#: without a strike word. Read only when the sentence has no other event cue.
_FALLBACK_STRIKE = re.compile(
    r"\b(?:it|they|its (?:aircraft|jets|forces)|the (?:army|military|IDF|air force)) (?:had |has |have )?"
    r"(?:hit|targeted|attacked|eliminated)\b|"
    r"(?<![\u0620-\u065f\u066e-\u06d3])(?:و|ف)?(?:استهدف|استهدفت|استهدفوا|استهدفنا|استهداف|باستهداف)"
    r"(?![\u0620-\u065f\u066e-\u06d3])",
    re.I,
)

#: Cues that name the event's kind more exactly than another cue over the same words or the
#: same actors: settlers raiding or burning (a settler attack, not a military raid), a
#: demolition for want of a permit (an administrative act, not a raid), anti-tank missiles
#: fired at troops (a firefight, not a rocket launch), a drone that opened fire (gunfire,
#: not an air strike).
_SETTLER_OR_ADMIN = re.compile(
    r"settler|stone|rock|permit|unlicensed|authorities|Civil Administration|municipality|structures|tents|"
    r"shelters?|cisterns?|shacks?|sheds?|caravans|מתנחל|אבנים|הצת|مستوطن|مستعمر|بالحجارة|ترخيص|ذاتيا",
    re.I,
)
_ANTI_ARMOUR = re.compile(r"anti-tank|دروع|ياسين|تاندوم|دبابة|آلية|جرافة|ناقلة", re.I)
_CLASH = re.compile(r"اشتبك", re.I)
#: Launchers that fire across a border: "Hezbollah said it fired at a base south of Haifa" is a
#: launch, not gunfire.
_LONG_RANGE_LAUNCHER = re.compile(
    r"(?:Hezbollah|Houthis?|Islamic Resistance(?: in Iraq)?|חיזבאללה|חות'ים|החות'ים|حزب الله|الحوثيون|الحوثي|"
    r"المقاومة الإسلامية)\s+(?:\S+\s+){0,2}?(?:said (?:it|they)|says? (?:it|they)|claimed|claims?|launched|fired|"
    r"sent|announced|הודיע|הודיעו|שיגר|שיגרו|ירה|ירו|أعلن|أعلنت|أطلق|أطلقت)|"
    # the Arabic verb first: "أعلن حزب الله أن مقاتليه استهدفوا ..."
    r"(?:أعلن|أعلنت|قال|قالت|تبنى|تبنت)\s+(?:\S+\s+){0,1}?(?:حزب الله|المقاومة الإسلامية|الحوثيون|جماعة الحوثي)",
    re.I,
)
_FAR_TARGET = re.compile(
    r"\b(?:bases?|posts?|positions?|barracks|towns?|city|cities|settlements?|kibbutz|northern Israel)\b|"
    r"בסיס|מוצב|עמדת|יישוב|ישובי|העיר|قاعدة|موقع|مستوطنة|ثكنة",
    re.I,
)
#: Gaza's armed groups, which fire rockets at Israeli towns ("Hamas's armed wing said it had targeted
#: Tel Aviv"); with a town as the target a strike word of theirs is a launch, not an air strike.
_GAZA_LAUNCHER = re.compile(
    r"\b(?:Hamas|Qassam|al-Qassam|Quds Brigades|Islamic Jihad|Saraya al-Quds)(?:'s?)?(?:\s+(?:armed|military)\s+wing)?"
    r"\s+(?:\S+\s+){0,1}?(?:said|says|claimed|claims|announced)\b|"
    r"(?:أعلنت|أعلن|قالت|قال|تبنت)\s+(?:\S+\s+){0,1}?(?:كتائب القسام|سرايا القدس|حماس)|"
    r"(?:בחמאס|בג'יהאד)\s+(?:\S+\s+){0,1}?(?:טענו|הודיעו|מסרו)",
    re.I,
)
_CITY_TARGET = re.compile(
    r"\b(?:Tel Aviv|Ashkelon|Ashdod|Sderot|Beersheba|Netivot|Ofakim|Jerusalem|Israeli (?:towns?|cities|city|"
    r"communities|settlements?)|the Gaza envelope)\b|تل أبيب|تل الربيع|عسقلان|أسدود|سديروت|بئر السبع|مستوطنات|"
    r"غلاف غزة|תל אביב|אשקלון|אשדוד|שדרות|באר שבע|עוטף עזה",
    re.I,
)
_DRONE_WORD = re.compile(r"drones?|UAVs?|רחפן|כטב|مسيرة|مسيّرة", re.I)
_DRONE_ONLY = re.compile(r"^(?:\S*(?:drones?|quadcopters?|طائرة|طائرات|רחפן|כטב)\S*)", re.I)
_OPENED_FIRE = re.compile(
    r"opened fire|open fire|opening fire|fired (?:on|at|upon)|أطلق(?:ت|وا)? (?:\S+ ){0,3}?(?:النار|نيرانها|الرصاص)|"
    r"פתח(?:ה|ו)? באש|ירה|ירו",
    re.I,
)
#: "the launchers from which the rockets were fired": the launch is the target's past, not this event
_LAUNCH_RELATIVE = re.compile(
    r"(?:from (?:which|where)|that had (?:fired|launched)|used to (?:fire|launch)|שממנ[הו]|שמה[םן]|מהם|"
    r"التي (?:أطلقت|انطلقت)|الذي (?:أطلق|انطلق))\s+(?:\S+\s+){0,4}$",
    re.I,
)
#: "a Palestinian accused of a shooting attack", "who had tried to carry out a stabbing": the
#: cue is the background of a person, not an event of this report.
_BACKGROUND = re.compile(
    r"(?:(?:was|were|who was|who were|who had been|being|,)\s+)?(?:accused of|suspected of|convicted of|charged with|"
    r"wanted for|jailed for|sentenced for|responsible for|attempted to (?:carry out|commit)|"
    r"tried to (?:carry out|commit)|"
    r"planning|planned|plotting|behind|perpetrator of|who (?:had )?(?:carried out|committed|perpetrated))"
    r"\s+(?:\S+\s+){0,3}$",
    re.I,
)
_ACTIVE_ACCUSATION = re.compile(r"\baccused\s+(?!of\b)\S+", re.I)
#: "after the strike", "عقب القصف", "בעקבות הירי": an event already told, named as this one's time
_AFTER_THE = re.compile(
    r"(?:\b(?:after|following|since|in response to|in retaliation for)\s+(?:the|this|that|these|those)\s+(?:\w+\s+)?|"
    r"(?:عقب|بعد|إثر|اثر|جراء)\s+|(?:בעקבות|לאחר|אחרי)\s+ה?)$",
    re.I,
)


#: Police (not Border Police, who raid in the West Bank) and arrest words: a police arrest alone is no event.
_POLICE = re.compile(
    r"(?<!Border )\bpolice\b|(?<![\u05d0-\u05ea])(?:ו|ב|ה|וה|וב)*משטרה?(?![\u05d0-\u05ea])|"
    r"(?<![\u05d0-\u05ea])(?:ו|ב)?המשטרה|الشرطة",
    re.I,
)
_ARREST = re.compile(r"arrest|detain|נעצר|עצרו|עצרה|מעצר|עצורים|اعتقل|اعتقال", re.I)
#: Stabbing and ramming cues: an arrest told with them is the attacker's, not a raid of its own.
_BLADE_OR_CAR = re.compile(r"stab|ramm|דקר|דקיר|דרס|דריס|طعن|دهس", re.I)

#: A toll counted over the war, not one event's: "more than 40,000 killed since the war began".
_RUNNING_TOTAL = re.compile(
    r"\bsince the (?:war|conflict|fighting|offensive) (?:began|started|broke out)\b|"
    r"\bsince the (?:start|beginning|outbreak) of the (?:war|conflict|fighting)\b|"
    r"\bsince (?:7 October|October 7)\b|\bso far in the war\b|"
    r"منذ بدء (?:العدوان|الحرب)|منذ (?:السابع من )?أكتوبر|מתחילת המלחמה",
    re.I,
)
#: "the 2021 raid on ...": a year naming a past event, not this report's.
_YEAR_NAMED = re.compile(r"\b(?:19|20)\d\d\s+(?:\S+\s+)?$")

#: Words that tell what is expected, not what happened ("are expected to resume talks next week").
_FORECAST = re.compile(
    r"\b(?:is|are) (?:expected|due) in\b|"
    r"\b(?:(?:is|are) (?:expected|due|set|scheduled|likely|poised|preparing) to (?:\w+ )?|will (?:\w+ )?)"
    r"(?:resume|meet|hold|travel|launch|begin|start|expand|continue|arrive|visit|return)\b|\b(?:next (?:week|month)|"
    r"in the coming (?:days|weeks|hours))\b|"
    r"(?:من المتوقع|من المقرر|الأسبوع المقبل)|(?:צפוי|צפויה|צפויים|בשבוע הבא)",
    re.I,
)
#: A standing state, not an event: "talks have been stalled for weeks".
_STANDING = re.compile(
    r"\b(?:(?:have|has) been (?:stalled|stuck|frozen|suspended)|"
    r"remain(?:s|ed)? (?:stalled|stuck|frozen|in force|in place)|"
    r"(?:has|have) (?:largely |mostly |broadly )?held|(?:largely|mostly|broadly|generally) held|"
    r"(?:is|was|are|were) (?:still |largely )?holding|remains? committed to|"
    r"(?:is|was|are|were) still waiting|"
    # a call, not talks: "renewed its call for an immediate ceasefire"
    r"(?:calls?|called|calling|appeals?|appealed) for (?:an? |the )?(?:[\w-]+ (?:and )?){0,3}?"
    r"(?:ceasefire|truce)|"
    r"stalled for (?:weeks|months|days))\b",
    re.I,
)
#: "in the humanitarian area in Khan Younis": the zone named as a place, not declared
_ZONE_AS_PLACE = re.compile(
    r"\b(?:in|inside|within|into|at|near|from|on)\s+(?:the|a|an)\s+(?:so-called\s+|designated\s+)?$", re.I
)


def _told_before_as_time(sentence: str, c: Cue) -> bool:
    """True if a cue names an event already told as another's time: "after the strike", "عقب
    القصف" (the definite noun), "בעקבות הירי"; not "بعد اقتحامه" (after storming it), which is news."""
    m = _AFTER_THE.search(sentence[max(0, c.start - 30) : c.start])
    if m is None:
        return False
    if re.search(r"[\u0620-\u064a]", m.group(0)):
        return c.text.lstrip("وفبل").startswith("ال")
    return True


def _drop_overridden(sentence: str, cues: list[Cue]) -> list[Cue]:
    """The cues of a sentence less those a more exact cue overrides or that only give background
    (see :data:`_SETTLER_OR_ADMIN`, :data:`_BACKGROUND`, :data:`_AFTER_THE`)."""
    if not cues:
        return cues
    kept = []
    for c in cues:
        before = sentence[max(0, c.start - 60) : c.start]
        if _BACKGROUND.search(before) and not _ACTIVE_ACCUSATION.search(before[-40:]):
            continue  # "a Palestinian accused of a shooting attack": who he is, not what happened
        if _YEAR_NAMED.search(before[-16:]) and re.search(r"\bthe\s+(?:19|20)\d\d\s+(?:\S+\s+)?$", before[-22:], re.I):
            continue  # "the 2021 raid on the mosque": a past event named by its year
        if c.event_type == "humanitarian_zone" and _ZONE_AS_PLACE.search(before[-30:]):
            continue  # "militants in the humanitarian area": where, not a zone declared
        if c.event_type != "negotiation" and _FORECAST.search(before[-45:]):
            continue  # "the army is expected to launch an offensive": not yet an event
        kept.append(c)
    if len(kept) > 1:
        # "troops raided the camp after the strike": the strike is the time of the raid, told before
        main = [c for c in kept if not _told_before_as_time(sentence, c)]
        if main:
            kept = main
    types = {c.event_type for c in kept}
    if "other" in types and any(c.event_type == "other" and _SETTLER_OR_ADMIN.search(c.text) for c in kept):
        # settlers "raided" a village and "attacked" houses: a settler attack, not a raid or a strike
        kept = [c for c in kept if c.event_type not in ("ground_operation", "airstrike")]
    if "shooting" in types:
        anti_tank = [c for c in kept if c.event_type == "shooting" and _ANTI_ARMOUR.search(c.text)]
        if anti_tank:
            kept = [
                c
                for c in kept
                if c.event_type not in ("rocket_launch", "shelling")
                or not any(a.start < c.end and c.start < a.end for a in anti_tank)
            ]
        if "ground_operation" in types:
            # "raided the camp and clashed with gunmen": the clash is the raid's, as the English "clashes"
            kept = [c for c in kept if c.event_type != "shooting" or not _CLASH.search(c.text)]
        if any(c.event_type == "shooting" and _OPENED_FIRE.search(c.text) for c in kept):
            # "a drone opened fire on people": gunfire from a drone, not an air strike
            kept = [c for c in kept if c.event_type != "airstrike" or not _DRONE_ONLY.match(c.text)]
    if (
        types & {"shooting", "airstrike"}
        and not types & {"rocket_launch", "shelling"}
        and _LONG_RANGE_LAUNCHER.search(sentence)
        and (_FAR_TARGET.search(sentence) or _DRONE_WORD.search(sentence))
    ):
        # "Hezbollah said it fired at a military base south of Haifa", "... claimed a drone attack on
        # an army post": a launch across the border, not gunfire or an Israeli air strike
        kept = [
            replace(c, event_type="rocket_launch") if c.event_type in ("shooting", "airstrike") else c for c in kept
        ]
    if "airstrike" in types and "rocket_launch" in types:
        # "a drone fired a missile at a car": the missile is the aircraft's, an air strike
        fired_from_air = [c for c in kept if c.event_type == "airstrike" and _AIR_MEANS.search(c.text)]
        kept = [
            c
            for c in kept
            if c.event_type != "rocket_launch"
            or not any(0 <= c.start - a.end <= 3 or a.start <= c.start < a.end for a in fired_from_air)
            or _LONG_RANGE_LAUNCHER.search(sentence) is not None
        ]
        kept = [
            c
            for c in kept
            if c.event_type != "rocket_launch" or not _LAUNCH_RELATIVE.search(sentence[max(0, c.start - 60) : c.start])
        ]
    return kept


def _cue_is_noise(sentence: str, cue: Cue) -> bool:
    """Cue words used in a non-event sense: "strike a deal", "Brigades" fighters, titles."""
    low = cue.text.lower()
    after = sentence[cue.end : cue.end + 20].lower()
    before = sentence[max(0, cue.start - 25) : cue.start].lower()
    if low in ("strike", "strikes") and re.match(r"\s+(?:a|an)\s+(?:deal|agreement|balance|tone)", after):
        return True
    if low == "talks" and re.search(r"\b(?:he|she|it)\s*$", before):
        return True
    if low in ("aircraft",) and "aid" in before:
        return True
    # "a rocket launcher", "rocket launch sites", "משגר רקטות": a target, not a launch
    if cue.event_type == "rocket_launch" and (
        re.match(r"\s*(?:launchers?|launch(?:ing)? (?:sites?|pads?|positions?|cells?|squads?))\b", after)
        or re.search(r"משגרי?\s*$", before)
    ):
        return True
    if low in ("delegation", "delegations") and not re.search(
        r"talks|negotiat|ceasefire|truce|hostage", sentence, re.I
    ):
        return True
    if low == "fighting" and re.search(r"\bpauses?\s+in\s+(?:the\s+)?$", before, re.I):
        return True  # "pauses in fighting" is a truce, not fighting
    return low in ("fighting",) and re.search(r"\bfighting (?:for|to)\b", sentence[cue.start :], re.I) is not None


def refers_back(sentence: str) -> bool:
    """True if the sentence's event words point back at an event already told."""
    return bool(_ANAPHORIC.search(sentence))
