"""The layer catalogue: default ids, idempotent install keeping user edits, intersection of filters."""

from __future__ import annotations

from datetime import UTC, datetime

import pytest

from geo.errors import InvalidInput, NotFound
from geo.model import EVENT_TYPES
from layers.catalog import (
    DEFAULT_LAYERS,
    EVENT_STYLE,
    MATCH_NOTHING,
    get_layer,
    install_default_layers,
    layer_count,
    layer_query,
    list_layers,
)
from layers.model import Layer, LayerFilter
from layers.store.base import ClaimQuery, ZoneQuery
from layers.testing import make_claim, make_zone


def test_default_ids_and_filters() -> None:
    ids = [layer.id for layer in DEFAULT_LAYERS]
    for required in ("strikes", "ground-operations", "rocket-fire", "attacks", "evacuation-orders", "diplomacy", "all"):
        assert required in ids
    by_id = {layer.id: layer for layer in DEFAULT_LAYERS}
    assert by_id["strikes"].filter.event_types == ("airstrike", "shelling")
    assert by_id["attacks"].filter.event_types == ("shooting",)
    assert by_id["diplomacy"].filter.event_types == ("negotiation",)
    assert by_id["evacuation-orders"].kind == "zones"
    assert by_id["all"].filter == LayerFilter()
    assert by_id["incidents"].kind == "incidents"


def test_palette_covers_every_event_type() -> None:
    assert set(EVENT_STYLE) == set(EVENT_TYPES)
    colours = [s["color"] for s in EVENT_STYLE.values()]
    assert all(c.startswith("#") and len(c) == 7 for c in colours)
    assert len(set(colours)) == len(colours)


def test_install_is_idempotent_and_keeps_user_edits(store) -> None:
    assert install_default_layers(store) == [layer.id for layer in DEFAULT_LAYERS]
    edited = get_layer(store, "strikes").model_copy(update={"title": "Strikes (edited)"})
    store.put_layer(edited)
    assert install_default_layers(store) == []
    assert get_layer(store, "strikes").title == "Strikes (edited)"
    store.put_layer(Layer(id="my-layer", title="Mine", filter=LayerFilter(claimants=("X",))))
    assert "my-layer" in [layer.id for layer in list_layers(store)]


def test_get_layer_falls_back_to_defaults_and_names_unknown(store) -> None:
    assert get_layer(store, "strikes").title == "Strikes"  # not installed yet: the built-in one
    with pytest.raises(NotFound) as err:
        get_layer(store, "nope")
    assert "'nope'" in str(err.value) and "known layers:" in str(err.value) and "diplomacy" in str(err.value)


def test_layer_query_intersects() -> None:
    strikes = get_layer_default("strikes")
    q = layer_query(strikes, event_types=("shelling", "shooting"))
    assert isinstance(q, ClaimQuery) and q.event_types == ("shelling",) and q.ids == ()
    nothing = layer_query(strikes, event_types=("shooting",))
    assert nothing.ids == (MATCH_NOTHING,)
    assert layer_query(strikes).event_types == ("airstrike", "shelling")
    window = Layer(
        id="dec",
        title="December",
        filter=LayerFilter(
            window_start=datetime(2023, 12, 1, tzinfo=UTC), window_end=datetime(2023, 12, 31, tzinfo=UTC)
        ),
    )
    q2 = layer_query(window, start=datetime(2023, 11, 1, tzinfo=UTC), end=datetime(2023, 12, 5, tzinfo=UTC))
    assert (q2.start, q2.end) == (datetime(2023, 12, 1, tzinfo=UTC), datetime(2023, 12, 5, tzinfo=UTC))
    q3 = layer_query(window, start=datetime(2024, 1, 1, tzinfo=UTC))
    assert q3.ids == (MATCH_NOTHING,)
    zq = layer_query(get_layer_default("evacuation-orders"), order_types=("evacuate",))
    assert isinstance(zq, ZoneQuery) and zq.order_types == ("evacuate",)
    with pytest.raises(InvalidInput, match="'bombing'"):
        layer_query(strikes, event_types=("bombing",))
    with pytest.raises(InvalidInput, match="'bad'"):
        layer_query(strikes, statuses=("bad",))
    assert layer_query(strikes, include_retracted=True).statuses == (
        "reported",
        "corroborated",
        "disputed",
        "retracted",
    )


def get_layer_default(layer_id: str) -> Layer:
    return next(layer for layer in DEFAULT_LAYERS if layer.id == layer_id)


def test_layer_count(store) -> None:
    install_default_layers(store)
    store.add_claims(
        [make_claim("c-1"), make_claim("c-2", event_type="shooting"), make_claim("c-3", status="retracted")]
    )
    store.add_zones([make_zone("z-1")])
    assert layer_count(store, get_layer(store, "strikes")) == 1
    assert layer_count(store, get_layer(store, "all")) == 2
    assert layer_count(store, get_layer(store, "evacuation-orders")) == 1
    assert layer_count(store, get_layer(store, "attacks"), as_of=datetime(2000, 1, 1, tzinfo=UTC)) == 0
    with pytest.raises(InvalidInput, match="before it starts"):
        layer_query(
            get_layer(store, "all"), start=datetime(2023, 12, 2, tzinfo=UTC), end=datetime(2023, 12, 1, tzinfo=UTC)
        )


def test_incident_layer_counts_incidents_not_claims(store) -> None:
    """Two accounts of one strike are one incident; ``sitmap layers`` must agree with numberMatched."""
    install_default_layers(store)
    store.add_claims(
        [
            make_claim("a-1", claimant="Gaza health ministry", source="Wire A"),
            make_claim("a-2", claimant="Israel Defense Forces", source="Wire B", lon=34.467, lat=31.5001),
            make_claim("far", lon=34.25, lat=31.28, day="2023-12-20"),
        ]
    )
    incidents = get_layer(store, "incidents")
    assert layer_count(store, get_layer(store, "all")) == 3
    assert layer_count(store, incidents) == 2
    assert layer_count(store, incidents, as_of=datetime(2000, 1, 1, tzinfo=UTC)) == 0
