"""Responsible publication: coarsening and delay, recorded in every feature, never for authenticated readers."""

from __future__ import annotations

from datetime import UTC, datetime

import pytest
from shapely.geometry import Point

from geo.metric import max_distance_m
from layers.corroborate import corroborate
from layers.model import Layer, PublicationPolicy
from layers.policy import coarsen, public_features, snap_to_grid, utm_epsg
from layers.testing import make_claim, make_zone

# A point inside Khan Younis governorate (COD-AB PS0270).
KY = (34.3030, 31.3460)


def test_utm_zone() -> None:
    assert utm_epsg(34.3, 31.3) == 32636
    assert utm_epsg(-74.0, -40.0) == 32718


def test_grid_snap_is_stable_and_grows_uncertainty() -> None:
    rec = make_claim("c-1", lon=KY[0], lat=KY[1], radius_m=100)
    out, label = coarsen(rec, PublicationPolicy(snap_m=1000))
    assert label == "grid:1000m"
    moved = max_distance_m(out.geometry, rec.geometry)
    assert 0 < moved <= 1000 * 2**0.5 / 2 + 1
    assert out.uncertainty.radius_m >= 100 + 707 and out.uncertainty.region is None
    assert "1000 m grid" in out.uncertainty.note
    # every point of the same cell lands on the same centre
    near = make_claim("c-2", lon=out.geometry.x + 0.001, lat=out.geometry.y + 0.001)
    assert coarsen(near, PublicationPolicy(snap_m=1000))[0].geometry.equals(out.geometry)
    assert snap_to_grid(out.geometry, 1000).equals(out.geometry)
    assert rec.geometry.equals(Point(*KY))  # the original is untouched


def test_already_coarse_claims_are_left_alone() -> None:
    vague = make_claim("c-1", lon=KY[0], lat=KY[1], radius_m=5000)
    out, label = coarsen(vague, PublicationPolicy(snap_m=1000))
    assert label is None and out is vague
    unlocated = make_claim("c-2", lon=None)
    assert coarsen(unlocated, PublicationPolicy(snap_m=1000)) == (unlocated, None)


def test_admin_coarsening() -> None:
    rec = make_claim("c-1", lon=KY[0], lat=KY[1], radius_m=100)
    out, label = coarsen(rec, PublicationPolicy(admin_level="governorate"))
    assert label == "adm2:PS0270"
    assert out.uncertainty.method == "admin_fallback" and out.uncertainty.geo_precision == 3
    assert out.uncertainty.region is not None and out.uncertainty.region.contains(rec.geometry)
    assert out.uncertainty.radius_m >= max_distance_m(out.geometry, out.uncertainty.region)
    _strip, label2 = coarsen(rec, PublicationPolicy(admin_level="strip"))
    assert label2 == "adm1:PS02"
    # outside Palestine: the containing country
    tel_aviv = make_claim("c-2", lon=34.78, lat=32.08)
    assert coarsen(tel_aviv, PublicationPolicy(admin_level="governorate"))[1] == "country:ISR"
    at_sea = make_claim("c-3", lon=30.0, lat=34.0)
    out3, label3 = coarsen(at_sea, PublicationPolicy(admin_level="governorate"))
    assert label3 == "withheld" and out3.geometry is None and out3.uncertainty is None
    out4, label4 = coarsen(at_sea, PublicationPolicy(admin_level="governorate", snap_m=5000))
    assert label4 == "grid:5000m" and out4.geometry is not None


def test_public_features_record_the_transformation() -> None:
    layer = Layer(id="strikes", title="Strikes", policy=PublicationPolicy(snap_m=2000))
    recs = [make_claim("c-1", lon=KY[0], lat=KY[1]), make_claim("c-2", lon=KY[0], lat=KY[1], radius_m=9000)]
    public = public_features(recs, layer, authenticated=False)
    assert [f["properties"]["coarsened_to"] for f in public] == ["grid:2000m", None]
    assert public[0]["properties"]["uncertainty_m"] > 2000 * 0.7
    private = public_features(recs, layer, authenticated=True)
    assert [f["properties"]["coarsened_to"] for f in private] == [None, None]
    assert private[0]["geometry"]["coordinates"] == [KY[0], KY[1]]
    assert public_features(recs, None, authenticated=False)[0]["geometry"] == private[0]["geometry"]


def test_delay_hides_recent_events_from_anonymous_readers() -> None:
    policy = PublicationPolicy(delay_hours=48)
    recs = [make_claim("c-old", day="2023-11-28"), make_claim("c-new", day="2023-12-01")]
    now = datetime(2023, 12, 2, 12, tzinfo=UTC)
    public = public_features(recs, policy, authenticated=False, now=now)
    assert [f["id"] for f in public] == ["c-old"]
    assert [f["id"] for f in public_features(recs, policy, authenticated=True, now=now)] == ["c-old", "c-new"]
    # as of a later moment, both are public; as_of makes the answer fixed
    later = public_features(recs, policy, authenticated=False, as_of=datetime(2023, 12, 10, tzinfo=UTC))
    assert len(later) == 2


def test_zones_are_public_orders_and_incidents_are_coarsened() -> None:
    policy = PublicationPolicy(snap_m=1000)
    zone = make_zone("z-1")
    assert public_features([zone], policy, authenticated=False)[0]["properties"]["order_type"] == "evacuate"
    incs = corroborate(
        [make_claim("c-1", lon=KY[0], lat=KY[1], claimant="A"), make_claim("c-2", lon=KY[0], lat=KY[1], claimant="B")]
    )
    feat = public_features(incs, policy, authenticated=False)[0]
    assert feat["properties"]["coarsened_to"] == "grid:1000m" and feat["properties"]["independent_sources"] == 2


def test_policy_validation() -> None:
    with pytest.raises(ValueError):
        PublicationPolicy(snap_m=-5)


def test_apply_policy_and_published() -> None:
    from layers.policy import apply_policy, published

    policy = PublicationPolicy(snap_m=1000, delay_hours=24)
    recs = [make_claim("c-1", lon=KY[0], lat=KY[1], day="2023-11-01"), make_claim("c-2", day="2023-12-01")]
    now = datetime(2023, 12, 1, 12, tzinfo=UTC)
    pairs = published(recs, policy, now=now)
    assert [(r.id, label) for r, label in pairs] == [("c-1", "grid:1000m")]
    public = apply_policy(recs, policy, now=now)
    assert [r.id for r in public] == ["c-1"] and "grid" in public[0].uncertainty.note
    assert apply_policy(recs, policy, authenticated=True) == recs
    assert apply_policy(recs, None) == recs
