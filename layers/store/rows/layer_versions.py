"""Layer definitions as versions: put, delete (a flagged version), history, seeding an older store."""

from __future__ import annotations

from collections.abc import Sequence
from typing import Any

from pydantic import ValidationError

from geo.errors import Conflict, InvalidInput, NotFound, StoreError
from layers.model import Layer
from layers.store.base import LayerVersion
from layers.store.rows.columns import LAYER_NAMES, LAYER_TABLE, TIME_COLUMNS
from layers.store.rows.dialect import Dialect, Tx, bind_times, insert_columns, marks
from layers.store.rows.versions import next_timestamp, supersede_current


def _layer_select(d: Dialect) -> str:
    return ", ".join(
        d.tc(n) if n in TIME_COLUMNS else n
        for n in ("id", "version", "definition", "deleted", "recorded_at", "superseded_at", "recorded_by")
    )


def _layer_versions(tx: Tx, rows: Sequence[Sequence[Any]]) -> list[LayerVersion]:
    d = tx.dialect
    out = []
    for layer_id, version, definition, deleted, recorded_at, superseded_at, recorded_by in rows:
        try:
            layer = Layer.model_validate_json(definition)
        except ValidationError as exc:  # written by another sitmap whose model differs
            raise StoreError(f"layer {layer_id!r} version {version}: stored definition is unreadable ({exc})") from exc
        at = d.parse_ts(recorded_at)
        if at is None:  # NOT NULL column
            raise StoreError(f"layer {layer_id!r} version {version} has no recorded_at")
        out.append(
            LayerVersion(
                layer=layer,
                version=int(version),
                recorded_at=at,
                superseded_at=d.parse_ts(superseded_at),
                recorded_by=recorded_by,
                deleted=bool(deleted),
            )
        )
    return out


def current_layer_version(tx: Tx, layer_id: str) -> LayerVersion | None:
    """The newest version of a layer (possibly a deletion), or ``None`` for an id never stored."""
    rows = tx.fetch(
        f"SELECT {_layer_select(tx.dialect)} FROM {LAYER_TABLE} WHERE id = ? AND superseded_at IS NULL", [layer_id]
    )
    return _layer_versions(tx, rows)[0] if rows else None


def layer_history(tx: Tx, layer_id: str) -> list[LayerVersion]:
    """Every version of a layer definition, oldest first, or ``NotFound``."""
    rows = tx.fetch(f"SELECT {_layer_select(tx.dialect)} FROM {LAYER_TABLE} WHERE id = ? ORDER BY version", [layer_id])
    if not rows:
        raise NotFound(f"layer {layer_id!r} has no recorded versions")
    return _layer_versions(tx, rows)


def deleted_layer_ids(tx: Tx) -> list[str]:
    """Ids whose current version is a deletion, sorted."""
    rows = tx.fetch(f"SELECT id FROM {LAYER_TABLE} WHERE superseded_at IS NULL AND deleted = ? ORDER BY id", [True])
    return [str(r[0]) for r in rows]


def _check_expected(layer_id: str, current: LayerVersion | None, expected: int | None) -> None:
    if expected is None:
        return
    if current is None:
        raise Conflict(f"layer {layer_id!r} has no version yet, not {expected}: create it without a version")
    if current.version != expected:
        raise Conflict(f"layer {layer_id!r} is at version {current.version}, not {expected}: reload it and try again")


def _insert_layer_version(
    tx: Tx, layer: Layer, version: int, *, deleted: bool, recorded_by: str | None, supersede: bool
) -> None:
    d = tx.dialect
    now = next_timestamp(tx)
    if supersede:
        supersede_current(tx, LAYER_TABLE, [layer.id], now)
    names = insert_columns(d, LAYER_NAMES)
    row = (layer.id, version, layer.kind, layer.title, layer.model_dump_json(), deleted, now, None, recorded_by)
    tx.run(
        f"INSERT INTO {LAYER_TABLE} ({', '.join(names)}) VALUES ({marks(len(names))})",
        bind_times(d, LAYER_NAMES, [row])[0],
    )


def put_layer(tx: Tx, layer: Layer, *, expected_version: int | None, recorded_by: str | None) -> int:
    """Create or replace a layer definition: a new version, and the current row of ``layers``.

    Returns the current version; an unchanged definition writes nothing. A stale
    ``expected_version`` is ``Conflict`` naming the current version.
    """
    if not isinstance(layer, Layer):
        raise InvalidInput(f"expected a Layer, got {type(layer).__name__}")
    current = current_layer_version(tx, layer.id)
    _check_expected(layer.id, current, expected_version)
    if current is not None and not current.deleted and current.layer == layer:
        return current.version
    version = 1 if current is None else current.version + 1
    _insert_layer_version(tx, layer, version, deleted=False, recorded_by=recorded_by, supersede=current is not None)
    body = layer.model_dump_json()
    if tx.fetch("SELECT 1 FROM layers WHERE id = ?", [layer.id]):
        tx.run(
            "UPDATE layers SET kind = ?, title = ?, definition = ? WHERE id = ?",
            [layer.kind, layer.title, body, layer.id],
        )
    else:
        tx.run(
            "INSERT INTO layers (id, kind, title, definition) VALUES (?, ?, ?, ?)",
            [layer.id, layer.kind, layer.title, body],
        )
    return version


def delete_layer(tx: Tx, layer_id: str, *, expected_version: int | None, recorded_by: str | None) -> int:
    """Delete a layer: version n+1 flagged ``deleted`` (keeping the definition), its ``layers`` row removed."""
    current = current_layer_version(tx, layer_id)
    if current is None or current.deleted:
        state = "is already deleted" if current is not None else "not found"
        raise NotFound(f"layer {layer_id!r} {state}")
    _check_expected(layer_id, current, expected_version)
    version = current.version + 1
    _insert_layer_version(tx, current.layer, version, deleted=True, recorded_by=recorded_by, supersede=True)
    tx.run("DELETE FROM layers WHERE id = ?", [layer_id])
    return version


def seed_layer_versions(tx: Tx) -> int:
    """Give every layer of an older store (``layers`` rows, no versions yet) its version 1.

    Run once when :data:`LAYER_TABLE` is added to an existing store: who defined those
    layers was never recorded, so ``recorded_by`` stays empty. Returns how many were seeded.
    """
    have = {str(r[0]) for r in tx.fetch(f"SELECT DISTINCT id FROM {LAYER_TABLE}")}
    seeded = 0
    for (definition,) in tx.fetch("SELECT definition FROM layers ORDER BY id"):
        try:
            layer = Layer.model_validate_json(definition)
        except ValidationError as exc:
            raise StoreError(f"a stored layer definition is unreadable: {exc}") from exc
        if layer.id not in have:
            _insert_layer_version(tx, layer, 1, deleted=False, recorded_by=None, supersede=False)
            seeded += 1
    return seeded
