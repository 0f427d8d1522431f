"""The review desk: pages where editors sign in, submit reports, check and correct machine claims.

Every page needs a session (``/desk/sign-in`` with a token; see ``api.desk.session``):
without one a page answers 303 to the sign-in form and a form POST does nothing. Every
POST carries the session's CSRF token. Writes need a token of scope ``write``; a
``read-private`` session may look. Each action is one new claim version through
``layers.review`` (recorded with the token's name); an action on a version someone has
replaced meanwhile answers 412 with a "someone changed this; reload" page.
"""

from __future__ import annotations

from collections.abc import Callable
from datetime import UTC, datetime, timedelta
from typing import Any
from urllib.parse import urlencode

from fastapi import APIRouter, Request
from fastapi.responses import RedirectResponse, Response
from starlette.concurrency import run_in_threadpool

from api.deps import StoreDep
from api.desk.forms import local_path, read_form
from api.desk.render import render, static_file
from api.desk.session import (
    DeskSession,
    check_csrf,
    check_signin_csrf,
    end_session,
    read_session,
    set_signin_cookie,
    signin_csrf,
    start_session,
)
from geo.errors import Conflict, InvalidInput, NotFound
from geo.model import EVENT_TYPES, TIME_PRECISIONS
from layers.model import SOURCE_KINDS, ClaimRecord, Source
from layers.store import ClaimQuery, ReportQuery, Store

router = APIRouter(include_in_schema=False)

ALL_STATUSES = ("reported", "corroborated", "disputed", "retracted")


def _to_sign_in(request: Request) -> RedirectResponse:
    target = request.url.path + (f"?{request.url.query}" if request.url.query else "")
    return RedirectResponse("/desk/sign-in?" + urlencode({"next": target}), status_code=303)


def _message(
    request: Request,
    session: DeskSession | None,
    status: int,
    title: str,
    message: str,
    link: str = "",
    link_text: str = "",
) -> Response:
    kind = "error" if status >= 400 else "notice"
    return render(
        request, "message.html", session, status=status, title=title, message=message, kind=kind,
        link=link, link_text=link_text,
    )  # fmt: skip


# --------------------------------------------------------------------------------------
# Sign-in, sign-out, static files
# --------------------------------------------------------------------------------------


@router.get("/desk/static/{name}")
def desk_static(name: str) -> Response:
    """The desk's own script and stylesheet."""
    body, media = static_file(name)
    return Response(body, media_type=media, headers={"Cache-Control": "public, max-age=300"})


@router.get("/desk/sign-in")
def sign_in_form(request: Request) -> Response:
    """The sign-in form (a token field); a signed-in editor goes straight to the desk."""
    if read_session(request) is not None:
        return RedirectResponse("/desk", status_code=303)
    return _sign_in_page(request, local_path(request.query_params.get("next"), "/desk"), "", 200)


def _sign_in_page(request: Request, nxt: str, message: str, status: int) -> Response:
    nonce, token = signin_csrf(request)
    page = render(
        request, "signin.html", None, status=status, title="Sign in", message=message, signin_csrf=token, next=nxt
    )
    set_signin_cookie(request, page, nonce)
    return page


@router.post("/desk/sign-in")
async def sign_in(request: Request) -> Response:
    """Check the token and the form's CSRF token; start a session (303 to the desk) or say why not."""
    try:
        form = await read_form(request)
    except (InvalidInput, ValueError) as exc:
        return _sign_in_page(request, "/desk", getattr(exc, "message", "The form could not be read."), 400)
    nxt = local_path(form.get("next"), "/desk")
    if not check_signin_csrf(request, form.get("csrf")):
        return _sign_in_page(request, nxt, "This sign-in form had expired or came from elsewhere; try again.", 403)
    response = RedirectResponse(nxt, status_code=303)
    session = start_session(request, response, form.get("token", ""))
    if session is None:
        return _sign_in_page(request, nxt, "That token is not valid (or it was revoked).", 401)
    return response


@router.post("/desk/sign-out")
async def sign_out(request: Request) -> Response:
    """End the session (also for copies of its cookie) and go back to the sign-in form."""
    session = read_session(request)
    if session is None:
        return RedirectResponse("/desk/sign-in", status_code=303)
    try:
        form = await read_form(request)
    except InvalidInput as exc:
        return _message(request, session, 400, "Sign out", exc.message)
    if not check_csrf(request, session, form.get("csrf")):
        return _csrf_failed(request, session)
    response = RedirectResponse("/desk/sign-in", status_code=303)
    await run_in_threadpool(end_session, request, response, session)
    return response


def _csrf_failed(request: Request, session: DeskSession) -> Response:
    return _message(
        request, session, 403, "Not saved",
        "This form has expired or came from another site, so nothing was changed. Reload the page and try again.",
        "/desk", "Back to the desk",
    )  # fmt: skip


# --------------------------------------------------------------------------------------
# Pages
# --------------------------------------------------------------------------------------


@router.get("/desk")
def desk_home(request: Request, store: StoreDep) -> Response:
    """The desk's front page: what waits for a check, and the feeds' state."""
    session = read_session(request)
    if session is None:
        return _to_sign_in(request)
    from layers.feeds import list_feeds
    from layers.review import count_unreviewed

    feeds = list_feeds(store)
    return render(
        request, "home.html", session, title="Review desk",
        unreviewed=count_unreviewed(store),
        reports=store.query_reports(ReportQuery(limit=1)).total,
        reports_unreviewed=store.query_reports(ReportQuery(unreviewed=True, limit=1)).total,
        feeds=feeds,
    )  # fmt: skip


def _sources(store: Store) -> dict[str, Source]:
    return {s.id: s for s in store.list_sources()}


def _claims_of(store: Store, report_id: str) -> list[ClaimRecord]:
    page = store.query_claims(ClaimQuery(report_ids=(report_id,), statuses=ALL_STATUSES))
    return sorted(page.items, key=lambda c: _claim_order(c.id))


def _claim_order(claim_id: str) -> tuple[str, int]:
    head, _, tail = claim_id.rpartition("-")
    return (head, int(tail)) if tail.isdigit() else (claim_id, 0)


def _date(value: str | None, name: str, *, end: bool = False) -> datetime | None:
    if not value:
        return None
    try:
        day = datetime.strptime(value.strip(), "%Y-%m-%d").replace(tzinfo=UTC)
    except ValueError:
        raise InvalidInput(f"{name} must be a date such as 2023-12-02") from None
    return day + timedelta(days=1) - timedelta(microseconds=1) if end else day


@router.get("/desk/reports")
def desk_reports(request: Request, store: StoreDep) -> Response:
    """Reports, newest first, filtered by source, publication date and "has unchecked claims"."""
    session = read_session(request)
    if session is None:
        return _to_sign_in(request)
    q = request.query_params
    source, start_text, end_text = q.get("source", ""), q.get("from", ""), q.get("to", "")
    unreviewed = q.get("unreviewed") in ("1", "true", "on")
    filters = {"source": source, "start": start_text, "end": end_text, "unreviewed": unreviewed}
    try:
        offset = max(0, int(q.get("offset", "0") or 0))
        start, end = _date(start_text, "from"), _date(end_text, "to", end=True)
    except (InvalidInput, ValueError) as exc:
        return _message(request, session, 400, "Reports", getattr(exc, "message", "offset must be a number"))
    limit = 50
    page = store.query_reports(
        ReportQuery(
            source_ids=(source,) if source else (),
            start=start,
            end=end,
            unreviewed=unreviewed,
            limit=limit,
            offset=offset,
        )
    )
    sources = _sources(store)
    counts: dict[str, list[int]] = {r.id: [0, 0] for r in page.items}
    if page.items:
        claims = store.query_claims(ClaimQuery(report_ids=tuple(counts), statuses=ALL_STATUSES[:3])).items
        for c in claims:
            if c.report_id in counts:
                counts[c.report_id][0] += 1
                counts[c.report_id][1] += c.review == "machine"
    rows = [
        {
            "report": r,
            "source": sources[r.source_id].name if r.source_id in sources else r.source_id,
            "claims": counts[r.id][0],
            "unreviewed": counts[r.id][1],
        }
        for r in page.items
    ]
    keep = {k: v for k, v in q.items() if k != "offset"}

    def href(off: int) -> str:
        return "/desk/reports?" + urlencode({**keep, "offset": off})

    return render(
        request, "reports.html", session, title="Reports", rows=rows, total=page.total, offset=offset,
        sources=sorted(sources.values(), key=lambda s: s.name.casefold()), filters=filters,
        prev_href=href(max(0, offset - limit)) if offset else "",
        next_href=href(offset + limit) if offset + limit < page.total else "",
    )  # fmt: skip


@router.get("/desk/reports/new")
def new_report_form(request: Request, store: StoreDep) -> Response:
    """The form to submit a report text (writers only)."""
    session = read_session(request)
    if session is None:
        return _to_sign_in(request)
    if not session.can_edit:
        return _read_only(request, session)
    return _report_form(request, session, store, {}, "")


def _report_form(
    request: Request, session: DeskSession, store: Store, form: dict[str, str], message: str, status: int = 200
) -> Response:
    fields = ("text", "published", "title", "url", "source", "source_name", "source_kind", "source_url", "claimant")
    values = {f: form.get(f, "") for f in fields}
    values["source_kind"] = values["source_kind"] or "news"
    sources = sorted(store.list_sources(), key=lambda s: s.name.casefold())
    return render(
        request, "report_new.html", session, status=status, title="Submit a report", form=values,
        sources=sources, kinds=SOURCE_KINDS, message=message,
    )  # fmt: skip


def _read_only(request: Request, session: DeskSession) -> Response:
    return _message(
        request, session, 403, "Look only",
        f"Your token has scope {session.principal.scope}: it may look at the desk but not change anything.",
        "/desk", "Back to the desk",
    )  # fmt: skip


async def _writer_form(request: Request) -> tuple[DeskSession | None, dict[str, str], Response | None]:
    """The session and form of a desk write, or the response that refuses it (no session, CSRF, scope)."""
    session = read_session(request)
    if session is None:
        return None, {}, RedirectResponse("/desk/sign-in", status_code=303)
    try:
        form = await read_form(request)
    except (InvalidInput, ValueError) as exc:
        return session, {}, _message(request, session, 400, "Not saved", getattr(exc, "message", str(exc)))
    if not check_csrf(request, session, form.get("csrf")):
        return session, form, _csrf_failed(request, session)
    if not session.can_edit:
        return session, form, _read_only(request, session)
    return session, form, None


@router.post("/desk/reports/new")
async def submit_report(request: Request, store: StoreDep) -> Response:
    """Ingest the pasted text through the same path as ``POST /reports``, then show its claims."""
    session, form, refused = await _writer_form(request)
    if refused is not None or session is None:
        return refused or _to_sign_in(request)
    text = form.get("text", "")
    if not text.strip():
        return _report_form(request, session, store, form, "Paste the report's text first.", 422)
    try:
        if form.get("source"):
            source: Source = await run_in_threadpool(store.get_source, form["source"])
        elif form.get("source_name", "").strip():
            kind = form.get("source_kind") or "other"
            source = Source.model_validate(
                {"name": form["source_name"].strip(), "kind": kind, "url": form.get("source_url") or None}
            )
        else:
            return _report_form(request, session, store, form, "Pick a source or name a new one.", 422)
    except NotFound:
        return _report_form(request, session, store, form, "That source is not in the store.", 422)
    except ValueError as exc:
        from geo.model import format_validation_error

        return _report_form(request, session, store, form, f"Source: {format_validation_error(exc)}", 422)

    def run() -> Any:
        from layers.ingest import ingest_report

        return ingest_report(
            store,
            text,
            published=form.get("published") or None,
            source=source,
            url=form.get("url") or None,
            title=form.get("title") or None,
            claimant=form.get("claimant") or None,
            keep_text=True,
            recorded_by=session.principal.name,
        )

    try:
        result = await run_in_threadpool(run)
    except InvalidInput as exc:
        return _report_form(request, session, store, form, exc.message, 422)
    except ValueError as exc:
        from geo.model import format_validation_error

        return _report_form(request, session, store, form, format_validation_error(exc), 422)
    created = "1" if not result.unchanged else "0"
    return RedirectResponse(f"/desk/reports/{result.report.id}?created={created}", status_code=303)


@router.get("/desk/reports/{report_id}")
def desk_report(report_id: str, request: Request, store: StoreDep) -> Response:
    """One report: its text with every place mention marked and linked to its claims, and the claims."""
    session = read_session(request)
    if session is None:
        return _to_sign_in(request)
    try:
        report = store.get_report(report_id)
    except NotFound:
        return _message(request, session, 404, "No such report", f"There is no report {report_id[:80]!r}.")
    from layers.review import mark_mentions

    claims = _claims_of(store, report.id)
    segments = mark_mentions(report.excerpt, claims, published=report.published_at) if report.excerpt else []
    sources = _sources(store)
    created_q = request.query_params.get("created")
    return render(
        request, "report.html", session, title=report.title or "Report", report=report,
        source=sources[report.source_id].name if report.source_id in sources else report.source_id,
        claims=claims, segments=segments, created=None if created_q is None else created_q == "1",
    )  # fmt: skip


@router.get("/desk/queue")
def desk_queue(request: Request, store: StoreDep) -> Response:
    """Claims waiting for a check, the most worth a look first; the chosen one with its text, map and actions."""
    session = read_session(request)
    if session is None:
        return _to_sign_in(request)
    from layers.review import count_unreviewed, review_queue

    items = review_queue(store, limit=100)
    wanted = request.query_params.get("claim")
    current: ClaimRecord | None = None
    if wanted:
        try:
            current = store.get_claim(wanted)
        except NotFound:
            return _message(request, session, 404, "No such claim", f"There is no claim {wanted[:80]!r}.")
    elif items:
        current = items[0].claim
    ids = [it.claim.id for it in items]
    pos = ids.index(current.id) if current is not None and current.id in ids else -1
    nxt = ids[pos + 1] if pos + 1 < len(ids) and (pos >= 0 or current is None or current.id not in ids) else None
    if pos < 0 and ids and current is not None and ids[0] != current.id:
        nxt = ids[0]
    prev = ids[pos - 1] if pos > 0 else None
    context: dict[str, Any] = {
        "items": items,
        "total": count_unreviewed(store),
        "current": current,
        "done": request.query_params.get("done", ""),
        "next_href": f"/desk/queue?claim={nxt}" if nxt else "",
        "prev_href": f"/desk/queue?claim={prev}" if prev else "",
        "event_types": EVENT_TYPES,
        "precisions": [p for p in TIME_PRECISIONS if p != "unknown"],
        "place_q": request.query_params.get("place_q", "")[:200],
        "tiles": _tiles(request),
    }
    if current is not None:
        context.update(_claim_context(store, current, context["place_q"], nxt))
    return render(request, "queue.html", session, title="Review queue", **context)


def _tiles(request: Request) -> str:
    tiles: str = request.app.state.settings.tiles or ""
    return tiles if tiles.startswith(("http://", "https://")) else ""


def _claim_context(store: Store, claim: ClaimRecord, place_q: str, nxt: str | None) -> dict[str, Any]:
    """What the queue shows beside one claim: report text, alternatives, gazetteer hits, map point."""
    from layers.review import mark_mentions, reasons_to_look

    report = None
    segments: list[Any] = []
    if claim.report_id:
        try:
            report = store.get_report(claim.report_id)
        except NotFound:
            report = None
        if report is not None and report.excerpt:
            segments = mark_mentions(report.excerpt, [claim], published=report.published_at)
    siblings = []
    if claim.report_id:
        same = store.query_claims(ClaimQuery(report_ids=(claim.report_id,), statuses=ALL_STATUSES[:3])).items
        siblings = sorted((c for c in same if c.id != claim.id), key=lambda c: _claim_order(c.id))
    found: list[Any] = []
    if place_q.strip():
        from geo.gazetteer import Gazetteer

        found = [entry for entry, _score in Gazetteer.load().lookup(place_q.strip())[:10]]
    point = None
    if claim.geometry is not None:
        c = claim.geometry.centroid if claim.geometry.geom_type != "Point" else claim.geometry
        point = (round(c.x, 6), round(c.y, 6))
    last_day = ""
    if claim.valid_to is not None:
        end = claim.valid_to
        if end.time() == datetime.min.time().replace() and claim.valid_from and end > claim.valid_from:
            end = end - timedelta(microseconds=1)
        last_day = end.strftime("%Y-%m-%d")
    return {
        "report": report,
        "segments": segments,
        "alternatives": list(claim.placement.rejected) if claim.placement else [],
        "found": found,
        "point": point,
        "reasons": reasons_to_look(claim),
        "siblings": siblings,
        "last_day": last_day,
        "back": f"/desk/queue?claim={nxt}" if nxt else "/desk/queue",
    }


@router.get("/desk/claims/{claim_id}")
def desk_claim(claim_id: str, request: Request, store: StoreDep) -> Response:
    """A claim's full history as a readable diff: who changed what, when and why."""
    session = read_session(request)
    if session is None:
        return _to_sign_in(request)
    try:
        history = store.claim_history(claim_id)
    except NotFound:
        return _message(request, session, 404, "No such claim", f"There is no claim {claim_id[:80]!r}.")
    versions = []
    prev: ClaimRecord | None = None
    for record in history:
        versions.append({"record": record, "changes": _diff(prev, record) if prev is not None else []})
        prev = record
    current = history[-1]
    report = None
    if current.report_id:
        try:
            report = store.get_report(current.report_id)
        except NotFound:
            report = None
    title = f"Claim {current.id}"
    return render(request, "claim.html", session, title=title, versions=versions, current=current, report=report)


#: Fields shown in a version diff, in reading order.
_DIFF_FIELDS = (
    "status", "review", "event_type", "claimant", "place_name", "gazetteer_id", "geometry", "uncertainty",
    "valid_from", "valid_to", "time_precision", "fatalities", "injured", "targets", "confidence", "quote", "notes",
)  # fmt: skip


def _show(name: str, value: Any) -> str:
    if value is None:
        return "—"
    if name == "geometry":
        c = value.centroid
        return f"{value.geom_type} at {c.y:.5f}, {c.x:.5f}"
    if name == "uncertainty":
        return f"± {value.radius_m:,.0f} m ({value.method})"
    if isinstance(value, datetime):
        return value.strftime("%Y-%m-%d %H:%M UTC")
    if hasattr(value, "best"):
        return " / ".join(
            f"{k} {v}" for k, v in (("low", value.low), ("best", value.best), ("high", value.high)) if v is not None
        )
    return str(value)


def _diff(old: ClaimRecord, new: ClaimRecord) -> list[tuple[str, str, str]]:
    out = []
    for name in _DIFF_FIELDS:
        a: Any = getattr(old, name)
        b: Any = getattr(new, name)
        if name == "notes" and a and b and b.startswith(a):
            a, b = None, b[len(a) :].strip()
        if a != b:
            out.append((name.replace("_", " "), _show(name, a), _show(name, b)))
    return out


# --------------------------------------------------------------------------------------
# Claim actions
# --------------------------------------------------------------------------------------


def _version(form: dict[str, str]) -> int:
    try:
        return int(form.get("version", ""))
    except ValueError:
        raise InvalidInput("the form does not say which version of the claim you saw; reload the page") from None


async def _act(
    request: Request,
    store: Store,
    claim_id: str,
    action: Callable[[DeskSession, dict[str, str], int], ClaimRecord],
    *,
    back_to_result: bool = False,
) -> Response:
    """Run one claim action for the form's session: 303 on to the next claim, 412 when stale, 422 when refused."""
    session, form, refused = await _writer_form(request)
    if refused is not None or session is None:
        return refused or _to_sign_in(request)
    back = local_path(form.get("back"), "/desk/queue")
    here = f"/desk/queue?claim={claim_id}"
    try:
        version = _version(form)
        record: ClaimRecord = await run_in_threadpool(action, session, form, version)
    except Conflict:
        return _stale(request, session, store, claim_id)
    except NotFound:
        return _message(request, session, 404, "No such claim", f"There is no claim {claim_id[:80]!r}.")
    except InvalidInput as exc:
        return _message(request, session, 422, "Not saved", exc.message, here, "Back to the claim")
    except ValueError as exc:
        from geo.model import format_validation_error

        return _message(request, session, 422, "Not saved", format_validation_error(exc), here, "Back to the claim")
    if back_to_result:
        back = f"/desk/queue?claim={record.id}"
    sep = "&" if "?" in back else "?"
    return RedirectResponse(f"{back}{sep}{urlencode({'done': f'{record.id} version {record.version}'})}", 303)


def _stale(request: Request, session: DeskSession, store: Store, claim_id: str) -> Response:
    current = store.get_claim(claim_id)
    who = current.recorded_by or "someone"
    when = current.recorded_at.strftime("%H:%M UTC on %d %b %Y") if current.recorded_at else "meanwhile"
    return _message(
        request, session, 412, "Someone changed this claim",
        f"Someone changed this claim since you opened it: it is now version {current.version} "
        f"({who}, {when}). Your change was not saved. Reload to see the current version, then decide again.",
        f"/desk/queue?claim={claim_id}", "Reload the claim",
    )  # fmt: skip


@router.post("/desk/claims/{claim_id}/accept")
async def accept_claim(claim_id: str, request: Request, store: StoreDep) -> Response:
    """Accept the claim as read (``review = reviewed``)."""
    from layers.review import accept

    return await _act(request, store, claim_id, lambda s, f, v: accept(store, claim_id, v, s.principal.name))


@router.post("/desk/claims/{claim_id}/place")
async def place_claim(claim_id: str, request: Request, store: StoreDep) -> Response:
    """Move the claim to a gazetteer place (an alternative or a searched name)."""
    from layers.review import place_at_candidate

    return await _act(
        request, store, claim_id,
        lambda s, f, v: place_at_candidate(store, claim_id, v, f.get("gazetteer_id", ""), s.principal.name),
    )  # fmt: skip


def _number(form: dict[str, str], name: str) -> float:
    try:
        value = float(form.get(name, "").strip().replace(",", ""))
    except ValueError:
        raise InvalidInput(f"{name.replace('_', ' ')} must be a number") from None
    if value != value or value in (float("inf"), float("-inf")):
        raise InvalidInput(f"{name.replace('_', ' ')} must be a finite number")
    return value


@router.post("/desk/claims/{claim_id}/point")
async def point_claim(claim_id: str, request: Request, store: StoreDep) -> Response:
    """Place the claim at a clicked or typed point with a radius."""
    from layers.review import place_at_point

    def run(s: DeskSession, f: dict[str, str], v: int) -> ClaimRecord:
        lon, lat, radius = _number(f, "lon"), _number(f, "lat"), _number(f, "radius_m")
        return place_at_point(store, claim_id, v, lon, lat, radius, s.principal.name)

    return await _act(request, store, claim_id, run)


@router.post("/desk/claims/{claim_id}/edit")
async def edit_claim(claim_id: str, request: Request, store: StoreDep) -> Response:
    """Correct type, claimant, event interval (whole UTC days) or counts."""
    from layers.review import edit_fields

    def run(s: DeskSession, f: dict[str, str], v: int) -> ClaimRecord:
        start = _date(f.get("valid_from"), "from")
        end = _date(f.get("valid_to"), "to")
        return edit_fields(
            store, claim_id, v, s.principal.name,
            event_type=f.get("event_type") or None,
            claimant=f.get("claimant"),
            valid_from=start,
            valid_to=end + timedelta(days=1) if end else None,
            time_precision=f.get("time_precision") or None,
            fatalities=f.get("fatalities"),
            injured=f.get("injured"),
            note=f.get("note"),
        )  # fmt: skip

    return await _act(request, store, claim_id, run)


@router.post("/desk/claims/{claim_id}/status")
async def status_claim(claim_id: str, request: Request, store: StoreDep) -> Response:
    """Mark the claim disputed or retract it, with a reason."""
    from layers.review import set_status

    return await _act(
        request, store, claim_id,
        lambda s, f, v: set_status(store, claim_id, v, f.get("status", ""), f.get("reason", ""), s.principal.name),
    )  # fmt: skip


@router.post("/desk/claims/{claim_id}/split")
async def split_claim(claim_id: str, request: Request, store: StoreDep) -> Response:
    """Split a claim that tells two events into two claims, then open the new one to correct it."""
    from layers.review import split

    def run(s: DeskSession, f: dict[str, str], v: int) -> ClaimRecord:
        return split(store, claim_id, v, s.principal.name)[1]

    return await _act(request, store, claim_id, run, back_to_result=True)


@router.post("/desk/claims/{claim_id}/merge")
async def merge_claim(claim_id: str, request: Request, store: StoreDep) -> Response:
    """Merge a duplicate into another claim of the report (the duplicate is retracted, naming the other)."""
    from layers.review import merge

    return await _act(
        request, store, claim_id,
        lambda s, f, v: merge(store, claim_id, v, f.get("into", "").strip(), s.principal.name),
    )  # fmt: skip
