"""The bulk path of an import: a well-formed claim feature to a ClaimRecord without pydantic's per-row work.

:func:`geo.contract.claim_fields` then ``ClaimRecord(**fields)`` costs about 50 µs a
feature, most of it building and validating models whose values a plain check could
accept. :class:`FastClaims` recognises the common, well-formed feature (a 2D point in
range, an ``uncertainty_m``, known vocabulary, ISO times, plain counts, texts within
their limits) and builds the very same record with :func:`~layers.store.rows.build_model`,
sharing one Uncertainty and one Placement object among the rows that have the same
ones (so the store encodes each once). Every check the models make is made here too;
anything it does not recognise returns ``None`` and the feature takes the full path
(:func:`layers.importers.geojson.feature_to_claim`), which raises the usual error
naming the field. So a bad feature is reported exactly as before, and a good one is
stored exactly as before: ``tests/layers/test_import_bulk.py`` holds the two paths
equal on every shape the tests know.
"""

from __future__ import annotations

from collections.abc import Mapping
from datetime import UTC, datetime
from typing import Any

import shapely
from shapely.geometry import Point

from geo.model import (
    CLAIM_STATUSES,
    EVENT_TYPES,
    MAX_INSTANT,
    MAX_NAME,
    MAX_TEXT,
    MAX_URL,
    MIN_INSTANT,
    PLACEMENT_METHODS,
    REVIEWS,
    TIME_PRECISIONS,
    CountEstimate,
    Placement,
    Uncertainty,
)
from geo.uncertainty import precision_codes
from layers.model import _ID_RE, ClaimRecord
from layers.store.rows import build_model

_EVENT_TYPES = frozenset(EVENT_TYPES)
_STATUSES = frozenset(CLAIM_STATUSES)
_REVIEWS = frozenset(REVIEWS)
_PRECISIONS = frozenset(TIME_PRECISIONS)
_METHODS = frozenset(PLACEMENT_METHODS)
_NUMBER = (int, float)
#: Text properties read into the record and their longest accepted length (the models' limits).
_TEXTS: tuple[tuple[str, int], ...] = (
    ("claimant", MAX_NAME),
    ("source", MAX_NAME),
    ("url", MAX_URL),
    ("quote", MAX_TEXT),
    ("place_text", MAX_NAME),
    ("place_name", MAX_NAME),
    ("notes", MAX_TEXT),
)
#: Values shared between rows (times, uncertainties, placements) kept before a cache starts afresh.
CACHE_SIZE = 20_000
#: Properties that send a feature down the full path whenever they carry a value.
_FULL_PATH_ONLY = ("uncertainty_region",)
#: Properties of the three counts.
_COUNTED = tuple(
    f"{count}{part}" for count in ("fatalities", "injured", "targets") for part in ("", "_low", "_high", "_text")
)


class _Slow(Exception):
    """This feature is not one the bulk path recognises: read it with the full path."""


def _count(best: Any, low: Any, high: Any, text: Any) -> CountEstimate | None:
    if best is None and low is None and high is None and text is None:
        return None
    vals = []
    for v in (low, best, high):
        if v is not None:
            if type(v) is not int or v < 0:
                raise _Slow
            vals.append(v)
    if not vals or vals != sorted(vals):
        raise _Slow
    if text is not None and (type(text) is not str or len(text) > MAX_NAME):
        raise _Slow
    return build_model(CountEstimate, {"low": low, "best": best, "high": high, "text": text})


class FastClaims:
    """Builds ClaimRecords from well-formed claim features; ``None`` sends a feature down the full path.

    One instance serves a whole import: it caches parsed times, uncertainties and
    placements (bounded by :data:`CACHE_SIZE`). The records equal those of
    ``feature_to_claim`` merged as new (version 1, no recorded times).
    """

    def __init__(self) -> None:
        self._times: dict[str, datetime] = {}
        self._uncertainty: dict[tuple[float, Any, Any, str], tuple[Uncertainty, dict[str, int]]] = {}
        self._placement: dict[tuple[Any, Any, Any, str], Placement] = {}
        self._unplaced: list[tuple[ClaimRecord, float, float]] = []

    def claim(self, feature: Mapping[str, Any], warnings: dict[str, int]) -> ClaimRecord | None:
        """The record of ``feature`` (its properties already renamed), or ``None`` for the full path.

        Counts the feature's precision codes that differ from sitmap's derivation in
        ``warnings`` only when it returns a record (the full path counts them otherwise).
        """
        try:
            return self._claim(feature, warnings)
        except (_Slow, TypeError):  # TypeError: an unhashable value where a word was expected
            return None

    def _time(self, value: Any) -> datetime | None:
        if value is None or value == "":
            return None
        if type(value) is not str:
            raise _Slow
        found = self._times.get(value)
        if found is not None:
            return found
        try:
            t = datetime.fromisoformat(value.replace("Z", "+00:00").replace("z", "+00:00"))
            t = t.replace(tzinfo=UTC) if t.tzinfo is None else t.astimezone(UTC)
        except (ValueError, OverflowError):
            raise _Slow from None
        if not MIN_INSTANT <= t <= MAX_INSTANT:
            raise _Slow
        if len(self._times) >= CACHE_SIZE:
            self._times.clear()
        self._times[value] = t
        return t

    def _claim(self, feature: Mapping[str, Any], warnings: dict[str, int]) -> ClaimRecord:
        props = feature.get("properties")
        if type(props) is not dict:
            raise _Slow
        get = props.get
        if get("uncertainty_region") is not None:  # see _FULL_PATH_ONLY
            raise _Slow

        # where: a plain 2D (or 3D, Z dropped) point in range, as geo.model._fast_point reads it
        geom: Any = feature.get("geometry")
        if type(geom) is Point:  # a table's WKB point, already shapely: 2D, as check_geometry takes it
            if geom.is_empty or geom.has_z:
                raise _Slow
            x, y = geom.x, geom.y
        else:
            if type(geom) is not dict or geom.get("type") != "Point":
                raise _Slow
            coords = geom.get("coordinates")
            if type(coords) is not list or len(coords) not in (2, 3):
                raise _Slow
            c0, c1, *rest = coords
            if type(c0) not in _NUMBER or type(c1) not in _NUMBER or (rest and type(rest[0]) not in _NUMBER):
                raise _Slow
            x, y = float(c0), float(c1)
        if not (-180 <= x <= 180 and -90 <= y <= 90):
            raise _Slow

        # how sure: the radius given, codes kept as given (a disagreement counted)
        method: Any = get("placement_method") or "coordinates"
        if method not in _METHODS:
            raise _Slow
        given: Any = get("uncertainty_m")
        if type(given) not in (int, float) or not 0 <= given <= 25_000_000:
            raise _Slow
        radius = float(given)
        gp, wp = get("geo_precision"), get("where_prec")
        if (gp is not None and type(gp) is not int) or (wp is not None and type(wp) is not int):
            raise _Slow
        key = (radius, gp, wp, method)
        cached = self._uncertainty.get(key)
        if cached is None:
            local: dict[str, int] = {}
            derived_gp, derived_wp = precision_codes(radius, method)
            if gp is None:
                gp = derived_gp
            elif gp != derived_gp:
                local["geo_precision"] = 1
            if wp is None:
                wp = derived_wp
            elif wp != derived_wp:
                local["where_prec"] = 1
            if not 1 <= gp <= 3 or not 1 <= wp <= 7:
                raise _Slow
            values = {"radius_m": radius, "region": None, "geo_precision": gp, "where_prec": wp, "method": method}
            cached = (build_model(Uncertainty, {**values, "note": None}), local)
            if len(self._uncertainty) >= CACHE_SIZE:
                self._uncertainty.clear()
            self._uncertainty[key] = cached
        unc, local = cached

        # what and when
        event_type = get("event_type")
        status = get("status")
        status = "reported" if status is None else status
        review = get("review")
        review = "machine" if review is None else review
        precision = get("time_precision")
        precision = "unknown" if precision is None else precision
        if (
            event_type not in _EVENT_TYPES
            or status not in _STATUSES
            or review not in _REVIEWS
            or precision not in _PRECISIONS
        ):
            raise _Slow
        valid_from, valid_to = self._time(get("valid_from")), self._time(get("valid_to"))
        if (valid_from is None) != (valid_to is None):
            raise _Slow
        if valid_from is not None and (valid_from > valid_to or precision == "unknown"):  # type: ignore[operator]
            raise _Slow
        # bookkeeping is checked as the full path checks it, though a store sets its own
        version = get("version")
        if version is not None and (type(version) is not int or version < 1):
            raise _Slow
        recorded, superseded = get("recorded_at"), get("superseded_at")
        if recorded is not None:
            self._time(recorded)
        if superseded is not None:
            self._time(superseded)

        # who says it, and the rest (a text as pydantic keeps it: length checked raw, then stripped)
        texts: dict[str, Any] = {}
        for name, limit in _TEXTS:
            value = get(name)
            if value is not None:
                if type(value) is not str or len(value) > limit:
                    raise _Slow
                value = value.strip() or None
            texts[name] = value
        gazetteer_id = get("gazetteer_id")
        if gazetteer_id is not None and (type(gazetteer_id) is not str or len(gazetteer_id) > 100):
            raise _Slow
        fid = feature.get("id")
        if fid is None or fid == "":
            fid = get("id")
        if fid is None or fid == "" or type(fid) is not str or not _ID_RE.match(fid):
            raise _Slow
        report_id = get("report_id")
        if report_id is not None and type(report_id) is not str:
            raise _Slow
        confidence = get("confidence")
        confidence = 0.5 if confidence is None else confidence
        if type(confidence) is not float or not 0 <= confidence <= 1:
            raise _Slow
        blocks = get("block_ids")
        if blocks is None or blocks == []:
            block_ids: tuple[str, ...] = ()
        elif type(blocks) is list and all(type(b) is str for b in blocks):
            block_ids = tuple(blocks)
        else:
            raise _Slow
        fatalities = injured = targets = None
        for name in _COUNTED:  # most features have no count at all
            if get(name) is not None:
                fatalities = _count(
                    get("fatalities"), get("fatalities_low"), get("fatalities_high"), get("fatalities_text")
                )
                injured = _count(get("injured"), get("injured_low"), get("injured_high"), get("injured_text"))
                targets = _count(get("targets"), None, None, get("targets_text"))
                break

        # the placement keeps the raw (unstripped) names, as Placement(...) does
        place_text, place_name = get("place_text"), get("place_name")
        pkey = (place_text, gazetteer_id, place_name, method)
        placement = self._placement.get(pkey)
        if placement is None:
            for value in (place_text, place_name):
                if value is not None and (type(value) is not str or len(value) > MAX_NAME):
                    raise _Slow
            placement = build_model(
                Placement,
                {
                    "place_text": place_text,
                    "gazetteer_id": gazetteer_id,
                    "place_name": place_name,
                    "method": method,
                    "qualifier": None,
                    "rejected": (),
                },
            )
            if len(self._placement) >= CACHE_SIZE:
                self._placement.clear()
            self._placement[pkey] = placement

        for name, n in local.items():
            warnings[name] = warnings.get(name, 0) + n
        record = build_model(
            ClaimRecord,
            {
                "event_type": event_type,
                **texts,
                "gazetteer_id": gazetteer_id,
                "geometry": None,  # a point, made with the batch's others by place_points()
                "uncertainty": unc,
                "valid_from": valid_from,
                "valid_to": valid_to,
                "time_precision": precision,
                "fatalities": fatalities,
                "injured": injured,
                "targets": targets,
                "block_ids": block_ids,
                "placement": placement,
                "confidence": confidence,
                "status": status,
                "id": fid,
                "report_id": report_id,
                "version": 1,
                "review": review,
                "recorded_at": None,
                "superseded_at": None,
                "recorded_by": None,
            },
        )
        self._unplaced.append((record, x, y))
        return record

    def place_points(self) -> None:
        """Give the records built since the last call their points, made in one vectorised call.

        Call it before the records are read or written (the import does, when it writes
        a batch): shapely builds a whole array of points far faster than one at a time.
        """
        if not self._unplaced:
            return
        points = shapely.points([(x, y) for _, x, y in self._unplaced])
        for (record, _, _), point in zip(self._unplaced, points, strict=True):
            record.__dict__["geometry"] = point
        self._unplaced.clear()


__all__ = ["CACHE_SIZE", "FastClaims"]
