"""Static PNG of a map view, drawn server-side with matplotlib on sitmap's offline basemap.

For low-bandwidth readers, social cards (``og:image``) and the ``<noscript>``
fallback: land, sea, Wadi Gaza and place labels (:mod:`api.render.basemap`, the
same basemap as the interactive maps), context boundaries from shipped data, zones by order type and state,
claims with their uncertainty circles (fill fading with size; a claim placed only to an area
is a hollow mark, a dashed outline and a label, never a solid point), a legend, the title,
the date shown and the as-of instant. Uses matplotlib's object API (no pyplot
global state), so it is safe in a threaded server.
"""

from __future__ import annotations

import io
import math
from collections.abc import Sequence
from datetime import UTC, date, datetime, time
from typing import Any

import numpy as np

from api.render.words import describe_radius, fill_opacity

_R = 6378137.0
#: matplotlib marker per canvas shape of sitmap-map.js.
_MARKERS = {"circle": "o", "hexagon": "h", "triangle": "^", "diamond": "D", "cross": "P", "square": "s"}
SIZE_PX = (1200, 800)
#: From this radius a claim is drawn as an area, not a point (``REGION_M`` of sitmap-map.js).
REGION_M = 5000
#: Colour, width and dash of context boundaries by level.
_BOUNDARY_STYLE: dict[str, tuple[str, float, Any]] = {
    "country": ("#888", 0.7, (0, (4, 3))),
    "adm2": ("#777", 0.6, "-"),
    "adm1": ("#333", 1.4, "-"),
}


#: Basemap colours, the same as sitmap-basemap.js and sitmap-map.css draw.
SEA = "#bcd3e6"
LAND = "#f2efe6"
COAST = "#8fb0c9"
WADI = "#5d8fb8"


def _draw_labels(
    ax: Any, features: list[dict[str, Any]], limits: tuple[float, float, float, float], width_px: float
) -> None:
    """Place labels as the browser does: from their zoom on, biggest first, never overlapping."""
    x0, x1, y0, y1 = limits
    zoom = math.log2(width_px * 2 * math.pi * _R / ((x1 - x0) * 256))
    px = width_px / (x1 - x0)
    placed: list[tuple[float, float, float, float]] = []
    for f in features:
        p = f["properties"]
        if p["kind"] != "label" or p.get("minzoom", 0) > zoom + 0.5:
            continue
        lon, lat = f["geometry"]["coordinates"]
        x, y = _merc(lon, lat)
        fx, fy = float(x), float(y)
        if not (x0 < fx < x1 and y0 < fy < y1):
            continue
        big = p.get("place") == "city" and p.get("minzoom", 0) <= 10
        w, h = (len(p["name"]) * (7.4 if big else 6.4) + 6) / px, (16 if big else 14) / px
        box = (fx - w / 2, fy - h / 2, fx + w / 2, fy + h / 2)
        if any(box[0] < q[2] and box[2] > q[0] and box[1] < q[3] and box[3] > q[1] for q in placed):
            continue
        placed.append(box)
        ax.text(
            fx,
            fy,
            p["name"],
            ha="center",
            va="center",
            zorder=1.5,
            color="#333" if big else "#555",
            fontsize=10 if big else 8.5,
            fontweight="bold" if big else "normal",
            clip_on=True,
        )


def _near_median(lon: Any, lat: Any, degrees: float = 3.0) -> Any:
    """Which points frame the view: those within ``degrees`` of the median (all, if none are).

    The interactive map frames the same way, so a talk in Doha does not shrink the Strip.
    """
    if len(lon) < 3:
        return np.ones(len(lon), dtype=bool)
    near = (np.abs(lon - np.median(lon)) < degrees) & (np.abs(lat - np.median(lat)) < degrees)
    return near if near.any() else np.ones(len(lon), dtype=bool)


def _merc(lon: Any, lat: Any) -> tuple[Any, Any]:
    lon = np.asarray(lon, dtype=float)
    lat = np.clip(np.asarray(lat, dtype=float), -85.05, 85.05)
    return _R * np.radians(lon), _R * np.log(np.tan(np.pi / 4 + np.radians(lat) / 2))


def _rings(geom: dict[str, Any]) -> list[list[list[float]]]:
    if geom["type"] == "Polygon":
        return list(geom["coordinates"])
    if geom["type"] == "MultiPolygon":
        return [ring for poly in geom["coordinates"] for ring in poly]
    return []


def _poly_patches(geom: dict[str, Any]) -> Any:
    """A matplotlib Path (with holes) for a GeoJSON polygon, in Web Mercator."""
    from matplotlib.path import Path

    verts: list[tuple[float, float]] = []
    codes: list[int] = []
    for ring in _rings(geom):
        xs, ys = _merc([p[0] for p in ring], [p[1] for p in ring])
        pts = list(zip(xs.tolist(), ys.tolist(), strict=True))
        if len(pts) < 3:
            continue
        verts.extend(pts)
        codes.extend([int(Path.MOVETO)] + [int(Path.LINETO)] * (len(pts) - 2) + [int(Path.CLOSEPOLY)])
    return Path(verts, codes) if verts else None


def _zone_state(props: dict[str, Any], at: datetime) -> str:
    if props.get("status") == "retracted":
        return "hidden"
    start = datetime.fromisoformat(props["effective_from"].replace("Z", "+00:00"))
    lifted = props.get("lifted_at")
    if start > at:
        return "hidden"
    if lifted and datetime.fromisoformat(lifted.replace("Z", "+00:00")) <= at:
        return "lifted"
    return "active"


def render_png(
    payloads: Sequence[dict[str, Any]],
    *,
    title: str,
    when: str,
    day: date | None = None,
    as_of: datetime | None = None,
    bbox: tuple[float, float, float, float] | None = None,
) -> bytes:
    """Draw compact layer payloads (``api.render.mapdata``) as a 1200×800 PNG."""
    from matplotlib.backends.backend_agg import FigureCanvasAgg
    from matplotlib.collections import EllipseCollection
    from matplotlib.figure import Figure
    from matplotlib.lines import Line2D
    from matplotlib.patches import Circle, Patch, PathPatch
    from matplotlib.patheffects import withStroke

    from api.render.basemap import BASEMAP_ATTRIBUTION, basemap_geojson
    from api.render.mapbuilder import boundaries_geojson, palette, zone_palette

    pal = palette()
    zpal = zone_palette()
    fig = Figure(figsize=(SIZE_PX[0] / 100, SIZE_PX[1] / 100), dpi=100, facecolor="white")
    FigureCanvasAgg(fig)
    ax = fig.add_axes((0.01, 0.07, 0.70, 0.84))
    ax.set_facecolor(SEA)
    ax.set_aspect("equal")
    ax.set_xticks([])
    ax.set_yticks([])
    at = datetime.combine(day, time(12), tzinfo=UTC) if day else (as_of or datetime.now(UTC))

    # The same offline basemap as the interactive maps: land over the sea, Wadi Gaza,
    # then context boundaries on top (labels come once the extent is known).
    base = basemap_geojson()["features"]
    for f in base:
        kind = f["properties"]["kind"]
        if kind == "land":
            land = _poly_patches(f["geometry"])
            if land is not None:
                ax.add_patch(PathPatch(land, facecolor=LAND, edgecolor=COAST, lw=0.6, zorder=0.5))
        elif kind == "wadi":
            xs, ys = _merc(*zip(*f["geometry"]["coordinates"], strict=True))
            ax.plot(xs, ys, color=WADI, lw=1.8, zorder=0.8)
    for f in boundaries_geojson()["features"]:
        level = f["properties"]["level"]
        color, lw, ls = _BOUNDARY_STYLE.get(level, ("#777", 0.6, "-"))
        for ring in _rings(f["geometry"]):
            xs, ys = _merc([p[0] for p in ring], [p[1] for p in ring])
            ax.plot(xs, ys, color=color, lw=lw, ls=ls, zorder=1)

    handles: list[Any] = []
    extent: list[float] = []
    shown_claims = 0
    shown_zones = 0
    types_seen: list[str] = []
    for payload in payloads:
        if payload.get("kind") == "zones":
            for feat in payload["features"]:
                props = feat["properties"]
                state = _zone_state(props, at)
                if state == "hidden":
                    continue
                path = _poly_patches(feat["geometry"])
                if path is None:
                    continue
                color = zpal.get(props.get("order_type"), {}).get("color", "#7b3294")
                lifted = state == "lifted"
                ax.add_patch(
                    PathPatch(
                        path,
                        facecolor=color,
                        alpha=0.06 if lifted else 0.25,
                        edgecolor="none",
                        zorder=2,
                    )
                )
                ax.add_patch(
                    PathPatch(path, facecolor="none", edgecolor=color, lw=1.6, ls="--" if lifted else "-", zorder=3)
                )
                ext = path.get_extents()
                extent.extend([ext.x0, ext.y0, ext.x1, ext.y1])
                shown_zones += 1
            continue
        n = payload.get("count", 0)
        if not n:
            continue
        shown_claims += n
        x, y = _merc(payload["x"], payload["y"])
        lat = np.radians(np.asarray(payload["y"], dtype=float))
        r = np.asarray(payload["r"], dtype=float) / np.cos(lat)  # metres on the ground -> mercator units
        etypes = [payload["event_types"][i] for i in payload["e"]]
        precs = [payload["precisions"][i] for i in payload["p"]]
        faded = np.array([p in ("week", "month", "year", "unknown") for p in precs])
        colors = np.array([_rgb(pal.get(t, pal["other"])["color"]) for t in etypes])
        alphas = np.array([fill_opacity(v) for v in payload["r"]]) * np.where(faded, 0.5, 1.0)
        order = np.argsort(-r)
        face = np.column_stack([colors[order], alphas[order]])
        edge = np.column_stack([colors[order], np.minimum(0.8, alphas[order] + 0.3)])
        ax.add_collection(
            EllipseCollection(
                2 * r[order],
                2 * r[order],
                np.zeros(n),
                units="xy",
                offsets=np.column_stack([x[order], y[order]]),
                offset_transform=ax.transData,
                facecolors=face,
                edgecolors=edge,
                linewidths=0.6,
                zorder=4,
            )
        )
        statuses = payload["statuses"]
        incidents = payload.get("incidents", [])
        corr = np.array(
            [
                statuses[s] == "corroborated" or (k >= 0 and incidents[k]["status"] == "corroborated")
                for s, k in zip(payload["s"], payload["inc"], strict=True)
            ]
        )
        if corr.any():
            ax.scatter(x[corr], y[corr], s=150, facecolors="none", edgecolors="#111", linewidths=1.6, zorder=5)
        # A claim placed only to an area (an admin region, or a radius of REGION_M or more) is
        # never a solid point, as on the interactive map: a hollow mark, a dashed outline and
        # a label naming the area and its radius.
        regions = payload.get("regions") or {}
        region = np.array(
            [rm >= REGION_M or cid in regions for rm, cid in zip(payload["r"], payload["ids"], strict=True)]
        )
        for k in np.flatnonzero(region):
            geom = regions.get(payload["ids"][k])
            outline = _poly_patches(geom) if geom else None
            if outline is not None:
                ax.add_patch(PathPatch(outline, facecolor="none", edgecolor=colors[k], lw=1.2, ls="--", zorder=4.5))
            else:
                ax.add_patch(
                    Circle((x[k], y[k]), r[k], facecolor="none", edgecolor=colors[k], lw=1.2, ls="--", zorder=4.5)
                )
            place = payload["places"][payload["pl"][k]] if payload.get("places") else None
            words = " ".join(w for w in (place, describe_radius(payload["r"][k])) if w)
            ax.annotate(
                words,
                (x[k], y[k]),
                xytext=(7, -13),
                textcoords="offset points",
                fontsize=9,
                fontstyle="italic",
                color="#222",
                zorder=6,
                annotation_clip=True,
                path_effects=[withStroke(linewidth=2.5, foreground="white")],
            )
        for t in dict.fromkeys(etypes):
            sel = np.array([e == t for e in etypes])
            sym = pal.get(t, pal["other"])
            marker = _MARKERS.get(sym["shape"], "o")
            for fade in (False, True):
                m = sel & (faded == fade) & ~region
                if m.any():
                    ax.scatter(
                        x[m],
                        y[m],
                        s=46,
                        marker=marker,
                        c=sym["color"],
                        edgecolors="white",
                        linewidths=0.8,
                        alpha=0.45 if fade else 0.95,
                        zorder=6,
                    )
                hollow = sel & (faded == fade) & region
                if hollow.any():
                    ax.scatter(
                        x[hollow],
                        y[hollow],
                        s=52,
                        marker=marker,
                        facecolors="none",
                        edgecolors=sym["color"],
                        linewidths=1.8,
                        alpha=0.45 if fade else 0.95,
                        zorder=6,
                    )
            if t not in types_seen:
                types_seen.append(t)
        rmax = r.max() if n else 0
        near = _near_median(np.asarray(payload["x"], dtype=float), np.asarray(payload["y"], dtype=float))
        xn, yn = x[near], y[near]
        extent.extend([float(xn.min() - min(rmax, 3000)), float(yn.min() - min(rmax, 3000))])
        extent.extend([float(xn.max() + min(rmax, 3000)), float(yn.max() + min(rmax, 3000))])

    # Extent: the requested bbox, else the data, else the Gaza Strip.
    if bbox is not None:
        x0, y0 = _merc(bbox[0], bbox[1])
        x1, y1 = _merc(bbox[2], bbox[3])
    elif extent:
        xs, ys = extent[0::2], extent[1::2]
        x0, x1, y0, y1 = min(xs), max(xs), min(ys), max(ys)
    else:
        x0, y0 = _merc(34.2, 31.2)
        x1, y1 = _merc(34.6, 31.62)
    x0, x1, y0, y1 = float(x0), float(x1), float(y0), float(y1)
    cx, cy = (x0 + x1) / 2, (y0 + y1) / 2
    half = max(x1 - x0, y1 - y0, 4000.0) / 2 * 1.1
    w_frac, h_frac = 0.70 * SIZE_PX[0], 0.84 * SIZE_PX[1]
    hx, hy = (half * w_frac / h_frac, half) if w_frac > h_frac else (half, half * h_frac / w_frac)
    ax.set_xlim(cx - hx, cx + hx)
    ax.set_ylim(cy - hy, cy + hy)
    _draw_labels(ax, base, (cx - hx, cx + hx, cy - hy, cy + hy), w_frac)

    # Legend panel: what this map draws (a map of orders alone has no claim symbols, a map
    # of claims alone no order swatches).
    with_claims = any(p.get("kind") != "zones" for p in payloads) or not payloads
    with_zones = any(p.get("kind") == "zones" for p in payloads) or not payloads
    for t in (types_seen or list(pal)[:5]) if with_claims else []:
        sym = pal[t]
        handles.append(
            Line2D(
                [],
                [],
                marker=_MARKERS.get(sym["shape"], "o"),
                color="white",
                markerfacecolor=sym["color"],
                markersize=9,
                label=sym["label"],
            )
        )
    if with_claims:
        handles.append(
            Line2D(
                [],
                [],
                marker="o",
                color="white",
                markerfacecolor="#999",
                markeredgecolor="#111",
                markeredgewidth=1.6,
                markersize=11,
                label="corroborated (2+ sources)",
            )
        )
        handles.append(Patch(facecolor="#999", alpha=0.25, edgecolor="#999", label="where it may have happened"))
    for v in zpal.values() if with_zones else []:
        handles.append(Patch(facecolor=v["color"], alpha=0.35, edgecolor=v["color"], label=v["label"]))
    fig.legend(handles=handles, loc="upper left", bbox_to_anchor=(0.725, 0.91), frameon=False, fontsize=10.5)
    fig.text(0.01, 0.955, title, fontsize=17, fontweight="bold", va="center")
    sub = f"{when} · {shown_claims} claims" + (f" · {shown_zones} zones" if shown_zones else "")
    if as_of:
        sub += f" · as known {as_of:%d %b %Y %H:%M} UTC"
    fig.text(0.01, 0.925, sub, fontsize=11.5, color="#333", va="center")
    fig.text(
        0.01,
        0.012,
        "Claims as reported by their claimants and sources, not verified. Circles: location uncertainty (~95%). "
        "Made with sitmap.\nBoundaries: OCHA/PAMOP via HDX; " + BASEMAP_ATTRIBUTION + ".",
        fontsize=8.5,
        color="#555",
    )
    # A scale bar of a round number of kilometres.
    span_m = 2 * hx * math.cos(math.radians(31.4))
    km = next((k for k in (1, 2, 5, 10, 20, 50, 100) if k * 1000 > span_m / 8), 100)
    bar = km * 1000 / math.cos(math.radians(31.4))
    bx, by = cx - hx * 0.92, cy - hy * 0.92
    ax.plot([bx, bx + bar], [by, by], color="#222", lw=3, zorder=7)
    ax.text(bx, by + hy * 0.025, f"{km} km", fontsize=9, zorder=7)
    buf = io.BytesIO()
    fig.savefig(buf, format="png", dpi=100, metadata={"Software": "sitmap"})
    return buf.getvalue()


def _rgb(hex_color: str) -> tuple[float, float, float]:
    h = hex_color.lstrip("#")
    return (int(h[0:2], 16) / 255, int(h[2:4], 16) / 255, int(h[4:6], 16) / 255)
