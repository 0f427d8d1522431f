"""Corroboration: same event, many sources -> incidents with honest status, place and time."""

from __future__ import annotations

import random
from datetime import timedelta

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from layers.corroborate import _candidate_pairs, corroborate, distance_m, incident_id, voice
from layers.testing import make_claim

# Two points ~1.1 km apart in Gaza City, and one ~30 km south (Rafah).
A = (34.4500, 31.5000)
B = (34.4600, 31.5050)
FAR = (34.2500, 31.2900)


def one(incidents):
    assert len(incidents) == 1, [i.claim_ids for i in incidents]
    return incidents[0]


def test_two_outlets_quoting_one_claimant_are_one_voice() -> None:
    inc = one(
        corroborate(
            [
                make_claim(
                    "c-1", lon=A[0], lat=A[1], radius_m=800, claimant="Gaza Health Ministry", source="Outlet One"
                ),
                make_claim(
                    "c-2", lon=B[0], lat=B[1], radius_m=800, claimant="the Gaza health ministry", source="Outlet Two"
                ),
            ]
        )
    )
    assert inc.claim_ids == ("c-1", "c-2")
    assert inc.sources == ("Outlet One", "Outlet Two")
    assert inc.independent_sources == 1 and inc.status == "reported"


def test_two_claimants_agreeing_corroborate() -> None:
    inc = one(
        corroborate(
            [
                make_claim("c-1", lon=A[0], lat=A[1], radius_m=800, claimant="Gaza civil defence"),
                make_claim("c-2", lon=B[0], lat=B[1], radius_m=800, claimant="IDF", event_type="shelling"),
            ]
        )
    )
    assert inc.status == "corroborated" and inc.independent_sources == 2
    assert inc.claimants == ("Gaza civil defence", "IDF")
    assert inc.event_type == "airstrike"  # tie between airstrike and shelling: vocabulary order


def test_aliases_fold_to_one_voice() -> None:
    assert voice("IDF") == voice("Israel Defense Forces") == voice("Israeli army") == "israeli military"
    assert voice(None, "Example Wire") == "source: example wire"
    assert voice(None, None) is None


def test_far_apart_or_other_day_or_other_type_are_separate() -> None:
    base = make_claim("c-1", lon=A[0], lat=A[1], claimant="X")
    far = make_claim("c-2", lon=FAR[0], lat=FAR[1], claimant="Y")
    later = make_claim("c-3", lon=A[0], lat=A[1], claimant="Y", day="2023-12-03")
    shooting = make_claim("c-4", lon=A[0], lat=A[1], claimant="Y", event_type="shooting")
    incidents = corroborate([base, far, later, shooting])
    assert len(incidents) == 4
    assert all(i.status == "reported" for i in incidents)


def test_distance_rule_uses_metres() -> None:
    a = make_claim("c-1", lon=A[0], lat=A[1], radius_m=500, claimant="X")
    b = make_claim("c-2", lon=B[0], lat=B[1], radius_m=500, claimant="Y")
    d = distance_m(a, b)
    assert 1000 < d < 1200
    assert len(corroborate([a, b])) == 2  # 1 km apart, radii sum to 1 km: no overlap
    b2 = make_claim("c-2", lon=B[0], lat=B[1], radius_m=700, claimant="Y")
    assert len(corroborate([a, b2])) == 1


def test_hospital_explosion_with_contested_cause_is_disputed() -> None:
    strike = make_claim("c-1", lon=A[0], lat=A[1], radius_m=100, claimant="Gaza health ministry", fatalities=471)
    rocket = make_claim(
        "c-2", event_type="rocket_launch", lon=A[0] + 0.001, lat=A[1], radius_m=100, claimant="Israeli military"
    )
    inc = one(corroborate([strike, rocket]))
    assert inc.status == "disputed"
    assert inc.conflicts[0].startswith("attribution: airstrike (Gaza health ministry) vs rocket_launch")
    # rocket fire from a launch site 3 km away the same day is a different event
    launch = make_claim("c-3", event_type="rocket_launch", lon=A[0], lat=A[1] + 0.03, radius_m=2000, claimant="Z")
    assert len(corroborate([strike, launch])) == 2


def test_wildly_different_counts_are_disputed() -> None:
    a = make_claim("c-1", lon=A[0], lat=A[1], claimant="X", fatalities=4)
    b = make_claim("c-2", lon=A[0], lat=A[1], claimant="Y", fatalities=40)
    inc = one(corroborate([a, b]))
    assert inc.status == "disputed"
    assert inc.conflicts == ("fatalities: 4 (X) vs 40 (Y)",)
    assert inc.fatalities == {"low": 4, "best": 4, "high": 40}
    close = make_claim("c-2", lon=A[0], lat=A[1], claimant="Y", fatalities=6)
    assert one(corroborate([a, close])).status == "corroborated"


def test_disputed_member_disputes_incident() -> None:
    a = make_claim("c-1", lon=A[0], lat=A[1], claimant="X")
    b = make_claim("c-2", lon=A[0], lat=A[1], claimant="Y", status="disputed")
    assert one(corroborate([a, b])).status == "disputed"


def test_retracted_claims_never_count() -> None:
    a = make_claim("c-1", lon=A[0], lat=A[1], claimant="X")
    b = make_claim("c-2", lon=A[0], lat=A[1], claimant="Y", status="retracted")
    inc = one(corroborate([a, b]))
    assert inc.claim_ids == ("c-1",) and inc.status == "reported"


def test_claims_of_one_report_are_separate_events() -> None:
    a = make_claim("c-1", lon=A[0], lat=A[1], claimant="X", report_id="r-1")
    b = make_claim("c-2", lon=A[0], lat=A[1], claimant="X", report_id="r-1")
    assert len(corroborate([a, b])) == 2


def test_a_reports_claim_and_its_counter_claim_are_one_disputed_incident() -> None:
    """Issue 12: the two accounts one report gives of one event (both marked disputed by the
    geocoder) meet in one incident; the report's other claims stay their own events."""
    a = make_claim("c-1", lon=A[0], lat=A[1], claimant="residents", report_id="r-1", status="disputed")
    b = make_claim("c-2", lon=A[0], lat=A[1], claimant="Israeli military", report_id="r-1", status="disputed")
    other = make_claim("c-3", lon=A[0], lat=A[1], claimant="residents", report_id="r-1")
    incidents = corroborate([a, b, other])
    assert sorted(i.claim_ids for i in incidents) == [("c-1", "c-2"), ("c-3",)]
    assert next(i for i in incidents if len(i.claim_ids) == 2).status == "disputed"


def test_no_chaining_through_a_vague_claim() -> None:
    west = make_claim("c-1", lon=34.40, lat=31.50, radius_m=300, claimant="X")
    east = make_claim("c-3", lon=34.48, lat=31.50, radius_m=300, claimant="Y")
    middle = make_claim("c-2", lon=34.44, lat=31.50, radius_m=5000, claimant="Z")
    incidents = corroborate([west, middle, east])
    groups = sorted(i.claim_ids for i in incidents)
    assert ("c-1", "c-3") not in groups and len(incidents) == 2
    assert all(not ({"c-1", "c-3"} <= set(g)) for g in groups)


def test_tightest_location_and_time() -> None:
    precise = make_claim("c-1", lon=A[0], lat=A[1], radius_m=150, claimant="X", place_name="Al-Shifa")
    vague_week = make_claim(
        "c-2", lon=B[0], lat=B[1], radius_m=4000, claimant="Y", day="2023-11-28", days=7, place_name="Gaza City"
    )
    inc = one(corroborate([precise, vague_week]))
    assert inc.uncertainty.radius_m == 150 and inc.place_name == "Al-Shifa"
    assert inc.geometry.equals(precise.geometry)
    assert (inc.valid_from, inc.valid_to, inc.time_precision) == (precise.valid_from, precise.valid_to, "day")


def test_too_vague_claims_stay_alone() -> None:
    precise = make_claim("c-1", lon=A[0], lat=A[1], claimant="X")
    strip_wide = make_claim("c-2", lon=A[0], lat=A[1], radius_m=25_000, claimant="Y")
    month = make_claim("c-3", lon=A[0], lat=A[1], claimant="Z", days=30)
    unlocated = make_claim("c-4", lon=None, claimant="W")
    undated = make_claim("c-5", day=None, claimant="V")
    incidents = corroborate([precise, strip_wide, month, unlocated, undated])
    assert len(incidents) == 5
    assert incidents[-1].valid_from is None  # undated last


def test_time_slack_gives_union_with_flag() -> None:
    a = make_claim("c-1", lon=A[0], lat=A[1], claimant="X", day="2023-12-01")
    b = make_claim("c-2", lon=A[0], lat=A[1], claimant="Y", day="2023-12-02T03:00:00")
    assert len(corroborate([a, b])) == 2
    inc = one(corroborate([a, b], time_slack=timedelta(hours=6)))
    assert inc.status == "corroborated"
    assert inc.valid_from == a.valid_from and inc.valid_to == b.valid_to
    assert inc.conflicts[0].startswith("time:")


def test_deterministic_ids_independent_of_input_order() -> None:
    claims = [make_claim(f"c-{i}", lon=A[0] + i * 1e-4, lat=A[1], claimant=f"X{i}") for i in range(5)]
    first = corroborate(claims)
    second = corroborate(list(reversed(claims)))
    assert [i.model_dump() for i in first] == [i.model_dump() for i in second]
    assert first[0].id == incident_id(["c-0", "c-1", "c-2", "c-3", "c-4"]) == incident_id(reversed(first[0].claim_ids))


def test_duplicate_ids_refused() -> None:
    c = make_claim("c-1")
    with pytest.raises(ValueError, match="c-1"):
        corroborate([c, c])


def test_candidate_pairs_match_brute_force() -> None:
    rng = random.Random(7)
    types = ["airstrike", "shelling", "rocket_launch", "shooting"]
    claims = []
    for i in range(400):
        claims.append(
            make_claim(
                f"c-{i:03d}",
                event_type=rng.choice(types),
                lon=34.3 + rng.random() * 0.2,
                lat=31.3 + rng.random() * 0.2,
                radius_m=rng.choice([100, 500, 2000, 6000]),
                day=f"2023-12-{rng.randint(1, 6):02d}T{rng.randint(0, 23):02d}:00:00",
                days=rng.choice([0.25, 1, 3]),
                report_id=f"r-{rng.randint(0, 300)}",
                status="disputed" if rng.random() < 0.1 else "reported",
            )
        )
    got = {
        tuple(p) for p in _candidate_pairs(claims, list(range(len(claims))), time_slack=0, attribution_radius_m=1000)
    }
    family = {"airstrike": "s", "shelling": "s", "rocket_launch": "r", "shooting": "x"}
    want = set()
    for i, a in enumerate(claims):
        for j in range(i + 1, len(claims)):
            b = claims[j]
            if a.report_id == b.report_id and not (a.status == b.status == "disputed"):
                continue
            if not (a.valid_from <= b.valid_to and b.valid_from <= a.valid_to):
                continue
            d = distance_m(a, b)
            if d > a.uncertainty.radius_m + b.uncertainty.radius_m:
                continue
            fa, fb = family[a.event_type], family[b.event_type]
            site = all(
                c.uncertainty.radius_m <= 1000 and (c.valid_to - c.valid_from).total_seconds() <= 86401 for c in (a, b)
            )
            if fa == fb or ({fa, fb} == {"s", "r"} and site and d <= 1000):
                want.add((i, j))
    assert got == want
    assert len(want) > 20


def test_single_claim_fast_path_matches_general_rules() -> None:
    from layers.corroborate import _build

    c = make_claim("c-1", fatalities=7, status="disputed", place_name="Rafah")
    fast = _build([c], count_ratio=3.0, count_min_diff=5)
    assert fast.status == "disputed" and fast.conflicts == ("status: claim c-1 is marked disputed",)
    assert fast.fatalities == {"low": 7, "best": 7, "high": 7} and fast.place_name == "Rafah"
    assert fast.independent_sources == 1 and fast.claim_ids == ("c-1",)
    assert fast == fast.model_validate(fast.model_dump())


_claims = st.lists(
    st.builds(
        lambda i, t, dx, dy, r, d, who, rep, st_: (i, t, dx, dy, r, d, who, rep, st_),
        st.integers(0, 10_000),
        st.sampled_from(["airstrike", "shelling", "rocket_launch", "shooting"]),
        st.floats(0, 0.05),
        st.floats(0, 0.05),
        st.sampled_from([100, 500, 2000, 6000, 20_000]),
        st.integers(1, 4),
        st.sampled_from(["A", "B", "IDF", "Israeli military", None]),
        st.sampled_from([None, "r-1", "r-2"]),
        st.sampled_from(["reported", "reported", "disputed", "retracted"]),
    ),
    max_size=25,
    unique_by=lambda x: x[0],
)


@settings(max_examples=80, deadline=None)
@given(_claims)
def test_invariants(specs) -> None:
    claims = [
        make_claim(
            f"c-{i}",
            event_type=t,
            lon=34.40 + dx,
            lat=31.40 + dy,
            radius_m=r,
            day=f"2023-12-0{d}",
            claimant=who,
            report_id=rep,
            status=st_,
        )
        for i, t, dx, dy, r, d, who, rep, st_ in specs
    ]
    incidents = corroborate(claims)
    members = [cid for inc in incidents for cid in inc.claim_ids]
    live = {c.id for c in claims if c.status != "retracted"}
    assert sorted(members) == sorted(live)  # every live claim in exactly one incident
    by_id = {c.id: c for c in claims}
    for inc in incidents:
        group = [by_id[cid] for cid in inc.claim_ids]
        assert inc.id == incident_id(inc.claim_ids)
        for a in group:
            for b in group:
                if a.id < b.id:  # pairwise compatible: places and times overlap, different reports
                    assert distance_m(a, b) <= a.uncertainty.radius_m + b.uncertainty.radius_m + 1e-6
                    assert a.valid_from <= b.valid_to and b.valid_from <= a.valid_to
                    # one report's claims meet only as its own disputed accounts of one event
                    assert a.report_id is None or a.report_id != b.report_id or a.status == b.status == "disputed"
        if inc.status == "corroborated":
            assert inc.independent_sources >= 2 and not inc.conflicts
        if len(group) > 1 and inc.valid_from is not None:
            assert all(c.valid_from <= inc.valid_from and inc.valid_to <= c.valid_to for c in group)
    assert corroborate(list(reversed(claims))) == incidents
