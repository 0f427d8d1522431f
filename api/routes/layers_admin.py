"""Layer definitions over HTTP: the ``admin`` scope defines, replaces and deletes collections.

A collection is a :class:`~layers.model.Layer` (title, filter, style, ``private``,
publication ``policy``). ``GET /collections/{id}/definition`` returns it as JSON with
``ETag: "v<version>"``; ``PUT`` the same document (edited) creates or replaces it,
``DELETE`` removes it. Both need an ``admin`` token, record the token's name as
``recorded_by`` and take ``If-Match: "v<n>"``: an edit based on a version that is no
longer current is a 412 carrying the current ETag, never a silent overwrite. Every
version, deletions included, stays in ``/collections/{id}/definition/history``.

Visibility follows the collection itself (``layers.collection.LayerView``): a public
layer's definition is public, a private one needs a token (401 without one, as
``/collections/{id}`` answers). A deleted layer, default or not, is gone until it is
defined again: restarting the service or ``sitmap db init`` does not bring it back.
"""

from __future__ import annotations

import json
import re
from contextlib import suppress
from typing import Any

from fastapi import APIRouter, Request
from fastapi.responses import Response
from pydantic import ValidationError
from starlette.concurrency import run_in_threadpool

from api.auth import Principal
from api.bodies import read_json
from api.caching import not_modified
from api.deps import AdminDep, PrincipalDep, StoreDep
from api.errors import HttpProblem, problem_responses
from api.params import check_known, format_instant
from geo.errors import Conflict, InvalidInput, NotFound, SitmapError
from geo.model import format_validation_error
from layers.errors import Unauthorized
from layers.model import Layer
from layers.store import Store
from layers.store.base import LayerVersion

router = APIRouter(tags=["Layer definitions (admin)"])

JSON = "application/json"

_LAYER_SCHEMA = {"type": "object", "description": "A layer definition (sitmap's Layer model)"}
_DEFINITION_BODY = {
    "required": True,
    "content": {
        JSON: {
            "schema": _LAYER_SCHEMA,
            "example": {
                "title": "Desk: strikes in Khan Younis",
                "description": "Working layer, not for publication",
                "kind": "claims",
                "filter": {"event_types": ["airstrike", "shelling"]},
                "private": True,
            },
        }
    },
}
_DEFINITION_OK = {"description": "The layer definition", "content": {JSON: {"schema": _LAYER_SCHEMA}}}


class _Unprocessable(SitmapError):
    code = "unprocessable"


def _etag(version: int) -> str:
    return f'"v{version}"'


def _current(store: Store, layer_id: str) -> LayerVersion | None:
    """The newest recorded version of a layer (maybe a deletion), ``None`` when it has none."""
    try:
        return store.layer_history(layer_id)[-1]
    except NotFound:
        return None


def _if_match(request: Request) -> tuple[int | None, bool]:
    """(the version ``If-Match`` names, whether it was ``*``); ``(None, False)`` without the header."""
    header = request.headers.get("if-match")
    if header is None:
        return None, False
    header = header.strip()
    if header == "*":
        return None, True
    m = re.fullmatch(r'(?:W/)?"v(\d{1,9})"', header)
    if not m:
        raise HttpProblem("precondition_failed", f'If-Match {header[:60]!r} is not a layer version ETag such as "v3"')
    return int(m.group(1)), False


def _stale(store: Store, layer_id: str, message: str) -> HttpProblem:
    """The 412 for a stale ``If-Match``, carrying the current version's ETag when there is one."""
    headers: dict[str, str] = {}
    with suppress(SitmapError):
        current = _current(store, layer_id)
        if current is not None and not current.deleted:
            headers["ETag"] = _etag(current.version)
    return HttpProblem("precondition_failed", message, headers=headers)


def _definition_response(layer: Layer, version: int | None, status: int = 200) -> Response:
    headers = {"Cache-Control": "no-cache", "Vary": "Authorization"}
    if version is not None:
        headers["ETag"] = _etag(version)
    if layer.private:
        headers["Cache-Control"] = "private, no-cache"
    body = json.dumps(layer.model_dump(mode="json"), ensure_ascii=False).encode()
    return Response(body, status_code=status, media_type=JSON, headers=headers)


def _check_id(layer_id: str) -> None:
    try:
        Layer.model_validate({"id": layer_id, "title": "-"})
    except ValidationError:
        shown = layer_id if len(layer_id) <= 64 else layer_id[:61] + "..."
        raise InvalidInput(
            f"collection id {shown!r} cannot name a layer: use 1-64 lowercase letters, digits, '-' or '_', "
            "starting with a letter or digit"
        ) from None


def _layer_from_body(layer_id: str, doc: Any) -> Layer:
    if not isinstance(doc, dict):
        raise _Unprocessable(f"the body must be a JSON object (a layer definition), got {type(doc).__name__}")
    given = doc.get("id", layer_id)
    if given != layer_id:
        raise _Unprocessable(
            f"the body's id {str(given)[:64]!r} differs from the collection id {layer_id!r} in the URL"
        )
    try:
        return Layer.model_validate({**doc, "id": layer_id})
    except ValidationError as exc:
        raise _Unprocessable(f"layer {layer_id!r}: {format_validation_error(exc)}") from None


def _readable(store: Store, layer_id: str, principal: Principal | None) -> tuple[Layer, int | None]:
    """The current definition and version of a collection the caller may read (404/401 otherwise).

    Read from the history first, so the ETag is the version of exactly this definition.
    """
    from layers.collection import ANONYMOUS, EXACT, LayerView

    current = _current(store, layer_id)
    if current is None or current.deleted:
        # never stored (a built-in default on a store without them) or deleted: as the collection answers
        return LayerView.open(store, layer_id, EXACT if principal is not None else ANONYMOUS).layer, None
    if current.layer.private and principal is None:  # the same answer as the collection's own
        raise Unauthorized(f"collection {layer_id!r} is private: it needs 'Authorization: Bearer <token>'")
    return current.layer, current.version


# --------------------------------------------------------------------------------------
# Routes
# --------------------------------------------------------------------------------------


@router.get(
    "/collections/{collection_id}/definition",
    summary="A collection's layer definition (its ETag is the version, for If-Match)",
    responses={200: _DEFINITION_OK, 304: {"description": "Not modified"}, **problem_responses(400, 401, 404)},
)
def get_definition(collection_id: str, request: Request, store: StoreDep, principal: PrincipalDep) -> Response:
    """The layer definition as JSON, with ``ETag: "v<version>"``; a private layer needs a token."""
    check_known(request.query_params.keys(), ())
    layer, version = _readable(store, collection_id, principal)
    if version is not None and not_modified(request, _etag(version)):
        return Response(status_code=304, headers={"ETag": _etag(version), "Cache-Control": "no-cache"})
    return _definition_response(layer, version)


@router.put(
    "/collections/{collection_id}/definition",
    summary="Create or replace a collection (admin; If-Match: the version ETag, 412 if stale)",
    responses={
        200: {**_DEFINITION_OK, "description": "Replaced (or unchanged)"},
        201: {**_DEFINITION_OK, "description": "Created"},
        **problem_responses(400, 401, 403, 412, 413, 415, 422),
    },
    openapi_extra={"requestBody": _DEFINITION_BODY},
)
async def put_definition(collection_id: str, request: Request, store: StoreDep, admin: AdminDep) -> Response:
    """Define the collection from a layer JSON body (``id`` may be left out; it is the URL's).

    The new version is recorded with the token's name; an identical definition
    writes no version. 201 when the collection did not exist, else 200.
    """
    check_known(request.query_params.keys(), ())
    _check_id(collection_id)
    layer = _layer_from_body(collection_id, await read_json(request))
    expected, star = _if_match(request)

    def run() -> tuple[int, bool]:
        current = _current(store, collection_id)
        exists = current is not None and not current.deleted
        wanted = expected
        if star:
            if not exists or current is None:
                raise _stale(store, collection_id, f"If-Match '*' but collection {collection_id!r} does not exist")
            wanted = current.version
        try:
            version = store.put_layer(layer, expected_version=wanted, recorded_by=admin.name)
        except Conflict as exc:
            raise _stale(store, collection_id, exc.message) from None
        return version, exists

    version, existed = await run_in_threadpool(run)
    response = _definition_response(layer, version, 200 if existed else 201)
    if not existed:
        response.headers["Location"] = f"/collections/{collection_id}/definition"
    response.headers["Cache-Control"] = "no-store"
    return response


@router.delete(
    "/collections/{collection_id}/definition",
    summary="Delete a collection (admin; If-Match as for PUT). The history keeps every version",
    status_code=204,
    responses={204: {"description": "Deleted"}, **problem_responses(400, 401, 403, 404, 412)},
)
async def delete_definition(collection_id: str, request: Request, store: StoreDep, admin: AdminDep) -> Response:
    """Delete the collection: a new version flagged deleted, recorded with the token's name."""
    from layers.catalog import delete_layer

    check_known(request.query_params.keys(), ())
    expected, _star = _if_match(request)  # '*' asks only that it exist, which a delete needs anyway

    def run() -> None:
        try:
            delete_layer(store, collection_id, expected_version=expected, recorded_by=admin.name)
        except Conflict as exc:
            raise _stale(store, collection_id, exc.message) from None
        except NotFound as exc:
            raise NotFound(f"collection {collection_id[:64]!r} does not exist ({exc.message})") from None

    await run_in_threadpool(run)
    return Response(status_code=204, headers={"Cache-Control": "no-store"})


@router.get(
    "/collections/{collection_id}/definition/history",
    summary="Every version of a collection's definition, oldest first (needs a token)",
    responses={
        200: {"description": "The versions", "content": {JSON: {"schema": {"type": "object"}}}},
        **problem_responses(400, 401, 404),
    },
)
def definition_history(collection_id: str, request: Request, store: StoreDep, principal: PrincipalDep) -> Response:
    """Versions with ``recorded_at``, ``recorded_by``, ``superseded_at`` and ``deleted``; any valid token."""
    check_known(request.query_params.keys(), ())
    if principal is None:
        raise Unauthorized("the history of a collection names who changed it: it needs 'Authorization: Bearer <token>'")
    versions = store.layer_history(collection_id)
    doc = {
        "id": collection_id,
        "versions": [
            {
                "version": v.version,
                "recorded_at": format_instant(v.recorded_at),
                "recorded_by": v.recorded_by,
                "superseded_at": format_instant(v.superseded_at) if v.superseded_at else None,
                "deleted": v.deleted,
                "definition": v.layer.model_dump(mode="json"),
            }
            for v in versions
        ],
    }
    return Response(
        json.dumps(doc, ensure_ascii=False).encode(),
        media_type=JSON,
        headers={"Cache-Control": "private, no-cache"},
    )
