"""``sitmap feeds add|list`` and ``sitmap watch``: RSS/Atom feeds into the review queue.

The same functions the desk reads (``layers.feeds``): feeds and their state live in
the store, so ``sitmap feeds list`` and the desk's front page show the same failures.
"""

from __future__ import annotations

import json
import sys
from typing import Annotated

import typer

from api.cli_options import DEFAULT_DB, DbOption, terminal_safe

feeds_app = typer.Typer(help="Watch RSS/Atom feeds: their items go through the ingest path into the review queue.")


@feeds_app.command("add")
def add(
    url: Annotated[str, typer.Argument(help="The feed's http(s) URL.")],
    source: Annotated[str, typer.Option("--source", help="Name of the outlet whose items these are.")],
    kind: Annotated[str, typer.Option("--kind", help="news, official, ngo, un, social or other.")] = "news",
    interval: Annotated[int, typer.Option("--interval", help="Seconds between polls of this feed (30..604800).")] = 300,
    db: DbOption = DEFAULT_DB,
) -> None:
    """Watch a feed (adding it again updates its source, kind and interval)."""
    from layers.feeds import add_feed
    from layers.store import open_store

    store = open_store(db)
    try:
        feed, new = add_feed(store, url, source=source, kind=kind, interval_s=interval)
    finally:
        store.close()
    verb = "watching" if new else "updated"
    typer.echo(f"{verb} {feed.url} ({feed.id}): items from {feed.source!r} ({feed.kind}) every {feed.interval_s} s")


@feeds_app.command("list")
def list_(
    db: DbOption = DEFAULT_DB,
    as_json: Annotated[bool, typer.Option("--json", help="Print JSON.")] = False,
) -> None:
    """The watched feeds with their state: last check, items ingested, failures and the last error."""
    from dataclasses import asdict

    from layers.feeds import list_feeds
    from layers.store import open_store

    store = open_store(db, create=False)
    try:
        feeds = list_feeds(store)
    finally:
        store.close()
    if as_json:
        rows = [{k: v for k, v in asdict(f).items() if k != "recent"} | {"id": f.id} for f in feeds]
        sys.stdout.write(json.dumps(rows, indent=1, ensure_ascii=False) + "\n")
        return
    if not feeds:
        typer.echo("no feeds are watched (sitmap feeds add URL --source NAME)")
        return
    for f in feeds:
        state = f"FAILING ({f.failures}x, next try {f.next_due}): {terminal_safe(f.error)}" if f.error else "ok"
        typer.echo(
            f"{f.id}  {f.url}\n    source {f.source!r} ({f.kind}), every {f.interval_s} s, "
            f"last checked {f.last_checked or 'never'}, {f.items} item(s) ingested; {state}"
        )


def watch(
    once: Annotated[bool, typer.Option("--once", help="Poll every due feed once, then stop (for cron).")] = False,
    interval: Annotated[
        int, typer.Option("--interval", min=1, help="Longest sleep between checks for due feeds, in seconds.")
    ] = 300,
    db: DbOption = DEFAULT_DB,
) -> None:
    """Poll the watched feeds politely and ingest each new item once; a failing feed never stops the watcher."""
    from layers.feeds import PollResult
    from layers.feeds import watch as run
    from layers.store import open_store

    def say(result: PollResult) -> None:
        f = result.feed
        if result.error:
            typer.echo(
                f"{f.url}: failed ({f.failures}x): {terminal_safe(result.error)}; next try {f.next_due}", err=True
            )
        elif result.not_modified:
            typer.echo(f"{f.url}: not modified")
        else:
            typer.echo(f"{f.url}: {result.new} new item(s), {result.skipped} seen before")

    store = open_store(db)
    try:
        for _ in run(store, once=once, max_sleep_s=float(interval), report=say):
            pass
    except KeyboardInterrupt:
        typer.echo("sitmap watch: stopped", err=True)
    finally:
        store.close()
