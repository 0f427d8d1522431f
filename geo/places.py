"""Which of a sentence's place mentions are where its event happened.

Not event places: organisation and person names, where the claimant speaks from,
actors, origins, reference points and destinations; of nested places the innermost wins.
"""

from __future__ import annotations

import re
from collections.abc import Sequence

import shapely
from shapely.geometry import MultiPolygon, Polygon

from geo.claimants import LOCAL_OBSERVERS, ClaimantMatch
from geo.errors import NotFound
from geo.gazetteer import Gazetteer
from geo.metric import anchor_point, buffer_m, circle_m, distance_m, max_distance_m
from geo.model import Mention, Uncertainty
from geo.prefilter import hinted
from geo.sentences import Sentence
from geo.uncertainty import NEAR_EXTRA_M, precision_codes, qualifier_class

_DESTINATION = re.compile(
    r"\b(?:to|towards?|into|toward|for)\s+(?:the\s+)?(?:(?:so-called|designated|expanded|humanitarian|safe|area|areas|"
    r"zone|shelters?|of|in|at|western|southern|central|eastern|northern|known|as|the|an?|camps?)\s+){0,6}$",
    re.I,
)
#: The destination of an evacuation order in Arabic and Hebrew ("بالإخلاء الفوري نحو المواصي", "التوجه
#: إلى منطقة المواصي", "להתפנות לכיוון אל-מואסי", "לעבור אל המרחב ההומניטרי"): where people are sent.
_DESTINATION_AR_HE = re.compile(
    r"(?:^|\s)(?:نحو|إلى|الى|باتجاه|صوب)\s+(?:(?:منطقة|مناطق|المنطقة|مدينة|مراكز|الإيواء|الإنسانية|الآمنة)\s+){0,3}$"
    r"|(?:^|\s)(?:לכיוון|אל|דרומה\s+ל|מערבה\s+ל)\s*(?:ה?(?:מרחב|אזור|איזור)\s+(?:ה?הומניטרי\s+)?(?:ב)?)?$"
)
#: Who brokers talks ("talks mediated by Egypt and Qatar", "بوساطة مصرية قطرية"): not where they are held.
_MEDIATED_BY = re.compile(
    r"\b(?:mediated|brokered|facilitated)\s+by\s+(?:the\s+)?$|(?:بوساطة|وساطة)\s+(?:\S+\s+){0,2}$", re.I
)
_ORIGIN = hinted(
    re.compile(
        r"\bfrom\s+(?:the\s+)?(?:(?:northern|southern|central|eastern|western|north|south|parts of|areas? of|"
        r"vicinity of|outskirts of|direction of)\s+)*$"
        r"|(?:^|\s)[וש]{0,2}מ$|(?:^|\s)و?من\s+$",  # Hebrew "מ" (from) glued to the name, Arabic "من"
        re.I,
    )
)
_REFERENCE = re.compile(
    r"\b(?:border with|"
    r"(?:km|kilometres|kilometers|miles)\s+(?:from|of))\s+(?:the\s+)?(?:city\s+of\s+)?$",
    re.I,
)
_ACTOR = re.compile(
    r"(?:'s|’s)\s+(?:negotiat|army|military|government|delegation|team|forces|prime|foreign|defen|president|"
    r"ambassador|cabinet|security|war\b|air force|navy|police|officials?|leaders?|envoy|spy|intelligence|mediator)",
    re.I,
)
#: "Israel had agreed to ...", "Hamas and Israel accepted ...": a party to a deal, not its place.
_AGREES = re.compile(
    r"\s+(?:and\s+[A-Z]\w+\s+)?(?:had\s+|has\s+|have\s+)?(?:agreed|accepted|rejected|approved|signed)\b"
)
_FUTURE = re.compile(
    r"\b(?:would|will|to|plans? to|expected to)\s+(?:\w+\s+){0,2}?(?:resume|continue|meet|travel|head|go|return|move)"
    r"\s+(?:\w+\s+)?(?:in|to|towards?)\s+(?:the\s+)?$",
    re.I,
)
_SUBJECT = re.compile(
    r"\b(?:ceasefire|truce|war|fighting|deal|pauses?|conflict|hostilities|hostages?(?:\s+held)?|mediated|brokered|"
    r"between)\s+(?:in|for|on|over|by|with)?\s*(?:the\s+)?$",
    re.I,
)
_IN_PARENS = hinted(re.compile(r"\w[^()]*\([^()]*$"))
_LIST_GAP = re.compile(r"^\s*(?:,|,?\s*and|,?\s*or|/)\s*(?:the\s+)?$", re.I)
_SPEAKER_PLACE = re.compile(
    r"(?:\b(?:told\s+\w+(?:\s+\w+)?|speaking|spoke|said|statement|briefing|press conference|reporters)"
    r"\s+(?:(?!(?:strikes?|air\s*strikes?|attacks?|raids?|shelling|bombing|blast|explosion|fire|shooting|operations?|"
    r"incidents?|fighting|clashes|killing|deaths?|assault|incursion|offensive|fire)\b)\w+\s+){0,2}(?:in|from)\s+)$",
    re.I,
)
#: A wire dateline at the start of a line: where the story was filed, not where anything happened
#: ("GAZA/CAIRO (Reuters) -", "JENIN, West Bank, March 3 (AP) —", "رام الله (وفا) -").
_DATELINE = re.compile(
    r"[ \t]*(?:"
    r"[A-Z][A-Z'’.\-]+(?:[ \t]+[A-Z][A-Z'’.\-]+)*(?:[ \t]*/[ \t]*[A-Z][A-Z'’.\-]+(?:[ \t]+[A-Z][A-Z'’.\-]+)*)*"
    r"(?:,[ \t]*[A-Z][\w'’\-]*(?:[ \t]+[A-Z][\w'’\-]*)*)?"  # ", West Bank"
    r"(?:,[ \t]*[A-Z][a-z]{2,8}\.?[ \t]+\d{1,2}(?:,[ \t]*\d{4})?)?"  # ", March 3"
    r"[ \t]*(?:\([^()\n]{1,40}\)[ \t]*)?[-—–]{1,2}(?=\s)"
    r"|[\u0600-\u06ff]+(?:[ \t]+[\u0600-\u06ff]+){0,2}[ \t]+[\d٠-٩]{1,2}[-/.][\d٠-٩]{1,2}[-/.][\d٠-٩]{2,4}[ \t]*"
    r"(?:[\u0600-\u06ff]+[ \t]*)?(?:\([^()\n]{1,40}\)[ \t]*)?[-—–](?=\s)"  # "جنين 11-8-2025 وفا-"
    r"|[\u0600-\u06ff]+(?:[ \t]+[\u0600-\u06ff]+){0,2}[ \t]*"
    r"(?:/[ \t]*[\u0600-\u06ff]+(?:[ \t]+[\u0600-\u06ff]+){0,2}[ \t]*)*"
    r"(?:\([^()\n]{1,40}\)[ \t]*)?[-—–](?=\s)"
    r")"
)
#: Where people fled or were moved to: the destination of a movement, not the place of the event.
_MOVED_TO = re.compile(
    r"(?:\b(?:fled|flee|flees|fleeing|displaced|relocated|relocating|walked|walking|returned|returning|"
    r"made\s+their\s+way|sought\s+(?:refuge|shelter)|evacuat(?:e|ed|ing))"
    r"|\b(?:families|residents|people|civilians|thousands|hundreds|they|them)\b[^.;]{0,40}?\b(?:moved|moving|headed|"
    r"heading|went|go|going))"
    r"\s+(?:\w+\s+){0,3}?(?:to|towards?)\s+(?:the\s+)?(?:(?:so-called|designated|humanitarian|safe|area|zone|"
    r"shelters?|of|western|southern|central|eastern|northern|coastal|city|town)\s+){0,4}$"
    r"|(?:نزح|نزوح|نازح|فر|فرار|هرب|توجه|لجأ|انتقل|ينزح|يفر)\S*\s+(?:\S+\s+){0,5}?(?:نحو|إلى|الى|باتجاه)\s+"
    r"(?:منطقة\s+|مدينة\s+)?$"
    # where forces were heading: "tanks moved south of Gaza City overnight towards Wadi Gaza", "تقدمت
    # الدبابات باتجاه", "התקדמו לעבר": the event is where they moved, the heading is no event place
    r"|\b(?:moved|moving|advanced|advancing|pushed|pushing|headed|heading|drove|driving|rolled|rolling)\b"
    r"[^.;]{0,60}?\btowards?\s+(?:the\s+)?$"
    r"|(?:تقدم|توغل)\S*\s+(?:\S+\s+){0,5}?(?:نحو|باتجاه)\s+$"
    r"|(?:התקדמ|נע|נעו|נסעו)\S*\s+(?:\S+\s+){0,4}?לעבר\s*$",
    re.I,
)
#: Where a person comes from ("a resident of the town of X", "a native of X", "a 19-year-old from the
#: West Bank city of X", "the suspect, a resident of the Bedouin town of X", "من سكان X", "תושב X"):
#: not the event place.
_KIND_OF = (
    r"(?:(?:[\w'’\-]+\s+){0,3}?"
    r"(?:town|city|village|camp|refugee camp|community|hamlet|neighbou?rhood|area|district)\s+of\s+)?"
)
_HOME = re.compile(
    r"\b(?:an?|the)\s+(?:\d+-year-old\s+)?(?:resident|native|inhabitant)s?\s+of\s+(?:the\s+)?" + _KIND_OF + r"$"
    r"|\b(?:hails?|hailed|originally)\s+from\s+(?:the\s+)?" + _KIND_OF + r"$"
    # a person from a place: "a 40-year-old man from the West Bank city of", "two brothers from"
    r"|\b(?:\d+-year-old|man|woman|boy|girl|teen(?:ager)?s?|youths?|men|women|suspects?|assailants?|attackers?|"
    r"gunm[ae]n|terrorists?|drivers?|shepherds?|farmers?|workers?|labou?rers?|brothers?|fathers?|mothers?|sons?|"
    r"daughters?|cousins?|relatives?|family|students?|fishermen|fisherman)\b,?\s+(?:\w+\s+)?from\s+(?:the\s+)?"
    + _KIND_OF
    + r"$"
    r"|(?:^|\s)من\s+(?:سكان|أهالي|اهالي|أبناء|ابناء)\s+(?:بلدة\s+|مدينة\s+|قرية\s+|مخيم\s+)?$"
    r"|(?:^|\s)(?:وهو|وهي|وهم|ابن|ابنة)\s+(?:من\s+)?(?:بلدة\s+|مدينة\s+|قرية\s+|مخيم\s+)$"
    r"|(?:^|\s)ו?(?:תושב|תושבת|תושבי|יליד|ילידת|ילידי)\s+(?:ה?(?:עיר|כפר|מחנה(?:\s+הפליטים)?|יישוב)\s+)?$",
    re.I,
)
#: Diplomacy told beside an event ("talks mediated by Qatar and Egypt resumed in Doha"): not its place.
_DIPLOMACY = re.compile(
    r"\b(?:mediated|brokered|hosted|facilitated)\s+by\s+(?:the\s+)?$"
    r"|\b(?:talks|negotiations|negotiators|summit|mediators?|envoys?|delegations?|diplomats?)\b[^.;:,]{0,40}?"
    r"\b(?:in|to|at)\s+(?:the\s+)?$"
    r"|(?:بوساطة|وساطة)\s+(?:\S+\s+){0,2}$",
    re.I,
)


#: A place named as the governorate or district a finer place lies in ("in the Nabatieh governorate",
#: "بمحافظة الخليل", "في قضاء صور", "שבנפת חברון", "במחוז הצפון"): the admin context, not a second place.
_ADMIN_AFTER = re.compile(r"\s+(?:governorate|governate|province)\b", re.I)
_ADMIN_BEFORE = hinted(
    re.compile(r"(?:^|\s)(?:و?[بل]|و?في\s+)?(?:محافظة|قضاء|لواء)\s+$|(?:^|\s)[ושב]{0,3}(?:נפת|מחוז)\s+$")
)
#: A deed of a person's past told to say who they are ("a commander who took part in the October 7 attack
#: on Kibbutz Be'eri", "the man behind the 2022 bombing in Jerusalem", "الذي شارك في ...", "שהשתתף ב..."):
#: an earlier event, not this one's place.
_PAST_DEED = re.compile(
    r"\b(?:who|which|that)\s+(?:had\s+|has\s+)?(?:took\s+part|taken\s+part|participated|carried\s+out|led|planned|"
    r"orchestrated|masterminded|perpetrated|committed|was\s+involved|were\s+involved|was\s+behind|were\s+behind)\b"
    r"[^.;:()]{0,60}$"
    r"|\b(?:October\s+7|7\s+October|Oct\.?\s+7)(?:th)?,?\s+(?:\d{4}\s+)?(?:attacks?|massacres?|assault|onslaught|raid)\s+"
    r"(?:on|in)\s+(?:the\s+)?(?:kibbutz\s+)?$"
    r"|(?:الذي|التي|الذين)\s+(?:شارك|شاركوا|نفذ|نفذوا|خطط|قاد)\S*\s+[^،,.:]{0,60}$"
    r"|(?:^|\s)ש(?:השתתף|השתתפו|ביצע|ביצעו|תכנן|תכננו|היה\s+מעורב|היו\s+מעורבים)\s+[^,.:]{0,60}$",
    re.I,
)
#: A threat, a plan or a condition ("threatened to flatten Dahiyeh", "vowed to retaliate against Tehran",
#: "is expected to expand its operation into Rafah", "said it would strike", "if rocket fire on Kiryat Shmona
#: continued"; "هدد بقصف إيلات", "إذا استمر العدوان على غزة"; "איים לתקוף את חיפה", "אם ישראל תמשיך"):
#: what may happen is not where anything happened. Not read in evacuation orders, which say where the
#: army "will operate", nor in talks, whose venue may be told ahead ("it would send a delegation to Cairo").
_THREAT = re.compile(
    r"\b(?:threaten(?:s|ed|ing)?|vow(?:s|ed|ing)?|pledg(?:e|es|ed|ing)|"
    r"(?:is|are|was|were)\s+(?:expected|set|poised|preparing|planning|due|likely)\s+to|plans?\s+to|intends?\s+to|"
    r"(?:would|will)\s+(?:strike|attack|hit|bomb|target|flatten|destroy|invade|raid|retaliate|respond))\b[^.;:!?]{0,60}$"
    r"|\bif\s+[^.;:!?,]{0,60}$"
    r"|(?:^|\s)(?:هدد|هددت|يهدد|تهدد|توعد|توعدت|يتوعد|سوف|إذا|اذا|لو|في حال)\s+[^،,.:]{0,60}$"
    r"|(?:^|\s)ו?(?:איים|איימה|איימו|מאיים|מאיימת|עלול|עלולה|עלולים|צפוי|צפויה|צפויים|אם)\s+[^,.:]{0,60}$",
    re.I,
)
#: Where the dead were mourned or buried ("the funeral in Jenin of ...", "mourners in Nablus", "شيع
#: المواطنون في جنين", "تشييع جثامين الشهداء في مخيم ...", "הלוויה ב..."): not where they were killed.
_FUNERAL = re.compile(
    r"\b(?:funerals?|mourners?|mourning|buried|burial|laid\s+to\s+rest|funeral\s+procession)\b[^.;:,()]{0,40}?"
    r"\b(?:in|at)\s+(?:the\s+)?(?:(?:town|city|village|camp|refugee\s+camp)\s+of\s+)?$"
    r"|(?:تشييع|شيع|شيّع|جنازة|جنازات|موكب|دفن|ووري)\S*\s+(?:\S+\s+){0,5}?(?:في|ب)\s*(?:مدينة\s+|مخيم\s+|بلدة\s+|قرية\s+)?$"
    r"|(?:הלוויה|הלווייתו|הלווייתה|הלוויית|נקבר|נקברה|נטמן|נטמנה)\S*\s+(?:\S+\s+){0,4}?ב?$",
    re.I,
)
#: A place named as what a war, a truce or a deal is about ("a Gaza ceasefire", "the Gaza war", "Lebanon
#: truce talks"): the subject, not where anything happened.
_SUBJECT_AFTER = re.compile(
    r"\s+(?:ceasefire|cease-fire|truce|war|deal|hostages?|peace|conflict|file|envoy)\b(?!\s+(?:zone|area))", re.I
)
#: A border named by the place beyond it ("near the Gaza border", "on the Gaza-Israel border", "בגבול
#: רצועת עזה", "على الحدود مع لبنان"): the place only situates the event, which is on this side of it.
_BORDER_AFTER = re.compile(
    r"(?:\s*[-–]\s*[A-Z][\w'’]+)?\s+(?:border|frontier|boundary|perimeter\s+fence|fence)\b", re.I
)
_BORDER_BEFORE = re.compile(
    r"(?:^|\s)[ולב]?(?:ב|ל|מ)?(?:גבול|גדר)\s+(?:ה)?$|(?:^|\s)(?:على\s+)?(?:حدود|الحدود|السياج)\s+(?:مع\s+)?(?:قطاع\s+)?$"
)
#: What an event answers ("a response to the killing of civilians in Khan Younis", "in retaliation for
#: the strike on Jabalia", "ردا على المجزرة في ...", "בתגובה לירי מ..."): an earlier event, not this one's place.
_ANSWERS = re.compile(
    r"\b(?:response|retaliation|revenge|reprisal|avenge)\s+(?:to|for)?\s*[^,;.:()]{0,60}$"
    r"|\bto\s+avenge\s+[^,;.:()]{0,60}$"
    r"|(?:ردا|رداً|ردًا|انتقاما|انتقامًا|انتقاماً)\s+(?:على|ل)\S*\s+[^،,.:]{0,60}$"
    r"|(?:בתגובה|כתגובה|נקמה)\s+(?:על|ל)\S*[^,.:]{0,60}$",
    re.I,
)


def dateline_end(text: str, start: int) -> int:
    """End offset of a wire dateline opening the line that holds ``start`` (``-1`` if there is none)."""
    line = text.rfind("\n", 0, start) + 1
    m = _DATELINE.match(text, line)
    return m.end() if m is not None and m.end() - line <= 90 else -1


#: Openings that mark a new, unrelated event: it does not inherit the time of the one before.


def event_places(
    text: str,
    sentence: Sentence,
    mentions: Sequence[Mention],
    etype: str,
    claimant: ClaimantMatch | None,
    *,
    destinations: bool = True,
) -> tuple[list[Mention], list[Mention]]:
    """Split the mentions in a sentence into event places and the claimant's places.

    Not event places: organisation and person names ("Khan Younis Brigade"), where the
    claimant speaks from ("a Hamas official in Doha"), actors ("Israel's negotiating
    team"), origins ("rockets fired from Gaza", "mediators from Qatar"), reference
    points ("north of Khan Younis", "the border with Egypt"), the destination of an
    evacuation ("move to al-Mawasi"), and countries when a finer place is named. Origins
    and reference points are used when nothing else is named; destinations last, and only
    when ``destinations`` is true: a sentence that tells no event of its own ("the bodies were
    taken to Nasser hospital in Khan Younis") lends no destination to the event it adds to.
    """
    roles: list[tuple[Mention, str]] = []
    speaker: list[Mention] = []
    narrowing: dict[int, Mention] = {}  # id of a place -> the direction reference that situates it
    situates: dict[int, Mention] = {}  # id of a reference -> the place it only situates
    prev: tuple[Mention, str] | None = None
    local_claimant = claimant is not None and claimant.name in LOCAL_OBSERVERS
    dateline = dateline_end(text, sentence.start)
    for m in mentions:
        if is_organisation_or_person(text, m.start, m.end):
            continue
        rel_s = m.start - sentence.start
        before = sentence.text[max(0, rel_s - 60) : rel_s]
        after = text[m.end : m.end + 40]
        in_claimant = claimant is not None and rel_s < claimant.end and claimant.start < m.end - sentence.start
        if (in_claimant and not local_claimant) or _SPEAKER_PLACE.search(before) or m.end <= dateline:
            speaker.append(m)  # the claimant's place, or the dateline's: where it was told or filed
            continue
        if _ACTOR.match(after) or (etype == "negotiation" and _AGREES.match(after)):
            role = "actor"
        elif (
            _ANSWERS.search(before)
            or _PAST_DEED.search(before)
            or (etype not in ("evacuation_order", "humanitarian_zone", "negotiation") and _THREAT.search(before))
        ):
            role = "background"  # "calling it a response to the killing of civilians in Khan Younis"
        elif etype == "negotiation" and (_ORIGIN.search(before) or _MEDIATED_BY.search(before)):
            role = "background"  # "talks mediated by Egypt", "mediators from Qatar": who talks, not where
        elif (
            prev is not None
            and prev[1] in ("origin", "reference", "destination", "background")
            and _LIST_GAP.match(text[prev[0].end : m.start])
        ):
            role = prev[1]  # "mediators from Qatar, Egypt and the United States"
            if id(prev[0]) in situates:
                situates[id(m)] = situates[id(prev[0])]
        elif _ORIGIN.search(before) or _HOME.search(before):
            role = "origin"  # "rockets fired from Gaza", "a resident of the town of Tammun"
        elif etype != "negotiation" and _DIPLOMACY.search(before):
            role = "reference"  # "as talks mediated by Qatar resumed in Doha": not where the event was
        elif prev is not None and prev[1] == "place" and _holds(text, m, prev[0]):
            if qualifier_class(prev[0].qualifier) == "direction" and _RANK.get(m.kind or "", 9) <= 2:
                # "a tent west of Khan Younis in al-Mawasi", "غرب خان يونس في المواصي": the direction from
                # the town says where in the container the event was; the container is the place
                roles[-1] = (prev[0], "reference")
                narrowing[id(m)] = prev[0]
                situates[id(prev[0])] = m
                role = "place"
            else:
                role = "reference"  # "the Asqoula area of Zeitoun", "عسقولة في حي الزيتون": the container
                situates[id(m)] = prev[0]
        elif prev is not None and prev[1] == "place" and _near_town(text, prev[0], m):
            role = "reference"  # "Beita near Nablus", "بيتا قرب نابلس", "ביתא ליד שכם": the town situates the village
            situates[id(m)] = prev[0]
        elif prev is not None and prev[1] == "place" and _road_in(text, prev[0], m):
            # "on Salah al-Din Street in Deir al-Balah": the stretch of a long road inside the town
            roles[-1] = (prev[0], "reference")
            situates[id(prev[0])] = m
            role = "place"
        elif _DIRECTION_OF.search(before) and (situated := _after_a_place(text, before, mentions, m)) is not None:
            role = "reference"  # "al-Mawasi, west of Khan Younis": Khan Younis only says where al-Mawasi is
            narrowing[id(situated)] = m
            situates[id(m)] = situated
        elif _IN_PARENS.search(before):
            role = "reference"  # "Nur Shams camp (Tulkarm, West Bank)": the admin context of a place
            if prev is not None:
                situates[id(m)] = prev[0]
        elif (
            _REFERENCE.search(before)
            or _FUTURE.search(before)
            or _BORDER_AFTER.match(after)
            or _BORDER_BEFORE.search(before)
        ):
            role = "reference"  # "the border with Egypt", "near the Gaza border"
        elif _ADMIN_AFTER.match(after) or _ADMIN_BEFORE.search(before):
            role = "reference"  # "Bint Jbeil, in the Nabatieh governorate", "بيت أمر بمحافظة الخليل": the admin area
        elif _FUNERAL.search(before):
            role = "reference"  # "the funeral in Jenin of three men killed in Tubas": where they were mourned
        elif _SUBJECT_AFTER.match(after):
            role = "reference"  # "talks on a Gaza ceasefire", "since the Gaza war began": what, not where
        elif etype == "negotiation" and _SUBJECT.search(before):
            role = "reference"  # "talks in Cairo on a ceasefire in Gaza": Gaza is what the talks are about
        elif etype == "evacuation_order" and (
            (_DESTINATION.search(before) and not _ORDER_FOR.search(before)) or _DESTINATION_AR_HE.search(before)
        ):
            role = "destination"
        elif etype != "negotiation" and (_TAKEN_TO.search(before) or _MOVED_TO.search(before) or _ROUTE.search(before)):
            role = "destination"  # "the wounded were taken to Nasser Hospital": not where it happened
        else:
            role = "place"
        roles.append((m, role))
        prev = (m, role)
    first_place = next((k for k, (_, r) in enumerate(roles) if r == "place"), None)
    if first_place is not None and any(
        r == "place" and _frames(text, sentence, roles[first_place][0], m) for m, r in roles[first_place + 1 :]
    ):
        roles[first_place] = (roles[first_place][0], "reference")
    for k, (m, r) in enumerate(roles):
        if (
            r == "place"
            and _NEAR.match(m.qualifier or "")
            and any(r2 == "place" and o is not m and _near_site(m, o) for o, r2 in roles)
        ):
            roles[k] = (m, "reference")  # "a bus stop at Gome junction ... near Kiryat Shmona": it situates the site
    places = [situate(m, narrowing[id(m)]) if id(m) in narrowing else m for m, r in roles if r == "place"]
    if etype == "rocket_launch" and places:
        # "a rocket launched from Zeitoun fell short inside the Strip": the launch site lies within the
        # wide place the rocket fell in, so it is the finer place of the event
        origins = [m for m, r in roles if r == "origin"]
        inner = [o for o in origins if any(_RANK.get(p.kind or "", 0) >= 3 and contains(p, o) for p in places)]
        if inner and all(_RANK.get(p.kind or "", 0) >= 3 for p in places):
            places = inner
    if not places:
        fallback = [m for m, r in roles if r in ("origin", "reference")]
        # a reference that only says where another fallback place is ("من مخيم الفارعة جنوب طوباس")
        places = [m for m in fallback if not any(situates.get(id(m)) is o for o in fallback)]
    if not places and destinations:
        places = [m for m, r in roles if r == "destination"]
    if not places:
        actors = [m for m, r in roles if r == "actor"]
        places = actors if len(actors) == 1 else []  # "Qatar's and Egypt's mediators" say nothing of where
    finer = [m for m in places if not is_country(m)]
    if finer and any(m.geometry is not None for m in finer):
        places = finer
    return places, speaker


#: What stands between a place and the quarter or town it lies in ("Asqoula area of Zeitoun",
#: "Sabra in Gaza City", "عسقولة في حي الزيتون", "זייתון שבעזה").
_CONTAINED_GAP = re.compile(
    r"^\s*(?:(?:area|areas|part|parts|district|neighbou?rhood|quarter|junction|street|road)\s+)?"
    r"(?:of|in|inside|within)\s+(?:the\s+)?(?:(?:north|south|east|west|north-?east|north-?west|south-?east|"
    r"south-?west)(?:ern)?\s+)?(?:(?:neighbou?rhood|district|quarter|city|town|camp)\s+of\s+)?$"
    r"|^\s*(?:في|ب|داخل|وسط)\s*(?:حي|منطقة|مدينة|مخيم|بلدة)?\s*$"
    r"|^\s*(?:ש?ב|ש?בתוך)(?:שכונת|העיר|עיר|מחנה)?\s*$"
    # a camp or quarter named with the town it adjoins ("Nur Shams camp near Tulkarm", "مخيم نور شمس قرب
    # طولكرم", "נור שמס שליד טולכרם"): one place, the finer one; the geometry test below still applies
    r"|^\s*(?:camp\s+)?(?:near|outside|close\s+to|on\s+the\s+outskirts\s+of)\s+(?:the\s+)?"
    r"(?:(?:city|town)\s+of\s+)?$"
    r"|^\s*(?:قرب|بالقرب\s+من|قرب\s+مدينة|بالقرب\s+من\s+مدينة)\s*$"
    r"|^\s*ש?(?:ליד|סמוך\s+ל-?|בסמוך\s+ל-?|בקרבת)\s*$",
    re.I,
)
#: A sentence that opens by naming the town its event is in ("In Tulkarm, troops raided Nur Shams
#: camp", "وفي طولكرم، اقتحمت ...", "בטולכרם, ..."): the town frames the finer place told after it.
_FRAME_BEFORE = re.compile(r"^\s*(?:(?:In|At|Inside|Meanwhile,?\s+in)\s+(?:the\s+)?|و?في\s+|و?ب|ו?ב)$", re.I)
_FRAME_AFTER = re.compile(r"^\s*[,،]")


def _frames(text: str, sentence: Sentence, outer: Mention, inner: Mention) -> bool:
    """True if ``outer`` opens the sentence as its frame ("In Tulkarm, ...") and ``inner``, told
    after it, lies within it: the event is at ``inner``, and ``outer`` only says where that is."""
    if inner.start <= outer.end or not _FRAME_AFTER.match(text[outer.end : outer.end + 3]):
        return False
    if not _FRAME_BEFORE.match(text[sentence.start : outer.start]):
        return False
    return _lies_within(outer, inner) or _frame_holds(outer, inner)


#: How far beyond a framing town's own radius a finer place told after it may lie (m): "In Tubas, a
#: drone struck near Far'a camp", "وفي الخليل، ... في بلدة بيت أمر شمال المدينة" name the town for its
#: district, whose villages and camps lie up to this far from the town's point.
FRAME_EXTRA_M = 15_000.0


def _frame_holds(outer: Mention, inner: Mention) -> bool:
    """True if ``inner`` is a smaller place (a camp or quarter, or a town of smaller extent) lying
    within :data:`FRAME_EXTRA_M` of the framing town ``outer``'s extent."""
    if outer.geometry is None or inner.geometry is None or outer.uncertainty is None or inner.uncertainty is None:
        return False
    ro, ri = _RANK.get(outer.kind or ""), _RANK.get(inner.kind or "")
    if ro is None or ri is None or ro < 2 or ri > ro:
        return False
    if ri == ro and inner.uncertainty.radius_m >= outer.uncertainty.radius_m:
        return False
    gap = distance_m(anchor_point(outer.geometry), anchor_point(inner.geometry))
    return gap <= outer.uncertainty.radius_m + FRAME_EXTRA_M


_NEAR = re.compile(r"\s*(?:near|close\s+to|nearby|in\s+the\s+vicinity|vicinity|ליד|סמוך|בסמוך|בקרבת|قرب|بالقرب)", re.I)


_NEAR_GAP = re.compile(
    r"^\s*,?\s*(?:(?:which|that)\s+is\s+|(?:an?|the)\s+(?:\w+\s+)?(?:town|village|city|camp|hamlet|community)\s+)?"
    r"(?:near|close\s+to|just\s+outside|outside|not\s+far\s+from|in\s+the\s+vicinity\s+of)\s+(?:the\s+)?"
    r"(?:(?:city|town)\s+of\s+)?$"
    r"|^\s*[،,]?\s*(?:قرب|بالقرب\s+من|قريبا\s+من|قريبًا\s+من|على\s+مقربة\s+من)\s*(?:مدينة\s+)?$"
    r"|^\s*,?\s*ש?(?:ליד|סמוך\s*ל-?|בסמוך\s*ל-?|בקרבת|בסמיכות\s*ל)\s*(?:ה?עיר\s+)?$",
    re.I,
)


def _near_town(text: str, place: Mention, town: Mention) -> bool:
    """True if ``town`` follows ``place`` as the larger town it is near ("Beita near Nablus", "بيتا قرب
    نابلس", "ביתא ליד שכם"): the town only says where the place is, within :data:`FRAME_EXTRA_M` of it."""
    if not _NEAR_GAP.match(text[place.end : town.start]):
        return False
    if place.geometry is None or town.geometry is None or place.uncertainty is None or town.uncertainty is None:
        return False
    if town.uncertainty.radius_m < place.uncertainty.radius_m:
        return False
    gap = distance_m(anchor_point(town.geometry), anchor_point(place.geometry))
    return gap <= town.uncertainty.radius_m + FRAME_EXTRA_M


def _near_site(town: Mention, site: Mention) -> bool:
    """True if ``site`` is a smaller place (a junction, a crossing, a quarter, a camp) inside the
    extent "near ``town``" gives the town: the town then only says where the site is."""
    if town.geometry is None or site.geometry is None or town.uncertainty is None or site.uncertainty is None:
        return False
    rt, rs = _RANK.get(town.kind or ""), _RANK.get(site.kind or "")
    if rt is None or rs is None or rs >= rt:
        return False
    gap = distance_m(anchor_point(town.geometry), anchor_point(site.geometry))
    return gap <= town.uncertainty.radius_m * 1.1 + 1000.0


#: Kinds of long places (roads, corridors) whose stretch inside a town is told as "X Street in Town".
_LONG_KINDS = frozenset({"corridor", "road", "street", "highway"})


def _road_in(text: str, road: Mention, town: Mention) -> bool:
    """True if ``town`` follows the long road ``road`` as where on it the event was ("on Salah al-Din
    Street in Deir al-Balah", "شارع صلاح الدين في دير البلح"): the road's extent is wider than the
    town's, so the town is the finer place and the road only says where in it."""
    if (road.kind or "") not in _LONG_KINDS or town.geometry is None or road.uncertainty is None:
        return False
    if (town.kind or "") in _LONG_KINDS or town.uncertainty is None:
        return False
    if town.uncertainty.radius_m >= road.uncertainty.radius_m:
        return False
    return bool(_CONTAINED_GAP.match(text[road.end : town.start]))


def _holds(text: str, outer: Mention, inner: Mention) -> bool:
    """True if ``outer`` follows ``inner`` as its container ("Asqoula area of Zeitoun") and lies
    around it: ``inner`` within ``outer``'s radius (plus 2 km) and ``outer`` the wider place."""
    gap = text[inner.end : outer.start]
    if not _CONTAINED_GAP.match(gap):
        return False
    if _AREA_OF_GAP.match(gap) and _district_holds(outer, inner):
        return True  # "the Masafer Yatta area of Hebron": the town is named for its district
    return _lies_within(outer, inner)


#: "the X area of Y", "the X district of Y": Y is named for the district around it.
_AREA_OF_GAP = re.compile(r"^\s*(?:area|areas|district|region|hills)\s+of\s+(?:the\s+)?$", re.I)


def _district_holds(outer: Mention, inner: Mention) -> bool:
    """True if ``inner`` lies within :data:`FRAME_EXTRA_M` of the town ``outer``'s extent."""
    if outer.geometry is None or inner.geometry is None or outer.uncertainty is None:
        return False
    if (outer.kind or "") != "city":
        return False
    gap = distance_m(anchor_point(outer.geometry), anchor_point(inner.geometry))
    return gap <= outer.uncertainty.radius_m + FRAME_EXTRA_M


def _lies_within(outer: Mention, inner: Mention) -> bool:
    """True if ``inner`` lies within ``outer``'s radius (plus 2 km) and ``outer`` is the wider place."""
    if outer.geometry is None or inner.geometry is None or outer.uncertainty is None or inner.uncertainty is None:
        return False
    if outer.uncertainty.radius_m < inner.uncertainty.radius_m:
        return False
    gap = distance_m(anchor_point(outer.geometry), anchor_point(inner.geometry))
    return gap <= outer.uncertainty.radius_m + 2000.0


#: "evacuation orders for X", "warnings for X": X is the area ordered out, not where people go.
_ORDER_FOR = re.compile(
    r"\b(?:orders?|warnings?|notices?|calls?|instructions?|maps?)\s+"
    r"(?:(?:were|was|is|are|has|have|had|been|being|issued|published|posted|given|sent|also|now)\s+){0,3}"
    r"for\s+(?:the\s+)?"
    r"(?:(?:residents|people|inhabitants)\s+of\s+(?:the\s+)?)?$",
    re.I,
)


#: Where casualties were brought, not where the event was ("ambulances arriving at al-Aqsa Hospital",
#: "taken to a hospital in Ramallah", "rushed to Soroka Medical Center in Beersheba", "died of his wounds
#: at a hospital in Nablus"; "نقل الجرحى إلى مستشفى العودة في النصيرات", "وصلوا إلى مستشفى الشفاء";
#: "פונה לבית החולים שמיר", "הובהלו לסורוקה בבאר שבע").
_HOSPITAL = r"(?:hospitals?|medical\s+cent(?:re|er)s?|clinics?|infirmary|field\s+hospital|trauma\s+cent(?:re|er))"
_TAKEN_TO = re.compile(
    r"\b(?:arriv(?:e|ed|es|ing)|brought|taken|transferred|rushed|admitted|evacuated|carried)\s+(?:\w+\s+){0,2}?"
    r"(?:to|at|in)\s+(?:the\s+)?(?:nearby\s+)?$"
    r"|\b(?:arriv(?:e|ed|es|ing)|brought|taken|transferred|rushed|admitted|evacuated|carried|airlifted|flown|"
    r"treated|hospitali[sz]ed|died|succumbed|pronounced\s+dead)\s+(?:[\w'’\-]+\s+){0,4}?(?:to|at|in)\s+"
    r"(?:the\s+|an?\s+)?(?:nearby\s+)?(?:[\w'’\-]+\s+){0,4}?" + _HOSPITAL + r"\s+(?:in|at|of)\s+(?:the\s+)?"
    r"(?:(?:city|town)\s+of\s+)?$"
    r"|(?<!\S)[وف]?(?:نقل|نُقل|نقلت|نقلوا|نقله|نقلهم|وصل|وصلت|وصلوا|أدخل|ادخل|أدخلت|حول|حُول|حولت|أسعف|أسعفت|"
    r"توفي|توفيت)\S*\s+(?:\S+\s+){0,5}?(?:إلى|الى|في|ل)\s*"
    r"(?:(?:مستشفى|المستشفى|مستشفيات|مجمع|المجمع)\s+(?:\S+\s+){0,4}?(?:في|ب)\s*(?:مدينة\s+|مخيم\s+|بلدة\s+)?)?$"
    r"|(?<!\S)ו?(?:פונה|פונתה|פונו|הובהל|הובהלה|הובהלו|הועבר|הועברה|הועברו|הוטס|הוטסה|הוטסו|נלקח|נלקחה|נלקחו|"
    r"אושפז|אושפזה|אושפזו|הגיע|הגיעה|הגיעו|נפטר|נפטרה|מת|מתה)\s+(?:\S+\s+){0,4}?"
    r"(?:ל|אל\s+|ב)(?:(?:בית\s+ה?חולים|בי\"ח|ביה\"ח|מרכז\s+רפואי|המרכז\s+הרפואי)\s*(?:\S+\s+){0,3}?(?:ש?ב)?)?$",
    re.I,
)
#: The road people are told to take ("move south via Salah al-Din Road", "عبر شارع الرشيد",
#: "דרך ציר צלאח א-דין"): a route of the movement, not where the event is.
_ROUTE = re.compile(r"\b(?:via|by way of)\s+(?:the\s+)?$|(?:^|\s)عبر\s+$|(?:^|\s)דרך\s+$", re.I)
#: A direction phrase right before a place ("west of", "north-east of").
_DIRECTION_OF = re.compile(
    r"\b(?:north|south|east|west|north-?east|north-?west|south-?east|south-?west)(?:ern)?\s+of\s+(?:the\s+)?"
    r"(?:city\s+of\s+)?$"
    r"|(?:^|\s)(?:شمال|جنوب|شرق|غرب|شمالي|جنوبي|شرقي|غربي)\s+(?:مدينة\s+)?$"  # Arabic "غرب خان يونس"
    r"|(?:^|\s)ו?מ?(?:צפו[ןנ]|דרו[םמ]|מזרח|מערב)(?:ית)?(?:\s+ל-?|\s*-?ל|\s+)$",  # Hebrew "ממערב לחאן יונס"
    re.I,
)
#: What may stand between a place and a direction phrase that only situates it
#: ("Qarara, north of", "al-Mawasi, the coastal area west of", "Abasan and Khuza'a east of").
_SITUATING_GAP = re.compile(
    r"^[\s,()\"“”«»']*(?:(?:the|a|its|coastal|southern|northern|eastern|western|area|areas|district|neighbou?rhoods?|camp|"
    r"town|village|city|zone|strip|which|is|lies|located|just|some|about|and|checkpoint|crossing|junction|"
    r"intersection|roundabout|road|street|highway|bypass|entrance|gate|outpost|settlement|hospital|school|mosque|"
    r"market|square|bridge|station|base|military|army|post|tower|hill|valley|outskirts|refugee|"
    r"حاجز|معبر|مفترق|دوار|شارع|طريق|مدخل|مستشفى|مدرسة|مسجد|سوق|بلدة|قرية|مخيم|منطقة|موقع|"
    r"العسكري|العسكرية|الإسرائيلي|الإسرائيلية|الاسرائيلي|الاسرائيلية|"
    r"מחסום|מעבר|צומת|כביש|שער|מוצב|בסיס|הצבאי|הצבאית)(?:[\s,()\"“”«»']+|$))*$",
    re.I,
)


def _after_a_place(text: str, before: str, inside: Sequence[Mention], m: Mention) -> Mention | None:
    """The place of the sentence that the direction phrase before ``m`` only situates ("In Qarara,
    north of Khan Younis": Qarara), so ``m`` is a reference point; None when there is none."""
    phrase = _DIRECTION_OF.search(before)
    if phrase is None:
        return None
    at = m.start - len(before) + phrase.start()  # where the direction phrase starts in the text
    prev = [p for p in inside if p.end <= at]
    return prev[-1] if prev and _SITUATING_GAP.match(text[prev[-1].end : at]) else None


#: How far (m) past a town's half a road or border strip may run and still be "east of" the town.
LINEAR_REACH_M = 5000.0
#: A narrowed place must keep at least this share of its extent, or the direction is not used
#: (the reference's half and the place barely touch: the phrase situates, it does not cut).
SITUATE_MIN_SHARE = 0.05


def situate(place: Mention, ref: Mention) -> Mention:
    """``place`` narrowed to the part of it in the direction ``ref``'s qualifier gives.

    "al-Mawasi, west of Khan Younis": the reference was already placed on the western half of
    Khan Younis's extent (:func:`geo.uncertainty.half_of`); the event is in the part of
    al-Mawasi inside that half, so the point moves to that part and the radius covers it.
    The place is returned unchanged when either has no extent, the reference has no
    direction, or the two barely overlap (less than ``SITUATE_MIN_SHARE`` of the place).
    """
    if place.geometry is None or place.uncertainty is None or ref.uncertainty is None:
        return place
    half = ref.uncertainty.region
    if half is None or qualifier_class(ref.qualifier) not in ("direction", "part"):
        return place
    own = place.uncertainty.region
    if own is None:
        own = circle_m(anchor_point(place.geometry), place.uncertainty.radius_m)
    part = own.intersection(half)
    # a road, corridor or border strip is long: "the Gaza border east of Khan Younis" keeps only the
    # stretch by the town however small a share of the whole line it is, and when the line passes
    # beyond the town's own half (the fence lies past Khan Younis's eastern edge), the stretch within
    # LINEAR_REACH_M of that half
    linear = place.kind == "corridor"
    if linear and part.is_empty:
        part = own.intersection(buffer_m(half, LINEAR_REACH_M))
    if part.is_empty or (part.area < SITUATE_MIN_SHARE * own.area and not linear):
        return place
    if not isinstance(part, Polygon | MultiPolygon):
        polys = [g for g in getattr(part, "geoms", []) if isinstance(g, Polygon | MultiPolygon)]
        if not polys:
            return place
        part = shapely.union_all(polys)
    point = anchor_point(part)
    radius = min(max_distance_m(point, part), place.uncertainty.radius_m)
    geo_p, where_p = precision_codes(radius, "qualifier")
    what = f"{place.place_name or place.place_text}, {ref.qualifier} {ref.place_name or ref.place_text}"
    unc = Uncertainty(
        radius_m=round(radius, 1),
        region=part,
        geo_precision=geo_p,
        where_prec=where_p,
        method="qualifier",
        note=f"{what}: the part of {place.place_text} {ref.qualifier} {ref.place_text}"[:300],
    )
    return place.model_copy(
        update={"geometry": point, "uncertainty": unc, "qualifier": f"{ref.qualifier} {ref.place_text}"}
    )


def is_country(m: Mention) -> bool:
    """True for a mention of a whole country (a poor event place when a town is also named)."""
    kind = (m.kind or "").lower()
    if "country" in kind or kind in ("adm0", "pcli"):
        return True
    return m.uncertainty is not None and m.uncertainty.where_prec >= 6 and m.uncertainty.radius_m > 60_000


#: How large a kind of place is: a place holds only places of a smaller rank.
_RANK = {
    "hospital": 0,
    "facility": 0,
    "crossing": 0,
    "neighbourhood": 1,
    "camp": 1,
    "city": 2,
    "corridor": 2,
    "area": 2,
    "admin2": 3,
    "region": 3,
    "admin1": 4,
    "country": 5,
}


def contains(outer: Mention, inner: Mention) -> bool:
    """True if ``inner`` lies inside ``outer``'s extent (so ``inner`` is the more specific)."""
    if outer.geometry is None or inner.geometry is None or outer.uncertainty is None or inner.uncertainty is None:
        return False
    if outer.gazetteer_id is not None and outer.gazetteer_id == inner.gazetteer_id:
        return True
    ro, ri = _RANK.get(outer.kind or ""), _RANK.get(inner.kind or "")
    if ro == 1 and ri == 1 and outer.uncertainty.region is not None and not outer.qualifier:
        # a quarter's own part ("the Asqoula area of Zeitoun"): the inner point in the outer's blocks;
        # quarters split from one grid name have disjoint blocks, so "Tal al-Hawa and Sabra" stay two
        return inner.uncertainty.radius_m < outer.uncertainty.radius_m and bool(
            shapely.contains(outer.uncertainty.region, anchor_point(inner.geometry))
        )
    if ro is not None and ri is not None and ro <= ri and ro <= 1:
        return False  # two quarters side by side ("Tal al-Hawa and Sabra"): neither holds the other
    if ro is not None and ri is not None and ro > ri and ro <= 2:
        # a site in its quarter or town, even when a qualifier ("the hospital area") widened the site;
        # the quarter's own extent counts, not what "near"/"area of" added to it
        extra = NEAR_EXTRA_M if qualifier_class(outer.qualifier) in ("near", "outskirts") else 0.0
        return distance_m(anchor_point(outer.geometry), anchor_point(inner.geometry)) <= (
            (outer.uncertainty.radius_m - extra) * 1.1 + 500
        )
    if inner.uncertainty.radius_m > outer.uncertainty.radius_m:
        return False
    if outer.kind == "country" and inner.kind != "country" and _in_country(outer, inner):
        return True
    region = outer.uncertainty.region
    pt = anchor_point(inner.geometry)
    if region is not None:  # within ~500 m of the region counts as inside (coarse polygons, coastal points)
        return bool(shapely.dwithin(region, pt, 0.005))
    return distance_m(anchor_point(outer.geometry), pt) <= outer.uncertainty.radius_m * 1.1 + 500


def _in_country(country: Mention, inner: Mention) -> bool:
    """True if the shipped gazetteer files ``inner`` under ``country`` ("Metula" under Israel): the
    country polygons are Natural Earth 1:10m, coarse enough that a border town's point (Metula,
    1.2 km) falls outside them, so the gazetteer's own country code decides, not the polygon."""
    if country.gazetteer_id is None or inner.gazetteer_id is None:
        return False
    gaz = Gazetteer.load()
    try:
        outer_entry, inner_entry = gaz.get(country.gazetteer_id), gaz.get(inner.gazetteer_id)
    except NotFound:
        return False  # a place from another gazetteer: the geometry decides
    return outer_entry.kind == "country" and inner_entry.country == outer_entry.country


def most_specific(places: Sequence[Mention]) -> list[Mention]:
    """The places an event is at: the innermost of nested places, one per separate place.

    "Zeitoun, Gaza City" -> [Zeitoun]; "Khan Younis and Rafah in southern Gaza" ->
    [Khan Younis, Rafah] (the context "southern Gaza" contains both and is dropped).
    """
    resolved = [m for m in places if m.geometry is not None]
    unique: dict[str, Mention] = {}
    for m in resolved:
        key = m.gazetteer_id or m.place_text.lower()
        if key not in unique or m.confidence > unique[key].confidence:
            unique[key] = m
    items = list(unique.values())
    leaves = [m for m in items if not any(o is not m and contains(m, o) and not contains(o, m) for o in items)]
    leaves.sort(key=lambda m: m.start)
    return leaves


#: Organisation names that contain a place name ("Khan Younis Brigade", "Gaza health
#: ministry", "Al-Quds Brigades", "Rafah crossing authority" is still a place).
_ORG_SUFFIX = re.compile(
    r"\s*(?:Brigades?|Battalions?|Division|Regiment|Corps|Command|Municipality|municipality|Health Ministry|"
    r"health ministry|Ministry|ministry|Authority|Council|Governorate office|University|Chamber|Club|FC|"
    r"Football Club|Company|Bank|Group|Foundation|Institute|Centre for|Center for|media office|Post|Times|"
    r"civil defen[cs]e|David Adom|(?:District\s+)?[Pp]olice|Boulevard|Street|Avenue|Square)\b|\s*דוד אדום"
)
_PERSON_TITLE = re.compile(
    r"\b(?:Mr|Mrs|Ms|Dr|Prof|Gen|General|Lt|Col|Colonel|Major|Captain|Sheikh|Mayor|President|Minister|Director|"
    r"spokes(?:man|woman|person)|commander|leader|official|chief)\.?\s+$",
    re.I,
)


#: Arabic and Hebrew organisation names that open with their kind and end with a place ("سرايا القدس",
#: al-Quds Brigades; "كتيبة جنين", the Jenin Battalion; "مراسل الجزيرة"; "גדוד ג'נין").
_ORG_HEAD = hinted(
    re.compile(
        r"(?:^|[\s(«\"])[وف]?(?:سرايا|كتائب|ألوية|الوية|كتيبة|مراسل|مراسلة|قناة|شبكة|تلفزيون|صحيفة|إذاعة)\s+$"
        r"|(?:^|\s)ו?(?:גדוד|גדודי|ערוץ)\s+$"
    )
)


def is_organisation_or_person(text: str, start: int, end: int) -> bool:
    """True if the span ``text[start:end]`` is part of an organisation or person name.

    "Khan Younis Brigade", "the Gaza health ministry", "Rafah Municipality" and "Yahya
    Sinwar" style names (a place word right after a first name or a title) are not
    event places. The caller still keeps the mention as a toponym if it wants to.
    """
    after = text[end : end + 40]
    if _ORG_SUFFIX.match(after):
        return True
    before = text[max(0, start - 40) : start]
    if _PERSON_TITLE.search(before) or _ORG_HEAD.search(before):
        return True
    # "Gaza's health ministry", "Gaza's civil defence"
    return bool(re.match(r"'s\s+(?:health ministry|civil defen[cs]e|government media office|Health Ministry)", after))
