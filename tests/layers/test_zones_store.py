"""Zones through the store (both backends): real orders in, areas out, as-of and lifting respected."""

from __future__ import annotations

from datetime import UTC, datetime

import pytest

from layers import zones as zm
from layers.store.base import ZoneQuery


def t(day: str) -> datetime:
    return datetime.fromisoformat(day).replace(tzinfo=UTC)


def test_real_orders_round_trip_and_measure_the_same(store) -> None:  # type: ignore[no-untyped-def]
    orders = [z for z in zm.load_real_orders() if z.effective_from < t("2024-03-01")]
    result = store.add_zones(orders, recorded_by="test")
    assert len(result.inserted) == len(orders) >= 10
    loaded = zm.zones_from_store(store)
    assert {z.id for z in loaded} == {z.id for z in orders}
    back = {z.id: z for z in loaded}
    for z in orders:
        assert back[z.id].block_ids == z.block_ids
        assert back[z.id].approx_block_ids == z.approx_block_ids
        assert back[z.id].flags == z.flags
    at = t("2024-02-25")
    direct = zm.area_at(orders, at)
    stored = zm.area_at(loaded, at)
    assert stored.area_km2 == pytest.approx(direct.area_km2, rel=1e-6)
    assert stored.n_zones == direct.n_zones
    live = store.query_zones(ZoneQuery(active_at=at, order_types=("evacuate",))).items
    assert {z.id for z in live} == set(direct.zone_ids)
    evac_only = zm.zones_from_store(store, order_types=("evacuate",))
    assert all(z.order_type == "evacuate" for z in evac_only)


def test_lifting_an_order_is_a_new_version_and_as_of_sees_the_old(store) -> None:  # type: ignore[no-untyped-def]
    first = zm.load_real_orders()[0]
    store.add_zones([first])
    before = datetime.now(UTC)
    lifted = first.model_copy(update={"lifted_at": t("2023-11-01")})
    res = store.add_zones([lifted])
    assert res.updated == [first.id]
    now = zm.zones_from_store(store)
    assert zm.area_at(now, t("2023-12-01")).n_zones == 0
    old = zm.zones_from_store(store, as_of=before)
    assert zm.area_at(old, t("2023-12-01")).n_zones == 1


def test_area_functions_accept_a_store(store) -> None:  # type: ignore[no-untyped-def]
    orders = [z for z in zm.load_real_orders() if z.effective_from < t("2024-01-01")]
    store.add_zones(orders)
    at = t("2023-12-20")
    assert zm.area_at(store, at).area_km2 == pytest.approx(zm.area_at(orders, at).area_km2, rel=1e-6)
    assert len(zm.active_at(store, at)) == len(zm.active_at(orders, at))
    assert len(zm.order_areas(store)) == len(orders)
    series = zm.area_series(store, start=t("2023-12-01"), end=t("2023-12-31"))
    assert len(series) == 31
