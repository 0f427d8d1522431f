"""Watching RSS and Atom feeds: each new item goes once through the ingest path into the review queue.

A feed is a URL, the source its items come from (name and kind) and how often to
look (``interval_s``). Polling is polite: the last ``ETag`` and ``Last-Modified`` are
sent back (a 304 costs nothing), a failing feed waits twice as long after each
failure (up to :data:`MAX_BACKOFF_S`), and a response is cut off past
:data:`MAX_FEED_BYTES` or :data:`FETCH_DEADLINE_S`. The XML is read with defusedxml
(entity expansion and external entities refused). An item is ingested once: an item
whose link is already a stored report's URL, or whose text the same source already
published, is skipped before the geocoder runs. A feed that fails keeps its error,
its failure count and when it will be tried again, shown by ``sitmap feeds list``
and on the desk; it never stops the watcher.

Feeds and their state are kept in the store (``sitmap_meta`` keys ``app:feed:<id>``),
so the service, the CLI and any number of watchers see the same list.
"""

from __future__ import annotations

import hashlib
import html
import json
import logging
import re
import time
import urllib.error
import urllib.request
from collections.abc import Callable, Iterator
from dataclasses import asdict, dataclass, field
from datetime import UTC, datetime, timedelta
from email.utils import parsedate_to_datetime
from html.parser import HTMLParser
from typing import Any

from geo.errors import InvalidInput, NotFound, SitmapError
from layers.model import SOURCE_KINDS, Source, content_sha256, report_id
from layers.store.base import ReportQuery, Store

log = logging.getLogger("sitmap.feeds")

_KEY = "app:feed:"
#: The largest feed document read (a bigger one is a failure, not a memory problem).
MAX_FEED_BYTES = 5_000_000
#: Longest time one fetch may take in all, however slowly the server sends.
FETCH_DEADLINE_S = 30.0
#: Items read from one feed document at most (the newest first, as feeds list them).
MAX_ITEMS = 200
#: A failing feed waits at most this long before the next try.
MAX_BACKOFF_S = 6 * 3600
DEFAULT_INTERVAL_S = 300
USER_AGENT = "sitmap-watch/0.1 (+https://example.invalid/sitmap)"


@dataclass
class Feed:
    """One watched feed and what the watcher knows of it."""

    url: str
    source: str
    kind: str = "news"
    interval_s: int = DEFAULT_INTERVAL_S
    etag: str | None = None
    last_modified: str | None = None
    last_checked: str | None = None
    last_ok: str | None = None
    next_due: str | None = None
    failures: int = 0
    error: str | None = None
    items: int = 0
    added: str | None = None
    recent: list[str] = field(default_factory=list)

    @property
    def id(self) -> str:
        """A stable id derived from the URL."""
        return feed_id(self.url)


@dataclass(frozen=True)
class PollResult:
    """What one poll of one feed did."""

    feed: Feed
    new: int = 0
    skipped: int = 0
    not_modified: bool = False
    error: str | None = None


@dataclass(frozen=True)
class Item:
    """One feed entry: its link, title, text and publication time (any may be missing but the text)."""

    link: str | None
    title: str | None
    text: str
    published: datetime | None
    guid: str | None = None


def feed_id(url: str) -> str:
    """The id under which a feed URL is kept."""
    return "f-" + hashlib.sha256(url.strip().encode()).hexdigest()[:16]


def _now() -> datetime:
    return datetime.now(UTC)


def _iso(t: datetime) -> str:
    return t.isoformat(timespec="seconds").replace("+00:00", "Z")


def _parse_iso(value: str | None) -> datetime | None:
    if not value:
        return None
    try:
        return datetime.fromisoformat(value.replace("Z", "+00:00"))
    except ValueError:
        return None


# --------------------------------------------------------------------------------------
# The feed list, kept in the store
# --------------------------------------------------------------------------------------


def _check_url(url: str) -> str:
    url = url.strip()
    if not re.match(r"^https?://[^\s/]+", url) or len(url) > 2048:
        raise InvalidInput(f"feed URL {url[:80]!r} must be an http:// or https:// address")
    return url


def add_feed(
    store: Store, url: str, *, source: str, kind: str = "news", interval_s: int = DEFAULT_INTERVAL_S
) -> tuple[Feed, bool]:
    """Watch ``url`` for items of ``source``; returns the feed and whether it was new (re-adding updates it)."""
    url = _check_url(url)
    if not source.strip() or len(source) > 300:
        raise InvalidInput("a feed needs its source's name (--source NAME), at most 300 characters")
    if kind not in SOURCE_KINDS:
        raise InvalidInput(f"source kind {kind!r} is not one of: {', '.join(SOURCE_KINDS)}")
    if not 30 <= interval_s <= 7 * 86400:
        raise InvalidInput("a feed's interval must be between 30 seconds and 7 days")
    known = get_feed(store, url)
    if known is not None:
        known.source, known.kind, known.interval_s = source.strip(), kind, interval_s
        save_feed(store, known)
        return known, False
    feed = Feed(url=url, source=source.strip(), kind=kind, interval_s=interval_s, added=_iso(_now()))
    save_feed(store, feed)
    return feed, True


def get_feed(store: Store, url: str) -> Feed | None:
    """The feed watched at ``url``, or ``None``."""
    found = store.get_meta(_KEY + feed_id(url))
    return _load(next(iter(found.values()))) if found else None


def list_feeds(store: Store) -> list[Feed]:
    """Every watched feed, by URL."""
    feeds = [_load(v) for v in store.get_meta(_KEY).values()]
    return sorted((f for f in feeds if f is not None), key=lambda f: f.url)


def remove_feed(store: Store, url: str) -> None:
    """Stop watching ``url`` (the reports it brought stay)."""
    if get_feed(store, url) is None:
        raise NotFound(f"no feed is watched at {url[:200]!r}")
    store.put_meta({_KEY + feed_id(url): None})


def save_feed(store: Store, feed: Feed) -> None:
    """Write the feed's definition and state."""
    store.put_meta({_KEY + feed.id: json.dumps(asdict(feed), ensure_ascii=False)})


def _load(text: str) -> Feed | None:
    try:
        data = json.loads(text)
        names = set(Feed.__dataclass_fields__)
        return Feed(**{k: v for k, v in data.items() if k in names})
    except (ValueError, TypeError):
        return None


# --------------------------------------------------------------------------------------
# Fetching and reading
# --------------------------------------------------------------------------------------


class FeedError(SitmapError):
    """A feed could not be fetched or read; the message says why, in one line."""

    code = "feed_failed"


@dataclass(frozen=True)
class Fetched:
    """A fetched feed document (``body`` is ``None`` for 304 Not Modified) and its validators."""

    body: bytes | None
    etag: str | None
    last_modified: str | None


def fetch(
    url: str,
    *,
    etag: str | None = None,
    last_modified: str | None = None,
    max_bytes: int | None = None,
    deadline_s: float | None = None,
) -> Fetched:
    """GET ``url`` with the validators of the last fetch; a 304 gives ``body=None``.

    Raises :class:`FeedError` for an HTTP error, a network failure, a body larger than
    ``max_bytes`` or a fetch that takes longer than ``deadline_s`` in all (defaults:
    :data:`MAX_FEED_BYTES`, :data:`FETCH_DEADLINE_S`).
    """
    max_bytes = MAX_FEED_BYTES if max_bytes is None else max_bytes
    deadline_s = FETCH_DEADLINE_S if deadline_s is None else deadline_s
    headers = {"User-Agent": USER_AGENT, "Accept": "application/rss+xml, application/atom+xml, application/xml;q=0.9"}
    if etag:
        headers["If-None-Match"] = etag
    if last_modified:
        headers["If-Modified-Since"] = last_modified
    request = urllib.request.Request(_check_url(url), headers=headers)  # noqa: S310 - http(s) only, checked
    started = time.monotonic()
    try:
        with urllib.request.urlopen(request, timeout=min(deadline_s, 15.0)) as response:  # noqa: S310 - http(s) only
            declared = response.headers.get("Content-Length")
            if declared and declared.isdigit() and int(declared) > max_bytes:
                raise FeedError(f"the feed is {int(declared):,} bytes, more than the {max_bytes:,} read at most")
            chunks: list[bytes] = []
            size = 0
            while True:
                if time.monotonic() - started > deadline_s:
                    raise FeedError(f"the feed took longer than {deadline_s:g} s to arrive")
                chunk = response.read(65536)
                if not chunk:
                    break
                size += len(chunk)
                if size > max_bytes:
                    raise FeedError(f"the feed is more than the {max_bytes:,} bytes read at most")
                chunks.append(chunk)
            return Fetched(b"".join(chunks), response.headers.get("ETag"), response.headers.get("Last-Modified"))
    except urllib.error.HTTPError as exc:
        if exc.code == 304:
            return Fetched(None, exc.headers.get("ETag") or etag, exc.headers.get("Last-Modified") or last_modified)
        raise FeedError(f"HTTP {exc.code} {exc.reason}") from None
    except urllib.error.URLError as exc:
        raise FeedError(f"cannot reach the feed: {exc.reason}") from None
    except TimeoutError:
        raise FeedError(f"the feed did not answer within {min(deadline_s, 15.0):g} s") from None
    except OSError as exc:
        raise FeedError(f"cannot read the feed: {exc}") from None


class _Text(HTMLParser):
    """The text of an HTML fragment (feed descriptions are often HTML), paragraphs kept apart."""

    def __init__(self) -> None:
        super().__init__(convert_charrefs=True)
        self.parts: list[str] = []
        self.skip = 0

    def handle_starttag(self, tag: str, attrs: list[tuple[str, str | None]]) -> None:
        if tag in ("script", "style"):
            self.skip += 1
        elif tag in ("p", "br", "div", "li", "h1", "h2", "h3"):
            self.parts.append("\n")

    def handle_endtag(self, tag: str) -> None:
        if tag in ("script", "style") and self.skip:
            self.skip -= 1

    def handle_data(self, data: str) -> None:
        if not self.skip:
            self.parts.append(data)


def plain_text(fragment: str) -> str:
    """The readable text of an HTML (or plain) fragment, whitespace tidied."""
    parser = _Text()
    parser.feed(fragment)
    parser.close()
    lines = (" ".join(line.split()) for line in "".join(parser.parts).split("\n"))
    return "\n\n".join(line for line in lines if line)


def _local(tag: str) -> str:
    return tag.rsplit("}", 1)[-1].lower()


def _child_text(node: Any, *names: str) -> str | None:
    for child in node:
        if _local(child.tag) in names:
            text = "".join(child.itertext()).strip()
            if text:
                return text
    return None


def _when(value: str | None) -> datetime | None:
    if not value:
        return None
    t: datetime | None
    try:
        t = parsedate_to_datetime(value)
    except (TypeError, ValueError, IndexError):
        t = _parse_iso(value.strip())
    if t is None:
        return None
    return t if t.tzinfo else t.replace(tzinfo=UTC)


def parse_feed(body: bytes) -> list[Item]:
    """The items of an RSS 2.0, RSS 1.0 (RDF) or Atom document, in document order.

    Raises :class:`FeedError` for XML that is malformed, hostile (entities) or not a feed.
    """
    import defusedxml.ElementTree as SafeET
    from defusedxml import DefusedXmlException

    try:
        root = SafeET.fromstring(body, forbid_dtd=True)
    except DefusedXmlException as exc:
        raise FeedError(f"the feed's XML was refused ({type(exc).__name__}: entities or a DTD)") from None
    except SafeET.ParseError as exc:
        raise FeedError(f"the feed is not well-formed XML ({exc})") from None
    kind = _local(root.tag)
    if kind not in ("rss", "feed", "rdf"):
        raise FeedError(f"the document is not an RSS or Atom feed (its root element is <{kind[:40]}>)")
    items: list[Item] = []
    for node in root.iter():
        name = _local(node.tag)
        if name not in ("item", "entry"):
            continue
        if len(items) >= MAX_ITEMS:
            break
        link = None
        for child in node:
            if _local(child.tag) == "link":
                href = child.get("href")
                rel = child.get("rel", "alternate")
                if href and rel == "alternate":
                    link = href.strip()
                    break
                if not href and (child.text or "").strip():
                    link = (child.text or "").strip()
                    break
        title = _child_text(node, "title")
        body_text = _child_text(node, "encoded", "content", "description", "summary") or ""
        text = "\n\n".join(t for t in (plain_text(title or ""), plain_text(body_text)) if t)
        published = _when(_child_text(node, "pubdate", "published", "updated", "date"))
        guid = _child_text(node, "guid", "id")
        if text:
            items.append(Item(link=link, title=html.unescape(title)[:300] if title else None, text=text,
                              published=published, guid=guid))  # fmt: skip
    return items


# --------------------------------------------------------------------------------------
# Polling
# --------------------------------------------------------------------------------------


def _item_key(item: Item) -> str:
    return hashlib.sha256(f"{item.link or item.guid or ''}\n{content_sha256(item.text)}".encode()).hexdigest()[:24]


def _already_stored(store: Store, source: Source, item: Item) -> bool:
    if item.link and store.query_reports(ReportQuery(urls=(item.link,), limit=1)).items:
        return True
    try:
        store.get_report(report_id(source.id, content_sha256(item.text)))
        return True
    except NotFound:
        return False


def poll(
    store: Store,
    feed: Feed,
    *,
    now: datetime | None = None,
    fetcher: Callable[..., Fetched] = fetch,
    recorded_by: str | None = None,
) -> PollResult:
    """Fetch one feed and ingest its new items; record the outcome (and backoff) on the feed.

    Never raises for a feed's own failure: the error is kept on the feed and returned.
    """
    from layers.ingest import ingest_report

    when = now or _now()
    feed.last_checked = _iso(when)
    new = skipped = 0
    try:
        got = fetcher(feed.url, etag=feed.etag, last_modified=feed.last_modified)
        if got.body is None:
            result = PollResult(feed, not_modified=True)
        else:
            source = Source.model_validate({"name": feed.source, "kind": feed.kind})
            recent = set(feed.recent)
            for item in parse_feed(got.body):
                key = _item_key(item)
                if key in recent or _already_stored(store, source, item):
                    skipped += 1
                    recent.add(key)
                    continue
                try:
                    ingest_report(
                        store, item.text[:2_000_000], published=item.published, source=source, url=item.link,
                        title=item.title, keep_text=True, recorded_by=recorded_by or f"feed:{feed.id}",
                    )  # fmt: skip
                    new += 1
                except (InvalidInput, ValueError) as exc:
                    log.warning("feed %s: item %s skipped: %s", feed.url, item.link or key, exc)
                    skipped += 1
                feed.recent = [*feed.recent, key][-500:]
                recent.add(key)
            result = PollResult(feed, new=new, skipped=skipped)
        feed.etag, feed.last_modified = got.etag, got.last_modified
        feed.failures, feed.error = 0, None
        feed.last_ok = _iso(when)
        feed.items += new
        feed.next_due = _iso(when + timedelta(seconds=feed.interval_s))
    except FeedError as exc:
        feed.failures += 1
        feed.error = exc.message[:500]
        wait = min(feed.interval_s * 2 ** min(feed.failures, 20), MAX_BACKOFF_S)
        feed.next_due = _iso(when + timedelta(seconds=wait))
        feed.items += new
        result = PollResult(feed, new=new, skipped=skipped, error=feed.error)
    save_feed(store, feed)
    return result


def due_feeds(store: Store, now: datetime | None = None) -> list[Feed]:
    """The feeds whose next poll time has come (never polled: now)."""
    when = now or _now()
    out = []
    for feed in list_feeds(store):
        due = _parse_iso(feed.next_due)
        if due is None or due <= when:
            out.append(feed)
    return out


def watch(
    store: Store,
    *,
    once: bool = False,
    max_sleep_s: float = DEFAULT_INTERVAL_S,
    sleep: Callable[[float], None] = time.sleep,
    report: Callable[[PollResult], None] | None = None,
) -> Iterator[PollResult]:
    """Poll every due feed, then sleep until the next one is due (at most ``max_sleep_s``); forever unless ``once``.

    Yields each poll's result. An unexpected error in one feed is logged and kept on
    that feed; the watcher goes on with the others.
    """
    while True:
        for feed in due_feeds(store):
            try:
                result = poll(store, feed)
            except Exception as exc:
                log.exception("feed %s failed unexpectedly", feed.url)
                feed.failures += 1
                feed.error = f"unexpected error: {type(exc).__name__}: {str(exc)[:300]}"
                feed.next_due = _iso(_now() + timedelta(seconds=min(feed.interval_s * 2**feed.failures, MAX_BACKOFF_S)))
                save_feed(store, feed)
                result = PollResult(feed, error=feed.error)
            if report is not None:
                report(result)
            yield result
        if once:
            return
        dues = [d for d in (_parse_iso(f.next_due) for f in list_feeds(store)) if d is not None]
        wait = max_sleep_s
        if dues:
            wait = min(wait, max(1.0, (min(dues) - _now()).total_seconds()))
        sleep(wait)
