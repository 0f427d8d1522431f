"""Authenticated writes: reports, claims, edits, retractions, zones; and claim history.

Every write needs ``Authorization: Bearer <token>`` with the ``write`` scope and
records the token's name as ``recorded_by``. Bodies are read here (not by FastAPI)
so the size limit, the media type (415) and the JSON syntax (400) are checked in
that order, and content that is well-formed but wrong is a 422 naming the feature
and field. Edits are optimistic: ``If-Match`` with a claim's version ETag
(``"v3"``) makes a stale edit fail with 412 instead of silently overwriting.
"""

from __future__ import annotations

import asyncio
import json
import re
import time
from contextlib import suppress
from datetime import datetime
from typing import Annotated, Any

import anyio
from fastapi import APIRouter, Query, Request
from fastapi.responses import Response
from pydantic import ValidationError

from api.auth import Principal
from api.bodies import read_json
from api.deps import PrincipalDep, StoreDep, WriterDep
from api.errors import HttpProblem, problem_responses
from api.params import check_known, parse_bool
from geo.contract import (
    CLAIM_CONTRACT,
    CLAIM_INPUT_PROPERTIES,
    ZONE_INPUT_PROPERTIES,
    claim_fields,
    unknown_properties,
)
from geo.errors import Conflict, InvalidInput, SitmapError, TooLarge
from geo.model import count_vertices, format_validation_error
from layers.errors import Unauthorized
from layers.importers.geojson import whole_days
from layers.model import ClaimRecord, Source, Zone
from layers.store import ClaimQuery, Store

router = APIRouter(tags=["Ingest and history"])

GEOJSON = "application/geo+json"
MAX_FEATURES = 10_000

_WRITE_ERRORS = problem_responses(400, 401, 403, 409, 413, 415, 422)
_JSON_BODY = {
    "required": True,
    "content": {
        "application/json": {"schema": {"type": "object"}},
        "application/geo+json": {"schema": {"type": "object"}},
    },
}


class _Unprocessable(SitmapError):
    code = "unprocessable"


# --------------------------------------------------------------------------------------
# Body reading
# --------------------------------------------------------------------------------------


#: A JSON ``\u0000`` escape (not an escaped backslash followed by ``u0000``).
def check_vertices(features: list[dict[str, Any]], maximum: int) -> None:
    """Refuse (413) a feature whose geometries hold more than ``maximum`` vertices in all."""
    for i, feature in enumerate(features):
        props = feature.get("properties")
        region = props.get("uncertainty_region") if isinstance(props, dict) else None
        n = count_vertices([feature.get("geometry"), region])
        if n > maximum:
            raise HttpProblem(
                "too_large", f"features[{i}] has {n} vertices; at most {maximum} per feature (max_vertices)"
            )


def _object(value: Any, what: str) -> dict[str, Any]:
    if not isinstance(value, dict):
        raise _Unprocessable(f"{what} must be a JSON object, got {type(value).__name__}")
    return value


def _features(doc: Any) -> list[dict[str, Any]]:
    """The features of a GeoJSON Feature or FeatureCollection body."""
    doc = _object(doc, "the body")
    kind = doc.get("type")
    if kind == "Feature":
        return [doc]
    if kind == "FeatureCollection":
        feats = doc.get("features")
        if not isinstance(feats, list):
            raise _Unprocessable("a FeatureCollection needs a 'features' array")
        if len(feats) > MAX_FEATURES:
            raise HttpProblem("too_large", f"{len(feats)} features in one request; send at most {MAX_FEATURES}")
        return [_object(f, f"features[{i}]") for i, f in enumerate(feats)]
    raise _Unprocessable(f"expected a GeoJSON Feature or FeatureCollection, got type {kind!r}")


# --------------------------------------------------------------------------------------
# Contract properties -> ClaimRecord
# --------------------------------------------------------------------------------------

#: Record fields a merge patch may touch directly (the rest come from nested values).
_SIMPLE = (
    *(p.name for p in CLAIM_CONTRACT if p.role == "field" and p.attr is not None and p.name not in ("id", "block_ids")),
    "notes",
)
#: Properties that make up a claim's location and its uncertainty.
_UNCERTAINTY = (
    *(p.name for p in CLAIM_CONTRACT if p.part == "uncertainty"),
    "placement_method",
    "uncertainty_region",
)


def record_from_feature(feature: dict[str, Any], *, what: str = "feature") -> ClaimRecord:
    """A GeoJSON Feature with sitmap's contract properties as a :class:`ClaimRecord`.

    The inverse of ``layers.export.claim_feature`` (both from :mod:`geo.contract`): an
    exported feature can be posted back unchanged; its bookkeeping (version, times)
    is ignored, the store assigns its own. Unknown properties are refused (a typo must
    not drop a field).
    """
    props = _object(feature.get("properties") or {}, f"{what}.properties")
    unknown = unknown_properties(props, CLAIM_INPUT_PROPERTIES)
    if unknown:
        raise _Unprocessable(
            f"{what}.properties: unknown propert{'ies' if len(unknown) > 1 else 'y'} {', '.join(unknown)}"
        )
    # a plain date is a whole UTC day, as `sitmap import geojson` reads it (a valid_to of
    # "2023-12-02" read as midnight would drop the claim's last day from every query)
    feature = whole_days(feature)
    try:
        return ClaimRecord(**claim_fields(feature))
    except ValidationError as exc:
        raise _Unprocessable(f"{what}: {format_validation_error(exc)}") from None
    except InvalidInput as exc:
        raise _Unprocessable(f"{what}: {exc.message}") from None
    except (KeyError, TypeError, ValueError, AttributeError) as exc:
        raise _Unprocessable(f"{what}: not a valid claim ({exc})") from None


# --------------------------------------------------------------------------------------
# Responses
# --------------------------------------------------------------------------------------


def _etag(record: ClaimRecord) -> str:
    return f'"v{record.version}"'


def _feature_response(record: ClaimRecord, status: int = 200) -> Response:
    from layers.export import claim_feature

    body = json.dumps(claim_feature(record), ensure_ascii=False).encode()
    return Response(
        body,
        status_code=status,
        media_type=GEOJSON,
        headers={"ETag": _etag(record), "Cache-Control": "no-cache", "Location": f"/claims/{record.id}"},
    )


def _collection_response(features: list[dict[str, Any]], status: int, **members: Any) -> Response:
    body = {"type": "FeatureCollection", **members, "features": features}
    return Response(
        json.dumps(body, ensure_ascii=False).encode(),
        status_code=status,
        media_type=GEOJSON,
        headers={"Cache-Control": "no-store"},
    )


def _expected_version(request: Request) -> int | None:
    """The version named by ``If-Match`` (``"v3"``), ``None`` without the header."""
    header = request.headers.get("if-match")
    if header is None:
        return None
    header = header.strip()
    if header == "*":
        return None
    m = re.fullmatch(r'(?:W/)?"v(\d{1,9})"', header)
    if not m:
        raise HttpProblem("precondition_failed", f'If-Match {header[:60]!r} is not a claim version ETag such as "v3"')
    return int(m.group(1))


def _check_version(store: Store, claim_id: str, expected: int | None) -> ClaimRecord:
    current = store.get_claim(claim_id)
    if expected is not None and current.version != expected:
        raise HttpProblem(
            "precondition_failed",
            f"claim {claim_id!r} is at version {current.version}, not {expected}; fetch it again and retry",
            headers={"ETag": _etag(current)},
        )
    return current


def _lost_race(store: Store, claim_id: str, exc: Conflict) -> HttpProblem:
    """The 412 for an edit another writer beat between the version check and the commit.

    It carries the ETag of the version that won, like the 412 of the check itself, so
    a client can fetch nothing and retry against it.
    """
    headers: dict[str, str] = {}
    with suppress(SitmapError):
        headers["ETag"] = _etag(store.get_claim(claim_id))
    return HttpProblem("precondition_failed", exc.message, headers=headers)


def _claims_public(store: Store) -> bool:
    """Raw claims are public only when no claim layer is private or coarsened for the public."""
    from layers.catalog import list_layers

    return all(not layer.private and layer.policy is None for layer in list_layers(store) if layer.kind != "zones")


def _require_reader(store: Store, principal: Principal | None) -> None:
    if principal is None and not _claims_public(store):
        raise Unauthorized("claims are published through their layers here; reading raw claims needs a token")


# --------------------------------------------------------------------------------------
# Reports
# --------------------------------------------------------------------------------------


def _geocode_limiter(request: Request, slots: int) -> anyio.CapacityLimiter:
    """The app's limit on reports geocoded at once, kept on app state (made again for a new event loop)."""
    loop = asyncio.get_running_loop()
    held = getattr(request.app.state, "geocode_limiter", None)
    if held is None or held[0] is not loop:
        held = (loop, anyio.CapacityLimiter(slots))
        request.app.state.geocode_limiter = held
    limiter: anyio.CapacityLimiter = held[1]
    return limiter


@router.post(
    "/reports",
    summary="Ingest a report text: geocode it and store its machine claims",
    status_code=201,
    responses={
        201: {
            "description": "Stored; the claims taken from the report",
            "content": {GEOJSON: {"schema": {"type": "object"}}},
        },
        200: {
            "description": "The same report was stored before; nothing new",
            "content": {GEOJSON: {"schema": {"type": "object"}}},
        },
        **_WRITE_ERRORS,
    },
    openapi_extra={
        "requestBody": {
            "required": True,
            "content": {
                "application/json": {
                    "schema": {
                        "type": "object",
                        "required": ["text", "source"],
                        "properties": {
                            "text": {"type": "string", "minLength": 1},
                            "published": {"type": "string", "description": "ISO 8601 date or date-time"},
                            "source": {
                                "oneOf": [
                                    {"type": "string", "minLength": 1},
                                    {
                                        "type": "object",
                                        "required": ["name"],
                                        "properties": {
                                            "name": {"type": "string"},
                                            "kind": {
                                                "type": "string",
                                                "enum": ["news", "official", "ngo", "un", "social", "other"],
                                            },
                                            "url": {"type": "string"},
                                        },
                                    },
                                ]
                            },
                            "url": {"type": "string"},
                            "title": {"type": "string"},
                            "claimant": {"type": "string"},
                            "language": {"type": "string"},
                        },
                    }
                }
            },
        }
    },
)
async def post_report(request: Request, store: StoreDep, writer: WriterDep) -> Response:
    """Geocode a report (``geo.parse``) and store the report, its source and its machine claims.

    The same text from the same source is one report: posting it again stores nothing
    new and answers 200 with ``"created": false``.
    """
    check_known(request.query_params.keys(), ())
    doc = _object(await read_json(request), "the body")
    allowed = {"text", "published", "source", "url", "title", "claimant", "language"}
    unknown = sorted(set(doc) - allowed)
    if unknown:
        raise _Unprocessable(f"unknown member(s) {', '.join(unknown)}; expected: {', '.join(sorted(allowed))}")
    text = doc.get("text")
    if not isinstance(text, str) or not text.strip():
        raise _Unprocessable("text must be a non-empty string (the report's text)")
    raw_source = doc.get("source")
    try:
        if isinstance(raw_source, dict):
            source: Source | str = Source(**raw_source)
        elif isinstance(raw_source, str) and raw_source.strip():
            source = raw_source
        else:
            raise _Unprocessable("source must be a name or an object {name, kind, url}")
    except ValidationError as exc:
        raise _Unprocessable(f"source: {format_validation_error(exc)}") from None
    for key in ("published", "url", "title", "claimant", "language"):
        if doc.get(key) is not None and not isinstance(doc[key], str):
            raise _Unprocessable(f"{key} must be a string")

    settings = request.app.state.settings
    budget = float(settings.ingest_timeout_s)
    started = time.monotonic()

    def run() -> Any:
        from geo.budget import time_budget
        from layers.ingest import ingest_report

        try:
            # the wait for a slot counts: the client gets an answer within the budget either way
            with time_budget(max(0.0, budget - (time.monotonic() - started)), allowed=budget):
                return ingest_report(
                    store,
                    text,
                    published=doc.get("published"),
                    source=source,
                    url=doc.get("url"),
                    title=doc.get("title"),
                    claimant=doc.get("claimant"),
                    language=doc.get("language") or "en",
                    recorded_by=writer.name,
                )
        except InvalidInput as exc:
            raise _Unprocessable(exc.message) from None
        except ValidationError as exc:
            raise _Unprocessable(format_validation_error(exc)) from None

    # Geocoding is CPU work: a few reports at a time per worker, in threads, so the event
    # loop keeps answering reads and one writer's long texts cannot take every thread.
    limiter = _geocode_limiter(request, settings.ingest_concurrency)
    with anyio.move_on_after(budget) as waited:
        await limiter.acquire()
    if waited.cancel_called:
        raise TooLarge(
            f"no geocoding slot freed within the {budget:g} s allowed per report (others are being geocoded); "
            "retry later or send shorter reports"
        )
    try:
        result = await anyio.to_thread.run_sync(run)
    finally:
        limiter.release()

    def answer() -> list[dict[str, Any]]:
        from layers.export import claim_feature

        return [claim_feature(r) for r in _current_claims(store, [r.id for r in result.claims])]

    # reading back and encoding thousands of claims is work too: off the event loop as well
    features = await anyio.to_thread.run_sync(answer)
    created = not result.unchanged
    return _collection_response(
        features,
        201 if created else 200,
        created=created,
        report={
            "id": result.report.id,
            "source_id": result.source.id,
            "url": result.report.url,
            "title": result.report.title,
            "published_at": result.report.published_at.isoformat().replace("+00:00", "Z")
            if result.report.published_at
            else None,
            "content_sha256": result.report.content_sha256,
        },
        inserted=list(result.written.inserted),
        updated=list(result.written.updated),
        unchanged=list(result.written.unchanged),
        message="stored" if created else "this report was stored before; nothing new was stored",
    )


def _current_claims(store: Store, ids: list[str]) -> list[ClaimRecord]:
    if not ids:
        return []
    from api.params import parse_statuses

    statuses = parse_statuses(["reported,corroborated,disputed,retracted"])
    found: dict[str, ClaimRecord] = {}
    for i in range(0, len(ids), 500):
        chunk = tuple(ids[i : i + 500])
        for record in store.query_claims(ClaimQuery(ids=chunk, statuses=statuses)).items:
            found[record.id] = record
    return [found[i] for i in ids if i in found]


# --------------------------------------------------------------------------------------
# Claims
# --------------------------------------------------------------------------------------


@router.post(
    "/claims",
    summary="Add or update claims from a GeoJSON Feature or FeatureCollection (one atomic batch)",
    status_code=201,
    responses={
        201: {"description": "Stored", "content": {GEOJSON: {"schema": {"type": "object"}}}},
        200: {
            "description": "Nothing new (every claim was stored before unchanged)",
            "content": {GEOJSON: {"schema": {"type": "object"}}},
        },
        **_WRITE_ERRORS,
    },
    openapi_extra={"requestBody": _JSON_BODY},
)
async def post_claims(request: Request, store: StoreDep, writer: WriterDep) -> Response:
    """Validate every feature, then store them all in one transaction (or none of them)."""
    from starlette.concurrency import run_in_threadpool

    check_known(request.query_params.keys(), ())
    doc = await read_json(request)
    feats = _features(doc)
    if not feats:
        raise _Unprocessable("the FeatureCollection has no features")
    check_vertices(feats, request.app.state.settings.max_vertices)
    many = doc.get("type") == "FeatureCollection"
    records = [record_from_feature(f, what=f"features[{i}]" if many else "feature") for i, f in enumerate(feats)]

    def run() -> tuple[Any, list[ClaimRecord]]:
        written = store.add_claims(records, recorded_by=writer.name)
        ids = [*written.inserted, *written.updated, *written.unchanged]
        order = {r.id: n for n, r in enumerate(records) if r.id}
        ids.sort(key=lambda i: order.get(i, len(order)))
        return written, _current_claims(store, ids)

    written, stored = await run_in_threadpool(run)
    from layers.export import claim_feature

    created = bool(written.inserted or written.updated)
    return _collection_response(
        [claim_feature(r) for r in stored],
        201 if created else 200,
        inserted=list(written.inserted),
        updated=list(written.updated),
        unchanged=list(written.unchanged),
    )


@router.get(
    "/claims/{claim_id}",
    summary="The current version of a claim (its ETag is the version, for If-Match)",
    responses={200: {"content": {GEOJSON: {"schema": {"type": "object"}}}}, **problem_responses(400, 401, 404)},
)
def get_claim(claim_id: str, request: Request, store: StoreDep, principal: PrincipalDep) -> Response:
    """One claim, current version, with ``ETag: "v<version>"``."""
    check_known(request.query_params.keys(), ())
    _require_reader(store, principal)
    return _feature_response(store.get_claim(claim_id))


_PATCH_DOC = {
    "required": True,
    "content": {
        "application/merge-patch+json": {"schema": {"type": "object"}},
        "application/json": {"schema": {"type": "object"}},
    },
}


@router.patch(
    "/claims/{claim_id}",
    summary="Edit a claim: writes a new version (If-Match: the version ETag, 412 if stale)",
    responses={
        200: {"content": {GEOJSON: {"schema": {"type": "object"}}}},
        **_WRITE_ERRORS,
        **problem_responses(404, 412),
    },
    openapi_extra={"requestBody": _PATCH_DOC},
)
async def patch_claim(claim_id: str, request: Request, store: StoreDep, writer: WriterDep) -> Response:
    """Apply a merge patch of contract properties (flat, or as a Feature's ``properties``/``geometry``).

    A property set to ``null`` is cleared. The result is validated as a whole claim;
    the new version is recorded with the token's name.
    """
    from starlette.concurrency import run_in_threadpool

    from layers.export import claim_feature

    check_known(request.query_params.keys(), ())
    patch = _object(await read_json(request), "the body")
    check_vertices([patch], request.app.state.settings.max_vertices)
    expected = _expected_version(request)

    def run() -> ClaimRecord:
        current = _check_version(store, claim_id, expected)
        base = claim_feature(current, include_region=True)
        if patch.get("type") == "Feature":
            props_patch = _object(patch.get("properties") or {}, "properties")
            geometry = patch["geometry"] if "geometry" in patch else base["geometry"]
        else:
            props_patch = {k: v for k, v in patch.items() if k != "geometry"}
            geometry = patch["geometry"] if "geometry" in patch else base["geometry"]
        for key in ("id", "version", "recorded_at", "superseded_at"):
            if key in props_patch:
                raise _Unprocessable(f"{key} cannot be changed by an edit")
        props = {**base["properties"], **props_patch}
        merged = record_from_feature({"type": "Feature", "id": claim_id, "geometry": geometry, "properties": props})
        touched = _touched_fields(props_patch, geometry_patched="geometry" in patch)
        changes = {name: getattr(merged, name) for name in touched if getattr(merged, name) != getattr(current, name)}
        if not changes:
            return current
        try:
            return store.update_claim(claim_id, changes, expected_version=current.version, recorded_by=writer.name)
        except Conflict as exc:
            raise _lost_race(store, claim_id, exc) from None

    record = await run_in_threadpool(run)
    return _feature_response(record)


def _touched_fields(props_patch: dict[str, Any], *, geometry_patched: bool) -> set[str]:
    """The record fields a patch changes, so untouched nested values (notes, count texts) are kept as stored."""
    fields = {k for k in props_patch if k in _SIMPLE or k == "block_ids"}
    if geometry_patched or any(k in props_patch for k in _UNCERTAINTY):
        fields |= {"geometry", "uncertainty"}
    if "placement_method" in props_patch or {"place_text", "place_name", "gazetteer_id"} & set(props_patch):
        fields.add("placement")
    for count in ("fatalities", "injured", "targets"):
        if any(k.startswith(count) for k in props_patch):
            fields.add(count)
    return fields


@router.post(
    "/claims/{claim_id}/retract",
    summary="Retract a claim (a new version with status 'retracted'; nothing is deleted)",
    responses={
        200: {"content": {GEOJSON: {"schema": {"type": "object"}}}},
        **_WRITE_ERRORS,
        **problem_responses(404, 412),
    },
    openapi_extra={
        "requestBody": {
            "required": False,
            "content": {
                "application/json": {"schema": {"type": "object", "properties": {"reason": {"type": "string"}}}}
            },
        }
    },
)
async def retract_claim(claim_id: str, request: Request, store: StoreDep, writer: WriterDep) -> Response:
    """Retract a claim with an optional ``{"reason": ...}``; the history keeps every version."""
    from starlette.concurrency import run_in_threadpool

    check_known(request.query_params.keys(), ())
    reason = None
    if (await request.body()).strip():
        doc = _object(await read_json(request), "the body")
        extra = sorted(set(doc) - {"reason"})
        if extra:
            raise _Unprocessable(f"unknown member(s) {', '.join(extra)}; only 'reason' is accepted")
        reason = doc.get("reason")
        if reason is not None and (not isinstance(reason, str) or len(reason) > 2000):
            raise _Unprocessable("reason must be a string of at most 2000 characters")
    expected = _expected_version(request)

    def run() -> ClaimRecord:
        current = _check_version(store, claim_id, expected)
        try:
            return store.retract_claim(
                claim_id, reason=reason, expected_version=current.version, recorded_by=writer.name
            )
        except Conflict as exc:
            raise _lost_race(store, claim_id, exc) from None

    record = await run_in_threadpool(run)
    return _feature_response(record)


@router.get(
    "/claims/{claim_id}/history",
    summary="Every version of a claim, oldest first",
    responses={200: {"content": {GEOJSON: {"schema": {"type": "object"}}}}, **problem_responses(400, 401, 404)},
)
def claim_history(claim_id: str, request: Request, store: StoreDep, principal: PrincipalDep) -> Response:
    """The claim's versions as a FeatureCollection (``recorded_at``/``superseded_at`` on each)."""
    from layers.export import claim_feature

    check_known(request.query_params.keys(), ())
    _require_reader(store, principal)
    versions = store.claim_history(claim_id)
    feats = []
    for record in versions:
        feat = claim_feature(record)
        feat["properties"]["recorded_by"] = record.recorded_by
        feats.append(feat)
    return _collection_response(feats, 200, id=claim_id, numberReturned=len(feats))


# --------------------------------------------------------------------------------------
# Zones
# --------------------------------------------------------------------------------------

#: Zone properties read as given; the others are required (order_type, issuer, issued_at),
#: times, lists, or computed from the blocks or polygon (area, uncertainty, approximate blocks).
_ZONE_FIELDS = ("source", "url", "title", "report_id", "notes", "status", "time_precision", "id")


def _instant(value: Any, name: str) -> datetime | None:
    if value is None:
        return None
    if not isinstance(value, str):
        raise InvalidInput(f"{name} must be an ISO 8601 date or date-time string")
    from layers.params import parse_instant

    return parse_instant(value, what=name)


def zone_from_feature(feature: dict[str, Any], *, what: str = "feature", repair: bool = False) -> Zone:
    """A GeoJSON Feature (a polygon, or ``block_ids`` of the evacuation grid, or both) as a :class:`Zone`."""
    from layers.zones import zone_from_blocks, zone_from_polygon

    props = _object(feature.get("properties") or {}, f"{what}.properties")
    unknown = unknown_properties(props, ZONE_INPUT_PROPERTIES)
    if unknown:
        raise _Unprocessable(
            f"{what}.properties: unknown propert{'ies' if len(unknown) > 1 else 'y'} {', '.join(unknown)}"
        )
    try:
        for key in ("order_type", "issuer", "issued_at"):
            if not props.get(key):
                raise InvalidInput(f"{key} is required")
        fields: dict[str, Any] = {k: props[k] for k in _ZONE_FIELDS if props.get(k) is not None}
        fid = feature.get("id")
        if fid is not None:
            fields["id"] = str(fid)
        if props.get("flags"):
            fields["flags"] = tuple(str(f) for f in props["flags"])
        common: dict[str, Any] = {
            "issuer": props["issuer"],
            "order_type": props["order_type"],
            "issued_at": _instant(props["issued_at"], "issued_at"),
            "effective_from": _instant(props.get("effective_from"), "effective_from"),
            "lifted_at": _instant(props.get("lifted_at"), "lifted_at"),
        }
        geometry = feature.get("geometry")
        blocks = props.get("block_ids")
        if blocks:
            if not isinstance(blocks, list):
                raise InvalidInput("block_ids must be an array of grid block ids")
            return zone_from_blocks(
                [str(b) for b in blocks],
                drawn_geometry=geometry,
                stated_area_km2=props.get("stated_area_km2"),
                strict=True,
                **common,
                **fields,
            )
        if geometry is None:
            raise InvalidInput("a zone needs a Polygon/MultiPolygon geometry or block_ids")
        if props.get("stated_area_km2") is not None:
            fields["stated_area_km2"] = props["stated_area_km2"]
        return zone_from_polygon(geometry, repair=repair, **common, **fields)
    except ValidationError as exc:
        raise _Unprocessable(f"{what}: {format_validation_error(exc)}") from None
    except InvalidInput as exc:
        raise _Unprocessable(f"{what}: {exc.message}") from None
    except (KeyError, TypeError, ValueError, AttributeError) as exc:
        raise _Unprocessable(f"{what}: not a valid zone ({exc})") from None


@router.post(
    "/zones",
    summary="Add zones (evacuation orders, returns, humanitarian zones) from polygons or grid block ids",
    status_code=201,
    responses={
        201: {"description": "Stored", "content": {GEOJSON: {"schema": {"type": "object"}}}},
        200: {"description": "Nothing new", "content": {GEOJSON: {"schema": {"type": "object"}}}},
        **_WRITE_ERRORS,
    },
    openapi_extra={"requestBody": _JSON_BODY},
)
async def post_zones(
    request: Request,
    store: StoreDep,
    writer: WriterDep,
    repair: Annotated[bool | None, Query(description="repair invalid polygons (flagged 'repaired')")] = None,
) -> Response:
    """Validate every zone, then store them in one transaction; block ids go through the shipped grid."""
    import uuid

    from starlette.concurrency import run_in_threadpool

    from layers.export import zone_feature

    check_known(request.query_params.keys(), ("repair",))
    do_repair = parse_bool(request.query_params.get("repair"), "repair")
    feats = _features(await read_json(request))
    if not feats:
        raise _Unprocessable("the FeatureCollection has no features")
    check_vertices(feats, request.app.state.settings.max_vertices)

    def run() -> tuple[Any, list[Zone]]:
        zones = []
        for i, f in enumerate(feats):
            zone = zone_from_feature(f, what=f"features[{i}]", repair=do_repair)
            if not zone.id:
                zone = zone.model_copy(update={"id": "z-" + uuid.uuid4().hex[:16]})
            zones.append(zone)
        written = store.add_zones(zones, recorded_by=writer.name)
        return written, [store.get_zone(z.id) for z in zones]

    written, stored = await run_in_threadpool(run)
    created = bool(written.inserted or written.updated)
    return _collection_response(
        [zone_feature(z) for z in stored],
        201 if created else 200,
        inserted=list(written.inserted),
        updated=list(written.updated),
        unchanged=list(written.unchanged),
    )
