"""Instants near the ends of the calendar: a 400 naming the parameter and the range, never a 500.

``9999-12-31T23:59:59-14:00`` is in year 10000 in UTC and ``0001-01-01T00:00:00+14:00``
in year 0: neither exists for Python or the stores. Every query parameter and every
written time goes through one step (``geo.model.to_utc_instant``) that refuses them
with the supported range, on both stores.
"""

from __future__ import annotations

from urllib.parse import quote

import pytest

from geo.model import SUPPORTED_RANGE
from tests.api.conftest import AUTH
from tests.api.test_ingest_api import REPORT, claim_feature

LATE = "9999-12-31T23:59:59-14:00"
EARLY = "0001-01-01T00:00:00+14:00"
EXTREMES = [LATE, EARLY, "9999-12-31", "0001-01-01", "9999-12-31T23:59:59Z"]

#: Every read that takes an instant: (path with {v} for the value, the parameter named in the error).
READS = [
    ("/collections/all/items?as_of={v}", "as_of"),
    ("/collections/all/items?datetime={v}", "datetime"),
    ("/collections/all/items?datetime=2023-12-01/{v}", "datetime"),
    ("/collections/all/items?datetime={v}/..", "datetime"),
    ("/collections/all/items/c-gaza-1?as_of={v}", "as_of"),
    ("/collections/evacuation-orders/items?active_at={v}", "active_at"),
    ("/collections/evacuation-orders/items?as_of={v}", "as_of"),
    ("/orders?as_of={v}", "as_of"),
    ("/maps/all?as_of={v}", "as_of"),
    ("/embed/all?datetime={v}", "datetime"),
    ("/maps/all/data.json?as_of={v}", "as_of"),
    ("/maps/all.png?datetime={v}", "datetime"),
    ("/collections/strikes/likelihood.tif?as_of={v}", "as_of"),
    ("/collections/strikes/likelihood.tif?datetime={v}", "datetime"),
    ("/collections/strikes/tiles/10/612/416.png?as_of={v}", "as_of"),
    ("/collections/strikes/tiles/10/612/416.png?datetime={v}", "datetime"),
]


def _is_range_problem(r: object, name: str) -> None:
    assert r.status_code == 400, (r.status_code, r.text[:300])  # type: ignore[attr-defined]
    assert r.headers["content-type"].startswith("application/problem+json")  # type: ignore[attr-defined]
    body = r.json()  # type: ignore[attr-defined]
    text = body.get("detail", "") + " " + str(body.get("parameter", ""))
    assert name in text and SUPPORTED_RANGE in text, body


@pytest.mark.parametrize("value", EXTREMES)
@pytest.mark.parametrize(("path", "name"), READS)
def test_reads_refuse_instants_outside_the_range(ro_client: object, path: str, name: str, value: str) -> None:
    r = ro_client.get(path.format(v=quote(value)))  # type: ignore[attr-defined]
    _is_range_problem(r, name)


@pytest.mark.parametrize("value", [LATE, EARLY])
def test_orders_date_and_oembed_refuse_the_ends(ro_client: object, value: str) -> None:
    _is_range_problem(ro_client.get("/orders?date=9999-12-31"), "date")  # type: ignore[attr-defined]
    url = quote(f"http://testserver/maps/all?as_of={quote(value)}", safe="")
    _is_range_problem(ro_client.get(f"/oembed?url={url}"), "as_of")  # type: ignore[attr-defined]


def test_the_ends_of_the_range_are_served(ro_client: object) -> None:
    for value in ("0002-01-01T00:00:00Z", "9998-12-31T23:59:59.999999Z"):
        r = ro_client.get(f"/collections/all/items?as_of={quote(value)}")  # type: ignore[attr-defined]
        assert r.status_code == 200, r.text[:300]


def _zone(issued_at: str) -> dict:
    return {
        "type": "Feature",
        "geometry": None,
        "properties": {
            "order_type": "evacuate",
            "issuer": "Israeli military",
            "issued_at": issued_at,
            "block_ids": ["55"],
        },
    }


@pytest.mark.parametrize("value", [LATE, EARLY])
def test_writes_refuse_instants_outside_the_range(api_client: object, value: str) -> None:
    writes = [
        ("post", "/reports", {**REPORT, "published": value}, "published"),
        ("post", "/claims", claim_feature(valid_from=value), "valid_from"),
        ("post", "/claims", claim_feature(valid_to=value, valid_from="0002-01-01T00:00:00Z"), "valid_to"),
        ("patch", "/claims/c-gaza-1", {"valid_from": value}, "valid_from"),
        ("post", "/zones", _zone(value), "issued_at"),
    ]
    for method, path, body, name in writes:
        r = getattr(api_client, method)(path, json=body, headers=AUTH)
        assert r.status_code in (400, 422), (path, r.status_code, r.text[:300])
        assert r.headers["content-type"].startswith("application/problem+json")
        assert name in r.text and SUPPORTED_RANGE in r.text, (path, r.text[:500])
    # nothing was stored: the claim is still at version 1
    assert api_client.get("/collections/all/items/c-gaza-1").json()["properties"]["version"] == 1  # type: ignore[attr-defined]


def test_cli_refuses_the_ends_in_one_line(tmp_path: object, capsys: pytest.CaptureFixture[str]) -> None:
    from api.cli import main

    db = str(tmp_path) + "/cli.gpkg"  # type: ignore[operator]
    assert main(["export", "all", "--db", db, "--as-of", LATE, "-o", "-"]) == 2
    err = capsys.readouterr().err.strip().splitlines()
    assert len(err) == 1 and "--as-of" in err[0] and SUPPORTED_RANGE in err[0], err
