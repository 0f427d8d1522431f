"""Write a map view to a file: a self-contained HTML map or a static PNG.

The ``sitmap map`` command calls this: the same drawing as ``/embed`` (HTML, with data,
scripts and boundaries inlined, so it opens offline and can be put on any static host
for a traffic spike) or as ``/maps/{collection}.png``.
"""

from __future__ import annotations

from collections.abc import Sequence
from pathlib import Path
from typing import Any

from geo.errors import InvalidInput
from layers.store import Store


def view_from_values(
    layer_ids: Sequence[str],
    *,
    datetime_text: str | None = None,
    as_of_text: str | None = None,
    bbox_text: str | None = None,
    event_types: Sequence[str] = (),
    sources: Sequence[str] = (),
    claimants: Sequence[str] = (),
    statuses: Sequence[str] = (),
) -> Any:
    """A :class:`api.mapview.MapView` from plain values (CLI options), parsed as the API does."""
    from api.mapview import MapView
    from layers import params

    if not layer_ids:
        raise InvalidInput("give at least one layer")
    start = end = None
    day = None
    if datetime_text:
        start, end = params.parse_interval(datetime_text, what="datetime")
        if start is not None and end is not None and start.date() == end.date() and "/" not in datetime_text:
            day = start.date()
    return MapView(
        layer_ids=tuple(dict.fromkeys(layer_ids)),
        datetime_text=datetime_text.strip() if datetime_text else None,
        start=start,
        end=end,
        day=day,
        as_of=params.parse_instant(as_of_text, what="as_of") if as_of_text else None,
        bbox=params.parse_bbox(bbox_text) if bbox_text else None,
        event_types=tuple(event_types),
        sources=tuple(sources),
        claimants=tuple(claimants),
        statuses=tuple(statuses),
    )


def write_map(
    store: Store,
    view: Any,
    path: str | Path,
    *,
    tiles: str | None = None,
    tiles_attribution: str = "",
) -> Path:
    """Write ``view`` to ``path``: ``.html`` (self-contained interactive map) or ``.png``.

    Raises :class:`InvalidInput` for another suffix and ``NotFound`` for an unknown layer.
    """
    from api.mapview import layer_payload, map_title, when_label
    from api.render.basemap import basemap_geojson
    from api.render.mapbuilder import LayerRef, MapConfig, PageInfo, boundaries_geojson, render_embed_page
    from api.render.png import render_png
    from layers.collection import PUBLISHER, LayerView

    out = Path(path)
    suffix = out.suffix.lower()
    if suffix not in (".html", ".png"):
        raise InvalidInput(f"output {str(out)!r} must end in .html or .png")
    # a file made to be published: every layer may be drawn, each in its public form
    collections = [LayerView.open(store, lid, PUBLISHER) for lid in view.layer_ids]
    title = map_title([c.layer for c in collections])
    if suffix == ".png":
        payloads = [layer_payload(c, view, time_filter=True) for c in collections]
        data = render_png(payloads, title=title, when=when_label(view), day=view.day, as_of=view.as_of, bbox=view.bbox)
        out.write_bytes(data)
        return out
    refs = [
        LayerRef(
            id=c.layer.id,
            title=c.layer.title,
            kind="zones" if c.layer.kind == "zones" else "claims",
            data=layer_payload(c, view),
        )
        for c in collections
    ]
    span = None
    if view.is_interval and view.start is not None and view.end is not None:
        span = (view.start.date().isoformat(), view.end.date().isoformat())
    config = MapConfig(
        title=title,
        layers=refs,
        boundaries=boundaries_geojson(),
        tiles=tiles,
        tiles_attribution=tiles_attribution,
        date=view.day.isoformat() if view.day else None,
        interval=view.datetime_text if view.is_interval else None,
        span=span,
        bbox=view.bbox,
        as_of_label=f"on {view.as_of:%d %b %Y %H:%M} UTC" if view.as_of else None,
        as_of_time=f"{view.as_of:%d %b %Y %H:%M} UTC" if view.as_of else None,
        inline_assets=True,
        offline_basemap=basemap_geojson(),
    )
    out.write_text(render_embed_page(config, PageInfo(title=title)), encoding="utf-8")
    return out
