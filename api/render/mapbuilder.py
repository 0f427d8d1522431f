"""The one folium map builder of sitmap, used by the service and by notebooks.

:func:`build_map` makes a ``folium.Map`` whose every script and stylesheet is served
by sitmap itself (``/static/...``) or inlined (``inline_assets=True``, for notebooks
and standalone HTML files): folium's CDN defaults (jQuery, Bootstrap, awesome-markers)
are replaced per map. The map then runs ``sitmap-map.js``, which draws claims with
their uncertainty, zones, boundaries, the legend and the day stepper from a
:class:`MapConfig`. :func:`render_map_page` and :func:`render_embed_page` wrap it as
the ``/maps`` page (title, downloads, iframe snippet) and the bare ``/embed`` page.
:func:`notebook_map` draws records already in memory.
"""

from __future__ import annotations

import base64
import re
from collections.abc import Sequence
from dataclasses import dataclass, field
from functools import cache
from typing import Any

import folium
from branca.element import Element, Figure, MacroElement
from jinja2 import Environment, PackageLoader, Template, select_autoescape

from api.render.assets import STATIC_PREFIX, asset_url, map_css, map_js, resolve_asset
from api.render.basemap import basemap_geojson
from api.render.i18n import words
from api.render.mapdata import claims_payload, json_for_script, zones_payload
from api.render.words import METHOD_WORDS, isolate

#: Canvas symbol per event type (colours come from ``layers.catalog.EVENT_STYLE``).
EVENT_SHAPES: dict[str, str] = {
    "airstrike": "circle",
    "shelling": "hexagon",
    "ground_operation": "triangle",
    "rocket_launch": "diamond",
    "shooting": "cross",
    "evacuation_order": "square",
    "humanitarian_zone": "square",
    "negotiation": "circle",
    "other": "circle",
}

#: Where the map opens before its data is known: the Gaza Strip.
DEFAULT_CENTER = (31.42, 34.38)
DEFAULT_ZOOM = 11
#: Above this many claims in view, the map draws grid clusters instead of symbols.
CLUSTER_THRESHOLD = 1500


def palette() -> dict[str, dict[str, str]]:
    """Colour, label and canvas shape per event type, from the project palette."""
    from layers.catalog import EVENT_STYLE

    return {
        t: {"color": s["color"], "label": s.get("label", t), "shape": EVENT_SHAPES.get(t, "circle")}
        for t, s in EVENT_STYLE.items()
    }


def zone_palette() -> dict[str, dict[str, str]]:
    """Colour and label per zone order type, from the project palette."""
    from layers.catalog import ORDER_STYLE

    return {k: dict(v) for k, v in ORDER_STYLE.items()}


def no_basemap(tiles: str | None) -> bool:
    """True when the tiles setting asks for no basemap ('' or 'none')."""
    return not tiles or tiles.strip().lower() in ("none", "off", "false")


@dataclass(frozen=True)
class LayerRef:
    """One collection drawn on a map: where its data comes from (URL) or the data itself."""

    id: str
    title: str
    kind: str = "claims"
    data_url: str | None = None
    items_url: str | None = None
    as_of: str | None = None
    data: dict[str, Any] | None = None
    #: A line the legend shows for this layer (e.g. that it holds only claims checked by an editor).
    note: str | None = None
    #: Vector tile URL template (``{z}/{x}/{y}``: zoom, column, row): drawn from tiles instead of ``data_url``.
    tiles: str | None = None

    def as_config(self) -> dict[str, Any]:
        """The part of the JS config describing this layer."""
        out: dict[str, Any] = {"id": self.id, "title": self.title, "kind": self.kind}
        for key in ("data_url", "items_url", "as_of", "data", "note", "tiles"):
            value = getattr(self, key)
            if value is not None:
                out[key] = value
        return out


@dataclass(frozen=True)
class MapConfig:
    """Everything a map needs to draw itself: layers, context, basemap and initial state.

    ``date`` is the initially shown UTC day (``YYYY-MM-DD``; ``None`` shows every
    date); ``interval`` the ``datetime`` interval text when the view is an interval;
    ``span`` the first and last day the stepper offers before data widens it;
    ``newer`` a link ``{"url", "text"}`` shown when newer reports exist than ``as_of``.
    """

    title: str
    layers: Sequence[LayerRef]
    boundaries: str | dict[str, Any] | None = None
    tiles: str | None = None
    tiles_attribution: str = ""
    #: The deepest zoom the tile source has (a PMTiles archive's); Leaflet enlarges its tiles beyond it.
    tiles_max_native_zoom: int | None = None
    date: str | None = None
    interval: str | None = None
    span: tuple[str, str] | None = None
    bbox: tuple[float, float, float, float] | None = None
    as_of_label: str | None = None
    #: ``as_of`` in the reader's words without the preposition ("7 Dec 2026 15:54 UTC"), for the caption.
    as_of_time: str | None = None
    newer: dict[str, str] | None = None
    embed: bool = False
    static_prefix: str = STATIC_PREFIX
    inline_assets: bool = False
    cluster_threshold: int = CLUSTER_THRESHOLD
    offline_basemap: str | dict[str, Any] | None = None
    lang: str = "en"
    extra: dict[str, Any] = field(default_factory=dict)

    def basemap_source(self) -> str | dict[str, Any] | None:
        """sitmap's own basemap (URL or inline collection) when no tile source is set, else ``None``."""
        if not no_basemap(self.tiles) or (self.inline_assets and self.offline_basemap is None):
            return None
        return self.offline_basemap or asset_url("sitmap/basemap.geojson", self.static_prefix)

    def js_config(self) -> dict[str, Any]:
        """The JSON object handed to ``SitmapMap.init`` in the page (labels in the reader's language)."""
        w = words(self.lang)
        pal = {t: {**s, "label": w.t(s["label"])} for t, s in palette().items()}
        zones = {k: {**s, "label": w.t(s["label"])} for k, s in zone_palette().items()}
        return {
            "title": self.title,
            "layers": [layer.as_config() for layer in self.layers],
            "boundaries": self.boundaries,
            "palette": pal,
            "legend_types": list(pal),
            "zone_palette": zones,
            "method_words": METHOD_WORDS,
            "initial": {
                "date": self.date,
                "interval": self.interval,
                "datetime_interval": self.interval,
                "span_start": self.span[0] if self.span else None,
                "span_end": self.span[1] if self.span else None,
                "bbox": list(self.bbox) if self.bbox else None,
            },
            "as_of_label": self.as_of_label,
            "as_of_time": self.as_of_time,
            "newer": self.newer,
            "embed": self.embed,
            "no_basemap": no_basemap(self.tiles),
            "offline_basemap": self.basemap_source(),
            "view": {"center": list(DEFAULT_CENTER), "zoom": DEFAULT_ZOOM},
            "basemap": None
            if no_basemap(self.tiles)
            else {
                "url": self.tiles,
                "attribution": self.tiles_attribution or "Basemap",
                "max_zoom": 19,
                **({} if self.tiles_max_native_zoom is None else {"max_native_zoom": self.tiles_max_native_zoom}),
            },
            "lang": self.lang,
            "i18n": words(self.lang).js(),
            "cluster_threshold": self.cluster_threshold,
            **self.extra,
        }


class _SitmapLayers(MacroElement):
    """Runs ``SitmapMap.init`` on the folium map with the (script-safe) JSON config."""

    _template = Template(
        "{% macro script(this, kwargs) %}"
        "SitmapMap.init({{ this._parent.get_name() }}, {{ this.config_json }});"
        "{% endmacro %}"
    )

    def __init__(self, config: MapConfig) -> None:
        super().__init__()  # type: ignore[no-untyped-call]
        self._name = "SitmapLayers"
        self.config_json = json_for_script(config.js_config())


@cache
def _inline_assets() -> str:
    """Every map script and stylesheet as inline tags, for self-contained HTML (notebooks)."""
    parts = []
    for _name, url in map_css(""):
        text = resolve_asset(url.lstrip("/")).path.read_text(encoding="utf-8")
        text = re.sub(r"url\((images/[^)]+\.png)\)", _data_uri_for(url), text)
        parts.append(f"<style>{text}</style>")
    for _name, url in map_js(""):
        text = resolve_asset(url.lstrip("/")).path.read_text(encoding="utf-8")
        parts.append("<script>" + text.replace("</script", "<\\/script") + "</script>")
    return "\n".join(parts)


def _data_uri_for(css_url: str) -> Any:
    folder = css_url.lstrip("/").split("/")[0]

    def repl(m: re.Match[str]) -> str:
        try:
            asset = resolve_asset(f"{folder}/{m.group(1)}")
        except Exception:
            return m.group(0)
        data = base64.b64encode(asset.path.read_bytes()).decode()
        return f"url(data:image/png;base64,{data})"

    return repl


def _root(m: folium.Map) -> Figure:
    """The branca Figure a folium map renders into (typed: ``get_root`` returns an Element)."""
    root = m.get_root()
    if not isinstance(root, Figure):  # pragma: no cover - folium always attaches a Figure
        raise TypeError("a folium map should render into a branca Figure")
    return root


def build_map(config: MapConfig) -> folium.Map:
    """A folium map that draws ``config`` with sitmap's self-hosted JS, and no CDN reference."""
    m = folium.Map(
        location=DEFAULT_CENTER,
        zoom_start=DEFAULT_ZOOM,
        tiles=None,
        prefer_canvas=True,
        control_scale=True,
        width="100%",
        height="100%",
    )
    if config.inline_assets:
        m.default_js = []
        m.default_css = []
        _root(m).header.add_child(Element(_inline_assets()), name="sitmap_assets")
    else:
        m.default_js = map_js(config.static_prefix)
        m.default_css = map_css(config.static_prefix)
    # Start downloading the data while the scripts load (the map's fetch() reuses these).
    urls = [u for u in (config.basemap_source(), config.boundaries) if isinstance(u, str)]
    urls += [layer.data_url for layer in config.layers if layer.data_url and layer.data is None]
    if urls:
        from html import escape

        links = "".join(f'<link rel="preload" href="{escape(u)}" as="fetch" crossorigin="anonymous">' for u in urls)
        _root(m).header.add_child(Element(links), name="sitmap_preload")
    if not no_basemap(config.tiles):
        folium.TileLayer(
            tiles=config.tiles,
            attr=config.tiles_attribution or "Basemap",
            name="Basemap",
            overlay=False,
            control=False,
            max_zoom=19,
        ).add_to(m)
    m.add_child(_SitmapLayers(config))
    return m


@cache
def _templates() -> Environment:
    env = Environment(
        loader=PackageLoader("api.render", "templates"),
        autoescape=select_autoescape(default=True, default_for_string=True),
        trim_blocks=True,
        lstrip_blocks=True,
    )
    env.filters["isolate"] = isolate
    return env


@dataclass(frozen=True)
class PageInfo:
    """The page around a map: what the head announces and what the /maps side panel offers.

    URLs are absolute where other sites read them (``canonical_url``, ``og_image_url``,
    ``oembed_url``, ``embed_url``).
    """

    title: str
    description: str = ""
    canonical_url: str = ""
    og_image_url: str = ""
    png_url: str = ""
    oembed_url: str = ""
    embed_url: str = ""
    downloads: Sequence[tuple[str, str]] = ()
    snippet: str = ""
    orders_url: str = ""
    as_of_note: str = ""
    layer_notes: Sequence[str] = ()


def _page_html(config: MapConfig, page: PageInfo, *, embed: bool) -> str:
    """A map page whose every script is a served file: the configuration is a JSON data block.

    Browsers never run a ``<script type="application/json">``, and ``sitmap-boot.js``
    reads it and builds the map, so the page needs no inline script and its
    Content-Security-Policy no ``'unsafe-inline'`` for scripts (folium writes inline
    scripts, so the service pages do not go through it; notebooks still do).
    """
    prefix = config.static_prefix
    preload = [u for u in (config.basemap_source(), config.boundaries) if isinstance(u, str)]
    preload += [layer.data_url for layer in config.layers if layer.data_url and layer.data is None]
    # sitmap-tiles.js only where a layer is drawn from vector tiles (4 kB fewer on every other page)
    tiled = any(layer.tiles for layer in config.layers)
    js = [url for name, url in map_js(prefix, versioned=True) if tiled or name != "sitmap_tiles"]
    js.append(asset_url("sitmap/sitmap-boot.js", prefix))
    if not embed:
        js.append(asset_url("sitmap/sitmap-page.js", prefix))
    inline = ""
    if config.inline_assets:  # a self-contained file (``sitmap map -o view.html``): no server behind it
        boot = resolve_asset("sitmap/sitmap-boot.js").path.read_text(encoding="utf-8")
        inline = _inline_assets() + "\n<script>" + boot.replace("</script", "<\\/script") + "</script>"
        js = []
    return (
        _templates()
        .get_template("page.html")
        .render(
            page=page,
            embed=embed,
            body_class="sm-embed" if embed else "sm-page",
            preload=preload,
            css=[] if inline else [url for _name, url in map_css(prefix, versioned=True)],
            js=js,
            inline_assets=inline,
            config_json=json_for_script(config.js_config()),
            w=words(config.lang),
        )
    )


def render_map_page(config: MapConfig, page: PageInfo) -> str:
    """The full ``/maps`` page: header, map, downloads and the iframe snippet to copy."""
    return _page_html(config, page, embed=False)


def render_embed_page(config: MapConfig, page: PageInfo) -> str:
    """The ``/embed`` page: the map alone, filling its frame, with a noscript image."""
    return _page_html(config, page, embed=True)


def notebook_map(
    claims: Sequence[Any] = (),
    zones: Sequence[Any] = (),
    *,
    title: str = "sitmap",
    date: str | None = None,
    incidents: Sequence[Any] = (),
    tiles: str | None = None,
    tiles_attribution: str = "",
    boundaries: bool = True,
) -> folium.Map:
    """A self-contained map of records in memory (ClaimRecord, Zone), for notebooks.

    Same drawing as the service, with data and assets inlined so the HTML works
    offline and outside sitmap (``m.save('map.html')``). Popups show what the
    compact data holds (no quote or link, which the service fetches on demand).
    """
    layers = []
    if claims:
        layers.append(LayerRef(id="claims", title=title, data=claims_payload(claims, incidents=incidents)))
    if zones:
        layers.append(LayerRef(id="zones", title="Zones", kind="zones", data=zones_payload(zones)))
    config = MapConfig(
        title=title,
        layers=layers,
        boundaries=boundaries_geojson() if boundaries else None,
        tiles=tiles,
        tiles_attribution=tiles_attribution,
        date=date,
        inline_assets=True,
        offline_basemap=basemap_geojson() if boundaries else None,
    )
    return build_map(config)


def _round_to(geo: Any, decimals: int) -> Any:
    """GeoJSON coordinates rounded to ``decimals`` (other values as they are)."""
    if isinstance(geo, dict):
        return {k: _round_to(v, decimals) for k, v in geo.items()}
    if isinstance(geo, list | tuple):
        return [_round_to(v, decimals) for v in geo]
    if isinstance(geo, float):
        return round(geo, decimals)
    return geo


@cache
def boundaries_geojson() -> dict[str, Any]:
    """Context outlines from shipped data: Gaza Strip and West Bank, governorates, neighbours.

    OCHA COD-AB (adm1, adm2) and Natural Earth countries, simplified for drawing
    (about 30-40 m for Palestine, 200 m for neighbouring countries). Coordinates keep
    the decimals their simplification can show: 4 (about 10 m) for Palestine, 3 (about
    100 m) for the neighbours, which every map page downloads (25 kB with zstd instead
    of 31 kB at 5 decimals).
    """
    import shapely
    from shapely.geometry import mapping

    from geo.boundaries import admin_areas, countries

    features: list[dict[str, Any]] = []

    def add(geom: Any, tol: float, decimals: int, **props: Any) -> None:
        simple = shapely.simplify(geom, tol, preserve_topology=True)
        features.append({"type": "Feature", "geometry": _round_to(mapping(simple), decimals), "properties": props})

    for c in countries():
        if c.pcode != "PSE":
            add(c.geometry, 0.002, 3, name=c.name, pcode=c.pcode, level="country")
    for a in admin_areas("adm2"):
        add(a.geometry, 0.0004, 4, name=a.name, pcode=a.pcode, level="adm2")
    for a in admin_areas("adm1"):
        add(a.geometry, 0.0003, 4, name=a.name, pcode=a.pcode, level="adm1")
    return {
        "type": "FeatureCollection",
        "features": features,
        "attribution": "Boundaries: OCHA / PAMOP via HDX (CC BY-IGO 3.0); Made with Natural Earth",
    }
