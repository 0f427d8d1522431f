"""The words that signal an event, per event type: sitmap's cue vocabulary.

Data only (:data:`CUE_PATTERNS` and the cheap substring pre-test :data:`CUE_TRIGGERS`);
:mod:`geo.cues` decides from them what a sentence reports.
"""

from __future__ import annotations

import re
from dataclasses import dataclass


@dataclass(frozen=True)
class Cue:
    """An event cue word in a sentence, the event type it signals and how strongly."""

    event_type: str
    text: str
    start: int
    end: int
    weight: float


def _cues(*words: str) -> str:
    return r"\b(?:" + "|".join(words) + r")\b"


#: Cue patterns per event type with a weight (how strongly the words signal the type).
#: Order within a weight tie decides nothing: the strongest, then the earliest cue wins.
CUE_PATTERNS: list[tuple[str, float, re.Pattern[str]]] = [
    (
        "evacuation_order",
        1.0,
        re.compile(
            _cues(
                r"evacuation orders?",
                r"evacuation warnings?",
                r"ordered (?:\S+ ){0,16}to (?:evacuate|leave|move|head|go|relocate)",
                r"(?:were|was|have been|has been) (?:told|ordered|instructed|warned|asked) "
                r"to (?:leave|evacuate|move|head)",
                r"(?:أوامر|أمر|إنذار) (?:ب)?(?:الإخلاء|إخلاء)",
                r"إخلاء",
                r"orders? to (?:evacuate|leave|move)",
                # "ordered the evacuation of Shujaiyya", "called for the immediate evacuation of"
                r"(?:ordered|demanded|called for) (?:an? |the )?(?:immediate |full |complete |forced )?evacuations?",
                r"(?:told|urged|warned|instructed|called on|informed) (?:\S+ ){0,3}(?:residents|people|civilians|"
                r"inhabitants|those|the (?:entire )?population)(?: \S+){0,20} "
                r"to (?:leave|evacuate|move|head|relocate|go)",
                # "after warning residents to leave several buildings": the warning as an order of its own
                r"(?:warning|telling|urging|ordering|instructing) (?:the )?(?:residents|people|civilians|inhabitants) "
                r"(?:\S+ ){0,6}?to (?:leave|evacuate|move away|stay away|keep away|head)",
                r"(?:should|must|to) relocate",
                r"relocation orders?",
                r"must (?:evacuate|leave) (?:immediately|now)",
                r"evacuate (?:immediately|now)",
                r"(?:immediate|urgent) evacuation",
                r"displacement orders?",
                r"(?:urgent\s+)?warning to (?:the\s+)?(?:residents|everyone|all|people|inhabitants|those|"
                r"the population)",
                r"(?:move|go|head) (?:at once |immediately |now )?to (?:the )?shelters",
                r"move south(?:wards)?",
                r"head south(?:wards)?",
            ),
            re.I,
        ),
    ),
    (
        "humanitarian_zone",
        0.9,
        re.compile(
            _cues(
                r"humanitarian (?:zone|area)s?",
                r"safe (?:zone|area)s?",
                r"declared (?:\w+ ){0,4}(?:humanitarian|safe) (?:zone|area)",
                r"expanded humanitarian (?:zone|area)",
                # a pause kept in one area ("a humanitarian pause will be in effect in Sheikh Radwan"): a zone in time
                r"(?:humanitarian|tactical|operational|daily|local) pauses? (?:\S+ ){0,3}?"
                r"(?:in effect|in place|observed|takes? effect)",
            ),
            re.I,
        ),
    ),
    (
        "negotiation",
        0.9,
        re.compile(
            _cues(
                r"ceasefire talks",
                r"truce talks",
                r"(?:indirect |peace )?talks",
                r"negotiat(?:ors?|ions?|ing team|ed|ing)",
                r"mediators?",
                r"mediation",
                r"hostage (?:deal|release deal|agreement|releases?|exchanges?)",
                r"prisoner (?:releases?|exchanges?|swaps?)",
                r"ceasefire (?:deal|proposal|agreement|plan)",
                r"truce (?:deal|proposal|agreement)",
                r"delegations?",
                r"truces?",
                r"ceasefires?",
                r"(?:humanitarian|operational|tactical|daily|four-hour) pauses?",
                r"pauses? in (?:the )?fighting",
                r"agreed to (?:an? |the )?(?:\S+ ){0,3}"
                r"(?:truce|ceasefire|pauses?|deal|release|exchange|extension|proposal)",
                r"(?:an |the )?agreement (?:on|to|for|had been reached|was reached)",
                r"reached (?:an|a) (?:agreement|deal)",
                r"(?:bridging|ceasefire|truce|peace) proposal",
            ),
            re.I,
        ),
    ),
    (
        "rocket_launch",
        0.95,
        re.compile(
            _cues(
                r"rockets?(?!-propelled)",
                r"rocket (?:fire|barrages?|launch(?:es)?)",
                r"(?<!artillery )(?<!tank )(?<!mortar )barrages?",
                r"sirens? (?:sounded|sounding|wailed|went off|were activated)",
                r"red alert sirens?",
                r"set off (?:\S+ )?sirens?",
                r"sirens? (?:blared|rang out|were heard|wailed|went off|sounded)",
                r"(?:Houthi|Hezbollah|Iranian|Yemeni) (?:\S+ )?(?:missiles?|drones?|rockets?|UAVs?)",
                r"missiles? (?:were )?(?:launched|fired) (?:at|toward|towards)",
                r"projectiles?",
                r"intercept(?:ed|ion|ions|or|ors)",
                r"mortar (?:bombs?|shells?) (?:were )?fired (?:at|toward|towards|into) Israel",
                r"launch(?:es|ed)? from (?:the )?(?:Gaza|Lebanon|Yemen)",
                # "al-Quds Brigades later claimed the launch": the launch told before, claimed by its launcher
                r"(?:the|this|that|a) (?:rocket |missile )?launch(?:es)?"
                r"(?! (?:pads?|sites?|positions?|cells?|squads?))",
                r"claimed (?:responsibility for )?(?:the |a |this )?(?:rocket |missile )?"
                r"(?:launch(?:es)?|barrage|rocket fire)",
                r"ballistic missiles?",
                r"fired (?:\S+ ){0,2}(?:missiles?|rockets?|drones?) (?:at|toward|towards|into)",
                r"صواريخ",
                r"صاروخ",
            ),
            re.I,
        ),
    ),
    (
        "airstrike",
        0.9,
        re.compile(
            _cues(
                r"air ?strikes?",
                r"air-strikes?",
                r"air raids?",
                r"drone strikes?",
                r"strikes?",
                r"struck",
                r"striking",
                r"bomb(?:ed|ing|ings|ardment|ardments|arded)",
                r"warplanes?",
                r"fighter jets?",
                r"jets",
                r"aircraft",
                r"drones? (?:fired|targeted|hit|attacked)",
                r"drone attacks?",
                r"(?:explosive|attack|suicide|kamikaze|one-way attack)[- ]drones?",
                r"(?:launched|sent|flew|fired) (?:\S+ ){0,3}?drones?",
                r"missile (?:hit|struck|attack)",
                # "a drone dropped a grenade on a tent": a strike from the air
                r"dropped (?:\S+ ){0,2}?(?:bombs?|grenades?|explosives?|munitions?)",
                # "a house ... was hit": a strike whose means the teller does not say
                r"(?:was|were|been) hit"
                r"(?! by (?:shrapnel|a rocket|rockets|a missile|missiles|gunfire|bullets|(?:\S+ )?fire))",
                r"air attacks?",
                r"(?:struck|hit|attacked|targeted|bombed) from the air",
                r"aerial (?:bombardments?|attacks?|strikes?)",
                r"targeted (?:a|an|the) (?:home|house|building|tent|vehicle|car|apartment|school)",
                r"غارة",
                r"غارات",
            ),
            re.I,
        ),
    ),
    (
        "shelling",
        0.95,
        re.compile(
            _cues(
                r"shell(?:ing|ed|s|fire)?",
                r"artillery",
                r"tank (?:fire|shells?|rounds?)",
                r"(?<!anti-)tanks? (?:\S+ ){0,2}?(?:fired|opened fire|firing)",
                r"mortars?",
                r"mortar (?:fire|rounds?)",
                r"naval (?:fire|shelling|artillery)",
                r"gunboats?",
                r"قصف مدفعي",
                r"قذائف",
            ),
            re.I,
        ),
    ),
    (
        "ground_operation",
        0.85,
        re.compile(
            _cues(
                r"ground (?:operations?|offensive|incursions?|forces|troops|assault)",
                r"troops",
                r"soldiers (?:entered|advanced|stormed|raided|operated|moved)",
                r"raid(?:s|ed|ing)?",
                r"incursions?",
                r"stormed",
                r"tanks (?:advanced|rolled|moved|pushed|entered)",
                r"(?:forces|troops|soldiers|units?|tanks|army|military) (?:\S+ ){0,3}?"
                r"advanced (?:into|on|to|towards?|deeper)",
                # arrests and demolitions by forces are part of a raid (as the Hebrew "עצרו" and "מעצר")
                r"(?:forces|troops|soldiers|army|military|police) (?:\S+ ){0,4}?"
                r"(?:arrested|detained|demolished|bulldozed)",
                r"arrest (?:raids?|campaigns?|operations?|sweeps?)",
                r"demolitions?",
                r"bulldoz(?:ed|ing|ers)",
                r"armou?red (?:vehicles|bulldozers) (?:advanced|entered|pushed)",
                r"operat(?:ing|ed) (?:in|against|inside)",
                r"(?:military|army) operations?",
                r"encircled",
                r"besieged",
                r"clashes",
                r"fighting",
                r"battles?",
                r"arrest(?:ed|s)? (?:raid|campaign|operation)",
                r"demolish(?:ed|ing)?",
                r"tanks",
                r"(?:took|taken|take|takes|seized|seize|captured|capture|gained) (?:full |operational )?control",
                r"blew up",
                r"blowing up",
                r"withdr(?:ew|awal|awn)",
                r"pulled (?:\S+ ){0,4}out",
                r"special forces",
                r"(?:forces|troops|soldiers|units?) (?:\S+ ){0,6}?(?:entered|stormed|raided|moved into|pushed into)",
                r"(?:precise|targeted|special|ground)(?: and \w+)? operations?",
                r"operations? (?:against|inside)",
                r"(?:division|brigade|battalion) (?:\S+ ){0,4}?(?:left|withdrew|completed|pulled|entered)",
                r"commandos?",
                r"(?:large|major|wide|wide-scale|large-scale|broad|new|counter-terrorism) (?:military )?"
                r"(?:operations?|assaults?|offensives?|incursions?)",
                # troops who killed gunmen in the field: a ground fight (a shooting when "fired" says so)
                r"(?:troops|forces|soldiers|units?|it|the army|the military|the IDF) (?:\S+ ){0,3}?"
                r"(?:killed|eliminated) (?:\S+ ){0,4}?"
                r"(?:militants|gunmen|terrorists|fighters|operatives|terror operatives)",
                r"close-quarters? (?:combat|fighting)",
                r"(?:carried out|carrying out|conducted|conducting|launched|began|started|continued|continuing|"
                r"expanded|intensified|resumed|pressed on with) (?:\S+ ){0,3}?"
                r"(?:operations?|raids?|incursions?|offensives?|sweeps?|arrest campaigns?)",
                r"(?<!rescue )(?<!search )(?<!relief )(?:an?|the|military|army|security|Israeli) operations? "
                r"(?:in|on|at|inside|near|to free|to rescue)",
                r"(?:the|an?) [A-Z][\w'-]+ (?:raid|operation)",
                r"توغل",
                r"اقتحام(?:ه|ها|هم|ات)?",
            ),
            re.I,
        ),
    ),
    (
        "other",
        0.5,
        re.compile(
            _cues(
                # an aid delivery that happened, not trucks waiting or aid in general
                r"(?:aid (?:convoys?|trucks?|shipments?)|convoys? (?:of|carrying)|trucks? carrying)(?:\s+\S+){0,6}?\s+"
                r"(?:entered|crossed|arrived|reached|were delivered|was delivered)",
                r"air-?drops?",
                r"hostages? (?:were |was |had been )?(?:freed|released|handed over)",
                r"(?:prisoners?|detainees?) (?:were |was |had been )?(?:freed|released)",
                # attacks with blades or vehicles: not shootings, and sitmap has no narrower type for them
                r"stabbing(?: attack)?s?",
                r"stabbed",
                r"(?:car-)?ramming(?: attack)?",
                # incendiary bottles thrown: no gunfire, and sitmap has no narrower type
                r"molotov cocktails?",
                r"molotovs",
                r"fire-?bomb(?:s|ed|ing)?",
                r"petrol bombs?",
                # settlers' attacks: not a military operation, and sitmap has no narrower type
                r"(?:settlers?|colonists?) (?:\S+ ){0,4}?(?:attacked|set fire|set \S+ (?:\S+ )?(?:on fire|ablaze)|"
                r"torched|"
                r"assaulted|burned|burnt|threw stones|hurled (?:stones|rocks)|pelted|beat|raided|stormed|rampaged|"
                r"vandali[sz]ed|"
                r"uprooted|cut down|chopped|damaged|smashed|attacking|torching|burning|beating|storming|raiding|"
                # the present of headlines and threads: "settlers attack homes in Tel Rumeida"
                r"attack|torch|torches|burn|burns|assault|raid|raids|storm|storms|set \S+ on fire)",
                r"(?:settler|colonist) (?:attacks?|violence|assaults?|rampages?|mobs?|raids?)",
                r"(?:attacks?|assaults?|raids?|rampages?) by (?:\S+ ){0,2}settlers",
                r"(?:threw|throwing|hurled|hurling|pelted|pelting) (?:\S+ ){0,2}?(?:stones|rocks)",
                r"stone-?throwing",
                r"rock-?throwing",
                # administrative demolitions (no permit, structures, tents): not a raid
                r"demolish(?:ed|ing)? (?:\S+ ){0,8}?(?:for (?:lacking|lack of|not having|building without) "
                r"(?:a |an )?(?:\S+ )?permits?|without (?:a |an )?(?:\S+ )?permits?|(?:as|for being) unlicensed)",
                r"(?:authorities|Civil Administration|municipality) (?:\S+ ){0,3}?(?:demolished|razed|bulldozed|"
                r"demolishing|dismantled|confiscated)",
                r"demolished (?:\S+ ){0,4}?(?:structures|tents|animal (?:shelters?|pens?)|cisterns?|shacks?|"
                r"sheds?|barracks|caravans)",
                # a drone or aircraft brought down: sitmap has no narrower type for it
                r"(?:shot|brought) down (?:\S+ ){0,2}(?:drones?|UAVs?|aircraft|helicopters?|jets?)",
                r"downed (?:\S+ ){0,2}(?:drones?|UAVs?|aircraft|helicopters?|jets?)",
            ),
            re.I,
        ),
    ),
    (
        "shooting",
        0.9,
        re.compile(
            _cues(
                r"shooting(?! star)",
                r"shootings",
                r"gunm[ae]n (?:opened fire|shot|fired|attacked|killed|wounded)",
                r"gunfire",
                r"opened fire",
                r"open fire",
                r"opens fire",
                r"opening fire",
                r"firing (?:\S+ )?(?:at|on|upon|towards?)",
                r"fired (?:\S+ )?(?:shots|bullets|live rounds|live ammunition)",
                # "killed by Israeli fire", "wounded by army gunfire": the fire of guns, not of artillery
                r"(?:killed|wounded|injured|hurt|hit|shot) by (?:\S+ ){0,2}?(?:fire|gunfire|live fire|bullets|snipers?)"
                r"(?! (?:from|of) (?:an? |the )?(?:\S+ )?"
                r"(?:tanks?|artillery|drones?|warplanes?|helicopters?|aircraft|jets?))",
                r"live (?:fire|ammunition|rounds)",
                # less-lethal rounds are gunfire too ("fired rubber-coated bullets at youths")
                r"(?:rubber|rubber-coated|sponge|plastic)(?:[- ]tipped)? (?:bullets|rounds)",
                # "Israeli fire killed three men", "army gunfire wounded a boy": the fire as the subject
                r"(?:Israeli|army|military|troops'?|soldiers'?|IDF|police|sniper) (?:gun)?fire "
                r"(?:killed|wounded|injured|hit|struck)",
                r"came under (?:\S+ )?(?:fire|gunfire|attack)",
                r"coming under (?:\S+ )?(?:fire|gunfire)",
                r"returned fire",
                # small arms of a firefight: "engaged it with machine guns and rocket-propelled grenades"
                r"rocket-propelled grenades?",
                r"RPGs?",
                r"machine-?guns?(?: fire)?",
                r"(?:troops|soldiers|forces|police|policemen|officers?|guards?|gunm[ae]n|militants|fighters|settlers|he|they|it|"
                r"sniper|snipers) (?:\S+ ){0,2}?(?:fired|shot) (?:on|at|upon|towards?)",
                # "troops near the corridor had fired to remove a threat", "soldiers fired in the air"
                r"(?:troops|soldiers) (?:\S+ ){0,4}?(?:had |have |has )?(?:fired|opened fire) "
                r"(?:to|in the air|into the air|warning|shots|toward|towards)",
                r"shot (?:a|an|one|two|three|four|five|\d+|several) (?:\S+ ){0,2}?"
                r"(?:Palestinians?|man|men|woman|women|boys?|girls?|teenagers?|youths?|suspects?|assailants?|"
                r"attackers?|people|civilians|persons?|shepherds?|farmers?|workers?|drivers?|terrorists?|gunm[ae]n|"
                r"militants?)",
                r"anti-tank (?:\S+ )?(?:missiles?|rockets?|shells?|projectiles?) (?:\S+ ){0,2}?"
                r"(?:at|on|towards?) (?:\S+ ){0,2}?(?:troops|soldiers|forces|tanks?|a tank|vehicles?|a force|units?|"
                r"bulldozers?|jeeps?|armou?red)",
                r"quadcopters? (?:\S+ ){0,2}?(?:fired|shot|opened fire|opening fire|firing)",
                r"shot (?:dead|and killed|at)",
                r"shot and (?:wounded|injured)",
                r"إطلاق نار",
                r"were shot",
                r"was shot",
                r"sniper(?:s| fire)?",
                r"fired (?:on|at|upon) (?:a |the )?(?:\S+ )?"
                r"(?:crowds?|people|civilians|aid seekers|Palestinians|worshippers|"
                r"displaced|residents|fishermen|farmers|protesters|demonstrators|children|men|women|families)",
            ),
            re.I,
        ),
    ),
]


#: Hebrew letters a word may carry as clitics (and, the, in, to, from, that, as).
#: "and" (ו) comes first, so "הופעלו" (were activated) is not "ה" + "ו" + "פעלו" (operated).
_HE_PRE = r"(?<![\u0590-\u05ff])ו?[הבלמשכ]{0,2}"
_HE_END = r"(?![\u0590-\u05ff])"


def _he(*words: str) -> str:
    return _HE_PRE + "(?:" + "|".join(words) + ")" + _HE_END


_AR_PRE = r"(?<![\u0620-\u065f\u066e-\u06d3])[وف]?[بلك]?"
_AR_END = r"(?![\u0620-\u065f\u066e-\u06d3])"


def _ar(*words: str) -> str:
    return _AR_PRE + "(?:" + "|".join(words) + ")" + _AR_END


#: Where the Hebrew and Arabic cues start in :data:`CUE_PATTERNS`: a sentence with neither script
#: skips them (they can match nothing in it).
SCRIPT_CUES_FROM = len(CUE_PATTERNS)
#: Hebrew or Arabic letters: a sentence without them has no Hebrew or Arabic cue.
HE_AR_LETTER = re.compile(r"[\u0590-\u05ff\u0600-\u06ff]")

#: Hebrew and Arabic cues (verb forms and nouns of wire copy), same types and weights.
CUE_PATTERNS += [
    (
        "evacuation_order",
        1.0,
        re.compile(
            _he(r"להתפנות", r"פינוי", r"הוראות? פינוי", r"התפנות", r"יתפנו", r"להתרחק")
            + "|"
            + _ar(r"بإخلاء", r"الإخلاء", r"بالنزوح")
        ),
    ),
    ("negotiation", 0.9, re.compile(_he(r"משא ומתן", r"הפסקת(?:\s+ה)?אש", r"עסקת(?:\s+ה)?חטופים", r"שיחות"))),
    (
        "rocket_launch",
        0.95,
        re.compile(
            _he(
                r"רקטה",
                r"רקטות",
                r"שוגר",
                r"שוגרה",
                r"שוגרו",
                r"שיגור",
                r"שיגורים",
                r"שיגר",
                r"שיגרו",
                r"יירוט",
                r"נפילה",
                r"נפילות",
                r"נפילת רקטה",
                r"יירוטים",
                r"יורט",
                r"יורטה",
                r"יורטו",
                r"צבע אדום",
                # the Home Front Command's alerts ("דיווחו על התרעות בעכו"), as the English "red alert"
                r"התרעה",
                r"התרעות",
                r"אזעקה",
                r"אזעקות",
                r"טיל",
                r"טילים",
                r'פצמ["״]?ר',
                r'פצמ["״]?רים',
            )
            + "|"
            + _ar(
                r"رشقة",
                r"رشقات",
                r"قذائف صاروخية",
                r"بالصواريخ",
                r"صفارات الإنذار",
                r"(?:صافرات|صفارات|صافرة|صفارة) (?:ال)?(?:إنذار|انذار)",
                r"اعتراض",
                r"اعترضت",
                r"صلية صاروخية",
                r"صليات صاروخية",
            )
        ),
    ),
    (
        "airstrike",
        0.9,
        re.compile(
            _he(
                r"תקף",
                r"תקפו",
                r"תקפה",
                r"תקיפה",
                r"תקיפות",
                r"תקיפת",
                r"הפציץ",
                r"הפציצו",
                r"הפצצה",
                r"הפצצות",
                r"חיל האוויר",
                r"מטוסי(?:\s+ה)?קרב",
                r"(?:הטיל|הטילו|הטילה) (?:\S+ ){0,2}?(?:פצצה|פצצות|רימון|רימונים|מטען|מטענים)",
            )
            + "|"
            + _ar(
                r"أغارت",
                r"أغار",
                r"الغارة",
                r"غارة",
                r"غارات",
                r"قصف(?:ت|وا)?(?:ه|ها|هم)?",  # "منزل قصفته طائرات الاحتلال": a house its aircraft struck
                r"الطائرات الحربية",
                r"قصف جوي",
                r"القصف الجوي",
                r"(?:طائرات|طائرة|طيران) (?:ال)?(?:احتلال|إسرائيلي|إسرائيلية|الاحتلال الإسرائيلي)",
                r"الطيران الحربي",
                r"غارة جوية",
                r"(?:طائرة|طائرات) (?:مسيرة|مسيّرة|حربية)",
                r"(?:ألقت|ألقى|القت|ألقوا) (?:\S+ ){0,3}?(?:قنبلة|قنابل|قنبلتين|عبوة|عبوات)",
            )
        ),
    ),
    (
        "shelling",
        0.95,
        re.compile(
            _he(r"הפגזה", r"הפגזות", r"הפגיז", r"הפגיזו", r"ארטילריה", r"ארטילרית", r"פגזים", r"אש טנקים")
            + "|"
            + _ar(
                r"مدفعية",
                r"المدفعية",
                r"مدفعيا",
                r"قذيفة",
                r"قذائف مدفعية",
                r"قصفا",
                r"القصف",
                r"قذائفها",
                r"قذائفه",
                r"قذائف الدبابات",
                r"قذائف الهاون",
            )
        ),
    ),
    (
        "ground_operation",
        0.85,
        re.compile(
            _he(
                r"פשט",
                r"פשטו",
                r"פשיטה",
                r"פשיטות",
                r"מבצע",
                r"חדרו",
                r"פעלו",
                r"פועלים",
                r"(?<!אמצעי )(?<!אמצעי ה)לחימה",  # not "אמצעי לחימה" (weapons)
                r"קרבות",
                r"עצרו",
                r"מעצר",
                r"תמרון",
                r"כוחות קרקעיים",
                r"טנקים",
                r"טנק",
                r"התקדמו",
                r"התקדם",
                r"התקדמה",
                r"נעצרו",
                r"נעצר",
                r"עצורים",
                r"הריסת",
                r"הרסו",
                r"לפעול",
                r"פועלת",
                r"פועל",
                r"פעל",
                r"פעלה",
                r"סריקות",
                r"סריקה",
                r"השתלטו",
                r"השתלט",
                r"חוסלו (?:\S+ ){0,2}?מחבלים",
                # troops who killed gunmen in the field, as the English "troops killed militants"
                r"(?:לוחמי|לוחמים|כוחות|כוח|חיילי|חיילים)(?:\s+\S+){0,3}?\s+(?:חיסלו|חיסל|הרגו|נטרלו|ניטרלו)"
                r"(?:\s+\S+){0,2}?\s+(?:מחבל|מחבלים|חמושים|חמוש)",
                r"(?:פוצצו|פוצץ|פיצצו) (?:\S+ )?(?:מבנה|מבנים|בית|בתים|בניין|בניינים)",
                # raids and arrests, as the English "raided", "arrest raids", "clashes"
                r"פשטה",
                r"מעצרים",
                r"עימותים",
                r"התעמתו",
                r"כיתרו",
                r"כיתור",
                # forces that entered a place ("כוחות משטרה נכנסו לשכונה"): "troops entered"
                r"(?:כוחות|כוח|חיילים|לוחמים|שוטרים|צה\"ל)(?:\s+\S+){0,3}?\s+(?:נכנסו|נכנס|פלשו)",
            )
            + "|"
            + _ar(
                r"اقتحمت",
                r"اقتحم",
                r"اقتحموا",
                r"توغلت",
                r"توغل",
                r"توغلوا",
                r"الدبابات",
                r"عملية عسكرية",
                r"اعتقلت",
                r"اعتقل",
                r"اعتقال",
                r"حملة اعتقالات",
                # "داهمت منزل عائلة ...": a house raided in an operation
                r"داهمت",
                r"داهم",
                r"داهموا",
                r"مداهمة",
                r"مداهمات",
                r"حاصرت",
                r"تحاصر",
                r"محاصرة",
                r"هدمت",
                r"هدم",
                r"جرافات",
                r"سيطرته",
                r"سيطرتها",
                r"سيطرت",
                r"السيطرة",
                r"معارك",
                r"اشتباكات",
                r"تجريف",
                r"جرفت",
                r"(?:يفجر|تفجر|فجرت|فجر|ينسف|تنسف|نسفت|نسف) (?:\S+ )?"
                r"(?:منزلا|منزل|منازل|مبنى|مباني|بناية|بنايات|مربعا)",
                r"(?:قواته|قواتها|قوات|جنوده|جنود)\S* (?:\S+ ){0,6}?(?:قتلت|قتلوا|قتل|اغتالت) (?:\S+ ){0,6}?"
                r"(?:مسلحا|مسلحين|مقاتلين|مقاتلا)",
            )
        ),
    ),
    (
        "shooting",
        0.9,
        re.compile(
            _he(
                r"ירי",
                r"פתח באש",
                r"פתחה באש",
                r"פתחו באש",
                r"נורה",
                r"נורו",
                r"ירו",
                r"ירה",
                r"צלף",
                r"צלפים",
                r"יריות",
                # less-lethal rounds: "ירו כדורי ספוג", "נפצע מכדור גומי"
                r"כדורי? (?:ספוג|גומי)",
                r"כדורי? (?:ה)?ספוג",
                r"מקלע",
                r"מקלעים",
                r"צליפה",
            )
            + "|"
            + _ar(
                r"أطلقت النار",
                r"أطلق النار",
                r"أطلقوا النار",
                # "أطلقت الزوارق الحربية نيرانها تجاه": the subject between the verb and its fire
                r"أطلق(?:ت|وا)? (?:\S+ ){0,3}?(?:النار|نيرانها|نيرانه|نيرانهم|الرصاص)",
                r"برصاص",
                r"بنيران",
                r"الرصاص",
                r"استهدف\S* (?:\S+ ){0,5}?(?:دبابة|آلية|جرافة|ناقلة جند)\S* (?:\S+ ){0,6}?"
                r"ب(?:قذيفة|قذائف|صاروخ|عبوة)\S*",
                r"(?:قذيفة|قذائف) (?:\S+ )?[\"“]?(?:الياسين|ياسين|تاندوم)",
                r"(?:مضاد|مضادة) (?:لل)?دروع",
                r"(?:اشتبكت|اشتبك|اشتبكوا) مع (?:\S+ )?(?:ال)?(?:مسلحين|مسلحون)",
                r"قناصة",
                r"قناص",
                # sniping and machine-gun fire, as the English "sniper", "machine guns": "قنص جندي", "بالأسلحة الرشاشة"
                r"قنص",
                r"بقنص",
                # "تعرضت لإطلاق نار", "جراء إطلاق الرصاص": gunfire with its clitic
                r"(?<!وقف )(?<!لوقف )(?<!بوقف )(?:إطلاق|اطلاق) (?:ال)?(?:نار|النار|رصاص|الرصاص)",  # not a ceasefire
                r"(?:ال)?(?:أسلحة|اسلحة|الأسلحة|الاسلحة|بالأسلحة|بالاسلحة) (?:ال)?رشاشة",
                r"(?:ال)?(?:رشاشات|بالرشاشات)",
                r"(?:اشتبك|اشتبكت|اشتبكوا) (?:\S+ ){0,3}?مع (?:\S+ )?(?:قوة|قوات|جنود|دورية|وحدة)",
            )
        ),
    ),
    (
        "other",
        0.5,
        re.compile(
            _he(
                r"דקירה",
                r"נדקר",
                r"נדקרה",
                r"דריסה",
                r"פיגוע דקירה",
                r"פיגוע דריסה",
                # the verbs of a stabbing or ramming ("מחבל דקר לוחם", "נהג דרס שלושה הולכי רגל")
                r"דקר",
                r"דקרה",
                r"דקרו",
                r"נדקרו",
                r"דקירות",
                r"דרס",
                r"דרסה",
                r"נדרס",
                r"נדרסה",
                r"נדרסו",
                # incendiary bottles thrown ("השליכו בקבוקי תבערה לעבר המחסום")
                r"בקבוקי? (?:תבערה|מולוטוב)",
                r"מולוטוב",
                r"מתנחלים (?:\S+ ){0,3}?(?:תקפו|הציתו|פגעו|יידו|השליכו|הכו|פשטו|פלשו)",
                # the verb first: "תקפו כעשרים מתנחלים רעולי פנים משפחות"
                r"(?:תקפו|הציתו|פגעו|יידו|הכו|פשטו|פלשו) (?:\S+ ){0,2}?מתנחלים",
                r"יידוי אבנים",
                r"(?:יודו|יידו|הושלכו|נזרקו) אבנים",
                r"אבנים (?:יודו|הושלכו|נזרקו)",
                r"הצתה",
                r"הציתו",
            )
            + "|"
            + _ar(
                r"اعتداءات? (?:ال)?(?:مستوطنين|مستعمرين)",
                r"هجوم (?:ال)?(?:مستوطنين|مستعمرين)",
                r"(?:هاجم|هاجمت|اعتدى|اعتدت|أحرق|أحرقت|أضرم|أضرمت|اقتحم|اقتحمت|رشق|رشقت)(?:ها|هم|ه)? "
                r"(?:\S+ ){0,2}?(?:ال)?(?:مستوطنون|مستوطنين|مستعمرون|مستعمرين)",
                r"(?:ال)?(?:مستوطنون|مستوطنين|مستعمرون|مستعمرين) (?:\S+ ){0,3}?(?:اعتدوا|هاجموا|أحرقوا|أضرموا|رشقوا|"
                r"اقتحموا|حطموا|اقتلعوا|قطعوا)",
                r"(?:رشق|رشقوا|رشقوها|رشقوه|برشق) (?:\S+ )?بالحجارة",
                r"مواجهات",
                # stabbing and ramming attacks ("عملية طعن", "عملية دهس"), not an attempt ("حاول طعن")
                r"(?:عملية|عمليتي|هجوم|بعملية|بهجوم) (?:ال)?(?:طعن|دهس)",
                r"(?<!حاول )(?<!محاولة )(?:طعن|طعنت|دهس|دهست) (?:\S+ )?(?:مستوطنا|مستوطنين|جنديا|جنديين|جنود|"
                r"شرطيا|إسرائيليا|إسرائيليين|مجندة|حارسا|شخصا|أشخاص)",
                # incendiary bottles ("زجاجات حارقة", "قنابل المولوتوف")
                r"(?:ال)?(?:زجاجات|زجاجة|قنابل|قنبلة)\s+(?:ال)?(?:حارقة|مولوتوف)",
                r"(?:ال)?مولوتوف",
                r"بحجة (?:البناء )?(?:دون|بدون|عدم) (?:ال)?ترخيص",
                r"هدم (?:\S+ ){0,2}?ذاتيا",
            )
        ),
    ),
]

#: Substrings one of which every cue of a type contains: a cheap test (``in`` on the
#: lower-cased sentence) that skips the type's regex for most sentences.
CUE_TRIGGERS: dict[str, tuple[str, ...]] = {
    "evacuation_order": (
        "להתרחק",
        "بالنزوح",
        "telling",
        "urging",
        "להתפנות",
        "פינוי",
        "התפנות",
        "יתפנו",
        "إخلاء",
        "evacua",
        "order",
        "told",
        "urged",
        "warn",
        "instruct",
        "called on",
        "asked",
        "must",
        "move",
        "head",
        "displace",
        "relocat",
        "inform",
        "demanded",
        "called for",
        "shelter",
        "إخلاء",
    ),
    "humanitarian_zone": ("humanitarian", "safe ", "pause"),
    "negotiation": (
        "משא ומתן",
        "הפסקת",
        "עסקת",
        "שיחות",
        "talks",
        "negotiat",
        "mediat",
        "hostage",
        "ceasefire",
        "truce",
        "delegation",
        "pause",
        "agree",
        "proposal",
        "prisoner",
    ),
    "other": (
        "down",
        "settler",
        "colonist",
        "aid",
        "convoy",
        "truck",
        "airdrop",
        "air-drop",
        "hostage",
        "prisoner",
        "detainee",
        "stab",
        "ramming",
        "stone",
        "rock",
        "threw",
        "throwing",
        "hurl",
        "pelt",
        "demoli",
        "authorities",
        "مستوطن",
        "مستعمر",
        "بالحجارة",
        "مواجهات",
        "ترخيص",
        "ذاتيا",
        "אבנים",
        "הצת",
        "הצית",
        "מתנחלים",
        "דקיר",
        "נדקר",
        "דריס",
        "דקר",
        "דרס",
        "תבערה",
        "מולוטוב",
        "molotov",
        "bomb",
        "طعن",
        "دهس",
        "حارق",
        "مولوتوف",
    ),
    "rocket_launch": (
        "רקט",
        "שוגר",
        "שיגור",
        "שיגר",
        "יירוט",
        "יורט",
        "נפיל",
        "צבע אדום",
        "התרע",
        "صافر",
        "صفار",
        "אזעק",
        "טיל",
        "פצמ",
        "رشق",
        "صاروخ",
        "بالصواريخ",
        "صفارات",
        "اعتر",
        "rocket",
        "barrage",
        "siren",
        "drone",
        "uav",
        "missile",
        "projectile",
        "intercept",
        "mortar",
        "launch",
        "fired",
        "صاروخ",
        "صواريخ",
    ),
    "airstrike": (
        "תקף",
        "תקפ",
        "תקיפ",
        "הפציץ",
        "הפצצ",
        "חיל האוויר",
        "מטוסי",
        "הטיל",
        "dropped",
        "ألق",
        "القت",
        "أغار",
        "غار",
        "قصف",
        "الطائرات",
        "طائر",
        "strike",
        "struck",
        "striking",
        " hit",
        "raid",
        "bomb",
        "from the air",
        "aerial",
        "warplane",
        "jet",
        "aircraft",
        "drone",
        "missile",
        "air attack",
        "targeted",
        "غار",
    ),
    "shelling": (
        "הפגז",
        "הפגיז",
        "ארטילרי",
        "פגזים",
        "אש טנקים",
        "مدفعية",
        "قذيف",
        "قذائف",
        "قصفا",
        "القصف",
        "shell",
        "artillery",
        "tank",
        "mortar",
        "naval",
        "gunboat",
        "قصف",
        "قذائف",
    ),
    "ground_operation": (
        "פשט",
        "פשיט",
        "מבצע",
        "חדרו",
        "פעלו",
        "פועלים",
        "לחימה",
        "קרבות",
        "עצרו",
        "מעצר",
        "תמרון",
        "קרקעיים",
        "טנק",
        "התקדמ",
        "נעצר",
        "עצורים",
        "הריס",
        "הרסו",
        "اعتقال",
        "اعتقل",
        "سيطر",
        "السيطرة",
        "فجر",
        "نسف",
        "פוצצ",
        "פיצצ",
        "قتلت",
        "قتلوا",
        "اغتالت",
        "חוסלו",
        "חיסל",
        "הרגו",
        "נטרלו",
        "ניטרלו",
        "معارك",
        "اشتباك",
        "تجريف",
        "جرفت",
        "לפעול",
        "פועל",
        "פעל",
        "סריק",
        "השתלט",
        "هدم",
        "جرافات",
        "מעצרים",
        "עימות",
        "התעמת",
        "כית",
        "נכנס",
        "פלשו",
        "داهم",
        "مداهم",
        "حاصر",
        "محاصرة",
        "اقتحم",
        "توغل",
        "الدبابات",
        "عملية عسكرية",
        "ground",
        "troops",
        "forces",
        "unit",
        "division",
        "brigade",
        "battalion",
        "soldiers",
        "raid",
        "incursion",
        "stormed",
        "tank",
        "armo",
        "operat",
        "encircled",
        "besieged",
        "clash",
        "fighting",
        "battle",
        "arrest",
        "detained",
        "advanced",
        "demoli",
        "bulldoz",
        "control",
        "blew up",
        "blowing up",
        "withdr",
        "pulled",
        "special forces",
        "commando",
        "assault",
        "offensive",
        "killed",
        "eliminated",
        "close-quarter",
        "توغل",
        "اقتحام",
    ),
    "shooting": (
        "rocket-propelled",
        "rpg",
        "machine",
        "ירי",
        "באש",
        "נור",
        "ירו",
        "ירה",
        "צלף",
        "יריות",
        "ספוג",
        "גומי",
        "מקלע",
        "צליפה",
        "قنص",
        "رشاش",
        "rubber",
        "sponge",
        "plastic",
        "بنيران",
        "أطلق",
        "رصاص",
        "قناص",
        "shoot",
        "gunm",
        "fire",
        "shot",
        "sniper",
        "firing",
        "live ",
        "bullet",
        "came under",
        "coming under",
        "anti-tank",
        "استهدف",
        "الياسين",
        "ياسين",
        "تاندوم",
        "دروع",
        "اشتب",
        "إطلاق نار",
        "إطلاق",
        "اطلاق",
    ),
}


_TRIGGER_RE = {k: re.compile("|".join(re.escape(t) for t in v)) for k, v in CUE_TRIGGERS.items()}
