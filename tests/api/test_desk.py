"""The review desk over HTTP: sessions, CSRF, scopes, the editors' actions, GET /reports, hostile text.

A browser drives the same pages in ``test_browser_desk.py``; here every rule is checked
with plain requests, so a failure names the rule.
"""

from __future__ import annotations

import re
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest
from fastapi.testclient import TestClient

from tests.api.conftest import READER, TOKENS, WRITER

REPORT = (
    "An Israeli air strike hit a house in Khan Younis on Friday, killing 12 people, the Gaza health ministry "
    "said. Shelling was also reported near Beit Lahia, witnesses said. In Rafah, a drone strike killed two "
    "people, the civil defence said."
)
HOSTILE = '<script>alert("x")</script><img src=x onerror=alert(1)>\u202eevil\u202c "\'&'

DESK_PAGES = ("/desk", "/desk/queue", "/desk/reports", "/desk/reports/new", "/desk/claims/c-gaza-1")


def _app(settings: Any) -> TestClient:
    from api.app import create_app

    return TestClient(create_app(settings), base_url="http://testserver")


@pytest.fixture
def desk_settings(tmp_path: Path) -> Any:
    from api.settings import Settings
    from tests.api.conftest import fill_store

    url = str(tmp_path / "desk.gpkg")
    fill_store(url)
    return Settings(db=url, tokens=TOKENS, tiles="none", rate_limit=False)


@pytest.fixture
def client(desk_settings: Any) -> Iterator[TestClient]:
    with _app(desk_settings) as c:
        yield c


def csrf_of(html: str) -> str:
    found = re.search(r'name="csrf" value="([^"]+)"', html)
    assert found, "the page has no CSRF field"
    return found.group(1)


def sign_in(client: TestClient, token: str) -> None:
    form = client.get("/desk/sign-in")
    r = client.post(
        "/desk/sign-in", data={"token": token, "csrf": csrf_of(form.text), "next": "/desk"}, follow_redirects=False
    )
    assert r.status_code == 303, r.text
    assert r.headers["location"] == "/desk"


def submit(client: TestClient, text: str = REPORT, **extra: str) -> str:
    page = client.get("/desk/reports/new")
    data = {"csrf": csrf_of(page.text), "text": text, "published": "2023-12-02", "source_name": "Desk Wire"}
    data.update(extra)
    r = client.post("/desk/reports/new", data=data, follow_redirects=False)
    assert r.status_code == 303, r.text
    return r.headers["location"].split("?")[0].rsplit("/", 1)[1]


def claim_ids(client: TestClient, report_id: str) -> list[str]:
    return client.get(f"/reports/{report_id}").json()["claim_ids"]


def act(client: TestClient, claim_id: str, action: str, version: int, **fields: str) -> Any:
    page = client.get(f"/desk/queue?claim={claim_id}")
    data = {"csrf": csrf_of(page.text), "version": str(version), **fields}
    return client.post(f"/desk/claims/{claim_id}/{action}", data=data, follow_redirects=False)


def current(client: TestClient, claim_id: str) -> dict[str, Any]:
    r = client.get(f"/claims/{claim_id}", headers={"Authorization": f"Bearer {WRITER[1]}"})
    assert r.status_code == 200
    props: dict[str, Any] = r.json()["properties"]
    return props


# --------------------------------------------------------------------------------------
# Sessions
# --------------------------------------------------------------------------------------


@pytest.mark.parametrize("path", DESK_PAGES)
def test_every_desk_page_redirects_to_sign_in_without_a_session(client: TestClient, path: str) -> None:
    r = client.get(path, follow_redirects=False)
    assert r.status_code == 303
    assert r.headers["location"].startswith("/desk/sign-in?next=")


@pytest.mark.parametrize("action", ["accept", "place", "point", "edit", "status"])
def test_no_desk_post_works_without_a_session(client: TestClient, action: str) -> None:
    before = current(client, "c-gaza-1")
    fields = {"version": "1", "gazetteer_id": "geonames:281133", "lat": "31.5", "lon": "34.4", "radius_m": "100"}
    fields |= {"status": "retracted", "reason": "x", "event_type": "shelling"}
    r = client.post(f"/desk/claims/c-gaza-1/{action}", data=fields, follow_redirects=False)
    assert r.status_code == 303 and r.headers["location"] == "/desk/sign-in"
    assert current(client, "c-gaza-1") == before
    r = client.post("/desk/reports/new", data={"text": REPORT, "source_name": "X"}, follow_redirects=False)
    assert r.status_code == 303
    assert client.get("/reports", headers={"Authorization": f"Bearer {WRITER[1]}"}).json()["numberMatched"] == 0


def test_sign_in_cookie_is_httponly_strict_and_not_secure_over_http(client: TestClient) -> None:
    form = client.get("/desk/sign-in")
    r = client.post("/desk/sign-in", data={"token": WRITER[1], "csrf": csrf_of(form.text)}, follow_redirects=False)
    cookie = next(c for c in r.headers.get_list("set-cookie") if c.startswith("sitmap_session="))
    flags = [p.strip().lower() for p in cookie.split(";")]
    assert "httponly" in flags and "samesite=strict" in flags and "secure" not in flags
    assert any(f.startswith("max-age=") for f in flags)
    assert WRITER[1] not in cookie  # the token itself never travels in the cookie


def test_session_cookie_is_secure_over_https(desk_settings: Any) -> None:
    from api.app import create_app

    with TestClient(create_app(desk_settings), base_url="https://testserver") as c:
        form = c.get("/desk/sign-in")
        assert "secure" in form.headers["set-cookie"].lower()
        r = c.post("/desk/sign-in", data={"token": WRITER[1], "csrf": csrf_of(form.text)}, follow_redirects=False)
        cookie = next(x for x in r.headers.get_list("set-cookie") if x.startswith("sitmap_session="))
        assert "secure" in [p.strip().lower() for p in cookie.split(";")]


def test_wrong_token_and_missing_csrf_do_not_sign_in(client: TestClient) -> None:
    form = client.get("/desk/sign-in")
    r = client.post("/desk/sign-in", data={"token": "not-a-token-at-all", "csrf": csrf_of(form.text)})
    assert r.status_code == 401 and "not valid" in r.text
    assert not any(c.startswith("sitmap_session=") for c in r.headers.get_list("set-cookie"))
    r = client.post("/desk/sign-in", data={"token": WRITER[1]}, follow_redirects=False)
    assert r.status_code == 403
    r = client.post("/desk/sign-in", data={"token": WRITER[1], "csrf": "forged"}, follow_redirects=False)
    assert r.status_code == 403
    assert client.get("/desk", follow_redirects=False).status_code == 303


def test_sign_in_form_from_another_origin_is_refused(client: TestClient) -> None:
    form = client.get("/desk/sign-in")
    r = client.post(
        "/desk/sign-in",
        data={"token": WRITER[1], "csrf": csrf_of(form.text)},
        headers={"Origin": "https://evil.example"},
        follow_redirects=False,
    )
    assert r.status_code == 403


def test_next_goes_only_to_desk_paths(client: TestClient) -> None:
    form = client.get("/desk/sign-in?next=https://evil.example/")
    assert "evil" not in form.text
    r = client.post(
        "/desk/sign-in",
        data={"token": WRITER[1], "csrf": csrf_of(form.text), "next": "//evil.example/desk"},
        follow_redirects=False,
    )
    assert r.headers["location"] == "/desk"


def test_sign_out_ends_the_session_also_for_a_copied_cookie(client: TestClient) -> None:
    sign_in(client, WRITER[1])
    copied = client.cookies.get("sitmap_session")
    home = client.get("/desk")
    assert home.status_code == 200 and "newsroom" in home.text
    r = client.post("/desk/sign-out", data={"csrf": csrf_of(home.text)}, follow_redirects=False)
    assert r.status_code == 303 and r.headers["location"] == "/desk/sign-in"
    assert client.get("/desk", follow_redirects=False).status_code == 303
    client.cookies.set("sitmap_session", copied or "")
    assert client.get("/desk", follow_redirects=False).status_code == 303


def test_sign_out_needs_the_csrf_token(client: TestClient) -> None:
    sign_in(client, WRITER[1])
    r = client.post("/desk/sign-out", data={"csrf": "nope"}, follow_redirects=False)
    assert r.status_code == 403
    assert client.get("/desk", follow_redirects=False).status_code == 200


def test_tampered_and_expired_sessions_are_refused(client: TestClient, monkeypatch: pytest.MonkeyPatch) -> None:
    sign_in(client, WRITER[1])
    value = client.cookies.get("sitmap_session") or ""
    version, payload, signature = value.split(".")
    client.cookies.set("sitmap_session", f"{version}.{payload}x.{signature}")
    assert client.get("/desk", follow_redirects=False).status_code == 303
    client.cookies.set("sitmap_session", value)
    assert client.get("/desk", follow_redirects=False).status_code == 200
    import api.desk.session as session_module

    later = session_module.time.time() + 13 * 3600
    monkeypatch.setattr(session_module.time, "time", lambda: later)
    assert client.get("/desk", follow_redirects=False).status_code == 303


def test_revoking_the_token_ends_its_sessions(tmp_path: Path) -> None:
    from api.auth import TokenEntry, format_token_line, hash_token
    from api.settings import Settings
    from tests.api.conftest import fill_store

    url = str(tmp_path / "revoke.gpkg")
    fill_store(url)
    token_file = tmp_path / "tokens.txt"
    token_file.write_text(format_token_line(TokenEntry("desk-ed", "write", hash_token("desk-editor-token-9"))) + "\n")
    with _app(Settings(db=url, token_file=token_file, tiles="none", rate_limit=False)) as c:
        sign_in(c, "desk-editor-token-9")
        assert c.get("/desk", follow_redirects=False).status_code == 200
        token_file.write_text("# revoked\n")
        assert c.get("/desk", follow_redirects=False).status_code == 303


def test_a_session_from_another_app_key_is_refused(desk_settings: Any) -> None:
    with _app(desk_settings) as first:
        sign_in(first, WRITER[1])
        value = first.cookies.get("sitmap_session") or ""
    with _app(desk_settings) as second:  # no SITMAP_SESSION_SECRET: a new random key
        second.cookies.set("sitmap_session", value)
        assert second.get("/desk", follow_redirects=False).status_code == 303
    shared = desk_settings.model_copy(update={"session_secret": "a shared secret for every worker"})
    with _app(shared) as a, _app(shared) as b:
        sign_in(a, WRITER[1])
        b.cookies.set("sitmap_session", a.cookies.get("sitmap_session") or "")
        assert b.get("/desk", follow_redirects=False).status_code == 200


def test_desk_pages_send_a_strict_csp_and_no_inline_script(client: TestClient) -> None:
    sign_in(client, WRITER[1])
    submit(client)
    for path in (*DESK_PAGES[:-1], "/desk/sign-in"):
        r = client.get(path)
        csp = r.headers["content-security-policy"]
        assert "unsafe-inline" not in csp and "script-src 'self'" in csp and "frame-ancestors 'none'" in csp
        assert r.headers["cache-control"] == "no-store"
        assert not re.search(r"<script(?![^>]*\bsrc=)", r.text), path
        assert " style=" not in r.text and "<style" not in r.text
        assert "http://" not in r.text.replace("http://testserver", "") or path == "/desk/reports/new"
    js = client.get("/desk/static/desk.js")
    assert js.status_code == 200 and js.headers["content-type"].startswith("text/javascript")
    assert "innerHTML" not in js.text
    assert client.get("/desk/static/../settings.py").status_code == 404


# --------------------------------------------------------------------------------------
# CSRF and scopes on actions
# --------------------------------------------------------------------------------------


def test_actions_need_the_sessions_csrf_token(client: TestClient, desk_settings: Any) -> None:
    sign_in(client, WRITER[1])
    r = client.post("/desk/claims/c-gaza-1/accept", data={"version": "1"}, follow_redirects=False)
    assert r.status_code == 403
    with _app(desk_settings) as other:
        sign_in(other, WRITER[1])
        foreign = csrf_of(other.get("/desk").text)
    r = client.post("/desk/claims/c-gaza-1/accept", data={"version": "1", "csrf": foreign}, follow_redirects=False)
    assert r.status_code == 403
    own = csrf_of(client.get("/desk").text)
    r = client.post(
        "/desk/claims/c-gaza-1/accept",
        data={"version": "1", "csrf": own},
        headers={"Origin": "https://evil.example"},
        follow_redirects=False,
    )
    assert r.status_code == 403
    assert current(client, "c-gaza-1")["review"] == "machine"
    r = client.post(
        "/desk/claims/c-gaza-1/accept", data={"version": "1", "csrf": own}, headers={"Origin": "http://testserver"}
    )
    assert current(client, "c-gaza-1")["review"] == "reviewed"


def test_a_read_private_session_can_look_but_not_edit(client: TestClient) -> None:
    sign_in(client, READER[1])
    queue = client.get("/desk/queue")
    assert queue.status_code == 200 and "/accept" not in queue.text and "may look but not edit" in queue.text
    assert client.get("/desk/reports/new").status_code == 403
    csrf = csrf_of(queue.text)  # the sign-out form
    for action in ("accept", "status"):
        r = client.post(
            f"/desk/claims/c-gaza-1/{action}",
            data={"csrf": csrf, "version": "1", "status": "retracted", "reason": "x"},
            follow_redirects=False,
        )
        assert r.status_code == 403
    r = client.post("/desk/reports/new", data={"csrf": csrf, "text": REPORT, "source_name": "X"})
    assert r.status_code == 403
    assert current(client, "c-gaza-1")["review"] == "machine"
    assert current(client, "c-gaza-1")["status"] == "reported"


# --------------------------------------------------------------------------------------
# Submit, review, audit
# --------------------------------------------------------------------------------------


def test_submit_then_accept_fix_place_retract_and_read_the_history(client: TestClient) -> None:
    sign_in(client, WRITER[1])
    report_id = submit(client, title="Three events")
    page = client.get(f"/desk/reports/{report_id}?created=1")
    assert "Stored." in page.text and page.text.count('class="mention"') == 3
    ids = claim_ids(client, report_id)
    assert len(ids) == 3
    accepted, retracted, moved = ids  # the Rafah claim (third) has an alternative: Rafah, Egypt

    assert act(client, accepted, "accept", 1).status_code == 303
    after = current(client, accepted)
    assert (after["review"], after["version"]) == ("reviewed", 2)
    assert client.app.state.store.get_claim(accepted).recorded_by == "newsroom"

    queue = client.get(f"/desk/queue?claim={moved}")
    alt = re.search(r'name="gazetteer_id" value="([^"]+)"', queue.text)
    assert alt, "the queue offers the other places the text may mean"
    before = current(client, moved)
    assert act(client, moved, "place", 1, gazetteer_id=alt.group(1)).status_code == 303
    placed = current(client, moved)
    assert placed["review"] == "edited" and placed["gazetteer_id"] == alt.group(1)
    assert placed["placement_method"] == "manual" and placed["place_name"] != before["place_name"]

    r = act(client, retracted, "status", 1, status="retracted", reason="the wire corrected this")
    assert r.status_code == 303
    gone = current(client, retracted)
    assert (gone["status"], gone["review"]) == ("retracted", "rejected")
    assert "the wire corrected this" in (client.app.state.store.get_claim(retracted).notes or "")

    history = client.get(f"/desk/claims/{moved}")
    assert history.status_code == 200
    assert "Version 2" in history.text and "newsroom" in history.text and "gazetteer id" in history.text
    assert f"/desk/reports/{report_id}" in history.text
    versions = client.get(f"/claims/{moved}/history", headers={"Authorization": f"Bearer {WRITER[1]}"}).json()
    assert [f["properties"]["recorded_by"] for f in versions["features"]] == ["newsroom", "newsroom"]


def test_edit_fields_and_point_placement(client: TestClient) -> None:
    sign_in(client, WRITER[1])
    r = act(
        client, "c-gaza-1", "edit", 1,
        event_type="shelling", claimant="Civil defence", valid_from="2023-12-01", valid_to="2023-12-02",
        time_precision="day", fatalities="7", injured="", note="the agency's own count",
    )  # fmt: skip
    assert r.status_code == 303, r.text
    edited = current(client, "c-gaza-1")
    assert (edited["event_type"], edited["claimant"], edited["fatalities"], edited["review"]) == (
        "shelling",
        "Civil defence",
        7,
        "edited",
    )
    assert edited["valid_to"].startswith("2023-12-03")
    r = act(client, "c-gaza-1", "point", 2, lat="31.51", lon="34.45", radius_m="750")
    assert r.status_code == 303
    moved = current(client, "c-gaza-1")
    assert moved["uncertainty_m"] == 750 and moved["placement_method"] == "manual"
    bad = act(client, "c-gaza-1", "point", 3, lat="95", lon="34.45", radius_m="750")
    assert bad.status_code == 422 and "latitude" in bad.text
    nothing = act(client, "c-gaza-1", "edit", 3, event_type="shelling")
    assert nothing.status_code == 422 and "nothing was changed" in nothing.text


def test_a_stale_edit_gets_the_someone_changed_this_page(client: TestClient, desk_settings: Any) -> None:
    sign_in(client, WRITER[1])
    stale_page = client.get("/desk/queue?claim=c-ky-1")
    with _app(desk_settings) as other:
        pass  # a second editor with the same store below
    assert act(client, "c-ky-1", "accept", 1).status_code == 303
    r = client.post(
        "/desk/claims/c-ky-1/status",
        data={"csrf": csrf_of(stale_page.text), "version": "1", "status": "disputed", "reason": "doubt"},
        follow_redirects=False,
    )
    assert r.status_code == 412
    assert "Someone changed this claim" in r.text and "version 2" in r.text and "Reload" in r.text
    assert current(client, "c-ky-1")["status"] == "reported"
    del other


def test_queue_orders_by_reasons_and_hides_checked_claims(client: TestClient) -> None:
    from layers.testing import make_claim

    client.app.state.store.add_claims(
        [make_claim("c-lost", lon=None, lat=None), make_claim("c-many", fatalities=40, radius_m=8000)]
    )
    sign_in(client, WRITER[1])
    queue = client.get("/desk/queue")
    assert queue.status_code == 200
    listed = queue.text.split('class="items"')[1].split("</nav>")[0]
    items = re.findall(r'href="/desk/queue\?claim=([^"]+)"', listed)
    assert items[:2] == ["c-lost", "c-many"]  # unplaced first, then a high count over a wide radius
    assert "high fatality count, wide radius" in listed
    assert "c-gaza-1" in items
    act(client, "c-gaza-1", "accept", 1)
    queue = client.get("/desk/queue")
    listed = queue.text.split('class="items"')[1].split("</nav>")[0]
    assert "c-gaza-1" not in listed
    assert 'id="accept"' in queue.text and 'id="next"' in queue.text


def test_the_gazetteer_search_offers_places(client: TestClient) -> None:
    sign_in(client, WRITER[1])
    r = client.get("/desk/queue?claim=c-gaza-1&place_q=Khan%20Yunis")
    assert r.status_code == 200 and "Use <bdi>Kh" in r.text


def test_report_list_filters(client: TestClient) -> None:
    sign_in(client, WRITER[1])
    first = submit(client)
    second = submit(client, text="Rockets were fired from northern Gaza towards Sderot on Monday, the army said.")
    listing = client.get("/desk/reports")
    assert listing.text.index(first) > 0 and listing.text.count("/desk/reports/r-") == 2
    for cid in claim_ids(client, second):
        act(client, cid, "accept", 1)
    only = client.get("/desk/reports?unreviewed=1").text
    assert first in only and second not in only
    assert client.get("/desk/reports?from=not-a-date").status_code == 400


# --------------------------------------------------------------------------------------
# GET /reports
# --------------------------------------------------------------------------------------


def test_get_reports_needs_a_token_or_a_session(client: TestClient) -> None:
    r = client.get("/reports")
    assert r.status_code == 401 and r.headers["content-type"] == "application/problem+json"
    assert client.get("/reports/r-nothing").status_code == 401
    assert client.get("/reports", headers={"Authorization": f"Bearer {READER[1]}"}).status_code == 200
    sign_in(client, READER[1])
    assert client.get("/reports").status_code == 200


def test_get_reports_pages_and_filters(client: TestClient) -> None:
    sign_in(client, WRITER[1])
    ids = [submit(client, text=f"{REPORT} Item {n}.", published=f"2023-12-0{n}") for n in range(1, 4)]
    auth = {"Authorization": f"Bearer {WRITER[1]}"}
    page = client.get("/reports?limit=2", headers=auth).json()
    assert set(page) >= {"reports", "numberMatched", "links"}
    assert page["numberMatched"] == 3 and [r["id"] for r in page["reports"]] == [ids[2], ids[1]]
    nxt = next(link["href"] for link in page["links"] if link["rel"] == "next")
    rest = client.get(nxt, headers=auth).json()
    assert [r["id"] for r in rest["reports"]] == [ids[0]] and any(x["rel"] == "prev" for x in rest["links"])
    assert client.get("/reports?published=2023-12-02", headers=auth).json()["numberMatched"] == 1
    assert client.get("/reports?source=desk-wire&unreviewed=true", headers=auth).json()["numberMatched"] == 3
    assert client.get("/reports?source=nobody", headers=auth).json()["numberMatched"] == 0
    one = client.get(f"/reports/{ids[0]}", headers=auth).json()
    assert one["text"].startswith("An Israeli air strike") and len(one["claim_ids"]) == 3
    assert client.get("/reports/r-missing", headers=auth).status_code == 404
    assert client.get("/reports?limit=0", headers=auth).status_code == 400
    assert client.get("/reports?published=2023-13-40", headers=auth).status_code == 400
    assert client.get("/reports?colour=red", headers=auth).status_code == 400


# --------------------------------------------------------------------------------------
# Hostile text
# --------------------------------------------------------------------------------------


def test_hostile_strings_are_inert_on_every_desk_page(client: TestClient) -> None:
    sign_in(client, WRITER[1])
    text = f"{REPORT} {HOSTILE} said the ministry."
    report_id = submit(client, text=text, title=HOSTILE, source_name=HOSTILE, claimant=HOSTILE)
    ids = claim_ids(client, report_id)
    act(client, ids[0], "edit", 1, claimant=HOSTILE, note=HOSTILE)
    act(client, ids[1], "status", 1, status="disputed", reason=HOSTILE)
    pages = [
        "/desk",
        "/desk/reports",
        f"/desk/reports/{report_id}",
        "/desk/queue",
        f"/desk/queue?claim={ids[0]}&place_q={HOSTILE}",
        f"/desk/claims/{ids[0]}",
        f"/desk/claims/{ids[1]}",
        "/desk/reports/new",
    ]
    for path in pages:
        r = client.get(path)
        assert r.status_code == 200, path
        assert "<script>alert" not in r.text, path
        assert "<img src=x" not in r.text, path
        assert "onerror=alert(1)>" not in r.text.replace("onerror=alert(1)&gt;", ""), path
    report_page = client.get(f"/desk/reports/{report_id}").text
    assert "<bdi>&lt;script&gt;" in report_page  # the source's name, isolated and escaped
    claim_page = client.get(f"/desk/claims/{ids[0]}").text
    assert "&lt;script&gt;alert(&#34;x&#34;)&lt;/script&gt;" in claim_page


def test_the_desk_front_page_shows_failing_feeds(client: TestClient) -> None:
    from layers import feeds

    store = client.app.state.store
    feed, _ = feeds.add_feed(store, "https://wire.example/rss?<b>x</b>", source="Wire <i>x</i>")
    feed.failures, feed.error = 3, "the feed is not well-formed XML (<script>)"
    feeds.save_feed(store, feed)
    feeds.add_feed(store, "https://ok.example/rss", source="Fine Wire")
    sign_in(client, WRITER[1])
    home = client.get("/desk").text
    assert "failing (3×)" in home and "not well-formed XML (&lt;script&gt;)" in home
    assert "<i>x</i>" not in home and "Fine Wire" in home


def test_split_and_merge_write_versions_and_delete_nothing(client: TestClient) -> None:
    sign_in(client, WRITER[1])
    report_id = submit(client)
    first, second, third = claim_ids(client, report_id)
    r = act(client, first, "split", 1)
    assert r.status_code == 303 and f"claim={first}-s1" in r.headers["location"]
    store = client.app.state.store
    copy, original = store.get_claim(f"{first}-s1"), store.get_claim(first)
    assert (copy.version, copy.review, copy.report_id, copy.quote) == (1, "edited", report_id, original.quote)
    assert original.version == 2 and f"{first}-s1" in (original.notes or "")
    assert store.get_claim(f"{first}-s1").recorded_by == "newsroom"
    page = client.get(f"/desk/queue?claim={second}").text
    assert f'<option value="{third}">' in page
    r = act(client, second, "merge", 1, into=third)
    assert r.status_code == 303
    gone, kept = store.get_claim(second), store.get_claim(third)
    assert (gone.status, gone.review) == ("retracted", "rejected") and third in (gone.notes or "")
    assert kept.review == "edited" and second in (kept.notes or "")
    assert act(client, third, "merge", 2, into=third).status_code == 422
    assert act(client, third, "merge", 2, into=second).status_code == 422  # into a retracted claim
    assert act(client, first, "split", 1).status_code == 412  # stale: it is at version 2


def test_the_queue_reaches_new_reports_beyond_a_large_backlog(client: TestClient, monkeypatch: Any) -> None:
    import layers.review
    from layers.testing import make_claim

    monkeypatch.setattr(layers.review, "QUEUE_SCAN", 5)  # a backlog larger than one scan
    client.app.state.store.add_claims([make_claim(f"c-old-{i}", day="2020-01-01") for i in range(10)])
    sign_in(client, WRITER[1])
    report_id = submit(client)
    listed = client.get("/desk/queue").text.split('class="items"')[1].split("</nav>")[0]
    assert all(cid in listed for cid in claim_ids(client, report_id))
