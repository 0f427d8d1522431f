"""The ``sitmap`` command line: a thin shell over the functions the API calls.

Every command takes ``--db`` (default ``$SITMAP_DB`` or ``sitmap.gpkg``). Errors are
one readable line on stderr and a non-zero exit; ``sitmap --debug ...`` shows the
traceback instead. Heavy modules are imported inside commands so ``--help`` is fast.
"""

from __future__ import annotations

import json
import sys
from typing import Annotated, Any

import click
import typer

from api.cli_feeds import feeds_app
from api.cli_feeds import watch as watch_command
from api.cli_layer import layer_app
from api.cli_options import DEFAULT_DB, DbOption, cli_user, terminal_safe
from api.cli_tokens import tokens_app
from geo.errors import SitmapError

try:  # typer >= 0.22 ships its own copy of click, whose exceptions are not click's classes
    from typer._click.exceptions import ClickException as _TyperClickException
except ImportError:  # pragma: no cover - older typer raises click's own
    _TyperClickException = click.ClickException  # type: ignore[misc,assignment]

app = typer.Typer(
    name="sitmap",
    help="Reports about strikes, attacks and evacuation orders as dated, source-tagged map layers.",
    no_args_is_help=True,
    pretty_exceptions_enable=False,
    add_completion=False,
)
db_app = typer.Typer(help="Create, inspect, back up and restore the store.", no_args_is_help=True)
app.add_typer(db_app, name="db")

_state: dict[str, Any] = {"debug": False}


@app.callback()
def _root(
    debug: Annotated[bool, typer.Option("--debug", help="Show the full traceback on errors.")] = False,
) -> None:
    """sitmap: every feature is a claim with a claimant, a source, a time and an uncertainty."""
    _state["debug"] = debug


def echo_json(data: Any) -> None:
    """Print ``data`` as UTF-8 JSON on stdout (one document)."""
    sys.stdout.write(json.dumps(data, ensure_ascii=False, indent=1, default=str))
    sys.stdout.write("\n")


# --------------------------------------------------------------------------------------
# sitmap db ...
# --------------------------------------------------------------------------------------


@db_app.command("init")
def db_init(db: DbOption = DEFAULT_DB) -> None:
    """Create the store (GeoPackage file or PostGIS schema) with the default layers."""
    from layers.store import open_store

    store = open_store(db)
    try:
        _install_default_layers(store)
        typer.echo(f"initialised {store.backend} store at {db}")
    finally:
        store.close()


def _install_default_layers(store: Any) -> None:
    """Put the default layer definitions into a store when layers.catalog provides them."""
    try:
        from layers.catalog import install_default_layers
    except ImportError:  # the layer catalogue lands with the layers issue
        return
    install_default_layers(store)


@db_app.command("stats")
def db_stats(
    db: DbOption = DEFAULT_DB,
    as_json: Annotated[bool, typer.Option("--json", help="Print JSON instead of text.")] = False,
) -> None:
    """Counts by layer, event type and status, extent and time span of the store."""
    from layers.store import open_store

    store = open_store(db, create=False)
    try:
        s = store.stats()
        by_layer = _layer_counts(store)
    finally:
        store.close()
    data = {
        "backend": s.backend,
        "claims": s.claims,
        "claim_versions": s.claim_versions,
        "zones": s.zones,
        "reports": s.reports,
        "sources": s.sources,
        "claims_by_event_type": s.claims_by_event_type,
        "claims_by_status": s.claims_by_status,
        "bbox": list(s.bbox) if s.bbox else None,
        "time_span": [t.isoformat() for t in s.time_span] if s.time_span else None,
        "last_recorded_at": s.last_recorded_at.isoformat() if s.last_recorded_at else None,
        "layers": by_layer,
    }
    if as_json:
        echo_json(data)
        return
    typer.echo(f"store      {db} ({s.backend})")
    typer.echo(f"claims     {s.claims} ({s.claim_versions} versions)")
    typer.echo(f"zones      {s.zones}")
    typer.echo(f"reports    {s.reports} from {s.sources} sources")
    for k, v in sorted(s.claims_by_event_type.items()):
        typer.echo(f"  {k:<18} {v}")
    if s.claims_by_status:
        typer.echo("status     " + ", ".join(f"{k} {v}" for k, v in sorted(s.claims_by_status.items())))
    if s.bbox:
        typer.echo("extent     " + ", ".join(f"{c:.5f}" for c in s.bbox))
    if s.time_span:
        typer.echo(f"time span  {s.time_span[0].isoformat()} .. {s.time_span[1].isoformat()}")
    if by_layer:
        typer.echo("layers     " + ", ".join(f"{k} {v}" for k, v in by_layer.items()))


def _layer_counts(store: Any) -> dict[str, int]:
    """How many records each stored layer shows now (empty when the layer catalogue is not installed)."""
    try:
        from layers.catalog import layer_count
    except ImportError:  # pragma: no cover - the catalogue ships with the layers package
        return {}
    return {layer.id: layer_count(store, layer) for layer in store.list_layers()}


@db_app.command("encode")
def db_encode(db: DbOption = DEFAULT_DB) -> None:
    """Write and keep every current claim's download texts (GeoJSON and CSV) now, e.g. after an import.

    A download keeps the texts it writes, so the next one only reads them; this pays
    that first writing before any reader does.
    """
    import time

    from layers.store import open_store

    store = open_store(db, create=False)
    try:
        t0 = time.perf_counter()
        n = _keep_download_texts(store)
        if n is None:
            raise SitmapError(f"the {store.backend} store keeps no download texts")
    finally:
        store.close()
    typer.echo(f"kept the GeoJSON and CSV texts of {n} claims in {time.perf_counter() - t0:.1f} s")


def _keep_download_texts(store: Any) -> int | None:
    """Write and keep every current claim's GeoJSON and CSV download texts; ``None`` if the store keeps none."""
    from layers.export import csv_columns
    from layers.store import ClaimQuery

    texts = getattr(store, "iter_claim_text_blocks", None)
    lines = getattr(store, "iter_claim_csv_blocks", None)
    if texts is None or lines is None:
        return None
    n = sum(len(block) for block in texts(ClaimQuery()))
    for _ in lines(ClaimQuery(), csv_columns(None)):
        pass
    return n


def _encode_after_import(db: str, result: Any, encode: bool, as_json: bool) -> None:
    """After an import that stored claims, what `sitmap db encode` does (the first download then reads them).

    Without it the first download after an import wrote every text itself, 1.5-2x slower.
    """
    if not encode or getattr(result, "dry_run", False) or not getattr(result, "stored", 0):
        return
    import time

    from layers.store import open_store

    t0 = time.perf_counter()
    store = open_store(db, create=False)
    try:
        n = _keep_download_texts(store)
    except SitmapError as exc:  # the import is done and stored: say so, do not fail it
        typer.echo(f"note: download texts not kept now ({exc.message}); `sitmap db encode` does it", err=True)
        return
    finally:
        store.close()
    if n is not None and not as_json:
        typer.echo(f"kept the download texts of {n} claims in {time.perf_counter() - t0:.1f} s", err=True)


@db_app.command("backup")
def db_backup(
    path: Annotated[str, typer.Argument(help="New file to write (a .gpkg copy, or a pg_dump archive for PostGIS).")],
    db: DbOption = DEFAULT_DB,
) -> None:
    """Back up the store while it stays in use: SQLite's online backup for a GeoPackage, pg_dump for PostGIS."""
    from layers.store import open_store

    store = open_store(db, create=False)
    try:
        backup = getattr(store, "backup", None)
        if backup is None:
            raise SitmapError(f"the {store.backend} store has no backup support")
        dest = backup(path)
    finally:
        store.close()
    typer.echo(f"backed up {store.backend} store {db} to {dest}")


@db_app.command("restore")
def db_restore(
    path: Annotated[str, typer.Argument(help="A file written by 'sitmap db backup'.")],
    db: DbOption = DEFAULT_DB,
    yes: Annotated[bool, typer.Option("--yes", "--force", help="Replace the store's content without asking.")] = False,
) -> None:
    """Replace the store's content with a backup, in one transaction (checked to be a sitmap backup first).

    A GeoPackage backup restores into a GeoPackage, a pg_dump archive into any PostGIS
    schema or database; a restore that fails leaves the store exactly as it was.
    """
    import os

    from layers.store import open_store

    if not os.path.isfile(path):
        raise SitmapError(f"no backup at {path}")
    if not yes:
        typer.confirm(f"replace everything in {db} with {path}?", abort=True)
    store = open_store(db)
    try:
        restore = getattr(store, "restore", None)
        if restore is None:
            raise SitmapError(f"the {store.backend} store has no restore support")
        restore(path)
        stats = store.stats()
    finally:
        store.close()
    typer.echo(f"restored {db} from {path}: {stats.claims} claims, {stats.zones} zones")


# --------------------------------------------------------------------------------------
# sitmap geocode
# --------------------------------------------------------------------------------------


@app.command("geocode")
def geocode(
    file: Annotated[str, typer.Argument(help="A UTF-8 text file, or - for standard input.")],
    published: Annotated[
        str | None, typer.Option("--published", help="Publication date, YYYY-MM-DD or ISO 8601.")
    ] = None,
    source: Annotated[str | None, typer.Option("--source", help="Outlet or issuer of the text.")] = None,
    url: Annotated[str | None, typer.Option("--url", help="Address of the text.")] = None,
    mentions: Annotated[
        bool, typer.Option("--mentions", help="Print every place mention instead of the event claims.")
    ] = False,
) -> None:
    """Print a report's claims (or, with --mentions, its place mentions) as one GeoJSON FeatureCollection.

    Nothing is written to any store.
    """
    from geo.parser import MAX_TEXT_BYTES, check_text, claim_to_feature, mention_to_feature, parse
    from geo.timeparse import parse_published

    pub = parse_published(published)  # a bad date fails before any file is read
    if file == "-":
        raw = sys.stdin.buffer.read(MAX_TEXT_BYTES + 1)
    else:
        import os

        from geo.errors import InvalidInput

        if not os.path.isfile(file):
            # the same line and exit 2 as `sitmap import` gives a path that is not there
            raise InvalidInput(f"no such file: {file}")
        with open(file, "rb") as fh:
            raw = fh.read(MAX_TEXT_BYTES + 1)
    if mentions:
        from geo.resolve import mentions as find_mentions

        text = check_text(raw)
        features = [mention_to_feature(m) for m in find_mentions(text, published=pub)] if text.strip() else []
    else:
        features = [claim_to_feature(c) for c in parse(raw, published=pub, source=source, url=url)]
    echo_json({"type": "FeatureCollection", "features": features})


# --------------------------------------------------------------------------------------
# sitmap demo, sitmap import acled|ucdp|geojson|csv|gpkg|parquet
# --------------------------------------------------------------------------------------

import_app = typer.Typer(
    help="Import ACLED or UCDP GED CSV exports, or claims and zones from GeoJSON, CSV, GeoPackage or Parquet.",
    no_args_is_help=True,
)
app.add_typer(import_app, name="import")

StrictOption = Annotated[
    bool, typer.Option("--strict", help="Store nothing if any row is bad (default: skip bad rows and report them).")
]
JsonOption = Annotated[bool, typer.Option("--json", help="Print the import report as JSON.")]
EncodeOption = Annotated[
    bool,
    typer.Option(
        "--encode/--no-encode",
        help="Then keep every claim's download texts, as `sitmap db encode` (the first download is then not slower).",
    ),
]
#: Files larger than this get a progress bar (roughly a few thousand ACLED rows).
PROGRESS_MIN_BYTES = 1_000_000


@app.command("demo")
def demo(
    db: DbOption = DEFAULT_DB,
    check: Annotated[
        bool, typer.Option("--check", help="Also compare each text's claims with where and when it should be.")
    ] = False,
) -> None:
    """Load the demo reports (through the geocoder) and the real evacuation orders; loading twice changes nothing."""
    import os

    from layers.demo import check_demo, create_demo_gpkg, load_demo
    from layers.store import open_store

    fresh_file = not db.startswith(("postgresql:", "postgres:")) and not os.path.exists(db.removeprefix("gpkg:"))
    if fresh_file:  # built aside and renamed into place, so an interrupted first start leaves nothing
        result = create_demo_gpkg(db.removeprefix("gpkg:"))
    store = open_store(db)
    try:
        if not fresh_file:
            result = load_demo(store)
        checks = check_demo(store) if check else []
    finally:
        store.close()
    typer.echo(result.summary() + ("" if result.changed else " (already loaded: nothing changed)"))
    for c in checks:
        flags = (c.type_ok, c.place_ok, c.time_ok, c.claimant_ok)
        marks = "".join(m if ok else "-" for m, ok in zip("TPDC", flags, strict=True))
        dist = f"{c.distance_km:g} km" if c.distance_km is not None else "unplaced"
        typer.echo(f"{'ok ' if c.ok else 'BAD'} {marks} {c.report.id:<40} {c.claims} claims, {dist}")
    if checks:
        good = sum(c.ok for c in checks)
        typer.echo(
            f"{good}/{len(checks)} texts placed with the right type, place and day (T type, P place, D day, C claimant)"
        )


def _rows_progress(file: str) -> Any:
    """A rich progress bar on stderr: bytes read, rows read and rows per second."""
    from rich.console import Console  # rich comes with typer
    from rich.progress import BarColumn, DownloadColumn, Progress, TextColumn, TimeRemainingColumn

    return Progress(
        "[progress.description]{task.description}",
        BarColumn(),
        DownloadColumn(),
        TextColumn("{task.fields[rows]:,} rows, {task.fields[rate]:,.0f} rows/s"),
        TimeRemainingColumn(),
        console=Console(stderr=True),
        transient=True,
    )


def _run_features(kind: str, file: str, db: str, strict: bool, as_json: bool, options: dict[str, Any]) -> Any:
    """A feature import (GeoJSON, CSV, GeoPackage, Parquet), with a rows/s progress bar on a terminal for big files.

    The file is checked before the store is opened, so a wrong file leaves no new store behind.
    """
    import os
    import time

    from layers.importers.geojson import import_geojson
    from layers.importers.tabular import check_table
    from layers.store import open_store

    if kind != "geojson":
        check_table(file, kind, layer=options.get("layer"), mapping=options.get("mapping"))
    store = open_store(db) if not options.get("dry_run") else None
    try:

        def run(progress: Any = None) -> Any:
            if kind == "geojson":
                return import_geojson(
                    store,  # type: ignore[arg-type]  # None only with dry_run, which writes nothing
                    file,
                    strict=strict,
                    recorded_by=cli_user("import:geojson"),
                    progress=progress,
                    **options,
                )
            from layers.importers.tabular import import_table

            return import_table(
                store, file, kind, strict=strict, recorded_by=cli_user(f"import:{kind}"), progress=progress, **options
            )

        if os.path.getsize(file) < PROGRESS_MIN_BYTES or not sys.stderr.isatty() or as_json:
            return run()
        with _rows_progress(file) as bar:
            task = bar.add_task(f"importing {os.path.basename(file)}", total=os.path.getsize(file), rows=0, rate=0.0)
            t0 = time.monotonic()

            def show(done: int, total: int, rows: int) -> None:
                rate = rows / max(time.monotonic() - t0, 1e-6)
                bar.update(task, completed=done, rows=rows, rate=rate)

            return run(show)
    finally:
        if store is not None:
            store.close()


def _run_import(
    kind: str, file: str, db: str, strict: bool, as_json: bool, *, encode: bool = True, **options: Any
) -> None:
    """Run one importer with a progress bar on big files, print its report, then keep the download texts."""
    import os

    from layers.store import open_store

    if not os.path.isfile(file):
        from geo.errors import InvalidInput

        raise InvalidInput(f"no such file: {file}")
    if kind in ("geojson", "csv", "gpkg", "parquet"):
        result = _run_features(kind, file, db, strict, as_json, options)
        _print_import(result, as_json)
        _encode_after_import(db, result, encode, as_json)
        return
    if kind == "acled":
        from layers.importers.acled import import_acled as run
    else:
        from layers.importers.ucdp import import_ucdp as run
    store = open_store(db)
    try:
        if os.path.getsize(file) >= PROGRESS_MIN_BYTES and sys.stderr.isatty() and not as_json:
            from rich.console import Console  # rich comes with typer
            from rich.progress import BarColumn, DownloadColumn, Progress, TimeRemainingColumn

            with Progress(
                "[progress.description]{task.description}",
                BarColumn(),
                DownloadColumn(),
                TimeRemainingColumn(),
                console=Console(stderr=True),
                transient=True,
            ) as bar:
                task = bar.add_task(f"importing {os.path.basename(file)}", total=os.path.getsize(file))
                result = run(
                    store,
                    file,
                    strict=strict,
                    progress=lambda done, total: bar.update(task, completed=done),
                    recorded_by=cli_user(f"import:{kind}"),
                )
        else:
            result = run(store, file, strict=strict, recorded_by=cli_user(f"import:{kind}"))
    finally:
        store.close()
    _print_import(result, as_json)
    _encode_after_import(db, result, encode, as_json)


def _print_import(result: Any, as_json: bool) -> None:
    """The import report: JSON, or a summary line on stdout and the bad rows on stderr."""
    if as_json:
        echo_json(result.as_dict() if hasattr(result, "as_dict") else result)
        return
    if getattr(result, "dry_run", False):
        typer.echo("input column -> sitmap property")
        for column, target in result.columns.items():
            name = terminal_safe(column)
            typer.echo(f"  {name} -> {target or 'nothing (ignored; name it with --map PROPERTY=' + name + ')'}")
    for notice in getattr(result, "notices", []):
        typer.echo(f"note: {terminal_safe(notice)}", err=True)
    errors = getattr(result, "errors", [])
    for bad in errors[:20]:
        typer.echo(f"bad row: {terminal_safe(bad)}", err=True)
    count = getattr(result, "error_count", len(errors))
    if count > 20:
        typer.echo(f"... and {count - 20} more bad rows (use --json for the full list)", err=True)
    typer.echo(result.summary() if hasattr(result, "summary") else str(result))


@import_app.command("acled")
def import_acled_cmd(
    file: Annotated[str, typer.Argument(help="An ACLED CSV export (comma-separated, UTF-8).")],
    db: DbOption = DEFAULT_DB,
    strict: StrictOption = False,
    as_json: JsonOption = False,
    encode: EncodeOption = True,
) -> None:
    """Import an ACLED export: one claim per event, id acled:<event_id_cnty>, re-import changes nothing."""
    _run_import("acled", file, db, strict, as_json, encode=encode)


@import_app.command("ucdp")
def import_ucdp_cmd(
    file: Annotated[str, typer.Argument(help="A UCDP GED CSV file (comma-separated, UTF-8).")],
    db: DbOption = DEFAULT_DB,
    strict: StrictOption = False,
    as_json: JsonOption = False,
    encode: EncodeOption = True,
) -> None:
    """Import UCDP GED events: one claim per event, id ucdp:<id>, re-import changes nothing."""
    _run_import("ucdp", file, db, strict, as_json, encode=encode)


MapOption = Annotated[
    list[str] | None,
    typer.Option(
        "--map",
        help="PROPERTY=COLUMN[,...]: read sitmap's PROPERTY from the file's COLUMN (e.g. valid_from=event_date).",
    ),
]
TableMapOption = Annotated[
    list[str] | None,
    typer.Option(
        "--map",
        help="PROPERTY=COLUMN[,...]: read sitmap's PROPERTY from the file's COLUMN (e.g. valid_from=event_date); "
        "geometry=COLUMN names a WKT column, longitude=COLUMN,latitude=COLUMN a point's.",
    ),
]
DryRunOption = Annotated[
    bool, typer.Option("--dry-run", help="Read and check the file, print what each column becomes; store nothing.")
]
AllowUndatedOption = Annotated[
    bool,
    typer.Option("--allow-undated", help="Store claims without a date (counted) instead of refusing them."),
]


@import_app.command("geojson")
def import_geojson_cmd(
    file: Annotated[str, typer.Argument(help="A GeoJSON FeatureCollection of claims or zones (sitmap's own export).")],
    db: DbOption = DEFAULT_DB,
    strict: StrictOption = False,
    as_json: JsonOption = False,
    encode: EncodeOption = True,
    mapping: MapOption = None,
    dry_run: DryRunOption = False,
    allow_undated: AllowUndatedOption = False,
) -> None:
    """Import a GeoJSON FeatureCollection of claims or zones; sitmap's own exports round-trip.

    A claim without claimant, source or valid_from is refused with its feature number
    unless --map names the file's column (or --allow-undated lets it go without a date).
    """
    _run_import("geojson", file, db, strict, as_json, encode=encode, **_import_options(mapping, dry_run, allow_undated))


def _import_options(
    mapping: list[str] | None, dry_run: bool, allow_undated: bool, *, geometry: bool = False
) -> dict[str, Any]:
    """The options every feature import shares; a table's ``--map`` may also name its geometry columns."""
    from layers.importers.geojson import parse_mapping

    parsed = parse_mapping(mapping or [], geometry=geometry)
    return {"mapping": parsed, "dry_run": dry_run, "allow_undated": allow_undated}


def _table_options(mapping: list[str] | None, dry_run: bool, allow_undated: bool) -> dict[str, Any]:
    return _import_options(mapping, dry_run, allow_undated, geometry=True)


@import_app.command("csv")
def import_csv_cmd(
    file: Annotated[
        str, typer.Argument(help="A CSV of claims or zones (sitmap's own export, or lon/lat or WKT columns; UTF-8).")
    ],
    db: DbOption = DEFAULT_DB,
    strict: StrictOption = False,
    as_json: JsonOption = False,
    encode: EncodeOption = True,
    mapping: TableMapOption = None,
    dry_run: DryRunOption = False,
    allow_undated: AllowUndatedOption = False,
) -> None:
    """Import a CSV of claims or zones, streamed; sitmap's own CSV exports round-trip.

    The geometry is a WKT column (geometry_wkt, wkt, geometry, ...) or longitude and
    latitude columns; the delimiter (comma, semicolon, tab, pipe) is detected. Bad rows
    are named by line; the rules of `sitmap import geojson` apply to every row.
    """
    _run_import("csv", file, db, strict, as_json, encode=encode, **_table_options(mapping, dry_run, allow_undated))


@import_app.command("gpkg")
def import_gpkg_cmd(
    file: Annotated[str, typer.Argument(help="A GeoPackage with a layer of claims or zones (sitmap's own export).")],
    layer: Annotated[
        str | None, typer.Option("--layer", help="The layer to read (needed when the file has several).")
    ] = None,
    db: DbOption = DEFAULT_DB,
    strict: StrictOption = False,
    as_json: JsonOption = False,
    encode: EncodeOption = True,
    mapping: TableMapOption = None,
    dry_run: DryRunOption = False,
    allow_undated: AllowUndatedOption = False,
) -> None:
    """Import a GeoPackage layer of claims or zones, read in batches; sitmap's own exports round-trip.

    Bad rows are named by feature id (FID); the rules of `sitmap import geojson` apply.
    """
    _run_import(
        "gpkg", file, db, strict, as_json, encode=encode, layer=layer, **_table_options(mapping, dry_run, allow_undated)
    )


@import_app.command("parquet")
def import_parquet_cmd(
    file: Annotated[
        str, typer.Argument(help="A (Geo)Parquet file of claims or zones (WKB geometry; sitmap's own export).")
    ],
    db: DbOption = DEFAULT_DB,
    strict: StrictOption = False,
    as_json: JsonOption = False,
    encode: EncodeOption = True,
    mapping: TableMapOption = None,
    dry_run: DryRunOption = False,
    allow_undated: AllowUndatedOption = False,
) -> None:
    """Import a GeoParquet (or Parquet with lon/lat or WKT columns) file of claims or zones, read in batches.

    Bad rows are named by row number (from 0); the rules of `sitmap import geojson` apply.
    """
    _run_import("parquet", file, db, strict, as_json, encode=encode, **_table_options(mapping, dry_run, allow_undated))


# --------------------------------------------------------------------------------------
# sitmap zones import-orders|area, sitmap raster
# --------------------------------------------------------------------------------------

zones_app = typer.Typer(help="Evacuation orders and humanitarian zones: import the real orders, measure areas.")
app.add_typer(zones_app, name="zones", no_args_is_help=True)
app.add_typer(tokens_app, name="tokens")
app.add_typer(layer_app, name="layer")
app.add_typer(feeds_app, name="feeds", no_args_is_help=True)
app.command("watch")(watch_command)


@zones_app.command("import-orders")
def zones_import_orders(
    db: DbOption = DEFAULT_DB,
    source: Annotated[
        list[str] | None,
        typer.Option("--source", help="gazamaps (109 orders, 2023-10..2025-06; default) and/or gazanowpop (2025)."),
    ] = None,
    until: Annotated[
        str | None, typer.Option("--until", help="Lift every order at this instant (default: in force until lifted).")
    ] = None,
    as_json: Annotated[bool, typer.Option("--json", help="Print the result as JSON.")] = False,
) -> None:
    """Load the shipped real evacuation orders into the store as zones (loading twice changes nothing)."""
    from layers.params import parse_instant
    from layers.store import open_store
    from layers.zones import load_real_orders_report

    report = load_real_orders_report(
        tuple(source or ("gazamaps",)),  # type: ignore[arg-type]
        until=parse_instant(until, what="--until") if until else None,
    )
    store = open_store(db)
    try:
        result = store.add_zones(report.zones, recorded_by=cli_user("zones import-orders"))
    finally:
        store.close()
    data = {
        "zones": len(report.zones),
        "inserted": len(result.inserted),
        "updated": len(result.updated),
        "unchanged": len(result.unchanged),
        "unmapped_orders": [{"source": s, "order": o, "date": d, "reason": r} for s, o, d, r in report.unmapped],
    }
    if as_json:
        echo_json(data)
        return
    typer.echo(
        f"{len(report.zones)} zones: {data['inserted']} inserted, {data['updated']} updated, "
        f"{data['unchanged']} unchanged"
    )
    for s, o, d, r in report.unmapped:
        typer.echo(f"  not mapped: {s} order {o} of {d}: {r}")


@zones_app.command("area")
def zones_area(
    db: DbOption = DEFAULT_DB,
    at: Annotated[str | None, typer.Option("--at", help="Instant to measure (default: now).")] = None,
    series: Annotated[bool, typer.Option("--series", help="Daily table instead of one instant.")] = False,
    since: Annotated[
        str | None, typer.Option("--since", help="Cumulative area counts orders issued from this date.")
    ] = None,
    datetime_: Annotated[
        str | None, typer.Option("--datetime", help="Series range A/B (default: first order .. last change).")
    ] = None,
    order_type: Annotated[
        str, typer.Option("--order-type", help="evacuate, humanitarian_zone or return_allowed.")
    ] = "evacuate",
    shipped: Annotated[
        bool, typer.Option("--shipped", help="Use the shipped real orders instead of the store's zones.")
    ] = False,
    as_of: Annotated[str | None, typer.Option("--as-of", help="Use the store's zones as known at this time.")] = None,
    max_age_days: Annotated[
        float | None, typer.Option("--max-age-days", help="Let orders lapse after this many days (default: never).")
    ] = None,
    raster: Annotated[
        str | None,
        typer.Option("--raster", help="A GeoTIFF you supply (e.g. population): also sum it under the orders."),
    ] = None,
    fmt: Annotated[str, typer.Option("--format", help="text, json or csv.")] = "text",
    output: Annotated[str | None, typer.Option("-o", "--output", help="Write to this file instead of stdout.")] = None,
) -> None:
    """Area under orders (km², share of the 365 km² Gaza Strip) at an instant, or as a daily series."""
    from datetime import UTC, datetime, timedelta
    from pathlib import Path

    from geo.errors import InvalidInput
    from layers import zones as zm
    from layers.model import ORDER_TYPES
    from layers.params import parse_instant, parse_interval

    if series and at:
        raise InvalidInput("give --at or --series, not both")
    if fmt not in ("text", "json", "csv"):
        raise InvalidInput(f"unknown --format {fmt!r}: expected text, json or csv")
    since_t = parse_instant(since, what="--since") if since else None
    max_age = timedelta(days=max_age_days) if max_age_days is not None else None
    # Read every value before loading zones, so a typo fails at once.
    start, end = parse_interval(datetime_, what="--datetime") if datetime_ else (None, None)
    t = parse_instant(at, what="--at") if at else datetime.now(UTC)
    if order_type not in ORDER_TYPES:
        raise InvalidInput(f"unknown --order-type {order_type!r}: expected one of {', '.join(ORDER_TYPES)}")
    if raster and not Path(raster).is_file():
        raise InvalidInput(f"--raster {raster!r} is not a file")
    if shipped:
        zones = zm.load_real_orders()
        origin = "shipped real orders (GazaMaps)"
    else:
        from layers.store import open_store

        store = open_store(db, create=False)
        try:
            zones = zm.zones_from_store(store, as_of=parse_instant(as_of, what="--as-of") if as_of else None)
        finally:
            store.close()
        origin = f"store {db}"
        if not zones:
            raise InvalidInput(f"no zones in {origin}: run `sitmap zones import-orders` first, or use --shipped")
    if series:
        table = zm.area_series(
            zones, start=start, end=end, since=since_t, order_type=order_type, max_age=max_age, raster=raster
        )
        if fmt == "json":
            text = table.to_json(orient="records", date_format="iso", indent=1)
        elif fmt == "csv":
            text = table.to_csv(index=False, float_format="%.4f")
        else:
            text = f"# {origin}, order type {order_type}\n" + table.to_string(index=False, float_format="%.3f")
    else:
        now = zm.area_at(zones, t, order_type=order_type, max_age=max_age)
        cum = zm.cumulative_area(zones, since=since_t, until=t, order_type=order_type)
        data = {
            "source": origin,
            "order_type": order_type,
            "rule": "an order stays in force until lifted" + (f", at most {max_age_days:g} days" if max_age else ""),
            "at": now.as_dict(),
            "cumulative": {**cum.as_dict(), "since": since_t.isoformat() if since_t else None},
        }
        raster_total = zm.raster_sum_under(zones, raster, t, order_type=order_type, max_age=max_age) if raster else 0.0
        if raster:
            data["raster_sum"] = {"raster": raster, "sum": raster_total}
        if fmt == "json":
            text = json.dumps(data, ensure_ascii=False, indent=1)
        elif fmt == "csv":
            text = "at,area_km2,share,n_zones,cumulative_km2,cumulative_share\n" + (
                f"{t.isoformat()},{now.area_km2:.4f},{now.share:.5f},{now.n_zones},{cum.area_km2:.4f},{cum.share:.5f}"
            )
        else:
            text = (
                f"{origin}; {data['rule']}\n"
                f"under {order_type} orders at {t.isoformat()}: {now.area_km2:.2f} km² "
                f"({now.share:.1%} of the Gaza Strip's {now.reference_km2:.1f} km²), {now.n_zones} orders in force\n"
                f"cumulative{' since ' + since_t.date().isoformat() if since_t else ''}: {cum.area_km2:.2f} km² "
                f"({cum.share:.1%}), {cum.n_zones} orders"
            )
            if raster:
                text += f"\nsum of {raster} under these orders: {raster_total:,.1f}"
    if output:
        with open(output, "w", encoding="utf-8") as fh:
            fh.write(text + "\n")
        typer.echo(f"wrote {output}")
    else:
        typer.echo(text)


@app.command("places")
def places_cmd(
    name: Annotated[str, typer.Argument(help="A place name in any spelling or script, e.g. 'Khan Yunis'.")],
    fuzzy: Annotated[bool, typer.Option("--fuzzy/--exact", help="Fall back to consonant skeletons.")] = True,
    as_json: Annotated[bool, typer.Option("--json", help="Print JSON instead of a table.")] = False,
) -> None:
    """List the gazetteer entries a name may mean (id, kind, country, point, ~95% radius, origin)."""
    from geo.gazetteer import Gazetteer

    name = name.strip()
    if not name:
        raise SitmapError("a place name is required", code="invalid_input")
    rows: list[dict[str, Any]] = [
        {
            "gazetteer_id": e.id,
            "name": e.name,
            "kind": e.kind,
            "country": e.country,
            "lon": e.lon,
            "lat": e.lat,
            "radius_m": e.radius_m,
            "population": e.population,
            "name_weight": weight,
            "origin": e.note,
        }
        for e, weight in Gazetteer.load().lookup(name, fuzzy=fuzzy)
    ]
    if not rows:
        raise SitmapError(f"no gazetteer entry for {name!r}", code="not_found")
    if as_json:
        echo_json(rows)
        return
    for r in rows:
        typer.echo(
            f"{r['gazetteer_id']:<22} {r['name'][:28]:<28} {r['kind']:<13} {r['country'] or '-':<3} "
            f"{r['lon']:>9.4f} {r['lat']:>8.4f} r={r['radius_m'] / 1000:.1f} km  w={r['name_weight']}"
        )


@app.command("raster")
def raster_cmd(
    layer: Annotated[str, typer.Argument(help="Layer id, e.g. strikes.")],
    output: Annotated[str, typer.Option("-o", "--output", help="GeoTIFF (COG) file to write.")],
    db: DbOption = DEFAULT_DB,
    datetime_: Annotated[str | None, typer.Option("--datetime", help="Event interval A/B ('..' open).")] = None,
    as_of: Annotated[str | None, typer.Option("--as-of", help="Only what was recorded by this time.")] = None,
    bbox: Annotated[
        str | None, typer.Option("--bbox", help="minlon,minlat,maxlon,maxlat (default: the Strip).")
    ] = None,
    resolution_m: Annotated[float, typer.Option("--resolution-m", help="Cell size in ground metres.")] = 100.0,
    max_radius_m: Annotated[
        float, typer.Option("--max-radius-m", help="Leave out claims vaguer than this radius (counted in tags).")
    ] = 15_000.0,
    include_coarse: Annotated[bool, typer.Option("--include-coarse", help="Also spread coarse claims.")] = False,
) -> None:
    """Likelihood surface of a layer's events as a Cloud-Optimized GeoTIFF (tags say what it shows)."""
    from layers.params import parse_bbox, parse_instant, parse_interval
    from layers.raster import layer_likelihood, write_cog
    from layers.store import open_store

    start, end = parse_interval(datetime_) if datetime_ else (None, None)
    as_of_t = parse_instant(as_of, what="--as-of") if as_of else None
    box = parse_bbox(bbox) if bbox else None
    store = open_store(db, create=False)
    try:
        surface = layer_likelihood(
            store,
            layer,
            start=start,
            end=end,
            as_of=as_of_t,
            bbox=box,
            resolution_m=resolution_m,
            max_radius_m=max_radius_m,
            include_coarse=include_coarse,
        )
    finally:
        store.close()
    write_cog(surface, output)
    typer.echo(
        f"wrote {output}: {surface.width}x{surface.height} cells, {surface.claim_count} claims spread, "
        f"{surface.excluded_coarse_count} too coarse left out, {surface.unlocated_count} unlocated"
    )


# --------------------------------------------------------------------------------------
# sitmap layers, sitmap export
# --------------------------------------------------------------------------------------


@app.command("layers")
def layers_cmd(
    db: DbOption = DEFAULT_DB,
    as_of: Annotated[str | None, typer.Option("--as-of", help="Count what was recorded by this time.")] = None,
    as_json: Annotated[bool, typer.Option("--json", help="Print JSON instead of a table.")] = False,
) -> None:
    """List the layers (collections): id, title, kind and how many records each shows."""
    from layers.catalog import layer_count, list_layers
    from layers.params import parse_instant
    from layers.store import open_store

    as_of_t = parse_instant(as_of, what="--as-of") if as_of else None
    store = open_store(db, create=False)
    try:
        rows: list[dict[str, Any]] = [
            {
                "id": layer.id,
                "title": layer.title,
                "kind": layer.kind,
                "count": layer_count(store, layer, as_of=as_of_t),
                "policy": layer.policy.model_dump(exclude_none=True) if layer.policy else None,
                "private": layer.private,
            }
            for layer in list_layers(store)
        ]
    finally:
        store.close()
    if as_json:
        echo_json(rows)
        return
    width = max((len(r["id"]) for r in rows), default=2)
    typer.echo(f"{'id':<{width}}  {'kind':<9}  {'count':>7}  title")
    for r in rows:
        note = " (coarsened/delayed for the public)" if r["policy"] else ""
        typer.echo(f"{r['id']:<{width}}  {r['kind']:<9}  {r['count']:>7}  {terminal_safe(r['title'])}{note}")


#: The format a file name's suffix says (``sitmap export -o events.parquet``).
_SUFFIX_FORMATS = {
    ".geojson": "geojson",
    ".json": "geojson",
    ".csv": "csv",
    ".gpkg": "gpkg",
    ".parquet": "parquet",
    ".geoparquet": "parquet",
    ".kml": "kml",
}


def _export_format(fmt: str | None, output: str | None) -> str:
    """The export format: ``--format``, else what ``-o``'s suffix says, else GeoJSON.

    A file named for one format is never written in another (``-o x.parquet`` holding
    GeoJSON opens nowhere): a ``--format`` that contradicts the suffix is an error.
    """
    from pathlib import Path

    from geo.errors import InvalidInput

    said = _SUFFIX_FORMATS.get(Path(output).suffix.lower()) if output and output != "-" else None
    if fmt is None:
        return said or "geojson"
    if said is not None and said != fmt:
        raise InvalidInput(f"-o {output} names a {said} file but --format is {fmt}; give one of them")
    return fmt


@app.command("export")
def export_cmd(
    layer: Annotated[str, typer.Argument(help="Layer id, e.g. strikes (see `sitmap layers`).")],
    fmt: Annotated[
        str | None,
        typer.Option(
            "--format", "-f", help="geojson, csv, gpkg, parquet or kml (default: from -o's suffix, else geojson)."
        ),
    ] = None,
    output: Annotated[
        str | None,
        typer.Option("-o", "--output", help="File to write ('-' for stdout; default: a name with layer and interval)."),
    ] = None,
    db: DbOption = DEFAULT_DB,
    datetime_: Annotated[
        str | None, typer.Option("--datetime", help="Event interval A/B, ISO dates or datetimes, '..' open.")
    ] = None,
    as_of: Annotated[str | None, typer.Option("--as-of", help="Export what was known at this time.")] = None,
    bbox: Annotated[str | None, typer.Option("--bbox", help="minlon,minlat,maxlon,maxlat.")] = None,
    include_region: Annotated[
        bool, typer.Option("--include-region", help="Add each claim's uncertainty region polygon.")
    ] = False,
    event_type: Annotated[
        list[str] | None, typer.Option("--event-type", help="Only these event types (repeatable).")
    ] = None,
    status: Annotated[list[str] | None, typer.Option("--status", help="Only these statuses (repeatable).")] = None,
    public: Annotated[
        bool, typer.Option("--public", help="Apply the layer's publication policy, as anonymous readers see it.")
    ] = False,
) -> None:
    """Export a layer (claims, zones or incidents) for an interval, as of any moment, in one file."""
    from geo.errors import Unsupported
    from layers.collection import EXACT, PUBLISHER, LayerView, Narrowing
    from layers.export import FORMATS, export_filename, iter_csv, iter_geojson, iter_kml, write_export
    from layers.params import format_interval, parse_bbox, parse_instant, parse_interval
    from layers.store import open_store

    fmt = _export_format(fmt, output)
    if fmt not in FORMATS:
        raise Unsupported(f"unknown export format {fmt!r}; expected one of: {', '.join(FORMATS)}")
    start, end = parse_interval(datetime_, what="--datetime") if datetime_ else (None, None)
    as_of_t = parse_instant(as_of, what="--as-of") if as_of else None
    box = parse_bbox(bbox, what="--bbox") if bbox else None
    store = open_store(db, create=False)
    try:
        view = LayerView.open(store, layer, PUBLISHER if public else EXACT)
        lyr = view.layer
        filters: dict[str, Any] = {"statuses": tuple(status or ())}
        if lyr.kind != "zones":
            filters["event_types"] = tuple(event_type or ())
        narrowing = Narrowing(bbox=box, start=start, end=end, filters=filters)
        items = view.export_items(narrowing, as_of=as_of_t, include_region=include_region)
    finally:
        store.close()
    members: dict[str, Any] = {
        "layer": lyr.id,
        "title": lyr.title,
        "datetime": format_interval(start, end) if (start or end) else None,
        "as_of": as_of_t.isoformat().replace("+00:00", "Z") if as_of_t else None,
        "numberMatched": len(items),
    }
    if output == "-":
        if fmt == "geojson":
            chunks = iter_geojson(items, include_region=include_region, **members)
        elif fmt == "csv":
            chunks = iter_csv(items, include_region=include_region)
        elif fmt == "kml":
            chunks = iter_kml(items, name=lyr.title, include_region=include_region)
        else:
            raise Unsupported(f"{fmt} cannot be written to stdout; give a file with -o")
        for chunk in chunks:
            sys.stdout.buffer.write(chunk)
        sys.stdout.flush()
        return
    target = output or export_filename(lyr.id, start, end, as_of_t, fmt)
    write_export(items, target, fmt, layer=lyr.id, include_region=include_region, members=members)
    typer.echo(f"wrote {target}: {len(items)} {lyr.kind} of layer {lyr.id}", err=True)


# --------------------------------------------------------------------------------------
# sitmap map
# --------------------------------------------------------------------------------------


@app.command("map")
def map_cmd(
    layer: Annotated[list[str], typer.Argument(help="Layer id(s) to draw, e.g. all evacuation-orders.")],
    output: Annotated[str, typer.Option("-o", "--output", help="File to write: .html (self-contained) or .png.")],
    db: DbOption = DEFAULT_DB,
    datetime_: Annotated[
        str | None, typer.Option("--datetime", help="A day (2023-12-02) or an interval A/B, as in the API.")
    ] = None,
    as_of: Annotated[str | None, typer.Option("--as-of", help="Draw what was known at this instant.")] = None,
    bbox: Annotated[str | None, typer.Option(help="minx,miny,maxx,maxy in lon/lat.")] = None,
    tiles: Annotated[
        str, typer.Option(envvar="SITMAP_TILES", help="Basemap XYZ URL for .html ('none' for none).")
    ] = "none",
) -> None:
    """Write a map view to a file: an offline interactive HTML map or a static PNG."""
    from api.render.standalone import view_from_values, write_map
    from layers.store import open_store

    view = view_from_values(layer, datetime_text=datetime_, as_of_text=as_of, bbox_text=bbox)
    store = open_store(db, create=False)
    try:
        path = write_map(store, view, output, tiles=tiles)
    finally:
        store.close()
    typer.echo(f"wrote {path} ({path.stat().st_size:,} bytes)")


# --------------------------------------------------------------------------------------
# sitmap serve
# --------------------------------------------------------------------------------------


@app.command("serve")
def serve(
    db: DbOption = DEFAULT_DB,
    host: Annotated[str, typer.Option(help="Interface to listen on (0.0.0.0 for all).")] = "127.0.0.1",
    port: Annotated[int, typer.Option(min=1, max=65535, help="TCP port.")] = 8000,
    workers: Annotated[int, typer.Option(min=1, max=64, help="Worker processes (each opens the store once).")] = 1,
    log_level: Annotated[str, typer.Option(help="uvicorn log level: critical, error, warning, info, debug.")] = "info",
    proxy_headers: Annotated[
        bool, typer.Option(help="Honour X-Forwarded-* from the proxies in SITMAP_TRUSTED_PROXIES (none by default).")
    ] = True,
    keep_alive: Annotated[
        int, typer.Option(min=1, max=600, help="Seconds an idle keep-alive connection stays open.")
    ] = 30,
) -> None:
    """Serve the OGC API - Features, downloads, maps and ingest over HTTP (uvicorn, httptools, uvloop).

    Other settings come from SITMAP_* variables (SITMAP_TOKENS, SITMAP_MAX_LIMIT,
    SITMAP_BASE_URL, SITMAP_TILES, ...).
    """
    import os

    import uvicorn

    from api.settings import Settings
    from layers.store import open_store

    open_store(db).close()  # fail here, in one line, if the store cannot be opened
    # X-Forwarded-For decides who a client is (rate limits): only the configured proxies
    # may say so, never any process that can connect from 127.0.0.1 (uvicorn's default).
    trusted = Settings(db=db).trusted_proxies
    options: dict[str, Any] = {
        "host": host,
        "port": port,
        "log_level": log_level,
        "proxy_headers": proxy_headers and bool(trusted),
        "forwarded_allow_ips": trusted or None,
        "http": "httptools",
        "loop": "uvloop",
        "server_header": False,
        "timeout_keep_alive": keep_alive,
    }
    if workers == 1:
        from api.app import create_app

        settings = Settings(db=db)
        uvicorn.run(create_app(settings), **options)
        return
    # Worker processes build their own app from the environment: hand the store URL on.
    os.environ["SITMAP_DB"] = db
    uvicorn.run("api.app:create_app", factory=True, workers=workers, **options)


# --------------------------------------------------------------------------------------
# Entry point
# --------------------------------------------------------------------------------------


def main(argv: list[str] | None = None) -> int:
    """Run the CLI; map errors to one line on stderr and an exit code."""
    try:
        app(args=argv, standalone_mode=False)
    except SitmapError as exc:
        if _state["debug"]:
            raise
        typer.echo(f"sitmap: error: {terminal_safe(exc.message, newlines=True)}", err=True)
        return 2 if exc.code in ("invalid_input", "not_found", "unsupported", "too_large") else 1
    except (click.exceptions.Abort, typer.Abort):
        typer.echo("sitmap: aborted", err=True)
        return 130
    except (click.exceptions.Exit, typer.Exit) as exc:
        return int(exc.exit_code or 0)
    except (click.ClickException, _TyperClickException) as exc:
        if _state["debug"]:
            raise
        typer.echo(f"sitmap: error: {exc.format_message()}", err=True)
        return exc.exit_code
    except OSError as exc:
        if _state["debug"]:
            raise
        typer.echo(f"sitmap: error: {exc.strerror or exc}: {getattr(exc, 'filename', '') or ''}".rstrip(": "), err=True)
        return 1
    except Exception as exc:
        if _state["debug"]:
            raise
        typer.echo(f"sitmap: internal error: {type(exc).__name__}: {exc} (run with --debug for details)", err=True)
        return 1
    return 0


if __name__ == "__main__":  # pragma: no cover
    sys.exit(main())
