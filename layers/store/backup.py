"""Back up a store while it stays in use, and restore it without ever leaving it half-replaced.

GeoPackage
    :func:`backup_gpkg` copies the file with SQLite's online backup API in one step: one
    read transaction, so the copy is a consistent snapshot even while other connections
    keep writing (WAL readers do not block writers). The copy is written under a hidden
    temporary name, switched to ``journal_mode=DELETE`` (one self-contained file),
    checked with ``PRAGMA integrity_check`` and only then linked to its final name, so an
    interrupted backup never leaves a partial file that looks like a backup.

    :func:`restore_gpkg` never opens the backup for writing. It copies it to a scratch
    file next to the store, checks that copy (integrity, GeoPackage, sitmap schema
    version) and then copies the scratch file into the live store with the backup API:
    SQLite writes the destination in one transaction, so readers of a running service
    see the old content until the commit and the restored content after it, never a mix,
    and a failure at any point leaves the store as it was. (Renaming a file over the
    store would be wrong while it is open: the running connections and the store's
    ``-wal`` file would keep pointing at the old one.)

PostGIS
    :func:`backup_postgis` runs ``pg_dump --format=custom`` over the relations of the
    store's schema (not the schema as a whole, which may be ``public`` and hold PostGIS
    itself or other applications' tables); pg_dump reads in one repeatable-read snapshot.
    The archive gets the same temporary-name, check, then link treatment.

    :func:`restore_postgis` turns the archive into SQL with ``pg_restore --clean`` (into a
    scratch file: a truncated or corrupt archive fails here, before the database is
    touched), points every reference to the dumped schema at the store's own schema, so
    a backup can be restored into another schema or database, and runs it with ``psql
    --single-transaction`` after taking the store's write lock: the old tables are
    replaced by the restored ones in one transaction, or not at all. Readers wait for the
    commit (PostgreSQL's table locks) and then read the restored tables.

Owners and grants are not carried over (``--no-owner --no-privileges``): the restored
tables belong to the user who restores them, as in a different database they must.
"""

from __future__ import annotations

import contextlib
import os
import re
import shutil
import sqlite3
import subprocess
import tempfile
import uuid
from collections.abc import Iterable, Iterator
from pathlib import Path
from typing import TYPE_CHECKING

from geo.errors import StoreError
from layers.errors import StoreBusy
from layers.store.base import check_schema_version

if TYPE_CHECKING:
    from layers.store.gpkg import GpkgStore
    from layers.store.postgis import PostgisStore

#: Seconds a GeoPackage backup or restore waits for another connection's lock.
LOCK_WAIT_S = 30.0
#: Attempts at a PostGIS restore that PostgreSQL aborted to break a deadlock with readers.
RESTORE_ATTEMPTS = 3
#: Where Debian and Ubuntu install each PostgreSQL version's programs (searched after PATH).
PG_LIB_DIR = "/usr/lib/postgresql"
#: Relation kinds of a store's schema that a PostGIS backup dumps (tables, views, sequences).
_PG_RELKINDS = ("r", "p", "v", "m", "S")


# --------------------------------------------------------------------------------------
# Shared
# --------------------------------------------------------------------------------------


def _scratch(near: Path, suffix: str) -> Path:
    """A hidden, unused file name in the directory of ``near`` (same file system, so a link is atomic)."""
    return near.with_name(f".{near.name}.{os.getpid()}.{uuid.uuid4().hex[:8]}{suffix}")


def _check_new_file(dest: Path) -> None:
    if dest.exists() or dest.is_symlink():
        raise StoreError(f"{dest} exists; choose a new backup file")
    if not dest.parent.is_dir():
        raise StoreError(f"cannot write backup {dest}: no directory {dest.parent}")


def _publish(tmp: Path, dest: Path) -> None:
    """Give the finished file ``tmp`` its final name ``dest``, refusing to replace a file that appeared meanwhile."""
    try:
        os.link(tmp, dest)  # fails if dest exists, unlike rename
    except FileExistsError as exc:
        raise StoreError(f"{dest} exists; choose a new backup file") from exc
    except OSError:  # a file system without hard links
        if dest.exists():
            raise StoreError(f"{dest} exists; choose a new backup file") from None
        os.replace(tmp, dest)
        return
    tmp.unlink()


def _remove(*paths: Path) -> None:
    for path in paths:
        for leftover in (path, Path(f"{path}-wal"), Path(f"{path}-shm"), Path(f"{path}-journal")):
            with contextlib.suppress(FileNotFoundError):
                leftover.unlink()


def _fsync(path: Path) -> None:
    fd = os.open(path, os.O_RDONLY)
    try:
        os.fsync(fd)
    finally:
        os.close(fd)


# --------------------------------------------------------------------------------------
# GeoPackage
# --------------------------------------------------------------------------------------


def _sqlite_error(what: str, exc: sqlite3.Error) -> StoreError:
    text = str(exc)
    if "locked" in text or "busy" in text:
        return StoreBusy(f"{what}: the store stayed locked by another connection; try again")
    return StoreError(f"{what}: {text}")


def check_sitmap_gpkg(conn: sqlite3.Connection, name: str) -> None:
    """Raise ``StoreError`` unless ``conn`` is an intact sitmap GeoPackage this code can open."""
    try:
        problems = [r[0] for r in conn.execute("PRAGMA integrity_check(5)")]
        app_id = conn.execute("PRAGMA application_id").fetchone()[0]
        tables = {r[0] for r in conn.execute("SELECT name FROM sqlite_master WHERE type = 'table'")}
    except sqlite3.DatabaseError as exc:
        raise StoreError(f"{name} is not a GeoPackage (not an SQLite database: {exc})") from exc
    if problems != ["ok"]:
        raise StoreError(f"{name} is damaged (SQLite integrity check: {problems[0]})")
    from layers.store.gpkg import GPKG_APPLICATION_ID

    if app_id != GPKG_APPLICATION_ID:
        raise StoreError(f"{name} is not a GeoPackage (SQLite application_id {app_id:#x}, not 'GPKG')")
    if "sitmap_meta" not in tables:
        raise StoreError(f"{name} is a GeoPackage but not a sitmap backup (no sitmap_meta table)")
    row = conn.execute("SELECT value FROM sitmap_meta WHERE key = 'schema_version'").fetchone()
    check_schema_version(row[0] if row else None, name)


def backup_gpkg(store: GpkgStore, dest: str | Path) -> Path:
    """Copy a GeoPackage store to the new file ``dest``: a consistent snapshot, checked, never partial."""
    dest = Path(dest)
    _check_new_file(dest)
    tmp = _scratch(dest, ".gpkg")
    try:
        source = sqlite3.connect(store.path, timeout=LOCK_WAIT_S)
        try:
            target = sqlite3.connect(tmp, isolation_level=None)
            try:
                source.backup(target)  # pages=-1: every page in one step, i.e. one read snapshot
                target.execute("PRAGMA journal_mode = DELETE")  # one self-contained file, no -wal beside it
                check_sitmap_gpkg(target, f"the backup of {store.path}")
            finally:
                target.close()
        except sqlite3.Error as exc:
            raise _sqlite_error(f"cannot back up {store.path} to {dest}", exc) from exc
        finally:
            source.close()
        _fsync(tmp)
        _publish(tmp, dest)
    finally:
        _remove(tmp)
    return dest


def restore_gpkg(store: GpkgStore, src: str | Path) -> None:
    """Replace a GeoPackage store's content with the backup ``src`` in one SQLite transaction."""
    src = Path(src)
    if not src.is_file():
        raise StoreError(f"no backup at {src}")
    scratch = _scratch(store.path, ".restore.gpkg")
    try:
        try:
            # read-only, so checking a backup never changes it; with no -wal beside it the file is all
            # there is, and immutable=1 also keeps SQLite from creating -wal/-shm files next to it
            mode = "mode=ro" if Path(f"{src}-wal").exists() else "mode=ro&immutable=1"
            source = sqlite3.connect(f"{src.resolve().as_uri()}?{mode}", uri=True, timeout=LOCK_WAIT_S)
        except sqlite3.Error as exc:
            raise StoreError(f"cannot read backup {src}: {exc}") from exc
        try:
            work = sqlite3.connect(scratch, isolation_level=None)
            try:
                try:
                    source.backup(work)
                    work.execute("PRAGMA journal_mode = DELETE")
                except sqlite3.DatabaseError as exc:
                    raise StoreError(f"{src} is not a GeoPackage, or is damaged (SQLite: {exc})") from exc
                check_sitmap_gpkg(work, str(src))
                try:
                    _prepare_scratch(store, work)
                except sqlite3.DatabaseError as exc:  # damage the integrity check did not see
                    raise StoreError(f"{src} is damaged: {exc}") from exc
                live = sqlite3.connect(store.path, timeout=LOCK_WAIT_S, isolation_level=None)
                try:
                    # the destination is written in one transaction: all of the backup or none of it
                    work.backup(live)
                finally:
                    live.close()
            finally:
                work.close()
        except sqlite3.Error as exc:
            raise _sqlite_error(f"cannot restore {store.path} from {src}", exc) from exc
        finally:
            source.close()
    finally:
        _remove(scratch)
    store.after_restore()


def _prepare_scratch(store: GpkgStore, work: sqlite3.Connection) -> None:
    """Bring the checked copy to what the live file needs: current indexes, the same page size."""
    from layers.store.gpkg import ORDER_INDEXES, register_functions

    register_functions(work)
    for stmt in ORDER_INDEXES:  # a backup written before these indexes existed lacks them
        work.execute(stmt)
    live = sqlite3.connect(store.path, timeout=LOCK_WAIT_S)
    try:
        live_size = live.execute("PRAGMA page_size").fetchone()[0]
    finally:
        live.close()
    if work.execute("PRAGMA page_size").fetchone()[0] != live_size:
        # SQLite cannot copy between page sizes into a WAL-mode file; rewrite the copy instead
        work.execute(f"PRAGMA page_size = {int(live_size)}")
        work.execute("VACUUM")


# --------------------------------------------------------------------------------------
# PostGIS
# --------------------------------------------------------------------------------------


def pg_tool(name: str) -> str:
    """The path of a PostgreSQL client program: on PATH, else the newest /usr/lib/postgresql/*/bin."""
    found = shutil.which(name)
    if found:
        return found
    candidates = sorted(
        Path(PG_LIB_DIR).glob(f"*/bin/{name}"),
        key=lambda p: int(p.parts[-3]) if p.parts[-3].isdigit() else 0,
    )
    if candidates:
        return str(candidates[-1])
    raise StoreError(f"{name} is not installed (Debian/Ubuntu: apt install postgresql-client)")


def _run_tool(name: str, args: list[str], conninfo: str | None, *, what: str) -> str:
    """Run a PostgreSQL client program; the password travels in the environment, never on the command line."""
    from psycopg.conninfo import conninfo_to_dict, make_conninfo

    cmd = [pg_tool(name), *args]
    env = dict(os.environ)
    if conninfo is not None:
        params = conninfo_to_dict(conninfo)
        password = params.pop("password", None)
        if password is not None:
            env["PGPASSWORD"] = str(password)
        cmd.append(f"--dbname={make_conninfo('', **params)}")
    proc = subprocess.run(cmd, capture_output=True, text=True, env=env, check=False)
    if proc.returncode != 0:
        lines = [line for line in proc.stderr.strip().splitlines() if line.strip()]
        errors = [line for line in lines if "error" in line.lower() or "fatal" in line.lower()]
        ended = f"killed by signal {-proc.returncode}" if proc.returncode < 0 else f"exit status {proc.returncode}"
        detail = (errors or lines or [f"{name} gave no message ({ended})"])[0]
        if "ERROR:" in detail:  # psql prefixes its script's file and line
            detail = detail[detail.index("ERROR:") :]
        raise StoreError(f"{what}: {detail.removeprefix(name + ': ').strip()}")
    return proc.stdout


def quote_ident(name: str) -> str:
    """``name`` as a double-quoted SQL identifier."""
    return '"' + name.replace('"', '""') + '"'


def _relations(conninfo: str) -> tuple[str, list[str]]:
    """The store's schema and its own relations (PostGIS's extension tables, if any, left out)."""
    import psycopg

    try:
        with psycopg.connect(conninfo, autocommit=True) as conn:
            schema = str(conn.execute("SELECT current_schema()").fetchone()[0])  # type: ignore[index]
            rows = conn.execute(
                "SELECT c.relname FROM pg_class c JOIN pg_namespace n ON n.oid = c.relnamespace "
                "WHERE n.nspname = current_schema() AND c.relkind = ANY(%s) AND NOT EXISTS ("
                "SELECT 1 FROM pg_depend d WHERE d.classid = 'pg_class'::regclass AND d.objid = c.oid "
                "AND d.deptype = 'e') ORDER BY 1",
                (list(_PG_RELKINDS),),
            ).fetchall()
    except psycopg.Error as exc:
        raise StoreError(f"cannot read the store's schema: {exc}") from exc
    return schema, [str(r[0]) for r in rows]


def backup_postgis(store: PostgisStore, dest: str | Path) -> Path:
    """``pg_dump`` (custom format) of the store's relations to the new file ``dest``, checked, never partial."""
    dest = Path(dest)
    _check_new_file(dest)
    schema, names = _relations(store.conninfo)
    if "sitmap_meta" not in names:
        raise StoreError(f"schema {schema!r} holds no sitmap store")
    tmp = _scratch(dest, ".dump")
    try:
        tables = [f"--table={quote_ident(schema)}.{quote_ident(n)}" for n in names]
        _run_tool(
            "pg_dump",
            ["--format=custom", "--no-owner", "--no-privileges", *tables, f"--file={tmp}"],
            store.conninfo,
            what=f"pg_dump of schema {schema!r} failed",
        )
        archive_schema(tmp)  # the archive reads back and holds a sitmap store
        _fsync(tmp)
        _publish(tmp, dest)
    finally:
        _remove(tmp)
    return dest


#: A table-of-contents line of ``pg_restore --list``: ``id; oid oid TYPE schema name owner``.
_TOC_LINE = re.compile(r"^\d+; \d+ \d+ (?P<type>[A-Z][A-Z ]*[A-Z]) (?P<schema>\S+) (?P<name>\S+)(?: (?P<rest>.*))?$")


def _toc(src: Path) -> list[re.Match[str]]:
    listing = _run_tool("pg_restore", ["--list", str(src)], None, what=f"{src} is not a readable pg_dump archive")
    return [m for m in (_TOC_LINE.match(line) for line in listing.splitlines()) if m]


def archive_schema(src: str | Path) -> str:
    """The schema a sitmap ``pg_dump`` archive was taken from (``StoreError`` if it is not one)."""
    src = Path(src)
    entries = _toc(src)
    tables = {(m["schema"], m["name"]) for m in entries if m["type"] == "TABLE"}
    data = {(m["schema"], m["name"]) for m in entries if m["type"] == "TABLE DATA"}
    metas = {schema for schema, name in tables if name == "sitmap_meta"}
    if not metas or not any(name == "sitmap_meta" for _, name in data):
        raise StoreError(f"{src} is not a sitmap backup (no sitmap_meta table)")
    schemas = {m["schema"] for m in entries if m["schema"] != "-"}
    if len(schemas) != 1:
        raise StoreError(f"{src} holds several schemas ({', '.join(sorted(schemas))}); expected one sitmap store")
    return metas.pop()


def _objects(entries: Iterable[re.Match[str]]) -> set[str]:
    """Names of the relations, sequences, indexes and constraints an archive creates."""
    out: set[str] = set()
    for m in entries:
        if m["type"] in ("TABLE", "VIEW", "SEQUENCE", "INDEX", "MATERIALIZED VIEW"):
            out.add(m["name"])
        elif m["type"] == "CONSTRAINT" and m["rest"]:
            out.add(m["rest"].split()[0])  # "CONSTRAINT schema table name owner"
    return out


def rewrite_schema(lines: Iterable[str], old: str, new: str, names: set[str]) -> Iterator[str]:
    """The SQL of ``pg_restore -f`` with every reference to ``old``'s objects moved to schema ``new``.

    Only ``old.<name>`` with a name the archive itself creates is rewritten (so
    ``public.geometry`` stays PostGIS's type even when the dump came from ``public``),
    and never inside ``COPY ... FROM stdin`` data, which passes through byte for byte.
    """
    if old == new:
        yield from lines
        return
    quoted_old = re.escape(quote_ident(old))
    bare_old = re.escape(old)
    alternation = "|".join(re.escape(n) for n in sorted(names, key=len, reverse=True))
    pattern = re.compile(rf'(?<![\w"$.])(?:{quoted_old}|{bare_old})\.(?=(?:{alternation})\b|"(?:{alternation})")')
    target = quote_ident(new) + "."
    in_copy = False
    for line in lines:
        if in_copy:
            if line.rstrip("\r\n") == "\\.":
                in_copy = False
            yield line
            continue
        if line.startswith("COPY ") and line.rstrip().endswith("FROM stdin;"):
            in_copy = True
        yield pattern.sub(target, line)


def _watch_meta(lines: Iterable[str], found: dict[str, str]) -> Iterator[str]:
    """Pass the script through, noting the rows of the ``sitmap_meta`` table (its COPY data) in ``found``."""
    in_meta = False
    for line in lines:
        if in_meta:
            if line.rstrip("\r\n") == "\\.":
                in_meta = False
            elif "\t" in line:
                key, _, value = line.rstrip("\r\n").partition("\t")
                found[key] = value
        elif line.startswith("COPY ") and ".sitmap_meta " in line and line.rstrip().endswith("FROM stdin;"):
            in_meta = True
        yield line


#: Replaced in tests to make the restore fail after all the data has been loaded.
_script_tail = ""


def restore_postgis(store: PostgisStore, src: str | Path) -> None:
    """Replace the store's relations with those of a ``backup_postgis`` archive, in one transaction."""
    src = Path(src)
    if not src.is_file():
        raise StoreError(f"no backup at {src}")
    entries = _toc(src)
    old = archive_schema(src)
    schema, _ = _relations(store.conninfo)
    # the schema itself is the store's (it may hold other things: PostGIS, for one); only its objects are replaced
    # and the kept-text trigger is left out: its function is not in the archive (pg_dump takes
    # tables only), so the store re-creates both in its own schema when it next opens (init);
    # so are the tile grid's triggers, re-created with the grid by the first low-zoom tile
    # after the next write (the grid's clock then lags the claims')
    keep = [
        m.string
        for m in entries
        if m["type"] != "SCHEMA"
        and not (m["type"] == "COMMENT" and m["schema"] == "-")
        and not (m["type"] == "TRIGGER" and ("claim_versions_encoded" in m.string or "claim_tile_grid" in m.string))
    ]
    with tempfile.TemporaryDirectory(prefix="sitmap-restore-") as work:
        listing = Path(work) / "toc.list"
        listing.write_text("\n".join(keep) + "\n", encoding="utf-8")
        raw = Path(work) / "archive.sql"
        # the whole archive is read here: a truncated or corrupt one fails before the database is touched
        _run_tool(
            "pg_restore",
            [
                "--clean",
                "--if-exists",
                "--no-owner",
                "--no-privileges",
                f"--use-list={listing}",
                f"--file={raw}",
                str(src),
            ],
            None,
            what=f"{src} cannot be read",
        )
        script = Path(work) / "restore.sql"
        lock = f"SELECT pg_advisory_xact_lock(hashtext({_literal(schema + '.sitmap.write')}));\n"
        with raw.open(encoding="utf-8", newline="") as fin, script.open("w", encoding="utf-8", newline="") as fout:
            fout.write(lock)  # sitmap writers wait for the restore instead of writing into the old tables
            meta: dict[str, str] = {}
            fout.writelines(rewrite_schema(_watch_meta(fin, meta), old, schema, _objects(entries)))
            fout.write("\n" + _script_tail)
        raw.unlink()
        check_schema_version(meta.get("schema_version"), str(src))
        for attempt in range(1, RESTORE_ATTEMPTS + 1):
            try:
                _run_tool(
                    "psql",
                    ["--no-psqlrc", "--quiet", "--set=ON_ERROR_STOP=1", "--single-transaction", f"--file={script}"],
                    store.conninfo,
                    what=f"restore of {src} into schema {schema!r} failed (nothing was changed)",
                )
                break
            except StoreError as exc:
                if "deadlock detected" not in str(exc) or attempt == RESTORE_ATTEMPTS:
                    raise
    store.after_restore()


def _literal(text: str) -> str:
    return "'" + text.replace("'", "''") + "'"


__all__ = [
    "archive_schema",
    "backup_gpkg",
    "backup_postgis",
    "check_sitmap_gpkg",
    "pg_tool",
    "restore_gpkg",
    "restore_postgis",
    "rewrite_schema",
]
