"""Layer definitions are versioned like claims: history, attribution, optimistic concurrency, deletion.

Runs over both backends (the ``store`` fixture). Stores written before the history
table existed are upgraded in place when opened (and after restoring an old backup).
"""

from __future__ import annotations

import sqlite3
import threading
from pathlib import Path
from typing import Any

import pytest

from geo.errors import Conflict, InvalidInput, NotFound, StoreError
from layers.catalog import (
    DEFAULT_LAYER_IDS,
    DEFAULTS_RECORDED_BY,
    delete_layer,
    get_layer,
    install_default_layers,
    list_layers,
)
from layers.model import Layer, LayerFilter, PublicationPolicy
from layers.store import Store, open_store
from layers.store import rows as R
from tests.conftest import postgis_url, require


def desk(title: str = "Desk working layer", **kw: Any) -> Layer:
    data: dict[str, Any] = {
        "id": "desk",
        "title": title,
        "private": True,
        "filter": LayerFilter(event_types=("airstrike",)),
    }
    data.update(kw)
    return Layer(**data)


def test_put_versions_and_unchanged_writes_nothing(store: Store) -> None:
    assert store.put_layer(desk(), recorded_by="ed-1") == 1
    clock = store.last_recorded_at()
    assert store.put_layer(desk(), recorded_by="ed-2") == 1  # same definition: no new version
    assert store.last_recorded_at() == clock
    assert store.put_layer(desk("Renamed"), recorded_by="ed-2") == 2
    assert store.get_layer("desk").title == "Renamed"
    history = store.layer_history("desk")
    assert [(v.version, v.recorded_by, v.deleted, v.layer.title) for v in history] == [
        (1, "ed-1", False, "Desk working layer"),
        (2, "ed-2", False, "Renamed"),
    ]
    assert history[0].superseded_at == history[1].recorded_at
    assert history[1].superseded_at is None
    assert history[0].recorded_at < history[1].recorded_at


def test_layer_writes_move_the_store_clock(store: Store, make_claim) -> None:
    store.add_claims([make_claim("c-1")])
    before = store.last_recorded_at()
    assert before is not None
    store.put_layer(desk())
    after = store.last_recorded_at()
    assert after is not None and after > before
    store.delete_layer("desk")
    latest = store.last_recorded_at()
    assert latest is not None and latest > after
    store.add_claims([make_claim("c-2")])  # later claim versions still order after the layer's
    assert store.get_claim("c-2").recorded_at > latest


def test_stale_expected_version_is_a_conflict_naming_the_current_one(store: Store) -> None:
    store.put_layer(desk())
    store.put_layer(desk("v2"), expected_version=1)
    with pytest.raises(Conflict, match="layer 'desk' is at version 2, not 1"):
        store.put_layer(desk("lost edit"), expected_version=1)
    with pytest.raises(Conflict, match="is at version 2, not 1"):
        store.delete_layer("desk", expected_version=1)
    with pytest.raises(Conflict, match="layer 'other' has no version yet"):
        store.put_layer(Layer(id="other", title="Other"), expected_version=1)
    assert store.get_layer("desk").title == "v2"
    assert [v.version for v in store.layer_history("desk")] == [1, 2]
    with pytest.raises(NotFound):
        store.get_layer("other")


def test_delete_is_a_version_and_the_id_can_be_defined_again(store: Store) -> None:
    store.put_layer(desk(), recorded_by="ed-1")
    store.put_layer(Layer(id="public", title="Public"))
    assert store.delete_layer("desk", expected_version=1, recorded_by="ed-2") == 2
    with pytest.raises(NotFound, match="layer 'desk' not found"):
        store.get_layer("desk")
    assert [layer.id for layer in store.list_layers()] == ["public"]
    assert store.deleted_layer_ids() == ["desk"]
    last = store.layer_history("desk")[-1]
    assert (last.version, last.deleted, last.recorded_by, last.layer.title) == (2, True, "ed-2", "Desk working layer")
    with pytest.raises(NotFound, match="already deleted"):
        store.delete_layer("desk")
    with pytest.raises(NotFound, match="layer 'nope' not found"):
        store.delete_layer("nope")
    with pytest.raises(NotFound, match="no recorded versions"):
        store.layer_history("nope")
    # defined again: the numbering goes on, so an If-Match from before the deletion stays stale
    assert store.put_layer(desk("Back"), expected_version=2, recorded_by="ed-3") == 3
    assert store.get_layer("desk").title == "Back"
    assert store.deleted_layer_ids() == []
    assert [(v.version, v.deleted) for v in store.layer_history("desk")] == [(1, False), (2, True), (3, False)]


def test_put_layer_rejects_what_is_not_a_layer(store: Store) -> None:
    with pytest.raises(InvalidInput, match="expected a Layer, got dict"):
        store.put_layer({"id": "x", "title": "X"})  # type: ignore[arg-type]


def test_concurrent_editors_of_one_version_one_wins(store_url: str) -> None:
    """Eight writers (own store objects, like API workers) all edit version 1: one version 2, seven conflicts."""
    with open_store(store_url) as s:
        s.put_layer(desk())
    outcomes: list[str] = []
    lock = threading.Lock()
    start = threading.Barrier(8)

    def edit(i: int) -> None:
        s = open_store(store_url)
        try:
            start.wait()
            try:
                s.put_layer(desk(f"edit {i}"), expected_version=1, recorded_by=f"ed-{i}")
                result = "won"
            except Conflict as exc:
                assert "is at version 2, not 1" in exc.message
                result = "conflict"
        finally:
            s.close()
        with lock:
            outcomes.append(result)

    threads = [threading.Thread(target=edit, args=(i,)) for i in range(8)]
    for t in threads:
        t.start()
    for t in threads:
        t.join(60)
    assert sorted(outcomes) == ["conflict"] * 7 + ["won"]
    with open_store(store_url) as s:
        history = s.layer_history("desk")
        assert [v.version for v in history] == [1, 2]
        assert s.get_layer("desk").title == f"edit {history[1].recorded_by.removeprefix('ed-')}"  # type: ignore[union-attr]


# --------------------------------------------------------------------------------------
# Defaults: a deleted default stays deleted
# --------------------------------------------------------------------------------------


def test_deleted_default_is_not_reinstalled_nor_served_from_the_builtin(store: Store) -> None:
    assert install_default_layers(store) == list(DEFAULT_LAYER_IDS)
    assert store.layer_history("strikes")[0].recorded_by == DEFAULTS_RECORDED_BY
    delete_layer(store, "strikes", recorded_by="cli:ed")
    assert install_default_layers(store) == []
    assert "strikes" not in [layer.id for layer in list_layers(store)]
    with pytest.raises(NotFound, match="unknown layer 'strikes'"):
        get_layer(store, "strikes")
    store.put_layer(get_layer(store, "attacks").model_copy(update={"id": "strikes", "title": "Strikes again"}))
    assert get_layer(store, "strikes").title == "Strikes again"


def test_deleting_a_default_never_stored_records_it_first(store: Store) -> None:
    assert get_layer(store, "diplomacy").title == "Diplomacy"  # served from the built-in definition
    assert delete_layer(store, "diplomacy", recorded_by="cli:ed") == 2
    assert [(v.version, v.deleted, v.recorded_by) for v in store.layer_history("diplomacy")] == [
        (1, False, DEFAULTS_RECORDED_BY),
        (2, True, "cli:ed"),
    ]
    assert "diplomacy" not in [layer.id for layer in list_layers(store)]
    assert "diplomacy" not in install_default_layers(store)


def test_policy_round_trips_through_the_history(store: Store) -> None:
    layer = Layer(id="public-strikes", title="Public", policy=PublicationPolicy(snap_m=1000, delay_hours=24))
    store.put_layer(layer)
    assert store.layer_history("public-strikes")[0].layer == layer
    assert store.get_layer("public-strikes") == layer


# --------------------------------------------------------------------------------------
# Stores from before the history table
# --------------------------------------------------------------------------------------


def _drop_history(store_url: str) -> None:
    """Make the store look like one written by sitmap before layer definitions were versioned."""
    if store_url.startswith("postgresql"):
        import psycopg

        with psycopg.connect(store_url, autocommit=True) as conn:
            conn.execute(f"DROP TABLE {R.LAYER_TABLE}")
        return
    conn = sqlite3.connect(store_url)
    try:
        conn.execute(f"DROP TABLE {R.LAYER_TABLE}")
        conn.execute("DELETE FROM gpkg_contents WHERE table_name = ?", (R.LAYER_TABLE,))
        conn.commit()
    finally:
        conn.close()


def test_a_store_from_before_the_history_is_upgraded_on_open(store_url: str, make_claim) -> None:
    with open_store(store_url) as s:
        s.add_claims([make_claim("c-old")])
        s.put_layer(desk())
        s.put_layer(Layer(id="public", title="Public"))
    _drop_history(store_url)
    with open_store(store_url) as s:
        # the old content is all there, and every existing layer has its version 1 (author unknown)
        assert s.get_claim("c-old").version == 1
        assert [layer.id for layer in s.list_layers()] == ["desk", "public"]
        assert [(v.version, v.recorded_by) for v in s.layer_history("desk")] == [(1, None)]
        assert s.put_layer(desk("Edited"), expected_version=1, recorded_by="ed") == 2
    with open_store(store_url) as s:  # idempotent: a second open adds and seeds nothing
        assert [v.version for v in s.layer_history("desk")] == [1, 2]
        assert [v.version for v in s.layer_history("public")] == [1]


def test_gpkg_tables_are_readable_by_plain_sqlite(gpkg_path: Path) -> None:
    """GDAL/QGIS users read ``layers`` (current definitions) and ``layer_versions`` (the history)."""
    with open_store(str(gpkg_path)) as s:
        s.put_layer(desk(), recorded_by="ed")
        s.put_layer(Layer(id="public", title="Public"))
        s.delete_layer("desk", recorded_by="ed")
    conn = sqlite3.connect(gpkg_path)
    try:
        assert conn.execute("SELECT id, kind, title FROM layers").fetchall() == [("public", "claims", "Public")]
        rows = conn.execute(
            f"SELECT id, version, deleted, recorded_by, recorded_at FROM {R.LAYER_TABLE} ORDER BY id, version"
        ).fetchall()
        assert [r[:4] for r in rows] == [("desk", 1, 0, "ed"), ("desk", 2, 1, "ed"), ("public", 1, 0, None)]
        assert all(r[4].endswith("Z") for r in rows)  # GeoPackage DATETIME text
        kinds = dict(conn.execute("SELECT table_name, data_type FROM gpkg_contents").fetchall())
        assert kinds[R.LAYER_TABLE] == "attributes" and kinds["layers"] == "attributes"
    finally:
        conn.close()


def test_gpkg_restore_of_a_backup_from_before_the_history(tmp_path: Path) -> None:
    """A restored old backup gets the history table (seeded), and new backups carry it."""
    old = tmp_path / "old.gpkg"
    with open_store(str(old)) as s:
        s.put_layer(desk())
    _drop_history(str(old))
    live = tmp_path / "live.gpkg"
    with open_store(str(live)) as s:
        s.put_layer(Layer(id="gone", title="Replaced by the restore"))
        s.restore(old)  # type: ignore[attr-defined]
        assert [layer.id for layer in s.list_layers()] == ["desk"]
        assert [v.version for v in s.layer_history("desk")] == [1]
        assert s.put_layer(desk("after restore"), expected_version=1) == 2
        s.backup(tmp_path / "new.gpkg")  # type: ignore[attr-defined]
    with open_store(str(tmp_path / "new.gpkg")) as s:
        assert [(v.version, v.layer.title) for v in s.layer_history("desk")] == [
            (1, "Desk working layer"),
            (2, "after restore"),
        ]


def test_postgis_backup_carries_the_history(tmp_path: Path) -> None:
    """pg_dump of the store's relations includes layer_versions; a restore brings back every version."""
    url = postgis_url()
    require(url is not None, "SITMAP_TEST_PG is not set (PostGIS tests)")
    from layers.store.backup import pg_tool

    try:
        pg_tool("pg_dump")
    except StoreError as exc:
        require(False, f"PostgreSQL client tools: {exc}")
    import uuid

    import psycopg

    assert url is not None
    schemas = ["t_" + uuid.uuid4().hex[:12] for _ in range(2)]
    with psycopg.connect(url, autocommit=True) as conn:
        for schema in schemas:
            conn.execute(f'CREATE SCHEMA "{schema}"')
    sep = "&" if "?" in url else "?"
    urls = [f"{url}{sep}options=-csearch_path%3D{schema},public" for schema in schemas]
    try:
        with open_store(urls[0]) as s:
            s.put_layer(desk(), recorded_by="ed-1")
            s.put_layer(desk("two"), recorded_by="ed-2")
            s.delete_layer("desk", recorded_by="ed-3")
            s.backup(tmp_path / "pg.dump")  # type: ignore[attr-defined]
            expected = s.layer_history("desk")
        with open_store(urls[1]) as s:
            s.restore(tmp_path / "pg.dump")  # type: ignore[attr-defined]
            assert s.layer_history("desk") == expected
            assert s.deleted_layer_ids() == ["desk"]
            assert s.put_layer(desk("again"), expected_version=3) == 4
    finally:
        with psycopg.connect(url, autocommit=True) as conn:
            for schema in schemas:
                conn.execute(f'DROP SCHEMA IF EXISTS "{schema}" CASCADE')
