"""layers.model: stored records validate, ids are stable, content hashes ignore bookkeeping."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta

import pytest
from pydantic import ValidationError
from shapely.geometry import LineString, Point, box

from geo.model import Claim, Uncertainty
from layers.model import (
    ClaimRecord,
    Layer,
    LayerFilter,
    PublicationPolicy,
    Report,
    Source,
    Zone,
    content_sha256,
    report_id,
    slugify,
)

U = Uncertainty(radius_m=500, geo_precision=1, where_prec=2, method="gazetteer")
T0 = datetime(2023, 12, 1, tzinfo=UTC)


def zone(**kw: object) -> Zone:
    data: dict[str, object] = {
        "geometry": box(34.4, 31.45, 34.5, 31.55),
        "issuer": "Israeli military",
        "order_type": "evacuate",
        "issued_at": T0,
        "effective_from": T0,
        "uncertainty": Uncertainty(radius_m=0, geo_precision=2, where_prec=3, method="block_list"),
    }
    data.update(kw)
    return Zone(**data)


def test_report_id_is_stable_for_same_source_and_content() -> None:
    text = "Israeli strikes hit Khan Younis overnight, the ministry said."
    a = Report(source_id="reuters", content_sha256=content_sha256(text))
    b = Report(
        source_id="reuters",
        content_sha256=content_sha256("  Israeli strikes hit Khan Younis\novernight, the ministry said. "),
    )
    c = Report(source_id="al-jazeera", content_sha256=content_sha256(text))
    assert a.id == b.id == report_id("reuters", content_sha256(text))  # whitespace does not make a new report
    assert a.id != c.id  # the same words from another outlet are another report
    assert a.id.startswith("r-") and len(a.id) == 22
    with pytest.raises(ValidationError, match="content_sha256"):
        Report(source_id="reuters", content_sha256="not-a-hash")
    with pytest.raises(ValidationError, match="source id"):
        Report(source_id="bad id with spaces", content_sha256=content_sha256(text))


def test_source_id_defaults_to_slug() -> None:
    assert Source(name="Al Jazeera English").id == "al-jazeera-english"
    assert slugify("Ḥamās Média") == "hamas-media"
    arabic = slugify("وزارة الصحة")
    assert arabic.startswith("s-") and arabic == slugify("وزارة الصحة")  # non-Latin names: stable hash
    with pytest.raises(ValidationError):
        Source(name="")
    with pytest.raises(ValidationError, match="kind"):
        Source(name="X", kind="blog")


def test_claim_record_status_review_and_id_checks() -> None:
    rec = ClaimRecord(id="c-1", event_type="airstrike", geometry=Point(34.45, 31.5), uncertainty=U)
    assert (rec.version, rec.status, rec.review) == (1, "reported", "machine")
    with pytest.raises(ValidationError, match="status"):
        ClaimRecord(event_type="airstrike", status="deleted")
    with pytest.raises(ValidationError, match="review"):
        ClaimRecord(event_type="airstrike", review="maybe")
    with pytest.raises(ValidationError, match="claim id"):
        ClaimRecord(id="has space", event_type="airstrike")
    with pytest.raises(ValidationError, match="version"):
        ClaimRecord(event_type="airstrike", version=0)
    with pytest.raises(ValidationError, match="latitude out of range"):
        rec.geometry = Point(34.45, 95)  # assignments validate too


def test_content_hash_ignores_bookkeeping_not_content() -> None:
    a = ClaimRecord(id="c-1", event_type="airstrike", geometry=Point(34.45, 31.5), uncertainty=U)
    b = a.model_copy(update={"id": "c-2", "version": 7, "recorded_at": T0, "recorded_by": "someone"})
    assert a.content_hash() == b.content_hash()
    assert a.content_hash() != a.model_copy(update={"claimant": "witnesses"}).content_hash()
    assert a.content_hash() != a.model_copy(update={"status": "retracted"}).content_hash()


def test_claim_record_wraps_and_unwraps_a_claim() -> None:
    c = Claim(event_type="shelling", geometry=Point(34.3, 31.35), uncertainty=U, claimant="witnesses")
    rec = ClaimRecord.from_claim(c, id="c-9", status="disputed")
    assert rec.claimant == "witnesses" and rec.status == "disputed"
    # status is part of the claim's content (geo.model.Claim.status), so the record's
    # editorial status comes back with it; everything else is the claim as given.
    assert rec.to_claim() == c.model_copy(update={"status": "disputed"})
    assert ClaimRecord.from_claim(c, id="c-9").to_claim() == c


def test_zone_validation() -> None:
    z = zone(lifted_at=T0 + timedelta(days=3))
    assert z.active_at(T0 + timedelta(days=1)) and not z.active_at(T0 + timedelta(days=3))
    assert not zone(status="retracted").active_at(T0 + timedelta(days=1))
    with pytest.raises(ValidationError, match="Polygon or MultiPolygon"):
        zone(geometry=LineString([(34.3, 31.3), (34.4, 31.4)]))
    with pytest.raises(ValidationError, match="lifted_at is before effective_from"):
        zone(lifted_at=T0 - timedelta(days=1))
    with pytest.raises(ValidationError, match="order_type"):
        zone(order_type="curfew")
    with pytest.raises(ValidationError, match="issuer"):
        zone(issuer="")


def test_layer_ids_filters_and_policy() -> None:
    layer = Layer(id="strikes-2023", title="Strikes", filter=LayerFilter(event_types=("airstrike",)))
    assert Layer.model_validate_json(layer.model_dump_json()) == layer
    with pytest.raises(ValidationError, match="layer id"):
        Layer(id="Strikes!", title="x")
    with pytest.raises(ValidationError):
        LayerFilter(event_types=("meteor",))
    with pytest.raises(ValidationError):
        PublicationPolicy(snap_m=0)
    assert PublicationPolicy(snap_m=1000, delay_hours=24).admin_level is None
