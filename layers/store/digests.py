"""Import digests: which input feature texts a store already holds exactly, so a re-import skips them.

An importer hashes each feature's text as read from the file (with the options that
decide how it is read) and asks :func:`known` which of those digests still name the
*current* version of the record they produced. Those features are skipped before any
geometry, model or store work. After a batch is written, :func:`remember` records the
digest against the record's current version, so a later edit (a new version) makes
the digest stale and the same file imported again restores it as usual.

Each digest also names the feature's property names (a *key set*, stored once in
:data:`KEYSETS` however many features share it), so a skipped feature's columns are
still counted in the import's summary without decoding its text.

The tables are a cache: losing them only makes the next re-import do the full work.
They are created on first use (and the key-set column added to a table made before
it), so stores made before them need no migration; a digest recorded without a key
set gives ``None`` and the importer decodes that feature to count its columns.
"""

from __future__ import annotations

import hashlib
import json
from collections.abc import Collection, Mapping, Sequence

from layers.store import rows as R

TABLE = "sitmap_import_digests"
#: Property-name sets of the features whose digests are recorded: ``names`` is a JSON list.
KEYSETS = "sitmap_import_digests_keysets"
_CREATE = (
    f"CREATE TABLE IF NOT EXISTS {TABLE} (digest TEXT NOT NULL PRIMARY KEY, kind TEXT NOT NULL, "
    "record_id TEXT NOT NULL, version INTEGER NOT NULL, keyset BIGINT)"
)
_CREATE_KEYSETS = f"CREATE TABLE IF NOT EXISTS {KEYSETS} (id BIGINT NOT NULL PRIMARY KEY, names TEXT NOT NULL)"
#: The versions table of each kind of record (identifiers from a fixed list, never from input).
_VERSIONS = {"claims": R.CLAIM_TABLE, "zones": R.ZONE_TABLE}
#: Digests asked about per statement.
_CHUNK = 500


def _state(tx: R.Tx) -> tuple[bool, bool]:
    """Whether the digest table exists, and whether it has the key-set column."""
    if tx.dialect.name == "gpkg":
        rows = tx.fetch("SELECT sql FROM sqlite_master WHERE type = 'table' AND name = ?", [TABLE])
        return bool(rows), bool(rows) and "keyset" in str(rows[0][0])
    # to_regclass reads the catalog directly: information_schema's view costs milliseconds a call
    reg = f"to_regclass(quote_ident(current_schema()) || '.{TABLE}')"
    row = tx.fetch(
        f"SELECT {reg} IS NOT NULL, EXISTS (SELECT 1 FROM pg_attribute WHERE attrelid = {reg} "
        "AND attname = 'keyset' AND NOT attisdropped)"
    )[0]
    return bool(row[0]), bool(row[1])


#: Key sets read or written, by id (an id is a hash of the names, so one cache serves every store).
_NAMES: dict[int, tuple[str, ...]] = {}
#: Ids of the key sets written, by names.
_IDS: dict[tuple[str, ...], int] = {}
#: Entries each cache keeps before it starts afresh.
_CACHE_SIZE = 10_000


def keyset_id(names: Sequence[str]) -> int:
    """The id of a property-name set: the first 60 bits of the SHA-256 of its JSON text (fits a BIGINT)."""
    key = tuple(names)
    found = _IDS.get(key)
    if found is None:
        text = json.dumps(list(key), ensure_ascii=False)
        found = int(hashlib.sha256(text.encode()).hexdigest()[:15], 16)
        if len(_IDS) >= _CACHE_SIZE:
            _IDS.clear()
        _IDS[key] = found
    return found


def _names(tx: R.Tx, ids: Collection[int]) -> None:
    """Read the key sets of ``ids`` not yet in :data:`_NAMES`."""
    missing = [i for i in ids if i not in _NAMES]
    if len(_NAMES) + len(missing) > _CACHE_SIZE:
        _NAMES.clear()
        missing = list(ids)
    for at in range(0, len(missing), _CHUNK):
        chunk = missing[at : at + _CHUNK]
        marks = ", ".join("?" * len(chunk))
        for kid, names in tx.fetch(f"SELECT id, names FROM {KEYSETS} WHERE id IN ({marks})", chunk):
            _NAMES[int(kid)] = tuple(json.loads(names))


def known_keys(tx: R.Tx, kind: str, digests: Sequence[str]) -> dict[str, tuple[str, ...] | None]:
    """The ``digests`` recorded for the current version of a ``kind`` record ("claims" or "zones").

    Each with the property names of the feature it was read from, or ``None`` when the
    digest was recorded without them (by an older sitmap).
    """
    if not digests:
        return {}
    exists, has_keyset = _state(tx)
    if not exists:
        return {}
    table = _VERSIONS[kind]
    current = f"{tx.dialect.tc('superseded_at', 'c')} IS NULL"
    keyset = "d.keyset" if has_keyset else "NULL"
    found: dict[str, int | None] = {}
    if tx.dialect.name != "gpkg":  # PostgreSQL: the whole batch in one statement, one round trip
        # Digests are hex: sent as one comma-joined text and split by the server, since
        # psycopg's dump of a 5,000-element array cost more client CPU than the query.
        joined = ",".join(digests)
        many = joined.count(",") == len(digests) - 1
        rows = tx.fetch(
            f"SELECT d.digest, {keyset} FROM {TABLE} d JOIN {table} c ON c.id = d.record_id "
            f"AND c.version = d.version WHERE d.kind = ? AND {current} AND d.digest = ANY("
            + ("string_to_array(?, ',')" if many else "?::text[]")
            + ")",
            [kind, joined if many else list(digests)],
        )
        found = {str(r[0]): r[1] for r in rows}
    else:
        for i in range(0, len(digests), _CHUNK):
            chunk = list(digests[i : i + _CHUNK])
            marks = ", ".join("?" * len(chunk))
            rows = tx.fetch(
                f"SELECT d.digest, {keyset} FROM {TABLE} d JOIN {table} c ON c.id = d.record_id "
                f"AND c.version = d.version WHERE d.kind = ? AND {current} AND d.digest IN ({marks})",
                [kind, *chunk],
            )
            found.update((str(r[0]), r[1]) for r in rows)
    ids = {int(k) for k in found.values() if k is not None}
    if ids:
        _names(tx, ids)
    return {digest: None if k is None else _NAMES.get(int(k)) for digest, k in found.items()}


def known(tx: R.Tx, kind: str, digests: Sequence[str]) -> set[str]:
    """The ``digests`` recorded for the current version of a ``kind`` record ("claims" or "zones")."""
    return set(known_keys(tx, kind, digests))


def _prepare(tx: R.Tx, keys: Mapping[str, Sequence[str]]) -> None:
    """Create the tables (or add the key-set column to an older one) and record the key sets of ``keys``."""
    exists, has_keyset = _state(tx)
    if not exists:
        tx.run(_CREATE)
    elif not has_keyset:
        tx.run(f"ALTER TABLE {TABLE} ADD COLUMN keyset BIGINT")
    tx.run(_CREATE_KEYSETS)
    sets = {keyset_id(names): tuple(names) for names in keys.values()}
    if sets:
        tx.run_many(
            f"INSERT INTO {KEYSETS} (id, names) VALUES (?, ?) ON CONFLICT (id) DO NOTHING",
            [(kid, json.dumps(list(names), ensure_ascii=False)) for kid, names in sets.items()],
        )


def remember(
    tx: R.Tx,
    kind: str,
    pairs: Sequence[tuple[str, str]],
    new: Collection[str] = (),
    keys: Mapping[str, Sequence[str]] | None = None,
) -> None:
    """Record each ``(digest, record_id)`` against that record's current version.

    ``new`` names records the caller has just written as version 1: their pairs are
    inserted as they are, without looking each record up (on SQLite the look-up was
    two thirds of the cost). Should another writer have versioned one since, the
    digest names a superseded version, which :func:`known` never matches. ``keys``
    gives a digest's property names (see :func:`known_keys`).
    """
    if not pairs:
        return
    keys = keys or {}
    _prepare(tx, keys)
    ids = {digest: keyset_id(names) for digest, names in keys.items()}
    table = _VERSIONS[kind]
    upsert = (
        "ON CONFLICT (digest) DO UPDATE SET kind = excluded.kind, record_id = excluded.record_id, "
        "version = excluded.version, keyset = excluded.keyset"
    )
    if new:
        first = [(digest, rid) for digest, rid in pairs if rid in new]
        if tx.dialect.name == "gpkg":
            tx.run_many(
                f"INSERT INTO {TABLE} (digest, kind, record_id, version, keyset) VALUES (?, ?, ?, 1, ?) {upsert}",
                [(digest, kind, rid, ids.get(digest)) for digest, rid in first],
            )
        elif first:
            tx.run(
                f"INSERT INTO {TABLE} (digest, kind, record_id, version, keyset) "
                f"SELECT DISTINCT ON (p.digest) p.digest, ?, p.record_id, 1, p.keyset "
                f"FROM unnest(?::text[], ?::text[], ?::bigint[]) AS p(digest, record_id, keyset) "
                f"ORDER BY p.digest {upsert}",
                [kind, [d for d, _ in first], [r for _, r in first], [ids.get(d) for d, _ in first]],
            )
        if len(first) == len(pairs):
            return
        pairs = [(digest, rid) for digest, rid in pairs if rid not in new]
    current = f"{tx.dialect.tc('superseded_at')} IS NULL"
    if tx.dialect.name != "gpkg":  # PostgreSQL: the whole batch in one statement, not one per pair
        tx.run(
            f"INSERT INTO {TABLE} (digest, kind, record_id, version, keyset) "
            f"SELECT DISTINCT ON (p.digest) p.digest, ?, c.id, c.version, p.keyset "
            f"FROM unnest(?::text[], ?::text[], ?::bigint[]) AS p(digest, record_id, keyset) "
            f"JOIN {table} c ON c.id = p.record_id AND c.{current} "
            f"ORDER BY p.digest {upsert}",
            [kind, [d for d, _ in pairs], [r for _, r in pairs], [ids.get(d) for d, _ in pairs]],
        )
        return
    tx.run_many(
        f"INSERT INTO {TABLE} (digest, kind, record_id, version, keyset) SELECT ?, ?, id, version, ? FROM {table} "
        f"WHERE id = ? AND {current} {upsert}",
        [(digest, kind, ids.get(digest), record_id) for digest, record_id in pairs],
    )
