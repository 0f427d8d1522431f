"""Claims and mentions as RFC 7946 Features: what ``sitmap geocode`` prints."""

from __future__ import annotations

from shapely.geometry.base import BaseGeometry

from geo.contract import parsed_claim_properties
from geo.metric import anchor_point
from geo.model import Candidate, Claim, CountEstimate, Mention


def _point_json(geom: BaseGeometry | None) -> dict[str, object] | None:
    if geom is None:
        return None
    p = anchor_point(geom)
    return {"type": "Point", "coordinates": [round(p.x, 6), round(p.y, 6)]}


def _candidate_json(c: Candidate) -> dict[str, object]:
    return {
        "gazetteer_id": c.gazetteer_id,
        "name": c.name,
        "kind": c.kind,
        "country": c.country,
        "lon": round(c.lon, 6),
        "lat": round(c.lat, 6),
        "score": round(c.score, 4),
        "population": c.population,
    }


def claim_to_feature(claim: Claim) -> dict[str, object]:
    """A parsed claim as an RFC 7946 Feature: best-estimate Point (null if unresolved), the
    contract properties of :mod:`geo.contract` in its order, then the audit trail (the
    qualifier, every count's range and wording, rejected candidates, notes)."""
    placement = claim.placement
    props: dict[str, object] = parsed_claim_properties(claim)
    props["qualifier"] = placement.qualifier if placement else None
    for kind in ("fatalities", "injured", "targets"):
        est: CountEstimate | None = getattr(claim, kind)
        props[f"{kind}_low"] = None if est is None else est.low
        props[f"{kind}_high"] = None if est is None else est.high
        props[f"{kind}_text"] = None if est is None else est.text
    props["alternatives"] = [_candidate_json(c) for c in placement.rejected] if placement else []
    props["notes"] = claim.notes
    return {"type": "Feature", "geometry": _point_json(claim.geometry), "properties": props}


def mention_to_feature(mention: Mention) -> dict[str, object]:
    """A place mention as an RFC 7946 Feature: its point (null if unresolved), span and candidates."""
    unc = mention.uncertainty
    props: dict[str, object] = {
        "place_text": mention.place_text,
        "place_name": mention.place_name,
        "gazetteer_id": mention.gazetteer_id,
        "kind": mention.kind,
        "start": mention.start,
        "end": mention.end,
        "qualifier": mention.qualifier,
        "uncertainty_m": None if unc is None else unc.radius_m,
        "geo_precision": None if unc is None else unc.geo_precision,
        "where_prec": None if unc is None else unc.where_prec,
        "placement_method": unc.method if unc else "unresolved",
        "confidence": mention.confidence,
        "alternatives": [_candidate_json(c) for c in mention.alternatives],
    }
    return {"type": "Feature", "geometry": _point_json(mention.geometry), "properties": props}
