"""geo.model: the values a text yields validate on the way in with clear reasons."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta, timezone

import pytest
from pydantic import ValidationError
from shapely.geometry import Point, Polygon, box, mapping

from geo.errors import InvalidInput
from geo.model import (
    EVENT_TYPES,
    MAX_NAME,
    MAX_TEXT,
    Claim,
    CountEstimate,
    Mention,
    TimeInterval,
    Uncertainty,
    check_geometry,
    format_validation_error,
    repair_geometry,
    to_geometry,
)

U = Uncertainty(radius_m=500, geo_precision=1, where_prec=2, method="gazetteer")
T0 = datetime(2023, 12, 1, tzinfo=UTC)
BOWTIE = Polygon([(34.3, 31.3), (34.4, 31.4), (34.4, 31.3), (34.3, 31.4), (34.3, 31.3)])


def claim(**kw: object) -> Claim:
    data: dict[str, object] = {"event_type": "airstrike", "geometry": Point(34.45, 31.5), "uncertainty": U}
    data.update(kw)
    return Claim(**data)


# --------------------------------------------------------------------------------------
# Geometry
# --------------------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("geom", "message"),
    [
        (Point(181, 31), r"longitude out of range -180\.\.180 \(got 181\.\.181\)"),
        (Point(34, -91), r"latitude out of range -90\.\.90 \(got -91\.\.-91\)"),
        (Point(float("nan"), 31), "non-finite"),
        (Polygon(), "is empty"),
    ],
)
def test_check_geometry_rejects_out_of_range_and_empty(geom, message: str) -> None:
    with pytest.raises(InvalidInput, match=message):
        check_geometry(geom)


def test_invalid_geometry_is_rejected_with_shapelys_reason() -> None:
    with pytest.raises(InvalidInput, match=r"geometry is not valid: Self-intersection\[34\.35 31\.35\]"):
        check_geometry(BOWTIE)
    with pytest.raises(ValidationError) as err:
        claim(geometry=BOWTIE)
    assert "Self-intersection" in format_validation_error(err.value)


def test_repair_only_when_asked_and_keeps_an_area() -> None:
    fixed = repair_geometry(BOWTIE)
    assert fixed.is_valid and fixed.geom_type in ("Polygon", "MultiPolygon")
    assert fixed.area == pytest.approx(0.005)  # both triangles of the bow-tie survive
    assert check_geometry(fixed) is fixed  # now accepted
    assert claim(geometry=fixed).geometry.equals(fixed)


def test_to_geometry_reads_geojson_wkt_and_shapely_and_flattens_z() -> None:
    assert to_geometry({"type": "Point", "coordinates": [34.45, 31.5]}).equals(Point(34.45, 31.5))
    assert to_geometry("POINT (34.45 31.5)").equals(Point(34.45, 31.5))
    assert to_geometry(box(34, 31, 35, 32)).equals(box(34, 31, 35, 32))
    assert not to_geometry({"type": "Point", "coordinates": [34.45, 31.5, 12.0]}).has_z
    with pytest.raises(InvalidInput, match="expected a GeoJSON geometry, got a Feature"):
        to_geometry({"type": "Feature", "geometry": None, "properties": {}})
    with pytest.raises(InvalidInput, match="not a WKT geometry"):
        to_geometry("POINT (oops)")
    with pytest.raises(InvalidInput, match="cannot read a geometry from int"):
        to_geometry(42)


def test_geometry_serialises_as_geojson() -> None:
    data = claim().model_dump(mode="json")
    assert data["geometry"] == {"type": "Point", "coordinates": [34.45, 31.5]}
    assert Claim.model_validate_json(claim().model_dump_json()).geometry.equals(Point(34.45, 31.5))
    assert mapping(claim().geometry)["type"] == "Point"


# --------------------------------------------------------------------------------------
# Time
# --------------------------------------------------------------------------------------


def test_valid_from_after_valid_to_is_rejected() -> None:
    with pytest.raises(ValidationError, match="valid_from 2023-12-02T00:00:00\\+00:00 is after valid_to"):
        claim(valid_from=T0 + timedelta(days=1), valid_to=T0, time_precision="day")


def test_half_open_interval_and_unknown_precision_are_rejected() -> None:
    with pytest.raises(ValidationError, match="must both be set or both be empty"):
        claim(valid_from=T0)
    with pytest.raises(ValidationError, match="needs a time_precision other than 'unknown'"):
        claim(valid_from=T0, valid_to=T0)


def test_times_become_utc() -> None:
    gaza = timezone(timedelta(hours=2))
    c = claim(
        valid_from=datetime(2023, 12, 1, 2, 0, tzinfo=gaza), valid_to=datetime(2023, 12, 1, 3, 0), time_precision="hour"
    )
    assert c.valid_from == datetime(2023, 12, 1, 0, 0, tzinfo=UTC)
    assert c.valid_to is not None and c.valid_to.tzinfo is not None  # naive input read as UTC
    assert c.interval == TimeInterval(start=c.valid_from, end=c.valid_to, precision="hour")
    with pytest.raises(ValidationError, match="is after end"):
        TimeInterval(start=T0 + timedelta(days=1), end=T0, precision="day")
    assert TimeInterval(start=T0, end=T0 + timedelta(days=1), precision="day").overlaps(T0 + timedelta(hours=5), None)


# --------------------------------------------------------------------------------------
# Vocabularies, bounds, consistency
# --------------------------------------------------------------------------------------


def test_unknown_event_type_is_rejected_and_vocabulary_is_fixed() -> None:
    assert "airstrike" in EVENT_TYPES and "evacuation_order" in EVENT_TYPES
    with pytest.raises(ValidationError, match="event_type"):
        claim(event_type="meteor")


def test_string_length_bounds() -> None:
    claim(claimant="x" * MAX_NAME, quote="q" * MAX_TEXT)
    with pytest.raises(ValidationError, match="claimant"):
        claim(claimant="x" * (MAX_NAME + 1))
    with pytest.raises(ValidationError, match="quote"):
        claim(quote="q" * (MAX_TEXT + 1))
    assert claim(claimant="   ").claimant is None  # blank is absent, not an empty claimant


def test_located_claim_needs_an_uncertainty_and_unlocated_is_allowed() -> None:
    with pytest.raises(ValidationError, match="a located claim needs an uncertainty"):
        Claim(event_type="airstrike", geometry=Point(34.45, 31.5))
    assert Claim(event_type="other").geometry is None


def test_uncertainty_and_counts_bounds() -> None:
    with pytest.raises(ValidationError):
        Uncertainty(radius_m=-1, geo_precision=1, where_prec=1, method="gazetteer")
    with pytest.raises(ValidationError):
        Uncertainty(radius_m=10, geo_precision=4, where_prec=1, method="gazetteer")
    with pytest.raises(ValidationError):
        Uncertainty(radius_m=10, geo_precision=1, where_prec=8, method="gazetteer")
    assert CountEstimate(low=24, best=36, high=99).best == 36
    with pytest.raises(ValidationError, match="low <= best <= high"):
        CountEstimate(low=50, best=10)
    with pytest.raises(ValidationError, match="at least one"):
        CountEstimate(text="many")


def test_mention_consistency() -> None:
    with pytest.raises(ValidationError, match="end is before its start"):
        Mention(place_text="Rafah", start=10, end=5, confidence=0.5)
    with pytest.raises(ValidationError, match="needs both a geometry and an uncertainty"):
        Mention(place_text="Rafah", start=0, end=5, confidence=0.5, geometry=Point(34.25, 31.29))


def test_format_validation_error_is_one_line_with_paths() -> None:
    with pytest.raises(ValidationError) as err:
        claim(event_type="meteor", confidence=3)
    line = format_validation_error(err.value)
    assert "\n" not in line and "event_type:" in line and "confidence:" in line
