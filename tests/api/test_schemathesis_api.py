"""schemathesis over the OpenAPI document of a live server: no 5xx, every response as documented.

Bounded (a fixed number of examples per operation) and deterministic (derandomized,
no example database), so it runs in the suite; ``make fuzz`` is the place for long runs.
"""

from __future__ import annotations

import schemathesis
from hypothesis import HealthCheck, given, settings
from schemathesis.checks import (
    content_type_conformance,
    not_a_server_error,
    response_schema_conformance,
    status_code_conformance,
)

from tests.api.conftest import ADMIN_AUTH, LiveServer

CHECKS = [not_a_server_error, status_code_conformance, content_type_conformance, response_schema_conformance]
#: Operations of the service part (OGC API, ingest, layer definitions, rasters, health) get
#: every check; the map pages (their own part) are held to "no 5xx" here and to their own
#: tests. Requests carry an admin token, so every write and admin operation is reached.
STRICT_TAGS = {"OGC API - Features", "Ingest and history", "Layer definitions (admin)", "Rasters", "Health"}
EXAMPLES_PER_OPERATION = 12


def test_every_operation_conforms(live_server: LiveServer):
    schema = schemathesis.openapi.from_url(live_server.url + "/api")
    failures: list[str] = []
    operations = 0
    strict_operations = 0
    for result in schema.get_all_operations():
        operation = result.ok()
        operations += 1
        strict = bool(STRICT_TAGS & set(operation.definition.raw.get("tags", [])))
        checks = CHECKS if strict else [not_a_server_error]
        strict_operations += strict

        @settings(
            max_examples=EXAMPLES_PER_OPERATION,
            derandomize=True,
            deadline=None,
            database=None,
            suppress_health_check=list(HealthCheck),
        )
        @given(case=operation.as_strategy())
        def run(case):
            case.call_and_validate(headers=ADMIN_AUTH, checks=checks)

        try:
            run()
        except Exception as exc:  # collect every operation's failure, then report them all
            failures.append(f"{operation.method.upper()} {operation.path}: {exc}"[:3000])
    assert operations >= 15 and strict_operations >= 15
    assert not failures, "\n\n".join(failures)
