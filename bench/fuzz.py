"""Long fuzz run: schemathesis over the OpenAPI of a live ``sitmap serve``, fixed seed, bounded time.

The suite's ``tests/api/test_schemathesis_api.py`` runs 12 examples per operation;
this runs ``--examples`` (default 300) per operation with a wall-clock budget per
operation, against the demo data (``sitmap demo``, built in a temporary directory
unless ``--db`` is given) with write tokens, so writes are fuzzed too. Every
operation is checked for no 5xx and, for the service's own operations, for status
codes, content types and bodies as documented. A second pass sends instants at and
beyond the ends of the calendar (years 1 and 9999 with offsets up to +-14 h, year 0 and
10000, open and inverted intervals) to every time parameter and written time, and
Unicode text (bidirectional controls and isolates, zero-width and combining marks,
markup, NUL, astral characters) to every text parameter, written field and layer
title, with a fixed seed. Prints examples per operation, the requests sent, the 5xx
answers (must be 0) and every failure; exits 1 if any.

    .venv/bin/python bench/fuzz.py [--examples 300] [--seconds-per-op 60] [--seed 20231007] [--db demo.gpkg]
"""

from __future__ import annotations

import argparse
import sys
import tempfile
import time
from pathlib import Path
from typing import Any

from liveserver import demo_store, serving

TOKEN = "fuzz-writer-token-000000000001"
AUTH = {"Authorization": f"Bearer {TOKEN}"}
STRICT_TAGS = {"OGC API - Features", "Ingest and history", "Layer definitions (admin)", "Rasters", "Health"}


def fuzz(url: str, examples: int, seconds_per_op: float, seed: int) -> int:
    """Run every operation; print per-operation counts and failures; return the number of failing operations."""
    import schemathesis
    from hypothesis import HealthCheck, given, settings
    from hypothesis import seed as hseed
    from schemathesis.checks import (
        content_type_conformance,
        not_a_server_error,
        response_schema_conformance,
        status_code_conformance,
    )

    strict_checks = [not_a_server_error, status_code_conformance, content_type_conformance, response_schema_conformance]
    schema = schemathesis.openapi.from_url(url + "/api")
    failures: list[str] = []
    server_errors: list[str] = []
    total = 0
    # string parameters declared as dates get the calendar's edges too, not only ordinary dates
    schemathesis.openapi.format("date-time", edge_instants())
    schemathesis.openapi.format("date", edge_instants())
    for result in schema.get_all_operations():
        operation = result.ok()  # type: ignore[union-attr]
        strict = bool(STRICT_TAGS & set(operation.definition.raw.get("tags", [])))
        checks = strict_checks if strict else [not_a_server_error]
        count = 0
        stop_at = time.monotonic() + seconds_per_op

        @hseed(seed)
        @settings(max_examples=examples, deadline=None, database=None, suppress_health_check=list(HealthCheck))
        @given(case=operation.as_strategy())
        def run(case: object) -> None:
            nonlocal count
            if time.monotonic() > stop_at:
                return
            count += 1
            response = case.call(headers=AUTH, timeout=30)  # type: ignore[attr-defined]
            if response.status_code >= 500:
                server_errors.append(f"{response.status_code} {operation.method.upper()} {operation.path}")
            case.validate_response(response, checks=checks)  # type: ignore[attr-defined]

        t0 = time.monotonic()
        try:
            run()
            status = "ok"
        except Exception as exc:  # every operation's failure is collected, then all are reported
            status = "FAIL"
            failures.append(f"{operation.method.upper()} {operation.path}: {exc}"[:4000])
        total += count
        print(
            f"{status:4} {operation.method.upper():6} {operation.path:55} {count:5d} examples "
            f"{time.monotonic() - t0:6.1f} s"
        )
        sys.stdout.flush()
    print(f"schemathesis: {total} requests, {len(server_errors)} answered 5xx, {len(failures)} failing operation(s)")
    for failure in failures:
        print("\n" + failure)
    return len(failures)


#: Instants that are easy to get wrong: the ends of Python's (and the stores') calendar with
#: offsets that push them past it, and strings just outside any calendar.
EDGE_INSTANTS = [
    "9999-12-31T23:59:59-14:00",
    "0001-01-01T00:00:00+14:00",
    "9999-12-31T23:59:59.999999Z",
    "0001-01-01T00:00:00Z",
    "9999-12-31",
    "0001-01-01",
    "0000-01-01",
    "10000-01-01",
    "9998-12-31T23:59:59.999999Z",
    "0002-01-01T00:00:00Z",
    "2024-02-30",
    "2023-12-01T24:00:00Z",
    "1970-01-01T00:00:00+23:59",
]
#: Characters that reorder, hide or break text: bidi controls and isolates, zero-width marks,
#: combining marks, markup, NUL and a character outside the Basic Multilingual Plane.
EDGE_CHARS = (
    "\u202e\u202d\u202a\u202b\u202c\u2066\u2067\u2068\u2069\u200e\u200f\u200b\u200d\ufeff\u0301<>&\"'\x00\U0001f600"
)


def edge_instants() -> Any:
    """A hypothesis strategy of ISO 8601 instants, dense near years 1 and 9999, with offsets up to +-14 h."""
    from datetime import datetime, timedelta, timezone

    from hypothesis import strategies as st

    offsets = st.integers(-14 * 60, 14 * 60).map(lambda m: timezone(timedelta(minutes=m)))
    near_ends = st.one_of(
        st.datetimes(max_value=datetime(1, 1, 3), timezones=offsets),
        st.datetimes(min_value=datetime(9999, 12, 29), timezones=offsets),
        st.datetimes(timezones=offsets),
    ).map(lambda d: d.isoformat())
    return st.one_of(st.sampled_from(EDGE_INSTANTS), near_ends, st.dates().map(str))


def extremes(url: str, examples: int, seed: int) -> tuple[int, list[str]]:
    """Send calendar-edge instants and hostile Unicode everywhere they can go; return (requests, 5xx lines)."""
    import httpx
    from hypothesis import HealthCheck, given, settings
    from hypothesis import seed as hseed
    from hypothesis import strategies as st

    instant = edge_instants()
    interval = st.one_of(instant, st.tuples(instant | st.just(".."), instant | st.just("..")).map("/".join))
    text = st.text(st.characters(exclude_categories=("Cs",)) | st.sampled_from(EDGE_CHARS), min_size=1, max_size=60)
    reads = [
        ("/collections/all/items", "as_of", instant),
        ("/collections/all/items", "datetime", interval),
        ("/collections/evacuation-orders/items", "active_at", instant),
        ("/orders", "as_of", instant),
        ("/orders", "date", instant),
        ("/maps/all", "as_of", instant),
        ("/embed/all", "datetime", interval),
        ("/maps/all/data.json", "datetime", interval),
        ("/maps/all.png", "as_of", instant),
        ("/collections/strikes/likelihood.tif", "datetime", interval),
        ("/collections/strikes/tiles/10/612/416.png", "as_of", instant),
        ("/collections/all/items", "claimant", text),
        ("/collections/all/items", "source", text),
        ("/maps/all", "claimant", text),
    ]
    sent = 0
    errors: list[str] = []
    client = httpx.Client(base_url=url, headers=AUTH, timeout=60)

    def check(resp: httpx.Response, what: str) -> None:
        nonlocal sent
        sent += 1
        if resp.status_code >= 500:
            errors.append(f"{resp.status_code} {what}: {resp.text[:200]}")

    common = settings(max_examples=examples, deadline=None, database=None, suppress_health_check=list(HealthCheck))

    def reader(path: str, name: str, strategy: Any) -> Any:
        @hseed(seed)
        @common
        @given(value=strategy)
        def read(value: str) -> None:
            check(client.get(path, params={name: value}), f"GET {path}?{name}={value!r}")

        return read

    for path, name, strategy in reads:
        reader(path, name, strategy)()

    @hseed(seed)
    @common
    @given(when=instant, words=text)
    def write(when: str, words: str) -> None:
        report = {"text": f"An airstrike hit Khan Younis, {words} said.", "published": when, "source": words}
        check(client.post("/reports", json=report), f"POST /reports published={when!r} source={words!r}")
        props = {"event_type": "airstrike", "claimant": words, "source": words, "uncertainty_m": 500}
        claim = {"type": "Feature", "geometry": {"type": "Point", "coordinates": [34.3, 31.35]}}
        claim["properties"] = {**props, "valid_from": when, "valid_to": "9998-12-31T00:00:00Z", "time_precision": "day"}
        check(client.post("/claims", json=claim), f"POST /claims valid_from={when!r}")
        zone = {"type": "Feature", "geometry": None}
        zone["properties"] = {"order_type": "evacuate", "issuer": words, "issued_at": when, "block_ids": ["55"]}
        check(client.post("/zones", json=zone), f"POST /zones issued_at={when!r}")
        layer = {"title": words, "kind": "claims", "filter": {"event_types": ["airstrike"]}}
        check(client.put("/collections/fuzz-title/definition", json=layer), f"PUT definition title={words!r}")
        for page in ("/maps/fuzz-title", "/embed/fuzz-title", "/maps/fuzz-title.png"):
            check(client.get(page), f"GET {page} (title {words!r})")

    write()
    client.close()
    return sent, errors


def main() -> None:
    """Parse arguments, build the demo store if needed, serve it and fuzz it."""
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("--examples", type=int, default=300)
    ap.add_argument("--seconds-per-op", type=float, default=60.0)
    ap.add_argument("--seed", type=int, default=20231007)
    ap.add_argument("--edge-examples", type=int, default=60, help="examples per edge-case target (second pass)")
    ap.add_argument("--db", help="an existing store (default: a fresh demo GeoPackage; writes go into it)")
    args = ap.parse_args()
    with tempfile.TemporaryDirectory(prefix="sitmap-fuzz-") as tmp:
        db = args.db or demo_store(Path(tmp))
        env = {"SITMAP_TOKENS": f"fuzzer:{TOKEN}:admin", "SITMAP_RATE_LIMIT": "false"}
        with serving(db, Path(tmp) / "serve.log", env=env) as (_pid, url):
            failed = fuzz(url, args.examples, args.seconds_per_op, args.seed)
            sent, server_errors = extremes(url, args.edge_examples, args.seed)
        print(f"edges (calendar ends, Unicode): {sent} requests, {len(server_errors)} answered 5xx")
        for line in server_errors[:20]:
            print("  " + line)
        failed += len(server_errors)
        errors = [
            line for line in (Path(tmp) / "serve.log").read_text(errors="replace").splitlines() if "ERROR" in line
        ]
        if errors:
            print(f"\nserver logged {len(errors)} error line(s); first: {errors[0][:300]}")
    sys.exit(1 if failed else 0)


if __name__ == "__main__":
    main()
