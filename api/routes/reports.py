"""Reading reports: ``GET /reports`` (paged, newest first) and ``GET /reports/{id}`` (text and claim ids).

Reports are editorial material (their text, the outlets): reading them needs a bearer
token of any scope or a desk session, like raw claims on a site with private layers.
"""

from __future__ import annotations

from datetime import datetime
from typing import Annotated, Any
from urllib.parse import urlencode

from fastapi import APIRouter, Query, Request
from fastapi.responses import JSONResponse

from api.deps import PrincipalDep, StoreDep
from api.desk.session import read_session
from api.errors import problem_responses
from api.params import check_known, parse_bool
from geo.errors import InvalidInput
from layers.errors import Unauthorized
from layers.model import Report
from layers.store import ClaimQuery, ReportQuery, Store

router = APIRouter(tags=["Ingest and history"])

_STATUSES = ("reported", "corroborated", "disputed", "retracted")


def _require_reader(request: Request, principal: Any) -> None:
    if principal is None and read_session(request) is None:
        raise Unauthorized("reading reports needs 'Authorization: Bearer <token>' or a desk session")


def _iso(value: datetime | None) -> str | None:
    return value.isoformat().replace("+00:00", "Z") if value else None


def _report_json(report: Report, source_name: str | None, claims: list[Any]) -> dict[str, Any]:
    return {
        "id": report.id,
        "source_id": report.source_id,
        "source": source_name,
        "url": report.url,
        "title": report.title,
        "published_at": _iso(report.published_at),
        "language": report.language,
        "content_sha256": report.content_sha256,
        "has_text": report.excerpt is not None,
        "claims": len(claims),
        "unreviewed_claims": sum(1 for c in claims if c.review == "machine" and c.status != "retracted"),
        "links": [{"rel": "self", "type": "application/json", "href": f"/reports/{report.id}"}],
    }


def _claims_by_report(store: Store, ids: list[str]) -> dict[str, list[Any]]:
    out: dict[str, list[Any]] = {i: [] for i in ids}
    if ids:
        for claim in store.query_claims(ClaimQuery(report_ids=tuple(ids), statuses=_STATUSES)).items:
            if claim.report_id in out:
                out[claim.report_id].append(claim)
    return out


def _interval(value: str | None) -> tuple[datetime | None, datetime | None]:
    """``published=`` as an OGC datetime value (``a/b``, ``..`` open, a lone date for that day)."""
    if not value:
        return None, None
    from layers.params import parse_interval

    return parse_interval(value, what="published")


@router.get(
    "/reports",
    summary="Reports, newest first (needs a token or a desk session)",
    responses={200: {"content": {"application/json": {"schema": {"type": "object"}}}}, **problem_responses(400, 401)},
)
def list_reports(
    request: Request,
    store: StoreDep,
    principal: PrincipalDep,
    limit: Annotated[int | None, Query(ge=1, description="reports per page (default 50, at most 500)")] = None,
    offset: Annotated[int | None, Query(ge=0)] = None,
    source: Annotated[str | None, Query(description="source id(s), comma-separated")] = None,
    published: Annotated[str | None, Query(description="publication interval start/end ('..' for open)")] = None,
    unreviewed: Annotated[str | None, Query(description="true: only reports with claims not yet checked")] = None,
) -> JSONResponse:
    """``{"reports": [...], "numberMatched", "numberReturned", "links"}`` with next/prev links."""
    check_known(request.query_params.keys(), ("limit", "offset", "source", "published", "unreviewed"))
    _require_reader(request, principal)
    size = limit or 50
    if size > 500:
        raise InvalidInput("limit must be at most 500")
    off = offset or 0
    start, end = _interval(published)
    sources = tuple(s.strip() for s in (source or "").split(",") if s.strip())
    page = store.query_reports(
        ReportQuery(
            source_ids=sources,
            start=start,
            end=end,
            unreviewed=parse_bool(unreviewed, "unreviewed"),
            limit=size,
            offset=off,
        )
    )
    names = {s.id: s.name for s in store.list_sources()}
    claims = _claims_by_report(store, [r.id for r in page.items])
    params = {k: v for k, v in request.query_params.items() if k not in ("offset", "limit")}

    def href(o: int) -> str:
        return "/reports?" + urlencode({**params, "limit": size, "offset": o})

    links = [{"rel": "self", "type": "application/json", "href": href(off)}]
    if off + size < page.total:
        links.append({"rel": "next", "type": "application/json", "href": href(off + size)})
    if off:
        links.append({"rel": "prev", "type": "application/json", "href": href(max(0, off - size))})
    body = {
        "reports": [_report_json(r, names.get(r.source_id), claims[r.id]) for r in page.items],
        "numberMatched": page.total,
        "numberReturned": len(page.items),
        "links": links,
    }
    return JSONResponse(body, headers={"Cache-Control": "no-store"})


@router.get(
    "/reports/{report_id}",
    summary="One report with its text (when kept) and the ids of its claims",
    responses={200: {"content": {"application/json": {"schema": {"type": "object"}}}}, **problem_responses(401, 404)},
)
def get_report(report_id: str, request: Request, store: StoreDep, principal: PrincipalDep) -> JSONResponse:
    """The report, ``text`` (``null`` when only quotes were kept) and ``claim_ids`` (every status)."""
    check_known(request.query_params.keys(), ())
    _require_reader(request, principal)
    report = store.get_report(report_id)
    claims = _claims_by_report(store, [report.id])[report.id]
    try:
        name: str | None = store.get_source(report.source_id).name
    except Exception:
        name = None
    body = _report_json(report, name, claims)
    body["text"] = report.excerpt
    body["claim_ids"] = sorted(c.id for c in claims)
    body["links"].append({"rel": "alternate", "type": "text/html", "href": f"/desk/reports/{report.id}"})
    return JSONResponse(body, headers={"Cache-Control": "no-store"})
