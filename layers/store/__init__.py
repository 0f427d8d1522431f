"""Storage backends behind one protocol, chosen by URL.

``open_store("sitmap.gpkg")`` opens (and creates) an embedded GeoPackage;
``open_store("postgresql://...")`` a PostGIS database. Backends are imported
lazily so the embedded default needs no database driver.
"""

from __future__ import annotations

import re
from pathlib import Path

from geo.errors import InvalidInput
from layers.errors import StoreBusy
from layers.store.base import ClaimQuery, Page, ReportQuery, Store, StoreStats, WriteResult, ZoneQuery

__all__ = [
    "ClaimQuery",
    "Page",
    "ReportQuery",
    "Store",
    "StoreBusy",
    "StoreStats",
    "WriteResult",
    "ZoneQuery",
    "open_store",
]


#: The start of a libpq "key=value" connection string (``dbname=sitmap user=me``), which
#: would otherwise be taken for a GeoPackage file name.
_LIBPQ_KEYWORDS = re.compile(r"^\s*(host|hostaddr|port|dbname|user|password|service|sslmode|options)\s*=", re.I)


def open_store(url: str | Path, *, create: bool = True, busy_timeout_s: float | None = None) -> Store:
    """Open the store at ``url``: a ``.gpkg`` path (or ``gpkg:`` URL) or ``postgresql://``.

    The schema is created when missing (``create=True``) and checked when present:
    a file that is not a GeoPackage, or a schema newer than this code, raises
    ``StoreError`` with a clear message. ``busy_timeout_s`` bounds how long a GeoPackage
    read or write waits for a file another process has locked before ``StoreBusy``
    (``None``: the backend's default, long enough for batch jobs).
    """
    text = str(url)
    if text.startswith(("postgresql://", "postgres://", "postgresql+psycopg://")):
        from layers.store.postgis import PostgisStore

        store: Store = PostgisStore(text)
    elif _LIBPQ_KEYWORDS.match(text) and not text.endswith(".gpkg"):
        raise InvalidInput(
            f"{text.split('=', 1)[0].strip()}=... looks like a libpq connection string; "
            "give PostGIS as a URL, e.g. postgresql://user@host:5432/dbname"
        )
    elif (
        text.startswith("gpkg:")
        or text.endswith(".gpkg")
        or (not text.startswith(("http:", "https:")) and "://" not in text)
    ):
        from layers.store.gpkg import GpkgStore

        path = text.removeprefix("gpkg:")
        store = GpkgStore(path, create=create, busy_timeout_s=busy_timeout_s)
    else:
        raise InvalidInput(f"unsupported store URL {text!r}: use a .gpkg path or postgresql://...")
    store.init()
    return store
