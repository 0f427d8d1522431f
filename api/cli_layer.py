"""``sitmap layer define|show|delete``: layer definitions from the command line, versioned.

The same operations as ``PUT``/``GET``/``DELETE /collections/{id}/definition``, on the
store directly: each write is a new version recorded as ``cli:<user>`` (the login
name), so the history says who changed a layer from a shell. ``sitmap layers`` (plural)
lists the layers; these commands handle one definition.
"""

from __future__ import annotations

import json
import sys
from pathlib import Path
from typing import Annotated, Any

import typer
from pydantic import ValidationError

from api.cli_options import DEFAULT_DB, DbOption, cli_user
from geo.errors import InvalidInput, NotFound
from geo.model import format_validation_error

layer_app = typer.Typer(
    help="Define, show and delete one layer (collection); every change is a recorded version.",
    no_args_is_help=True,
)


def _read_definition(file: str) -> Any:
    """The JSON document in ``file`` (``-``: standard input); a missing file or bad JSON is InvalidInput."""
    if file == "-":
        text = sys.stdin.read()
        where = "standard input"
    else:
        path = Path(file)
        if not path.is_file():
            raise InvalidInput(f"no such file: {file}")
        try:
            text = path.read_text(encoding="utf-8")
        except UnicodeDecodeError:
            raise InvalidInput(f"{file} is not UTF-8 text") from None
        where = file
    if not text.strip():
        raise InvalidInput(f"{where} is empty; expected a JSON layer definition")
    try:
        return json.loads(text)
    except json.JSONDecodeError as exc:
        raise InvalidInput(f"{where} is not valid JSON: {exc.msg} at line {exc.lineno} column {exc.colno}") from None


def parse_definition(doc: Any, where: str) -> Any:
    """A :class:`~layers.model.Layer` from a JSON document, with one readable line on error."""
    from layers.model import Layer

    if not isinstance(doc, dict):
        raise InvalidInput(f"{where}: expected a JSON object (a layer definition), got {type(doc).__name__}")
    if "id" not in doc:
        raise InvalidInput(f"{where}: the definition needs an 'id' (the collection id, e.g. \"desk-strikes\")")
    try:
        return Layer.model_validate(doc)
    except ValidationError as exc:
        raise InvalidInput(f"{where}: {format_validation_error(exc)}") from None


@layer_app.command("define")
def define(
    file: Annotated[str, typer.Argument(help="JSON layer definition ('-' for standard input).")],
    db: DbOption = DEFAULT_DB,
    if_version: Annotated[
        int | None,
        typer.Option("--if-version", min=1, help="Replace only if the layer is still at this version (else exit 1)."),
    ] = None,
) -> None:
    """Create or replace a layer from a JSON definition (as GET /collections/{id}/definition returns it)."""
    from layers.store import open_store

    layer = parse_definition(_read_definition(file), "standard input" if file == "-" else file)
    store = open_store(db, create=False)
    try:
        before = _current_version(store, layer.id)
        version = store.put_layer(layer, expected_version=if_version, recorded_by=cli_user())
    finally:
        store.close()
    if version == before:
        typer.echo(f"layer {layer.id!r} unchanged (version {version})")
    elif version == 1 or before is None:
        typer.echo(f"defined layer {layer.id!r} (version {version})")
    else:
        typer.echo(f"replaced layer {layer.id!r} (version {version})")


def _current_version(store: Any, layer_id: str) -> int | None:
    """The version of the layer's current, non-deleted definition (``None``: none)."""
    try:
        last = store.layer_history(layer_id)[-1]
    except NotFound:
        return None
    return None if last.deleted else int(last.version)


@layer_app.command("show")
def show(
    layer_id: Annotated[str, typer.Argument(metavar="ID", help="Layer id (see `sitmap layers`).")],
    db: DbOption = DEFAULT_DB,
    as_json: Annotated[bool, typer.Option("--json", help="Print JSON (definition and history).")] = False,
) -> None:
    """Print a layer's current definition and every recorded version (who, when, deleted or not)."""
    from layers.catalog import get_layer
    from layers.store import open_store

    store = open_store(db, create=False)
    try:
        try:
            history = store.layer_history(layer_id)
        except NotFound:
            history = []
        current = history[-1] if history and not history[-1].deleted else None
        if current is not None:
            layer = current.layer
        elif history:  # deleted: the history is still worth showing
            layer = None
        else:
            layer = get_layer(store, layer_id)  # a built-in default not stored yet, or NotFound
    finally:
        store.close()
    versions = [
        {
            "version": v.version,
            "recorded_at": v.recorded_at.isoformat().replace("+00:00", "Z"),
            "recorded_by": v.recorded_by,
            "deleted": v.deleted,
        }
        for v in history
    ]
    definition = layer.model_dump(mode="json") if layer is not None else None
    if as_json:
        sys.stdout.write(json.dumps({"id": layer_id, "definition": definition, "history": versions}, indent=1))
        sys.stdout.write("\n")
        return
    if definition is None:
        typer.echo(f"layer {layer_id!r} is deleted (version {history[-1].version}); its history:")
    else:
        note = f"version {current.version}" if current is not None else "built-in default, not stored yet"
        typer.echo(f"# layer {layer_id!r} ({note})")
        typer.echo(json.dumps(definition, indent=1, ensure_ascii=False))
        if versions:
            typer.echo("# history")
    for v in versions:
        flag = "  deleted" if v["deleted"] else ""
        typer.echo(f"v{v['version']:<4} {v['recorded_at']}  by {v['recorded_by'] or '(not recorded)'}{flag}")


@layer_app.command("delete")
def delete(
    layer_id: Annotated[str, typer.Argument(metavar="ID", help="Layer id to delete.")],
    db: DbOption = DEFAULT_DB,
    yes: Annotated[bool, typer.Option("--yes", "-y", help="Do not ask for confirmation.")] = False,
    if_version: Annotated[
        int | None,
        typer.Option("--if-version", min=1, help="Delete only if the layer is still at this version (else exit 1)."),
    ] = None,
) -> None:
    """Delete a layer (default layers too: they stay deleted until defined again). The history keeps it."""
    from layers.catalog import delete_layer, get_layer
    from layers.store import open_store

    store = open_store(db, create=False)
    try:
        get_layer(store, layer_id)  # NotFound (exit 2) before asking anything
        if not yes:
            if not sys.stdin.isatty():
                raise InvalidInput(f"deleting layer {layer_id!r} needs confirmation: add --yes")
            typer.confirm(f"Delete layer {layer_id!r}?", abort=True)
        version = delete_layer(store, layer_id, expected_version=if_version, recorded_by=cli_user())
    finally:
        store.close()
    typer.echo(f"deleted layer {layer_id!r} (version {version}; `sitmap layer show {layer_id}` keeps its history)")
