"""Orders completeness (issue 14 item 8): the 13 Oct 2023 order is shown, and gaps are said plainly."""

from __future__ import annotations

from collections.abc import Iterator
from datetime import UTC, datetime

import pytest
from fastapi.testclient import TestClient

from api.app import create_app
from api.settings import Settings
from layers import zones as zm
from layers.store import open_store


@pytest.fixture(scope="module")
def client(tmp_path_factory: pytest.TempPathFactory) -> Iterator[TestClient]:
    path = tmp_path_factory.mktemp("orders") / "orders.gpkg"
    store = open_store(path)
    store.add_zones([z for z in zm.load_real_orders() if z.issued_at < datetime(2024, 1, 15, tzinfo=UTC)])
    store.close()
    with TestClient(create_app(Settings(db=str(path)))) as c:
        yield c


def test_orders_of_1_november_2023_include_the_order_north_of_wadi_gaza(client: TestClient) -> None:
    html = client.get("/orders?date=2023-11-01").text
    assert "Evacuation orders (2)" in html
    assert "north of Wadi Gaza" in html and "127.4" in html
    assert "https://x.com/AvichayAdraee/status/1712846493747495223" in html
    assert "Known to be incomplete" not in html  # nothing known was missing on that day


def test_orders_say_when_a_day_is_known_to_be_incomplete(client: TestClient) -> None:
    html = client.get("/orders?date=2023-11-20").text
    assert "Known to be incomplete" in html and "1 order issued on or before this day is known" in html
    assert 'href="https://gazamaps.com/displacement/105"' in html and "15 Nov 2023" in html
    later = client.get("/orders?date=2024-01-02").text
    assert "2 orders issued on or before this day are known" in later


def test_map_data_carries_the_known_gaps(client: TestClient) -> None:
    fc = client.get("/maps/evacuation-orders/data.json").json()
    assert [g["order"] for g in fc["known_gaps"]][:2] == ["GazaMaps #105", "GazaMaps #11"]
    assert any(f["properties"]["id"] == "sitmap-order-2023-10-13-north-of-wadi-gaza" for f in fc["features"])


def test_orders_filter_by_order_type_and_keep_it_in_every_link(client: TestClient) -> None:
    html = client.get("/orders?date=2023-11-20&order_type=humanitarian_zone").text
    assert "Declared humanitarian zones (0)" in html and "None recorded for this day." in html
    assert "Evacuation orders (" not in html
    assert "Known to be incomplete" not in html  # the known gaps are evacuation orders, not asked for
    assert 'value="humanitarian_zone" checked' in html and 'value="evacuate">' in html
    assert html.count("order_type=humanitarian_zone") == 3  # previous day, next day, the map
    both = client.get("/orders?date=2023-11-20&order_type=evacuate&order_type=humanitarian_zone").text
    assert "Evacuation orders (2)" in both and "Known to be incomplete" in both
    bad = client.get("/orders?date=2023-11-20&order_type=curfew")
    assert bad.status_code == 400 and bad.headers["content-type"].startswith("application/problem+json")


def test_orders_in_arabic_name_places_in_arabic_and_keep_user_text_isolated(client: TestClient) -> None:
    from api.render.i18n import MESSAGES

    html = client.get("/orders?date=2023-11-01&lang=ar").text
    assert "محافظة شمال غزة" in html and "North Gaza" not in html  # the governorate in the reader's script
    assert "since " not in html and "issued " not in html and "(an area, no block numbers)" not in html
    assert MESSAGES["(an area, no block numbers)"]["ar"] in html
    assert "<bdi>Israeli military</bdi>" in html  # who says stays as written, isolated
    assert "/maps/evacuation-orders?datetime=2023-11-01&amp;lang=ar" in html
