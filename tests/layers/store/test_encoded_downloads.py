"""Kept download texts (layers.store.rows.encoded): written once, read back byte for byte, never stale.

A download keeps each claim version's feature text and CSV line the first time it
writes them; later downloads read them. Each test compares a download with the texts
the store writes afresh for the same query (``claim_feature_page`` / ``claim_csv_page``),
on both stores, after the write that should have changed or dropped a kept text.
"""

from __future__ import annotations

import sqlite3
from datetime import UTC, datetime
from pathlib import Path
from typing import Any

from layers.export import csv_columns, iter_csv_blocks, iter_csv_rows
from layers.store import ClaimQuery
from layers.store.gpkg import GpkgStore
from layers.store.rows import encoded as E
from tests.layers.store.conftest import claim
from tests.layers.store.test_store_query_speed import varied_claims

COLUMNS = csv_columns(None)


def _fresh(store: Any, q: ClaimQuery) -> tuple[list[bytes], bytes]:
    """The feature texts and the CSV the store writes afresh for ``q`` (no kept text involved)."""
    texts = [t.encode() for t in store.claim_feature_page(q, count_budget=0).texts]
    return texts, b"".join(iter_csv_rows(store.claim_csv_page(q, COLUMNS)[0], COLUMNS))


def _download(store: Any, q: ClaimQuery) -> tuple[list[bytes], bytes]:
    texts = [t for block in store.iter_claim_text_blocks(q) for t in block]
    return texts, b"".join(iter_csv_blocks(store.iter_claim_csv_blocks(q, COLUMNS), COLUMNS))


def _kept(store: Any, kind: str) -> int:
    return int(store._fetch(f"SELECT count(*) FROM {E.TABLES[kind]}")[0][0])


def test_downloads_keep_each_text_and_read_it_back_unchanged(store: Any) -> None:
    store.add_claims([*varied_claims(), claim("i-text", day=5, quote='said "go"\r\nthen', claimant="=cmd")])
    q = ClaimQuery(statuses=("reported", "retracted"))
    expected = _fresh(store, q)
    assert _kept(store, "geojson") == _kept(store, "csv") == 0
    assert _download(store, q) == expected  # written and kept
    assert _kept(store, "geojson") == _kept(store, "csv") == len(expected[0]) == 9
    assert _download(store, q) == expected  # read back
    for narrowed in (ClaimQuery(limit=3, offset=2), ClaimQuery(bbox=(34.39, 31.4, 34.43, 31.6))):
        assert _download(store, narrowed) == _fresh(store, narrowed)


def test_a_superseded_version_drops_its_texts_and_is_written_again_as_known_then(store: Any) -> None:
    store.add_claims([claim("a", day=1), claim("b", day=2)])
    before = datetime.now(UTC)
    _download(store, ClaimQuery())
    assert _kept(store, "geojson") == 2
    store.add_claims([claim("a", day=1, claimant="another ministry")])  # version 2 supersedes version 1
    assert _kept(store, "geojson") == 1 and _kept(store, "csv") == 1  # the trigger dropped a's texts
    for q in (ClaimQuery(), ClaimQuery(as_of=before), ClaimQuery(as_of=datetime.now(UTC))):
        assert _download(store, q) == _fresh(store, q)
        assert _download(store, q) == _fresh(store, q)
    old = [t for t in _download(store, ClaimQuery(as_of=before))[0] if b'"id":"a"' in t]
    assert b'"superseded_at":null' in old[0]  # as known at `before` (layers.build.known_at)


def test_an_as_of_download_does_not_change_when_a_later_write_supersedes_one_of_its_versions(store: Any) -> None:
    """An as-of answer is served as immutable: every form of it (kept texts, pages, dicts) stays the same."""
    import time

    from layers.build import known_at
    from layers.export import claim_feature

    store.add_claims([claim("a", day=1), claim("b", day=2)])
    time.sleep(0.002)
    then = datetime.now(UTC)
    q = ClaimQuery(as_of=then)

    def forms() -> tuple[Any, ...]:
        feats = store.query_claim_features(q).items
        return _download(store, q), _fresh(store, q), feats, store.claim_features_and_clock(q)[0]

    before = forms()
    store.add_claims([claim("a", day=1, claimant="another ministry")])  # supersedes version 1 after `then`
    after = forms()
    assert after == before
    records = store.query_claims(q).items
    assert after[2] == [claim_feature(known_at(r, then)) for r in records]
    assert all(f["properties"]["superseded_at"] is None for f in after[2])


def test_texts_kept_by_other_code_are_never_served(store: Any) -> None:
    """A fingerprint other than this code's: the kept texts are ignored, then replaced."""
    store.add_claims([claim("a", day=1), claim("b", day=2)])
    q = ClaimQuery()
    expected = _fresh(store, q)
    _download(store, q)
    store._keep_encoded("geojson", "older-code", [], reset=True)  # another version of sitmap's texts
    assert _kept(store, "geojson") == 0
    fid = int(store._fetch("SELECT min(fid) FROM claim_versions")[0][0])
    store._keep_encoded("geojson", "older-code", [(fid, b'{"stale":true}', None)], reset=False)
    assert _kept(store, "geojson") == 1
    assert _download(store, q) == expected
    assert store._encoded_fingerprint("geojson") == E.fingerprint(store._dialect, "geojson")
    assert _kept(store, "geojson") == 2 and _download(store, q) == expected


def test_a_busy_geopackage_serves_the_download_and_keeps_nothing(gpkg_path: Path) -> None:
    with GpkgStore(gpkg_path) as store:
        store.add_claims([claim(f"c-{i}", day=i) for i in range(5)])
        q = ClaimQuery()
        expected = _fresh(store, q)
        other = sqlite3.connect(gpkg_path, isolation_level=None)
        try:
            other.execute("BEGIN IMMEDIATE")  # another process is writing
            assert _download(store, q) == expected
            other.execute("ROLLBACK")
        finally:
            other.close()
        assert _kept(store, "geojson") == 0
        assert _download(store, q) == expected and _kept(store, "geojson") == 5


def test_a_selection_of_properties_or_columns_is_written_each_time(store: Any) -> None:
    store.add_claims([claim("a", day=1)])
    q = ClaimQuery()
    keep = frozenset({"claimant", "source", "valid_from", "valid_to", "uncertainty_m"})
    texts = [t for block in store.iter_claim_text_blocks(q, properties=keep) for t in block]
    assert [t.decode() for t in texts] == store.claim_feature_page(q, properties=keep, count_budget=0).texts
    some = COLUMNS[:5]
    lines = [line for block in store.iter_claim_csv_blocks(q, some) for line in block]
    assert b"".join(lines) == b"".join(iter_csv_rows(store.claim_csv_page(q, some)[0], some))[len(",".join(some)) + 2 :]
    assert _kept(store, "geojson") == _kept(store, "csv") == 0


def test_a_restored_store_keeps_dropping_superseded_texts(store: Any, tmp_path: Path) -> None:
    """After a restore (whose PostGIS archive has no trigger) a changed version still drops its kept texts."""
    store.add_claims([claim("a", day=1), claim("b", day=2)])
    _download(store, ClaimQuery())
    archive = store.backup(tmp_path / ("backup.dump" if store.backend == "postgis" else "backup.gpkg"))
    store.add_claims([claim("c", day=3)])
    store.restore(archive)
    assert _kept(store, "geojson") == 2
    store.add_claims([claim("a", day=1, claimant="another ministry")])
    assert _kept(store, "geojson") == 1
    assert _download(store, ClaimQuery()) == _fresh(store, ClaimQuery())


def test_big_blocks_go_out_in_chunks_of_about_a_megabyte() -> None:
    """A compressing middleware works a body chunk at a time on the event loop: no chunk holds it for long."""
    from layers.export import BODY_CHUNK_BYTES, iter_geojson_blocks, iter_geojson_texts

    texts = [f'{{"type":"Feature","id":"f{i}","geometry":null,"properties":{{}}}}'.encode() for i in range(60_000)]
    chunks = list(iter_geojson_blocks([texts[:35_000], [], texts[35_000:]], timeStamp="t"))
    assert max(len(c) for c in chunks) <= BODY_CHUNK_BYTES and len(chunks) > 2
    assert b"".join(chunks) == b"".join(iter_geojson_texts((t.decode() for t in texts), timeStamp="t"))
    lines = [f"c{i},x\r\n".encode() for i in range(200_000)]
    chunks = list(iter_csv_blocks([lines], ["id", "v"]))
    assert max(len(c) for c in chunks) <= BODY_CHUNK_BYTES and b"".join(chunks) == b"id,v\r\n" + b"".join(lines)
