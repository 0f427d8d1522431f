"""Long fuzz run: schemathesis over the OpenAPI of a live ``sitmap serve``, fixed seed, bounded time.

The suite's ``tests/api/test_schemathesis_api.py`` runs 12 examples per operation;
this runs ``--examples`` (default 300) per operation with a wall-clock budget per
operation, against the demo data (``sitmap demo``, built in a temporary directory
unless ``--db`` is given) with write tokens, so writes are fuzzed too. Every
operation is checked for no 5xx and, for the service's own operations, for status
codes, content types and bodies as documented. Prints examples per operation and
every failure; exits 1 if any.

    .venv/bin/python bench/fuzz.py [--examples 300] [--seconds-per-op 60] [--seed 20231007] [--db demo.gpkg]
"""

from __future__ import annotations

import argparse
import sys
import tempfile
import time
from pathlib import Path

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
    total = 0
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
            case.call_and_validate(headers=AUTH, checks=checks, timeout=30)  # type: ignore[attr-defined]

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
    print(f"{total} examples over {len(failures)} failing operation(s)")
    for failure in failures:
        print("\n" + failure)
    return len(failures)


def main() -> None:
    """Parse arguments, build the demo store if needed, serve it and fuzz it."""
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("--examples", type=int, default=300)
    ap.add_argument("--seconds-per-op", type=float, default=60.0)
    ap.add_argument("--seed", type=int, default=20231007)
    ap.add_argument("--db", help="an existing store (default: a fresh demo GeoPackage; writes go into it)")
    args = ap.parse_args()
    with tempfile.TemporaryDirectory(prefix="sitmap-fuzz-") as tmp:
        db = args.db or demo_store(Path(tmp))
        env = {"SITMAP_TOKENS": f"fuzzer:{TOKEN}:admin"}
        with serving(db, Path(tmp) / "serve.log", env=env) as (_pid, url):
            failed = fuzz(url, args.examples, args.seconds_per_op, args.seed)
        errors = [
            line for line in (Path(tmp) / "serve.log").read_text(errors="replace").splitlines() if "ERROR" in line
        ]
        if errors:
            print(f"\nserver logged {len(errors)} error line(s); first: {errors[0][:300]}")
    sys.exit(1 if failed else 0)


if __name__ == "__main__":
    main()
