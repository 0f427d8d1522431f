"""An R-tree loaded in one pass (layers.store.rtree_load) is the tree SQLite's own inserts would answer with."""

from __future__ import annotations

import sqlite3

import numpy as np
import pytest

from layers.store.rtree_load import fill_empty_rtree

_BOX = "SELECT id FROM r WHERE maxx >= ? AND minx <= ? AND maxy >= ? AND miny <= ? ORDER BY id"


def _tree() -> sqlite3.Connection:
    conn = sqlite3.connect(":memory:")
    conn.execute("PRAGMA page_size = 4096")
    conn.execute("CREATE VIRTUAL TABLE r USING rtree(id, minx, maxx, miny, maxy)")
    return conn


@pytest.mark.parametrize("n", [0, 1, 51, 52, 2700, 4000])
def test_a_loaded_tree_holds_and_finds_what_inserts_would(n: int) -> None:
    """Same stored (rounded) boxes, same answers, a passing rtreecheck; sizes around one node (51) and two levels."""
    rng = np.random.default_rng(n)
    x, y = rng.uniform(-180, 179, n), rng.uniform(-90, 89, n)
    w = rng.choice([0.0, 0.0, 1e-7, 0.001, 0.7], n)  # points, and boxes a 32-bit float cannot hold exactly
    boxes = np.stack([x, x + w, y, y + w], axis=1)
    ids = rng.permutation(np.arange(1, 3 * n + 2))[:n].astype(np.int64)
    loaded, inserted = _tree(), _tree()
    fill_empty_rtree(loaded, "r", ids, boxes)
    inserted.executemany(
        "INSERT INTO r VALUES (?, ?, ?, ?, ?)", [(int(i), *map(float, b)) for i, b in zip(ids, boxes, strict=True)]
    )
    assert loaded.execute("SELECT rtreecheck('r')").fetchone()[0] == "ok"
    assert sorted(loaded.execute("SELECT * FROM r")) == sorted(inserted.execute("SELECT * FROM r"))
    for _ in range(30):
        qx, qy = rng.uniform(-180, 170), rng.uniform(-90, 85)
        q = (qx, qx + rng.uniform(0, 10), qy, qy + rng.uniform(0, 5))
        assert loaded.execute(_BOX, q).fetchall() == inserted.execute(_BOX, q).fetchall()


def test_the_module_keeps_working_on_a_loaded_tree() -> None:
    """Inserts, moves and deletes through SQLite's module after the load leave a sound tree."""
    rng = np.random.default_rng(3)
    n = 3000
    x, y = rng.uniform(30, 40, n), rng.uniform(30, 35, n)
    conn = _tree()
    fill_empty_rtree(conn, "r", np.arange(1, n + 1, dtype=np.int64), np.stack([x, x, y, y], axis=1))
    conn.executemany("INSERT INTO r VALUES (?, 1, 2, 3, 4)", [(n + 1 + i,) for i in range(500)])
    conn.executemany("DELETE FROM r WHERE id = ?", [(i,) for i in range(1, n, 3)])
    conn.executemany("UPDATE r SET minx = minx - 1 WHERE id = ?", [(i,) for i in range(2, n, 7)])
    assert conn.execute("SELECT rtreecheck('r')").fetchone()[0] == "ok"
    expected = sorted(i for i in range(1, n + 1) if i % 3 != 1) + list(range(n + 1, n + 501))
    assert [r[0] for r in conn.execute("SELECT id FROM r ORDER BY id")] == expected
    with pytest.raises(ValueError, match="not empty"):
        fill_empty_rtree(conn, "r", np.array([10**9], dtype=np.int64), np.zeros((1, 4)))
