"""Records <-> version rows: claims, zones and reports as the stores write and read them.

The common scalar fields are real columns (so GDAL, QGIS and SQL users see them);
nested values (uncertainty, placement, counts) travel as JSON text and the
uncertainty region and a zone's drawn area as plain WKB. Rows read back were
validated on the way in, so models are rebuilt without a second validation.
"""

from __future__ import annotations

import json
from collections.abc import Sequence
from datetime import datetime
from typing import Any, TypeVar

from pydantic import BaseModel

from geo.contract import placement_method
from geo.errors import StoreError
from geo.model import (
    CountEstimate,
    Placement,
    Uncertainty,
)
from layers.model import ClaimRecord, Report, Zone
from layers.store.rows.columns import CLAIM_NAMES, TIME_COLUMNS, ZONE_NAMES
from layers.store.rows.dialect import Dialect, bind_times, from_wkb_or_none, wkb_or_none

# --------------------------------------------------------------------------------------
# Claims: record -> row
# --------------------------------------------------------------------------------------


def _count_parts(c: CountEstimate | None) -> tuple[int | None, int | None, int | None]:
    if c is None:
        return None, None, None
    return c.best, c.low, c.high


def _counts_json(rec: ClaimRecord) -> str | None:
    if rec.fatalities is None and rec.injured is None and rec.targets is None:
        return None
    counts = {
        k: v.model_dump(mode="json", exclude_none=True)
        for k, v in (("fatalities", rec.fatalities), ("injured", rec.injured), ("targets", rec.targets))
        if v is not None
    }
    return json.dumps(counts, ensure_ascii=False) if counts else None


def _uncertainty_json(u: Uncertainty | None) -> str | None:
    if u is None:
        return None
    return json.dumps(u.model_dump(mode="json", exclude={"region"}), ensure_ascii=False)


def claim_rows(
    d: Dialect,
    records: Sequence[ClaimRecord],
    versions: Sequence[int],
    now: datetime,
    recorded_by: Sequence[str | None],
) -> list[tuple[Any, ...]]:
    """INSERT parameters (geometry first, then :data:`CLAIM_NAMES`) for claim versions."""
    geoms = d.geom_encode([r.geometry for r in records])
    out: list[tuple[Any, ...]] = []
    # Importers share one Uncertainty object among many claims, and claims share day
    # boundaries: serialise each distinct one once.
    u_cache: dict[int, tuple[str | None, bytes | None]] = {}
    # and placements with the method they give (the records keep them alive meanwhile)
    p_cache: dict[tuple[int, int], tuple[str | None, str]] = {}
    t_cache: dict[datetime | None, tuple[Any, Any]] = {}
    shadow = d.shadow_times

    def conv(v: datetime | None) -> tuple[Any, Any]:
        c = t_cache.get(v)
        if c is None:
            c = t_cache[v] = (d.display_ts(v), d.ts(v)) if shadow else (d.ts(v), None)
        return c

    rec_t, sup_t = conv(now), conv(None)
    for rec, geom, version, by in zip(records, geoms, versions, recorded_by, strict=True):
        u = rec.uncertainty
        u_parts = u_cache.get(id(u))
        if u_parts is None:
            u_parts = u_cache[id(u)] = (_uncertainty_json(u), wkb_or_none(None if u is None else u.region))
        p = rec.placement
        placed = p_cache.get((id(p), id(u)))
        if placed is None:  # the contract's method, as every feature shows it
            placed = p_cache[(id(p), id(u))] = (None if p is None else p.model_dump_json(), placement_method(rec))
        placement_json, method = placed
        fatalities, injured, targets = rec.fatalities, rec.injured, rec.targets
        f_best, f_low, f_high = _count_parts(fatalities) if fatalities is not None else (None, None, None)
        i_best, i_low, i_high = _count_parts(injured) if injured is not None else (None, None, None)
        vf_t, vt_t = conv(rec.valid_from), conv(rec.valid_to)
        row = (
            geom,
            rec.id,
            version,
            rec.event_type,
            rec.status,
            rec.review,
            rec.claimant,
            rec.source,
            rec.url,
            rec.quote,
            rec.place_text,
            rec.place_name,
            rec.gazetteer_id,
            method,
            None if u is None else u.radius_m,
            None if u is None else u.geo_precision,
            None if u is None else u.where_prec,
            vf_t[0],
            vt_t[0],
            rec.time_precision,
            f_best,
            f_low,
            f_high,
            i_best,
            i_low,
            i_high,
            None if targets is None else targets.best,
            rec.confidence,
            json.dumps(list(rec.block_ids)) if rec.block_ids else None,
            rec.report_id,
            rec.notes,
            rec_t[0],
            sup_t[0],
            by,
            *u_parts,
            placement_json,
            None if fatalities is None and injured is None and targets is None else _counts_json(rec),
        )
        # the shadow time columns, in insert_columns() order: valid_from, valid_to, recorded_at, superseded_at
        out.append((*row, vf_t[1], vt_t[1], rec_t[1], sup_t[1]) if shadow else row)
    return out


def select_list(d: Dialect, names: Sequence[str], alias: str) -> str:
    p = f"{alias}." if alias else ""
    cols = [d.tc(n, alias) if n in TIME_COLUMNS else f"{p}{n}" for n in names]
    return ", ".join([d.geom_select(f"{p}geom"), *cols])


def claim_select(d: Dialect, alias: str = "") -> str:
    """The SELECT list that :func:`claims_from_rows` reads."""
    return select_list(d, CLAIM_NAMES, alias)


_CLAIM_IDX = {n: i + 1 for i, n in enumerate(CLAIM_NAMES)}


def claims_from_rows(d: Dialect, rows: Sequence[Sequence[Any]]) -> list[ClaimRecord]:
    """Rebuild :class:`ClaimRecord` values from rows of :func:`claim_select`.

    The rows were validated on the way in, so the models are constructed without a
    second validation pass: reading 10,000 claims must not cost a second.
    """
    geoms = d.geom_decode([r[0] for r in rows])
    ix = _CLAIM_IDX
    out = []
    # Many claims share an uncertainty and day boundaries: build each distinct one once.
    u_cache: dict[tuple[Any, Any], Uncertainty] = {}
    t_cache: dict[Any, datetime | None] = {}

    def ts(value: Any) -> datetime | None:
        if value not in t_cache:
            t_cache[value] = d.parse_ts(value)
        return t_cache[value]

    for row, geom in zip(rows, geoms, strict=True):
        u_json = row[ix["uncertainty_json"]]
        uncertainty = None
        if u_json is not None:
            key = (u_json, row[ix["region"]])
            uncertainty = u_cache.get(key)
            if uncertainty is None:
                uncertainty = u_cache[key] = build_model(
                    Uncertainty, {"region": from_wkb_or_none(row[ix["region"]]), **json.loads(u_json)}
                )
        placement = None
        if row[ix["placement_json"]] is not None:
            placement = Placement.model_validate_json(row[ix["placement_json"]])
        counts: dict[str, CountEstimate] = {}
        if row[ix["counts_json"]] is not None:
            for k, v in json.loads(row[ix["counts_json"]]).items():
                counts[k] = CountEstimate.model_construct(
                    low=v.get("low"), best=v.get("best"), high=v.get("high"), text=v.get("text")
                )
        blocks = row[ix["block_ids"]]
        out.append(
            build_model(
                ClaimRecord,
                {
                    "event_type": row[ix["event_type"]],
                    "claimant": row[ix["claimant"]],
                    "source": row[ix["source"]],
                    "url": row[ix["url"]],
                    "quote": row[ix["quote"]],
                    "place_text": row[ix["place_text"]],
                    "place_name": row[ix["place_name"]],
                    "gazetteer_id": row[ix["gazetteer_id"]],
                    "geometry": geom,
                    "uncertainty": uncertainty,
                    "valid_from": ts(row[ix["valid_from"]]),
                    "valid_to": ts(row[ix["valid_to"]]),
                    "time_precision": row[ix["time_precision"]],
                    "fatalities": counts.get("fatalities"),
                    "injured": counts.get("injured"),
                    "targets": counts.get("targets"),
                    "block_ids": tuple(json.loads(blocks)) if blocks else (),
                    "placement": placement,
                    "confidence": row[ix["confidence"]],
                    "notes": row[ix["notes"]],
                    "id": row[ix["id"]],
                    "report_id": row[ix["report_id"]],
                    "version": row[ix["version"]],
                    "status": row[ix["status"]],
                    "review": row[ix["review"]],
                    "recorded_at": d.parse_ts(row[ix["recorded_at"]]),
                    "superseded_at": d.parse_ts(row[ix["superseded_at"]]),
                    "recorded_by": row[ix["recorded_by"]],
                },
            )
        )
    return out


_object_setattr = object.__setattr__
M = TypeVar("M", bound=BaseModel)


def build_model(cls: type[M], values: dict[str, Any]) -> M:
    """A model from a complete set of already-valid field values, without validation.

    What ``model_construct`` does, minus its per-field bookkeeping, which dominates
    reading thousands of stored rows. Anything but a complete set of fields falls
    back to ``model_construct``.
    """
    if len(values) != len(cls.model_fields) or cls.__pydantic_post_init__:
        return cls.model_construct(**values)
    m = cls.__new__(cls)
    _object_setattr(m, "__dict__", values)
    _object_setattr(m, "__pydantic_fields_set__", set(values))
    _object_setattr(m, "__pydantic_extra__", None)
    _object_setattr(m, "__pydantic_private__", None)
    return m


# --------------------------------------------------------------------------------------
# Zones: record -> row
# --------------------------------------------------------------------------------------


def zone_rows(
    d: Dialect, zones: Sequence[Zone], versions: Sequence[int], now: datetime, recorded_by: Sequence[str | None]
) -> list[tuple[Any, ...]]:
    """INSERT parameters (geometry first, then :data:`ZONE_NAMES`) for zone versions."""
    geoms = d.geom_encode([z.geometry for z in zones])
    out = []
    for z, geom, version, by in zip(zones, geoms, versions, recorded_by, strict=True):
        u = z.uncertainty
        out.append(
            (
                geom,
                z.id,
                version,
                z.order_type,
                z.status,
                z.issuer,
                z.source,
                z.url,
                z.report_id,
                z.title,
                json.dumps(list(z.block_ids)) if z.block_ids else None,
                json.dumps(list(z.approx_block_ids)) if z.approx_block_ids else None,
                z.grid,
                z.issued_at,
                z.effective_from,
                z.lifted_at,
                z.time_precision,
                u.method,
                u.radius_m,
                u.geo_precision,
                u.where_prec,
                z.stated_area_km2,
                json.dumps(list(z.flags)) if z.flags else None,
                z.notes,
                now,
                None,
                by,
                _uncertainty_json(u),
                wkb_or_none(u.region),
                wkb_or_none(z.drawn_geometry),
            )
        )
    return bind_times(d, ZONE_NAMES, out, skip=1)


def zone_select(d: Dialect, alias: str = "") -> str:
    """The SELECT list that :func:`zones_from_rows` reads."""
    return select_list(d, ZONE_NAMES, alias)


_ZONE_IDX = {n: i + 1 for i, n in enumerate(ZONE_NAMES)}


def _required(value: datetime | None) -> datetime:
    if value is None:  # NOT NULL columns: only a hand-edited file gets here
        raise StoreError("a zone row lacks a required time (issued_at or effective_from)")
    return value


def _tuple(text: Any) -> tuple[str, ...]:
    return tuple(json.loads(text)) if text else ()


def zones_from_rows(d: Dialect, rows: Sequence[Sequence[Any]]) -> list[Zone]:
    """Rebuild :class:`Zone` values from rows of :func:`zone_select` (no second validation)."""
    geoms = d.geom_decode([r[0] for r in rows])
    ix = _ZONE_IDX
    out = []
    for row, geom in zip(rows, geoms, strict=True):
        uncertainty = Uncertainty.model_construct(
            region=from_wkb_or_none(row[ix["region"]]), **json.loads(row[ix["uncertainty_json"]])
        )
        out.append(
            Zone.model_construct(
                id=row[ix["id"]],
                version=row[ix["version"]],
                geometry=geom,
                drawn_geometry=from_wkb_or_none(row[ix["drawn_geom"]]),
                issuer=row[ix["issuer"]],
                source=row[ix["source"]],
                url=row[ix["url"]],
                report_id=row[ix["report_id"]],
                title=row[ix["title"]],
                order_type=row[ix["order_type"]],
                block_ids=_tuple(row[ix["block_ids"]]),
                approx_block_ids=_tuple(row[ix["approx_block_ids"]]),
                grid=row[ix["grid"]],
                issued_at=_required(d.parse_ts(row[ix["issued_at"]])),
                effective_from=_required(d.parse_ts(row[ix["effective_from"]])),
                lifted_at=d.parse_ts(row[ix["lifted_at"]]),
                time_precision=row[ix["time_precision"]],
                uncertainty=uncertainty,
                stated_area_km2=row[ix["stated_area_km2"]],
                flags=_tuple(row[ix["flags"]]),
                notes=row[ix["notes"]],
                status=row[ix["status"]],
                recorded_at=d.parse_ts(row[ix["recorded_at"]]),
                superseded_at=d.parse_ts(row[ix["superseded_at"]]),
                recorded_by=row[ix["recorded_by"]],
            )
        )
    return out


REPORT_NAMES = ("id", "source_id", "url", "title", "published_at", "language", "content_sha256", "excerpt")


def report_select(d: Dialect) -> str:
    """The SELECT list that :func:`report_from_row` reads."""
    return ", ".join(d.tc(n) if n in TIME_COLUMNS else n for n in REPORT_NAMES)


def report_from_row(d: Dialect, row: Sequence[Any]) -> Report:
    """A :class:`Report` from a row of ``SELECT`` :func:`report_select`."""
    data = dict(zip(REPORT_NAMES, row, strict=True))
    data["published_at"] = d.parse_ts(data["published_at"])
    return Report.model_construct(**data)
