"""The Store contract: one suite, run against every backend (GeoPackage and PostGIS).

A backend is done when it passes this file. The ``store`` fixture (tests/conftest.py)
gives an empty store of each backend.
"""

from __future__ import annotations

from datetime import UTC, datetime, timedelta
from typing import Any

import pytest
from shapely.geometry import LineString, Point, Polygon, box

from geo.errors import Conflict, InvalidInput, NotFound
from geo.model import Candidate, CountEstimate, Placement
from layers.model import ClaimRecord, Layer, LayerFilter, Source
from layers.store import ClaimQuery, Page, Store, ZoneQuery

DAY = timedelta(days=1)
T0 = datetime(2023, 12, 1, tzinfo=UTC)


def ids(page: Page[Any]) -> list[str]:
    return [r.id for r in page.items]


def same_content(a: ClaimRecord, b: ClaimRecord) -> bool:
    return a.content_hash() == b.content_hash()


# --------------------------------------------------------------------------------------
# Opening
# --------------------------------------------------------------------------------------


def test_store_satisfies_protocol_and_reopens(store: Store, store_url: str, make_claim) -> None:
    from layers.store import open_store

    assert isinstance(store, Store)
    assert store.backend in ("gpkg", "postgis")
    store.init()  # idempotent
    store.add_claims([make_claim("c1")])
    again = open_store(store_url, create=False)
    try:
        assert again.get_claim("c1").id == "c1"
    finally:
        again.close()


# --------------------------------------------------------------------------------------
# Sources and reports
# --------------------------------------------------------------------------------------


def test_sources_insert_update_unchanged(store: Store, reuters: Source) -> None:
    res = store.add_sources([reuters, Source(name="Al Jazeera English", kind="news")])
    assert res.inserted == ["reuters", "al-jazeera-english"]
    assert store.get_source("reuters") == reuters
    assert store.add_sources([reuters]).unchanged == ["reuters"]
    changed = Source(id="reuters", name="Reuters", kind="news", url="https://reuters.com/world")
    assert store.add_sources([changed]).updated == ["reuters"]
    assert store.get_source("reuters").url == "https://reuters.com/world"
    assert [s.id for s in store.list_sources()] == ["al-jazeera-english", "reuters"]
    with pytest.raises(NotFound, match="nowhere"):
        store.get_source("nowhere")


def test_reports_are_immutable_and_need_their_source(store: Store, reuters: Source, make_report) -> None:
    rep = make_report(title="Strike in Gaza City", published_at=T0, language="en", url="https://example.org/a")
    with pytest.raises(InvalidInput, match=r"reports\[0\].*source_id 'reuters' is not in the store"):
        store.add_reports([rep])
    store.add_sources([reuters])
    assert store.add_reports([rep]).inserted == [rep.id]
    assert store.add_reports([make_report(title="Strike in Gaza City")]).unchanged == [rep.id]
    got = store.get_report(rep.id)
    assert got == rep
    assert got.published_at == T0
    with pytest.raises(NotFound):
        store.get_report("r-missing")


# --------------------------------------------------------------------------------------
# Claims: round trip, versions, ids
# --------------------------------------------------------------------------------------


def test_claim_round_trip_keeps_every_field(store: Store, reuters: Source, make_claim, make_report) -> None:
    from geo.model import Uncertainty

    store.add_sources([reuters])
    rep = make_report()
    store.add_reports([rep])
    region = Point(34.45, 31.5).buffer(0.01)
    full = make_claim(
        "full-1",
        report_id=rep.id,
        url="https://example.org/a",
        quote="An airstrike hit a house in Gaza City, the ministry said.",
        place_text="Gaza City",
        place_name="Gaza City",
        gazetteer_id="geonames:281133",
        uncertainty=Uncertainty(
            radius_m=1200.5, region=region, geo_precision=2, where_prec=3, method="qualifier", note="near"
        ),
        fatalities=CountEstimate(low=24, best=36, high=99, text="dozens"),
        injured=CountEstimate(best=5),
        targets=CountEstimate(low=1, high=2),
        block_ids=("101", "102"),
        placement=Placement(
            place_text="near Gaza City",
            gazetteer_id="geonames:281133",
            place_name="Gaza City",
            method="qualifier",
            qualifier="near",
            rejected=(Candidate(gazetteer_id="x:1", name="Gaza", kind="admin1", lon=34.4, lat=31.4, score=0.2),),
        ),
        confidence=0.8,
        notes="first report",
        status="corroborated",
        review="reviewed",
    )
    res = store.add_claims([full], recorded_by="tester")
    assert res.inserted == ["full-1"]
    got = store.get_claim("full-1")
    assert same_content(got, full)
    assert got.model_dump(exclude={"recorded_at"}) == full.model_copy(update={"recorded_by": "tester"}).model_dump(
        exclude={"recorded_at"}
    )
    assert got.uncertainty is not None and got.uncertainty.region is not None
    assert got.uncertainty.region.equals(region)
    assert got.version == 1 and got.superseded_at is None
    assert got.recorded_at is not None and got.recorded_at.tzinfo is not None
    assert got.valid_to == full.valid_to  # microseconds survive
    assert got.recorded_by == "tester"


def test_unlocated_and_undated_claim_round_trip(store: Store) -> None:
    c = ClaimRecord(id="vague", event_type="other", claimant="witnesses", source="social media")
    store.add_claims([c])
    got = store.get_claim("vague")
    assert got.geometry is None and got.uncertainty is None and got.valid_from is None
    assert same_content(got, c)


def test_non_point_geometries_round_trip(store: Store, make_claim) -> None:
    line = LineString([(34.3, 31.3), (34.4, 31.4)])
    poly = box(34.2, 31.2, 34.3, 31.3)
    store.add_claims([make_claim("line", geometry=line), make_claim("poly", geometry=poly)])
    assert store.get_claim("line").geometry.equals(line)
    assert store.get_claim("poly").geometry.equals(poly)


def test_upsert_same_content_is_unchanged_changed_content_is_new_version(store: Store, make_claim) -> None:
    c = make_claim("c1")
    assert store.add_claims([c]).inserted == ["c1"]
    assert store.add_claims([c]).unchanged == ["c1"]
    assert len(store.claim_history("c1")) == 1
    res = store.add_claims([make_claim("c1", claimant="Israeli military")])
    assert res.updated == ["c1"]
    hist = store.claim_history("c1")
    assert [h.version for h in hist] == [1, 2]
    assert hist[0].superseded_at == hist[1].recorded_at
    assert hist[1].superseded_at is None
    assert store.get_claim("c1").claimant == "Israeli military"
    assert store.query_claims(ClaimQuery()).total == 1  # one claim, two versions


def test_empty_id_gets_a_new_stable_id(store: Store, make_claim) -> None:
    res = store.add_claims([make_claim(), make_claim(day=1)])
    assert len(res.inserted) == 2 and len(set(res.inserted)) == 2
    for cid in res.inserted:
        assert store.get_claim(cid).id == cid


def test_mixed_batch_reports_each_outcome(store: Store, make_claim) -> None:
    store.add_claims([make_claim("a"), make_claim("b")])
    res = store.add_claims([make_claim("a"), make_claim("b", claimant="witnesses"), make_claim("c")])
    assert (res.inserted, res.updated, res.unchanged) == (["c"], ["b"], ["a"])


# --------------------------------------------------------------------------------------
# Atomic batches
# --------------------------------------------------------------------------------------


def test_batch_with_unknown_report_stores_nothing(store: Store, make_claim) -> None:
    batch = [make_claim("ok-1"), make_claim("bad-2", report_id="r-does-not-exist"), make_claim("ok-3")]
    with pytest.raises(InvalidInput) as err:
        store.add_claims(batch)
    msg = str(err.value)
    assert "claims[1]" in msg and "'bad-2'" in msg and "r-does-not-exist" in msg
    assert store.query_claims(ClaimQuery()).total == 0
    with pytest.raises(NotFound):
        store.get_claim("ok-1")


def test_batch_with_invalid_geometry_stores_nothing(store: Store, make_claim) -> None:
    bowtie = Polygon([(34.3, 31.3), (34.4, 31.4), (34.4, 31.3), (34.3, 31.4), (34.3, 31.3)])
    bad = make_claim("bowtie").model_copy(update={"geometry": bowtie})  # skips validation on purpose
    with pytest.raises(InvalidInput, match=r"claims\[2\] \(id 'bowtie'\): geometry is not valid: Self-intersection"):
        store.add_claims([make_claim("a"), make_claim("b"), bad])
    assert store.query_claims(ClaimQuery()).total == 0


def test_batch_with_out_of_range_or_bad_vocabulary_stores_nothing(store: Store, make_claim) -> None:
    far = make_claim("far").model_copy(update={"geometry": Point(200, 95)})
    with pytest.raises(InvalidInput, match=r"claims\[1\] \(id 'far'\): geometry coordinates out of range"):
        store.add_claims([make_claim("a"), far])
    weird = make_claim("weird").model_copy(update={"event_type": "meteor"})
    with pytest.raises(InvalidInput, match=r"claims\[0\] \(id 'weird'\): unknown event_type 'meteor'"):
        store.add_claims([weird])
    backwards = make_claim("bw").model_copy(update={"valid_from": T0 + 3 * DAY})
    with pytest.raises(InvalidInput, match=r"claims\[0\] \(id 'bw'\): valid_from .* is after valid_to"):
        store.add_claims([backwards])
    assert store.query_claims(ClaimQuery()).total == 0


def test_batch_with_duplicate_ids_or_updates_stores_nothing(store: Store, make_claim) -> None:
    store.add_claims([make_claim("a")])
    with pytest.raises(InvalidInput, match=r"claims\[2\] \(id 'x'\): duplicate id in the batch \(also claims\[0\]\)"):
        store.add_claims([make_claim("x"), make_claim("a", claimant="changed"), make_claim("x", day=2)])
    assert store.get_claim("a").version == 1  # the update in the failed batch did not land
    with pytest.raises(NotFound):
        store.get_claim("x")


def test_batch_of_wrong_type_is_rejected(store: Store) -> None:
    with pytest.raises(InvalidInput, match=r"claims\[0\].*: expected a ClaimRecord, got dict"):
        store.add_claims([{"event_type": "airstrike"}])  # type: ignore[list-item]


# --------------------------------------------------------------------------------------
# update_claim and retract_claim
# --------------------------------------------------------------------------------------


def test_update_claim_versions_and_optimistic_concurrency(store: Store, make_claim) -> None:
    store.add_claims([make_claim("c1")])
    v2 = store.update_claim("c1", {"claimant": "UN OCHA"}, expected_version=1, recorded_by="editor")
    assert (v2.version, v2.claimant, v2.recorded_by) == (2, "UN OCHA", "editor")
    with pytest.raises(Conflict, match="version 2, not 1"):
        store.update_claim("c1", {"claimant": "someone"}, expected_version=1)
    assert store.get_claim("c1").version == 2
    same = store.update_claim("c1", {"claimant": "UN OCHA"})
    assert same.version == 2  # nothing changed: no new version
    v3 = store.update_claim("c1", {"geometry": {"type": "Point", "coordinates": [34.3, 31.3]}})
    assert v3.version == 3 and v3.geometry.equals(Point(34.3, 31.3))


def test_update_claim_rejects_bad_changes(store: Store, make_claim) -> None:
    store.add_claims([make_claim("c1")])
    with pytest.raises(NotFound, match="'nope'"):
        store.update_claim("nope", {"claimant": "x"})
    with pytest.raises(InvalidInput, match="cannot change version"):
        store.update_claim("c1", {"version": 7})
    with pytest.raises(InvalidInput, match=r"unknown claim field.*colour"):
        store.update_claim("c1", {"colour": "red"})
    with pytest.raises(InvalidInput, match="confidence"):
        store.update_claim("c1", {"confidence": 2.0})
    with pytest.raises(InvalidInput, match=r"valid_from .* is after valid_to"):
        store.update_claim("c1", {"valid_from": T0 + 5 * DAY})
    assert len(store.claim_history("c1")) == 1


def test_retract_is_a_status_never_a_delete(store: Store, make_claim) -> None:
    store.add_claims([make_claim("c1"), make_claim("c2")])
    r = store.retract_claim("c1", reason="the source withdrew it", recorded_by="editor")
    assert r.status == "retracted" and r.version == 2 and "the source withdrew it" in (r.notes or "")
    assert ids(store.query_claims(ClaimQuery())) == ["c2"]
    assert ids(store.query_claims(ClaimQuery(statuses=("retracted",)))) == ["c1"]
    assert ids(store.query_claims(ClaimQuery(statuses=("reported", "retracted")))) == ["c1", "c2"]
    assert store.get_claim("c1").status == "retracted"
    assert [h.status for h in store.claim_history("c1")] == ["reported", "retracted"]
    assert store.retract_claim("c1").version == 2  # retracting again changes nothing
    with pytest.raises(Conflict):
        store.retract_claim("c2", expected_version=5)
    with pytest.raises(NotFound):
        store.retract_claim("missing")


def test_history_of_unknown_claim_is_not_found(store: Store) -> None:
    with pytest.raises(NotFound):
        store.claim_history("ghost")


# --------------------------------------------------------------------------------------
# As-of: what was known then
# --------------------------------------------------------------------------------------


def test_as_of_returns_the_state_of_each_moment(store: Store, make_claim) -> None:
    store.add_claims([make_claim("c1", claimant="first"), make_claim("other")])
    t_add = store.get_claim("c1").recorded_at
    store.update_claim("c1", {"claimant": "second"})
    t_edit = store.get_claim("c1").recorded_at
    store.retract_claim("c1")
    t_retract = store.get_claim("c1").recorded_at
    store.add_claims([make_claim("late")])
    assert t_add < t_edit < t_retract
    before = t_add - timedelta(microseconds=1)

    with pytest.raises(NotFound):
        store.get_claim("c1", as_of=before)
    assert store.get_claim("c1", as_of=t_add).claimant == "first"
    assert store.get_claim("c1", as_of=t_edit - timedelta(microseconds=1)).claimant == "first"
    assert store.get_claim("c1", as_of=t_edit).claimant == "second"
    assert store.get_claim("c1", as_of=t_retract).status == "retracted"

    def visible(t: datetime) -> list[str]:
        return ids(store.query_claims(ClaimQuery(as_of=t)))

    assert visible(before) == []
    assert visible(t_add) == ["c1", "other"]
    assert visible(t_edit) == ["c1", "other"]
    assert visible(t_retract) == ["other"]
    assert visible(datetime.now(UTC) + DAY) == ["late", "other"]
    page = store.query_claims(ClaimQuery(as_of=t_edit, claimants=("first",)))
    assert page.total == 0
    page = store.query_claims(ClaimQuery(as_of=t_add, claimants=("first",)))
    assert ids(page) == ["c1"] and page.items[0].version == 1


def test_last_recorded_at_moves_with_every_write(store: Store, make_claim) -> None:
    assert store.last_recorded_at() is None
    store.add_claims([make_claim("c1")])
    t1 = store.last_recorded_at()
    assert t1 == store.get_claim("c1").recorded_at
    store.add_claims([make_claim("c1")])  # unchanged: no write
    assert store.last_recorded_at() == t1
    store.update_claim("c1", {"notes": "edited"})
    t2 = store.last_recorded_at()
    assert t2 is not None and t1 is not None and t2 > t1


# --------------------------------------------------------------------------------------
# Query filters
# --------------------------------------------------------------------------------------


@pytest.fixture
def sample(store: Store, reuters: Source, make_claim, make_report) -> Store:
    """Eight claims with varied place, time, type, source, claimant, precision."""
    from geo.model import Uncertainty

    store.add_sources([reuters])
    r1, r2 = make_report(text="one"), make_report(text="two")
    store.add_reports([r1, r2])
    coarse = Uncertainty(radius_m=20_000, geo_precision=3, where_prec=4, method="admin_fallback")
    store.add_claims(
        [
            make_claim("gaza-1", x=34.45, y=31.50, day=0, report_id=r1.id),
            make_claim("gaza-2", x=34.46, y=31.51, day=3, event_type="shelling", report_id=r1.id),
            make_claim("khan-1", x=34.30, y=31.35, day=1, claimant="Israeli military", report_id=r2.id),
            make_claim("rafah-1", x=34.25, y=31.29, day=10, source="Al Jazeera", uncertainty=coarse),
            make_claim("rafah-2", x=34.25, y=31.28, day=10, days=7, time_precision="week"),
            make_claim("undated", x=34.35, y=31.42, valid_from=None, valid_to=None, time_precision="unknown"),
            make_claim("nowhere", geometry=None, uncertainty=None, day=2),
            # a line whose envelope covers Gaza City's bbox corner but which does not enter it
            make_claim("line", geometry=LineString([(34.38, 31.47), (34.38, 31.60), (34.52, 31.60)]), day=4),
        ]
    )
    return store


GAZA_CITY = (34.40, 31.48, 34.50, 31.55)


def test_default_query_is_all_current_in_stable_order(sample: Store) -> None:
    page = sample.query_claims(ClaimQuery())
    # (valid_from, id), undated last
    assert ids(page) == ["gaza-1", "khan-1", "nowhere", "gaza-2", "line", "rafah-1", "rafah-2", "undated"]
    assert page.total == 8


def test_bbox_is_exact_not_just_the_envelope(sample: Store) -> None:
    page = sample.query_claims(ClaimQuery(bbox=GAZA_CITY))
    assert ids(page) == ["gaza-1", "gaza-2"]
    assert page.total == 2
    # the line does cross a box further north-west
    assert "line" in ids(sample.query_claims(ClaimQuery(bbox=(34.38, 31.55, 34.45, 31.60))))
    assert ids(sample.query_claims(ClaimQuery(bbox=(10, 10, 11, 11)))) == []


def test_bbox_touching_a_point_counts(sample: Store) -> None:
    assert ids(sample.query_claims(ClaimQuery(bbox=(34.45, 31.50, 34.45, 31.50)))) == ["gaza-1"]


def test_time_overlap(sample: Store) -> None:
    q = ClaimQuery(start=T0 + 3 * DAY, end=T0 + 3 * DAY + timedelta(hours=1))
    assert ids(sample.query_claims(q)) == ["gaza-2"]
    # the week-long claim overlaps a window that starts in its middle
    assert ids(sample.query_claims(ClaimQuery(start=T0 + 14 * DAY))) == ["rafah-2"]
    # an open start: everything up to the end
    assert ids(sample.query_claims(ClaimQuery(end=T0 + DAY))) == ["gaza-1", "khan-1"]
    # the boundary instants are inclusive
    assert ids(sample.query_claims(ClaimQuery(start=T0 + DAY - timedelta(microseconds=1), end=T0 + DAY))) == [
        "gaza-1",
        "khan-1",
    ]


def test_attribute_filters(sample: Store, make_report) -> None:
    q = sample.query_claims
    assert ids(q(ClaimQuery(event_types=("shelling",)))) == ["gaza-2"]
    assert ids(q(ClaimQuery(sources=("Al Jazeera",)))) == ["rafah-1"]
    assert ids(q(ClaimQuery(claimants=("Israeli military",)))) == ["khan-1"]
    assert ids(q(ClaimQuery(claimants=("Israeli military", "nobody")))) == ["khan-1"]
    assert ids(q(ClaimQuery(report_ids=(make_report(text="one").id,)))) == ["gaza-1", "gaza-2"]
    assert ids(q(ClaimQuery(ids=("rafah-2", "gaza-1", "missing")))) == ["gaza-1", "rafah-2"]
    assert "rafah-1" not in ids(q(ClaimQuery(min_geo_precision=2)))
    assert "nowhere" not in ids(q(ClaimQuery(min_geo_precision=3)))
    assert ids(q(ClaimQuery(min_geo_precision=3, sources=("Al Jazeera",)))) == ["rafah-1"]


def test_filters_combine(sample: Store) -> None:
    q = ClaimQuery(bbox=(34.2, 31.2, 34.35, 31.4), start=T0 + 5 * DAY, claimants=("Gaza health ministry",))
    assert ids(sample.query_claims(q)) == ["rafah-1", "rafah-2"]
    assert ids(sample.query_claims(ClaimQuery(bbox=q.bbox, start=q.start, sources=("Al Jazeera",)))) == ["rafah-1"]


def test_paging_with_total(sample: Store) -> None:
    everything = ids(sample.query_claims(ClaimQuery()))
    pages = [sample.query_claims(ClaimQuery(limit=3, offset=o)) for o in (0, 3, 6, 9)]
    assert [p.total for p in pages] == [8, 8, 8, 8]
    assert [i for p in pages for i in ids(p)] == everything
    assert ids(pages[-1]) == []
    assert sample.query_claims(ClaimQuery(limit=0)).total == 8
    bb = (34.2, 31.2, 34.5, 31.55)
    in_bbox = ids(sample.query_claims(ClaimQuery(bbox=bb)))
    assert len(in_bbox) == 7
    page = sample.query_claims(ClaimQuery(bbox=bb, limit=2, offset=2))
    assert page.total == 7 and ids(page) == in_bbox[2:4]


@pytest.mark.parametrize(
    ("query", "message"),
    [
        (ClaimQuery(limit=-1), "limit must be >= 0"),
        (ClaimQuery(offset=-5), "offset must be >= 0"),
        (ClaimQuery(bbox=(35, 31, 34, 32)), "bbox min must not exceed max"),
        (ClaimQuery(bbox=(-200, 31, 34, 32)), "bbox out of lon/lat range"),
        (ClaimQuery(bbox=(float("nan"), 31, 34, 32)), "non-finite"),
        (ClaimQuery(start=T0 + DAY, end=T0), "is after end"),
        (ClaimQuery(statuses=("deleted",)), "unknown status 'deleted'"),
        (ClaimQuery(event_types=("meteor",)), "unknown event type 'meteor'"),
        (ClaimQuery(min_geo_precision=4), "min_geo_precision must be 1, 2 or 3"),
    ],
)
def test_bad_queries_are_invalid_input(store: Store, query: ClaimQuery, message: str) -> None:
    with pytest.raises(InvalidInput, match=message):
        store.query_claims(query)


# --------------------------------------------------------------------------------------
# Zones
# --------------------------------------------------------------------------------------


def test_zone_round_trip_and_versions(store: Store, make_zone) -> None:
    z = make_zone(
        "z1",
        drawn_geometry=box(34.41, 31.46, 34.49, 31.54),
        approx_block_ids=("103",),
        flags=("drawn_differs",),
        stated_area_km2=12.5,
        title="Evacuate blocks 101 and 102",
        grid="idf-2023",
    )
    assert store.add_zones([z]).inserted == ["z1"]
    got = store.get_zone("z1")
    assert got.content_hash() == z.content_hash()
    assert got.drawn_geometry is not None and got.drawn_geometry.equals(z.drawn_geometry)
    assert store.add_zones([z]).unchanged == ["z1"]
    lifted = z.model_copy(update={"lifted_at": T0 + 5 * DAY, "status": "lifted"})
    assert store.add_zones([lifted]).updated == ["z1"]
    now = store.get_zone("z1")
    assert now.version == 2 and now.lifted_at == T0 + 5 * DAY
    assert store.get_zone("z1", as_of=got.recorded_at).lifted_at is None
    assert [(v.version, v.status) for v in store.zone_history("z1")] == [(1, "active"), (2, "lifted")]
    with pytest.raises(NotFound):
        store.get_zone("z-missing")
    with pytest.raises(NotFound):
        store.zone_history("z-missing")


def test_zone_queries(store: Store, make_zone) -> None:
    store.add_zones(
        [
            make_zone("north", bounds=(34.45, 31.50, 34.55, 31.60)),
            make_zone(
                "south",
                bounds=(34.20, 31.20, 34.30, 31.30),
                effective_from=T0 + 2 * DAY,
                issued_at=T0 + DAY,
                lifted_at=T0 + 6 * DAY,
            ),
            make_zone(
                "safe",
                bounds=(34.25, 31.30, 34.32, 31.38),
                order_type="humanitarian_zone",
                effective_from=T0 - DAY,
                issued_at=T0 - DAY,
            ),
            make_zone("gone", status="retracted"),
        ]
    )
    q = store.query_zones
    assert [z.id for z in q(ZoneQuery()).items] == ["safe", "north", "south"]
    assert [z.id for z in q(ZoneQuery(active_at=T0 + DAY)).items] == ["safe", "north"]
    assert [z.id for z in q(ZoneQuery(active_at=T0 + 3 * DAY)).items] == ["safe", "north", "south"]
    assert [z.id for z in q(ZoneQuery(active_at=T0 + 6 * DAY)).items] == ["safe", "north"]  # lifted_at excluded
    assert [z.id for z in q(ZoneQuery(start=T0 + 7 * DAY)).items] == ["safe", "north"]
    assert [z.id for z in q(ZoneQuery(end=T0)).items] == ["safe", "north"]
    assert [z.id for z in q(ZoneQuery(order_types=("humanitarian_zone",))).items] == ["safe"]
    assert [z.id for z in q(ZoneQuery(issuers=("Israeli military",), limit=1, offset=1)).items] == ["north"]
    assert q(ZoneQuery(issuers=("Israeli military",), limit=1)).total == 3
    assert [z.id for z in q(ZoneQuery(bbox=(34.26, 31.25, 34.27, 31.26))).items] == ["south"]
    assert [z.id for z in q(ZoneQuery(include_retracted=True)).items] == ["safe", "gone", "north", "south"]
    with pytest.raises(InvalidInput, match="unknown order type"):
        q(ZoneQuery(order_types=("curfew",)))


def test_zone_batch_is_atomic(store: Store, make_zone) -> None:
    line_zone = make_zone("bad").model_copy(update={"geometry": LineString([(34.3, 31.3), (34.4, 31.4)])})
    with pytest.raises(InvalidInput, match=r"zones\[1\] \(id 'bad'\): zone geometry must be a Polygon"):
        store.add_zones([make_zone("ok"), line_zone])
    assert store.query_zones(ZoneQuery()).total == 0


# --------------------------------------------------------------------------------------
# Layers and stats
# --------------------------------------------------------------------------------------


def test_layers_put_get_list_replace(store: Store) -> None:
    a = Layer(id="strikes", title="Strikes", filter=LayerFilter(event_types=("airstrike", "shelling")))
    b = Layer(id="orders", title="Evacuation orders", kind="zones", style={"color": "#c00"})
    store.put_layer(a)
    store.put_layer(b)
    assert store.get_layer("strikes") == a
    assert [x.id for x in store.list_layers()] == ["orders", "strikes"]
    a2 = a.model_copy(update={"title": "Air and artillery strikes"})
    store.put_layer(a2)
    assert store.get_layer("strikes").title == "Air and artillery strikes"
    assert len(store.list_layers()) == 2
    with pytest.raises(NotFound, match="'nope'"):
        store.get_layer("nope")


def test_stats(sample: Store, make_zone) -> None:
    sample.add_zones([make_zone("z1")])
    sample.retract_claim("gaza-2")
    s = sample.stats()
    assert s.backend == sample.backend
    assert (s.claims, s.claim_versions, s.zones, s.reports, s.sources) == (8, 9, 1, 2, 1)
    assert s.claims_by_event_type == {"airstrike": 7, "shelling": 1}
    assert s.claims_by_status == {"reported": 7, "retracted": 1}
    assert s.bbox is not None
    assert s.bbox == pytest.approx((34.25, 31.28, 34.52, 31.60))
    assert s.time_span == (T0, T0 + 17 * DAY - timedelta(microseconds=1))
    assert s.last_recorded_at == sample.last_recorded_at()


def test_stats_of_empty_store(store: Store) -> None:
    s = store.stats()
    assert (s.claims, s.claim_versions, s.zones, s.bbox, s.time_span, s.last_recorded_at) == (0, 0, 0, None, None, None)
