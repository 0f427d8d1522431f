"""Property tests for GeoJSON feature input: any JSON gives a record or a clear sitmap error, never a crash.

Random JSON values shaped like (and unlike) GeoJSON features go through the
service's readers (``record_from_feature``, ``zone_from_feature``, the merge-patch
vertex count) and the importer's (``records_from_geojson``). A result must be a
valid record; a refusal must be a :class:`geo.errors.SitmapError` with a message.
"""

from __future__ import annotations

from typing import Any

from hypothesis import given, settings
from hypothesis import strategies as st

from api.routes.ingest import record_from_feature, zone_from_feature
from geo.errors import SitmapError
from geo.model import count_vertices
from layers.importers.geojson import records_from_geojson

scalars = st.one_of(
    st.none(),
    st.booleans(),
    st.integers(min_value=-(2**70), max_value=2**70),
    st.floats(allow_nan=True, allow_infinity=True),
    st.text(max_size=12),
    st.sampled_from(["2023-12-01", "2023-12-01T10:00:00Z", "airstrike", "evacuate", "day", "reported", "55", "\x00"]),
)
json_values = st.recursive(
    scalars,
    lambda inner: st.lists(inner, max_size=4) | st.dictionaries(st.text(max_size=8), inner, max_size=4),
    max_leaves=20,
)
coord = st.floats(min_value=-200, max_value=200, allow_nan=False)
position = st.lists(coord, min_size=0, max_size=4)
geometries = st.one_of(
    json_values,
    st.fixed_dictionaries({"type": st.just("Point"), "coordinates": position}),
    st.fixed_dictionaries({"type": st.just("LineString"), "coordinates": st.lists(position, max_size=5)}),
    st.fixed_dictionaries(
        {"type": st.just("Polygon"), "coordinates": st.lists(st.lists(position, max_size=7), max_size=2)}
    ),
    st.fixed_dictionaries(
        {
            "type": st.sampled_from(["MultiPolygon", "GeometryCollection", "MultiPoint", "Circle"]),
            "coordinates": json_values,
            "geometries": st.lists(json_values, max_size=2),
        }
    ),
)
claim_keys = st.sampled_from(
    [
        "event_type",
        "claimant",
        "source",
        "uncertainty_m",
        "valid_from",
        "valid_to",
        "time_precision",
        "fatalities",
        "fatalities_low",
        "fatalities_high",
        "status",
        "confidence",
        "block_ids",
        "uncertainty_region",
        "place_text",
        "geo_precision",
        "where_prec",
        "placement_method",
        "targets",
        "url",
    ]
)
zone_keys = st.sampled_from(
    [
        "order_type",
        "issuer",
        "issued_at",
        "effective_from",
        "lifted_at",
        "block_ids",
        "title",
        "stated_area_km2",
        "flags",
        "source",
        "url",
        "status",
    ]
)
claim_features = st.fixed_dictionaries(
    {
        "type": st.just("Feature"),
        "geometry": st.one_of(st.none(), geometries),
        "properties": st.dictionaries(claim_keys, json_values | scalars, max_size=10),
    },
    optional={"id": json_values},
)
zone_features = st.fixed_dictionaries(
    {
        "type": st.just("Feature"),
        "geometry": st.one_of(st.none(), geometries),
        "properties": st.dictionaries(zone_keys, json_values | scalars, max_size=8),
    },
    optional={"id": json_values},
)


def _refused_clearly(exc: Exception) -> None:
    assert isinstance(exc, SitmapError), f"{type(exc).__name__}: {exc}"
    assert str(exc).strip()


@settings(max_examples=250, deadline=None)
@given(claim_features)
def test_claim_feature_gives_a_record_or_a_clear_error(feature: dict[str, Any]) -> None:
    try:
        record = record_from_feature(feature)
    except Exception as exc:
        _refused_clearly(exc)
        return
    assert record.claimant and record.source
    if record.geometry is not None:
        assert record.geometry.is_valid and not record.geometry.has_z


@settings(max_examples=250, deadline=None)
@given(zone_features)
def test_zone_feature_gives_a_zone_or_a_clear_error(feature: dict[str, Any]) -> None:
    try:
        zone = zone_from_feature(feature)
    except Exception as exc:
        _refused_clearly(exc)
        return
    assert zone.geometry is not None and zone.geometry.is_valid and not zone.geometry.is_empty


@settings(max_examples=80, deadline=None)
@given(st.lists(st.one_of(claim_features, zone_features, json_values), max_size=5))
def test_importer_reads_or_reports_every_feature(features: list[Any]) -> None:
    try:
        claims, zones, errors = records_from_geojson({"type": "FeatureCollection", "features": features})
    except Exception as exc:
        _refused_clearly(exc)
        return
    assert len(claims) + len(zones) + len(errors) == len(features)


@settings(max_examples=200, deadline=None)
@given(json_values)
def test_count_vertices_never_fails(value: Any) -> None:
    assert count_vertices(value) >= 0
