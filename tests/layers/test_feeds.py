"""The feed watcher against feeds served on 127.0.0.1: well-formed, malformed, hostile, huge, slow, repeated.

Each test serves its documents from a small local HTTP server that records what it
was asked (so the ETag / If-Modified-Since handshake is checked from the server's side).
"""

from __future__ import annotations

import threading
import time
from collections.abc import Iterator
from datetime import UTC, datetime, timedelta
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from pathlib import Path
from typing import Any

import pytest

from layers import feeds
from layers.store import ReportQuery, open_store


def _rss(items: list[tuple[str, str, str]], *, title: str = "Desk Wire") -> bytes:
    body = "".join(
        f"<item><title>{t}</title><link>{link}</link><guid>{link}</guid>"
        f"<pubDate>Sat, 02 Dec 2023 09:00:00 GMT</pubDate><description><![CDATA[<p>{d}</p>]]></description></item>"
        for t, link, d in items
    )
    return f'<?xml version="1.0"?><rss version="2.0"><channel><title>{title}</title>{body}</channel></rss>'.encode()


ITEMS = [
    (
        "Strike in Khan Younis",
        "https://wire.example/1",
        "An air strike hit a house in Khan Younis on Friday, the ministry said.",
    ),
    (
        "Shelling near Beit Lahia",
        "https://wire.example/2",
        "Shelling was reported near Beit Lahia on Friday, witnesses said.",
    ),
    ("Talks in Doha", "https://wire.example/3", "Negotiators met in Doha on Thursday, Qatari mediators said."),
]
ATOM = b"""<?xml version="1.0" encoding="utf-8"?>
<feed xmlns="http://www.w3.org/2005/Atom"><title>Atom Wire</title><id>urn:x</id><updated>2023-12-02T10:00:00Z</updated>
<entry><title>Rafah</title><id>urn:1</id><link rel="alternate" href="https://atom.example/a"/>
<updated>2023-12-02T10:00:00Z</updated>
<summary type="html">&lt;p&gt;A drone strike killed two in Rafah on Friday, the civil defence said.&lt;/p&gt;</summary>
</entry>
</feed>"""
BOMB = b"""<?xml version="1.0"?>
<!DOCTYPE lolz [<!ENTITY lol "lol"><!ENTITY lol2 "&lol;&lol;&lol;&lol;&lol;&lol;&lol;&lol;&lol;&lol;">
<!ENTITY lol3 "&lol2;&lol2;&lol2;&lol2;&lol2;&lol2;&lol2;&lol2;&lol2;&lol2;">]>
<rss version="2.0"><channel><item><title>&lol3;</title><description>x</description></item></channel></rss>"""


class FeedServer:
    """Serves ``routes[path] = (status, headers, body or callable)`` and records request headers."""

    def __init__(self) -> None:
        self.routes: dict[str, Any] = {}
        self.seen: list[tuple[str, dict[str, str]]] = []
        outer = self

        class Handler(BaseHTTPRequestHandler):
            def log_message(self, *args: Any) -> None:
                pass

            def do_GET(self) -> None:
                outer.seen.append((self.path, {k.lower(): v for k, v in self.headers.items()}))
                route = outer.routes.get(self.path)
                if route is None:
                    self.send_response(404)
                    self.end_headers()
                    return
                if callable(route):
                    route(self)
                    return
                status, headers, body = route
                self.send_response(status)
                for k, v in headers.items():
                    self.send_header(k, v)
                if status != 304:
                    self.send_header("Content-Length", str(len(body)))
                self.end_headers()
                if status != 304:
                    self.wfile.write(body)

        self.server = ThreadingHTTPServer(("127.0.0.1", 0), Handler)
        self.server.daemon_threads = True
        self.thread = threading.Thread(target=self.server.serve_forever, daemon=True)
        self.thread.start()
        self.url = f"http://127.0.0.1:{self.server.server_address[1]}"

    def close(self) -> None:
        self.server.shutdown()
        self.server.server_close()


@pytest.fixture
def server() -> Iterator[FeedServer]:
    srv = FeedServer()
    try:
        yield srv
    finally:
        srv.close()


@pytest.fixture
def store(tmp_path: Path) -> Iterator[Any]:
    s = open_store(tmp_path / "feeds.gpkg")
    try:
        yield s
    finally:
        s.close()


def _etag_route(body: bytes, etag: str) -> Any:
    def handle(h: BaseHTTPRequestHandler) -> None:
        if h.headers.get("If-None-Match") == etag:
            h.send_response(304)
            h.send_header("ETag", etag)
            h.end_headers()
            return
        h.send_response(200)
        h.send_header("ETag", etag)
        h.send_header("Last-Modified", "Sat, 02 Dec 2023 10:00:00 GMT")
        h.send_header("Content-Type", "application/rss+xml")
        h.send_header("Content-Length", str(len(body)))
        h.end_headers()
        h.wfile.write(body)

    return handle


def test_a_feed_is_ingested_once_and_revalidated_with_its_etag(server: FeedServer, store: Any) -> None:
    server.routes["/rss"] = _etag_route(_rss(ITEMS), '"v1"')
    feed, new = feeds.add_feed(store, server.url + "/rss", source="Desk Wire", kind="news", interval_s=60)
    assert new
    first = feeds.poll(store, feed)
    assert (first.new, first.skipped, first.error) == (3, 0, None)
    reports = store.query_reports(ReportQuery()).items
    assert sorted(r.url for r in reports) == [link for _, link, _ in ITEMS]
    assert all(r.excerpt and r.source_id == "desk-wire" for r in reports)
    claims = store.query_claims(feeds_claims_query()).items
    assert claims and all(c.review == "machine" for c in claims)  # into the review queue
    assert {c.recorded_by for c in claims} == {f"feed:{feed.id}"}

    again = feeds.poll(store, feeds.get_feed(store, feed.url))
    assert again.not_modified and again.new == 0
    assert server.seen[-1][1].get("if-none-match") == '"v1"'
    assert server.seen[-1][1].get("if-modified-since") == "Sat, 02 Dec 2023 10:00:00 GMT"
    state = feeds.get_feed(store, feed.url)
    assert state is not None and state.items == 3 and state.failures == 0 and state.error is None


def feeds_claims_query() -> Any:
    from layers.store import ClaimQuery

    return ClaimQuery(statuses=("reported", "corroborated", "disputed"))


def test_repeated_items_are_ingested_once(server: FeedServer, store: Any) -> None:
    doubled = [ITEMS[0], ITEMS[0], ITEMS[1]]
    server.routes["/rss"] = (200, {}, _rss(doubled))
    feed, _ = feeds.add_feed(store, server.url + "/rss", source="Desk Wire")
    result = feeds.poll(store, feed)
    assert (result.new, result.skipped) == (2, 1)
    # the next version of the feed repeats an item under a new guid, and the same text under another link
    renamed = [
        (ITEMS[0][0], ITEMS[0][1], ITEMS[0][2]),
        (ITEMS[1][0], "https://mirror.example/9", ITEMS[1][2]),
        ITEMS[2],
    ]
    server.routes["/rss"] = (200, {}, _rss(renamed))
    later = feeds.poll(store, feeds.get_feed(store, feed.url))
    assert (later.new, later.skipped) == (1, 2)
    assert store.query_reports(ReportQuery()).total == 3


def test_an_atom_feed_is_read(server: FeedServer, store: Any) -> None:
    server.routes["/atom"] = (200, {"Content-Type": "application/atom+xml"}, ATOM)
    feed, _ = feeds.add_feed(store, server.url + "/atom", source="Atom Wire")
    assert feeds.poll(store, feed).new == 1
    (report,) = store.query_reports(ReportQuery()).items
    assert report.url == "https://atom.example/a" and "Rafah" in (report.excerpt or "")
    assert report.published_at == datetime(2023, 12, 2, 10, tzinfo=UTC)


@pytest.mark.parametrize(
    ("body", "said"),
    [
        (b"<rss><channel><item><title>broken", "not well-formed"),
        (BOMB, "refused"),
        (b"<html><body>not a feed</body></html>", "not an RSS or Atom feed"),
    ],
)
def test_bad_feeds_fail_with_a_reason_and_back_off(server: FeedServer, store: Any, body: bytes, said: str) -> None:
    server.routes["/bad"] = (200, {}, body)
    feed, _ = feeds.add_feed(store, server.url + "/bad", source="Bad Wire", interval_s=60)
    now = datetime(2024, 1, 1, tzinfo=UTC)
    result = feeds.poll(store, feed, now=now)
    assert result.error and said in result.error
    state = feeds.get_feed(store, feed.url)
    assert state is not None and state.failures == 1 and state.next_due == "2024-01-01T00:02:00Z"
    feeds.poll(store, state, now=now)
    state = feeds.get_feed(store, feed.url)
    assert state is not None and state.failures == 2 and state.next_due == "2024-01-01T00:04:00Z"
    assert store.query_reports(ReportQuery()).total == 0


def test_http_errors_and_unreachable_feeds_are_failures(server: FeedServer, store: Any) -> None:
    server.routes["/gone"] = (500, {}, b"oops")
    feed, _ = feeds.add_feed(store, server.url + "/gone", source="Wire")
    assert "HTTP 500" in (feeds.poll(store, feed).error or "")
    closed, _ = feeds.add_feed(store, "http://127.0.0.1:9/feed", source="Wire")
    assert "cannot reach" in (feeds.poll(store, closed).error or "")


def test_a_huge_feed_is_cut_off(server: FeedServer, store: Any, monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setattr(feeds, "MAX_FEED_BYTES", 50_000)
    server.routes["/declared"] = (200, {}, _rss(ITEMS * 400))

    def undeclared(h: BaseHTTPRequestHandler) -> None:
        h.send_response(200)
        h.end_headers()  # no Content-Length: read until the limit, then refuse
        try:
            for _ in range(200):
                h.wfile.write(b"<!-- padding -->" * 64)
        except OSError:
            pass

    server.routes["/streamed"] = undeclared
    for path in ("/declared", "/streamed"):
        feed, _ = feeds.add_feed(store, server.url + path, source="Wire")
        error = feeds.poll(store, feed).error or ""
        assert "bytes" in error and "50,000" in error, error


def test_a_slow_feed_hits_the_deadline(server: FeedServer, store: Any, monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setattr(feeds, "FETCH_DEADLINE_S", 1.0)

    def drip(h: BaseHTTPRequestHandler) -> None:
        h.send_response(200)
        h.end_headers()
        try:
            for _ in range(40):
                h.wfile.write(b" ")
                h.wfile.flush()
                time.sleep(0.1)
        except OSError:
            pass

    server.routes["/slow"] = drip
    feed, _ = feeds.add_feed(store, server.url + "/slow", source="Wire")
    error = feeds.poll(store, feed).error or ""
    assert "longer than 1 s" in error or "did not answer" in error, error


def test_the_watcher_goes_on_past_a_failing_feed(server: FeedServer, store: Any) -> None:
    server.routes["/bad"] = (200, {}, b"<rss><channel><item>")
    server.routes["/good"] = (200, {}, _rss(ITEMS[:1]))
    feeds.add_feed(store, server.url + "/bad", source="Bad Wire")
    feeds.add_feed(store, server.url + "/good", source="Good Wire")
    results = list(feeds.watch(store, once=True))
    assert sorted((r.feed.source, bool(r.error), r.new) for r in results) == [
        ("Bad Wire", True, 0),
        ("Good Wire", False, 1),
    ]
    # nothing is due again at once: the good feed waits its interval, the bad one its backoff
    assert feeds.due_feeds(store) == []
    later = datetime.now(UTC) + timedelta(seconds=301)
    assert [f.source for f in feeds.due_feeds(store, later)] == ["Good Wire"]


def test_watch_sleeps_until_the_next_feed_is_due(server: FeedServer, store: Any) -> None:
    server.routes["/good"] = (200, {}, _rss(ITEMS[:1]))
    feeds.add_feed(store, server.url + "/good", source="Good Wire", interval_s=60)
    slept: list[float] = []

    def sleep(seconds: float) -> None:
        slept.append(seconds)
        raise KeyboardInterrupt

    with pytest.raises(KeyboardInterrupt):
        for _ in feeds.watch(store, max_sleep_s=300, sleep=sleep):
            pass
    assert 55 <= slept[0] <= 60


def test_feed_urls_sources_and_intervals_are_checked(store: Any) -> None:
    from geo.errors import InvalidInput

    for url in ("file:///etc/passwd", "ftp://x/feed", "not a url"):
        with pytest.raises(InvalidInput):
            feeds.add_feed(store, url, source="Wire")
    with pytest.raises(InvalidInput):
        feeds.add_feed(store, "https://wire.example/rss", source=" ")
    with pytest.raises(InvalidInput):
        feeds.add_feed(store, "https://wire.example/rss", source="Wire", kind="blog")
    with pytest.raises(InvalidInput):
        feeds.add_feed(store, "https://wire.example/rss", source="Wire", interval_s=1)


def test_cli_feeds_add_list_and_watch(server: FeedServer, tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    from api.cli import main

    db = str(tmp_path / "cli.gpkg")
    server.routes["/rss"] = (200, {}, _rss(ITEMS[:2]))
    server.routes["/bad"] = (200, {}, b"<rss>")
    assert main(["feeds", "add", server.url + "/rss", "--source", "Desk Wire", "--db", db]) == 0
    assert main(["feeds", "add", server.url + "/bad", "--source", "Bad Wire", "--kind", "official", "--db", db]) == 0
    assert main(["watch", "--once", "--db", db]) == 0
    out = capsys.readouterr()
    assert "2 new item(s)" in out.out and "failed (1x)" in out.err
    assert main(["feeds", "list", "--db", db]) == 0
    listing = capsys.readouterr().out
    assert "FAILING (1x" in listing and "not well-formed" in listing and "2 item(s) ingested; ok" in listing
    assert main(["feeds", "add", "gopher://x", "--source", "X", "--db", db]) == 2
    assert "must be an http" in capsys.readouterr().err
