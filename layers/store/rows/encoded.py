"""Claim versions encoded once: each version's GeoJSON Feature text and CSV line, kept beside it.

A claim version never changes after it is written (the store is append-only), so the
text a download writes for it is the same every time. Downloads of every match spent
their time writing those texts again (about a second of database work and as much
Python per 100,000 claims, a few MB/s on a loaded machine); kept in a table of their
own they are read by primary key and joined, which is what a download costs now.

Two tables, one per format, keyed by the version's ``fid``: :data:`GEOJSON_TABLE`
(the feature text :func:`layers.store.rows.feature_sql.claim_feature_texts` writes, all
properties) and :data:`CSV_TABLE` (the line ``csv.writer`` writes for the CSV row of
:func:`~layers.store.rows.feature_sql.claim_csv_rows`, every column). They are filled
on the first download that reads a version, not at import (an import pays nothing for
them), and only from rows a statement re-checks under lock (see :func:`keep_sql`).

The one change a version ever sees is its ``superseded_at`` being set; a trigger on the
version table drops a version's texts on any update or delete, by sitmap or any other
program (GDAL, QGIS, psql), so a kept text is never stale. The texts depend on the code
that wrote them (the contract, rounding): :func:`fingerprint` names that code (its SQL and the
source of the Python that writes geometry and CSV lines), is kept
in ``sitmap_meta`` and a store whose texts another fingerprint wrote reads none of them;
the first download that keeps texts empties the tables and records its own.
"""

from __future__ import annotations

import csv
import hashlib
import inspect
import io
from collections.abc import Callable, Sequence
from functools import lru_cache
from typing import Any

from layers.store.rows.columns import CLAIM_TABLE
from layers.store.rows.dialect import Dialect

#: Feature texts (GeoJSON, all properties) by claim version ``fid``.
GEOJSON_TABLE = "sitmap_claim_geojson"
#: CSV lines (every column, ``\r\n``-terminated) by claim version ``fid``.
CSV_TABLE = "sitmap_claim_csv"
#: The table of each kind of text.
TABLES = {"geojson": GEOJSON_TABLE, "csv": CSV_TABLE}
#: Raised by hand when the encoding changes where neither its SQL nor the source of the
#: Python functions :func:`fingerprint` reads shows it.
ENCODING_VERSION = 1


def meta_key(kind: str) -> str:
    """The ``sitmap_meta`` key holding the fingerprint of the texts kept for ``kind``."""
    return f"encoded:{kind}"


@lru_cache(maxsize=8)
def fingerprint(d: Dialect, kind: str) -> str:
    """A short name of the code that writes ``kind`` texts: the SQL, the columns, the rounding, a version."""
    from geo.contract import CLAIM_CSV_COLUMNS
    from layers import export as X
    from layers.export import COORD_DECIMALS
    from layers.store.rows import feature_sql as F

    python: list[Callable[..., Any]]
    if kind == "geojson":
        sql = F.claim_feature_text_select(d, "c")
        python = [F.geometry_texts, F.claim_feature_texts, X.geometry_json, X._dumps]
    else:
        sql = F.claim_csv_select(d, "c", tuple(CLAIM_CSV_COLUMNS))
        python = [F.claim_csv_rows, csv_lines, X.geometry_json, X._lonlat, X._wkt]
    parts = [str(ENCODING_VERSION), kind, d.name, str(COORD_DECIMALS), sql]
    for fn in python:  # the Python half of the texts: a change to it is a new fingerprint too
        try:
            parts.append(inspect.getsource(fn))
        except (OSError, TypeError):  # no source (a frozen build): ENCODING_VERSION alone names it
            parts.append(fn.__qualname__)
    return hashlib.sha256("\x00".join(parts).encode()).hexdigest()[:20]


def gpkg_sql() -> list[str]:
    """DDL of the text tables and the triggers that drop a changed or deleted version's texts (SQLite)."""
    # rows in the order they were kept (a download's order) behind a unique key: a later download
    # in that order reads them almost sequentially, and keeping appends instead of splitting pages
    out = [f"CREATE TABLE IF NOT EXISTS {t} (fid INTEGER NOT NULL UNIQUE, body BLOB NOT NULL)" for t in TABLES.values()]
    deletes = " ".join(f"DELETE FROM {t} WHERE fid = OLD.fid;" for t in TABLES.values())
    for event in ("UPDATE", "DELETE"):
        out.append(
            f"CREATE TRIGGER IF NOT EXISTS {CLAIM_TABLE}_encoded_{event.lower()} AFTER {event} ON {CLAIM_TABLE} "
            f"BEGIN {deletes} END"
        )
    return out


#: The PostgreSQL triggers (statement-level, one per event: a transition table allows one event).
PG_TRIGGERS = {"UPDATE": f"{CLAIM_TABLE}_encoded_update", "DELETE": f"{CLAIM_TABLE}_encoded_delete"}


def pg_sql() -> list[str]:
    """DDL of the text tables and the triggers that drop changed or deleted versions' texts (PostgreSQL).

    Statement-level triggers over the transition table of old rows: one DELETE per
    statement, so superseding 50,000 versions costs what it cost without them (a
    row-level trigger doubled it: 17.9 s against 8.0 s on this machine). The function
    names the tables in the schema of the table it fires on, so a change made over a
    connection with another ``search_path`` (psql, QGIS) still finds them.
    """
    out = [f"CREATE TABLE IF NOT EXISTS {t} (fid bigint PRIMARY KEY, body bytea NOT NULL)" for t in TABLES.values()]
    deletes = " ".join(
        f"EXECUTE format('DELETE FROM %I.{t} k USING old_rows o WHERE k.fid = o.fid', TG_TABLE_SCHEMA);"
        for t in TABLES.values()
    )
    out.append(f"DROP TRIGGER IF EXISTS {CLAIM_TABLE}_encoded ON {CLAIM_TABLE}")  # row-level, 2026-12-07 only
    out.append(
        f"CREATE OR REPLACE FUNCTION {CLAIM_TABLE}_drop_encoded() RETURNS trigger LANGUAGE plpgsql AS "
        f"$$ BEGIN {deletes} RETURN NULL; END $$"
    )
    for event, name in PG_TRIGGERS.items():
        out.append(
            f"CREATE OR REPLACE TRIGGER {name} AFTER {event} ON {CLAIM_TABLE} REFERENCING OLD TABLE AS old_rows "
            f"FOR EACH STATEMENT EXECUTE FUNCTION {CLAIM_TABLE}_drop_encoded()"
        )
    return out


def csv_lines(rows: Sequence[Sequence[Any]]) -> list[str]:
    """Each row as the line ``csv.writer`` writes for it (``\\r\\n``-terminated), as ``layers.export.iter_csv_rows``."""
    out = io.StringIO()
    writer = csv.writer(out, lineterminator="\r\n")
    lines = []
    for row in rows:
        writer.writerow(row)
        lines.append(out.getvalue())
        out.seek(0)
        out.truncate()
    return lines
