"""Import digests: which input feature texts a store already holds exactly, so a re-import skips them.

An importer hashes each feature's text as read from the file (with the options that
decide how it is read) and asks :func:`known` which of those digests still name the
*current* version of the record they produced. Those features are skipped before any
geometry, model or store work. After a batch is written, :func:`remember` records the
digest against the record's current version, so a later edit (a new version) makes
the digest stale and the same file imported again restores it as usual.

The table is a cache: losing it only makes the next re-import do the full work. It is
created on first use, so stores made before it need no migration.
"""

from __future__ import annotations

from collections.abc import Collection, Sequence

from layers.store import rows as R

TABLE = "sitmap_import_digests"
_CREATE = (
    f"CREATE TABLE IF NOT EXISTS {TABLE} (digest TEXT NOT NULL PRIMARY KEY, kind TEXT NOT NULL, "
    "record_id TEXT NOT NULL, version INTEGER NOT NULL)"
)
#: The versions table of each kind of record (identifiers from a fixed list, never from input).
_VERSIONS = {"claims": R.CLAIM_TABLE, "zones": R.ZONE_TABLE}
#: Digests asked about per statement.
_CHUNK = 500


def _exists(tx: R.Tx) -> bool:
    if tx.dialect.name == "gpkg":
        return bool(tx.fetch("SELECT 1 FROM sqlite_master WHERE type = 'table' AND name = ?", [TABLE]))
    # to_regclass reads the catalog directly: information_schema's view costs milliseconds a call
    return bool(tx.fetch(f"SELECT to_regclass(quote_ident(current_schema()) || '.{TABLE}') IS NOT NULL")[0][0])


def known(tx: R.Tx, kind: str, digests: Sequence[str]) -> set[str]:
    """The ``digests`` recorded for the current version of a ``kind`` record ("claims" or "zones")."""
    if not digests or not _exists(tx):
        return set()
    table = _VERSIONS[kind]
    current = f"{tx.dialect.tc('superseded_at', 'c')} IS NULL"
    found: set[str] = set()
    if tx.dialect.name != "gpkg":  # PostgreSQL: the whole batch in one statement, one round trip
        # Digests are hex: sent as one comma-joined text and split by the server, since
        # psycopg's dump of a 5,000-element array cost more client CPU than the query.
        joined = ",".join(digests)
        many = joined.count(",") == len(digests) - 1
        rows = tx.fetch(
            f"SELECT d.digest FROM {TABLE} d JOIN {table} c ON c.id = d.record_id AND c.version = d.version "
            f"WHERE d.kind = ? AND {current} AND d.digest = ANY("
            + ("string_to_array(?, ',')" if many else "?::text[]")
            + ")",
            [kind, joined if many else list(digests)],
        )
        return {str(r[0]) for r in rows}
    for i in range(0, len(digests), _CHUNK):
        chunk = list(digests[i : i + _CHUNK])
        marks = ", ".join("?" * len(chunk))
        rows = tx.fetch(
            f"SELECT d.digest FROM {TABLE} d JOIN {table} c ON c.id = d.record_id AND c.version = d.version "
            f"WHERE d.kind = ? AND {current} AND d.digest IN ({marks})",
            [kind, *chunk],
        )
        found.update(str(r[0]) for r in rows)
    return found


def remember(tx: R.Tx, kind: str, pairs: Sequence[tuple[str, str]], new: Collection[str] = ()) -> None:
    """Record each ``(digest, record_id)`` against that record's current version.

    ``new`` names records the caller has just written as version 1: their pairs are
    inserted as they are, without looking each record up (on SQLite the look-up was
    two thirds of the cost). Should another writer have versioned one since, the
    digest names a superseded version, which :func:`known` never matches.
    """
    if not pairs:
        return
    tx.run(_CREATE)
    table = _VERSIONS[kind]
    upsert = (
        "ON CONFLICT (digest) DO UPDATE SET kind = excluded.kind, record_id = excluded.record_id, "
        "version = excluded.version"
    )
    if new:
        first = [(digest, rid) for digest, rid in pairs if rid in new]
        if tx.dialect.name == "gpkg":
            tx.run_many(
                f"INSERT INTO {TABLE} (digest, kind, record_id, version) VALUES (?, ?, ?, 1) {upsert}",
                [(digest, kind, rid) for digest, rid in first],
            )
        elif first:
            tx.run(
                f"INSERT INTO {TABLE} (digest, kind, record_id, version) "
                f"SELECT DISTINCT ON (p.digest) p.digest, ?, p.record_id, 1 "
                f"FROM unnest(?::text[], ?::text[]) AS p(digest, record_id) ORDER BY p.digest {upsert}",
                [kind, [d for d, _ in first], [r for _, r in first]],
            )
        if len(first) == len(pairs):
            return
        pairs = [(digest, rid) for digest, rid in pairs if rid not in new]
    current = f"{tx.dialect.tc('superseded_at')} IS NULL"
    if tx.dialect.name != "gpkg":  # PostgreSQL: the whole batch in one statement, not one per pair
        tx.run(
            f"INSERT INTO {TABLE} (digest, kind, record_id, version) "
            f"SELECT DISTINCT ON (p.digest) p.digest, ?, c.id, c.version "
            f"FROM unnest(?::text[], ?::text[]) AS p(digest, record_id) "
            f"JOIN {table} c ON c.id = p.record_id AND c.{current} "
            f"ORDER BY p.digest {upsert}",
            [kind, [d for d, _ in pairs], [r for _, r in pairs]],
        )
        return
    tx.run_many(
        f"INSERT INTO {TABLE} (digest, kind, record_id, version) SELECT ?, ?, id, version FROM {table} "
        f"WHERE id = ? AND {current} {upsert}",
        [(digest, kind, record_id) for digest, record_id in pairs],
    )
