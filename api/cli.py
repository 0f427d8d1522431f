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

from geo.errors import SitmapError

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

DbOption = Annotated[
    str,
    typer.Option(
        "--db",
        envvar="SITMAP_DB",
        help="Store URL: a GeoPackage path (default sitmap.gpkg) or postgresql://user@host/db.",
    ),
]
DEFAULT_DB = "sitmap.gpkg"


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
    """Counts by event type and status, extent and time span of the store."""
    from layers.store import open_store

    store = open_store(db, create=False)
    try:
        s = store.stats()
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
    from geo.parse import MAX_TEXT_BYTES, check_text, claim_to_feature, mention_to_feature, parse
    from geo.timeparse import parse_published

    pub = parse_published(published)  # a bad date fails before any file is read
    if file == "-":
        raw = sys.stdin.buffer.read(MAX_TEXT_BYTES + 1)
    else:
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
# Entry point
# --------------------------------------------------------------------------------------


def main(argv: list[str] | None = None) -> int:
    """Run the CLI; map errors to one line on stderr and an exit code."""
    try:
        app(args=argv, standalone_mode=False)
    except SitmapError as exc:
        if _state["debug"]:
            raise
        typer.echo(f"sitmap: error: {exc.message}", err=True)
        return 2 if exc.code in ("invalid_input", "not_found", "unsupported", "too_large") else 1
    except click.exceptions.Abort:
        typer.echo("sitmap: aborted", err=True)
        return 130
    except click.exceptions.Exit as exc:
        return int(exc.exit_code or 0)
    except click.ClickException as exc:
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
