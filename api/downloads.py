"""Downloads of a collection (``f=geojson|csv|gpkg|parquet|kml``): every match, under a proper file name.

GeoJSON, CSV and KML are streamed as the collection yields them; GeoPackage and
GeoParquet are written to a temporary file first (their writers need a seekable
file) and streamed from it, the file removed when the response is done.
"""

from __future__ import annotations

import os
import tempfile
from collections.abc import Iterator
from datetime import UTC, datetime
from typing import Any

from fastapi.responses import Response, StreamingResponse
from starlette.background import BackgroundTask

from api import ogc
from api.items_request import ItemsRequest
from layers.collection import LayerView


def download(view: LayerView, req: ItemsRequest, headers: dict[str, str]) -> Response:
    """Every match of ``req`` in ``view`` as one file in the format ``req.fmt`` names."""
    from layers.export import (
        FORMATS,
        csv_columns,
        export_filename,
        iter_csv,
        iter_csv_blocks,
        iter_geojson,
        iter_geojson_blocks,
        iter_kml,
        write_gpkg,
        write_parquet,
    )

    layer = view.layer
    # Pin the view so pages fetched one after another are consistent under concurrent writes.
    pinned = req.as_of or datetime.now(UTC)
    filename = export_filename(layer.id, req.start, req.end, req.as_of, req.fmt)
    media = FORMATS[req.fmt][1]
    headers = {**headers, "Content-Disposition": f'attachment; filename="{filename}"'}

    def items_iter() -> Iterator[Any]:
        return view.iter_items(
            req.narrowing,
            pinned=pinned,
            as_of=req.as_of,
            limit=req.limit if req.limit_given else None,
            offset=req.offset,
            include_region=req.include_region,
        )

    if req.fmt == "geojson":
        members: dict[str, Any] = {"timeStamp": ogc.time_stamp(req.as_of)}
        if not req.include_region:
            blocks = view.iter_text_blocks(
                req.narrowing,
                as_of=req.as_of,
                limit=req.limit if req.limit_given else None,
                offset=req.offset,
                properties=req.properties,
            )
            if blocks is not None:  # the cold path: feature texts the store wrote (and keeps), concatenated
                return StreamingResponse(iter_geojson_blocks(blocks, **members), media_type=media, headers=headers)
        body: Iterator[bytes] = iter_geojson(
            items_iter(), include_region=req.include_region, properties=req.properties, **members
        )
        return StreamingResponse(body, media_type=media, headers=headers)
    if req.fmt == "csv" and not req.include_region:
        columns = csv_columns(req.properties)
        lines = view.iter_csv_blocks(
            req.narrowing,
            as_of=req.as_of,
            limit=req.limit if req.limit_given else None,
            offset=req.offset,
            columns=columns,
        )
        if lines is not None:  # the cold path: lines the store writes (and keeps), concatenated
            return StreamingResponse(iter_csv_blocks(lines, columns), media_type=media, headers=headers)
    if req.fmt == "csv":
        return StreamingResponse(
            iter_csv(items_iter(), include_region=req.include_region, properties=req.properties),
            media_type=media,
            headers=headers,
        )
    if req.fmt == "kml":
        return StreamingResponse(
            iter_kml(items_iter(), name=layer.title, include_region=req.include_region),
            media_type=media,
            headers=headers,
        )
    fd, tmp_name = tempfile.mkstemp(prefix="sitmap-", suffix=FORMATS[req.fmt][0])
    os.close(fd)
    os.unlink(tmp_name)  # the writers create the file atomically themselves
    try:
        if req.fmt == "gpkg":
            write_gpkg(items_iter(), tmp_name, layer=layer.id.replace("-", "_"), include_region=req.include_region)
        else:
            write_parquet(items_iter(), tmp_name, include_region=req.include_region)
    except BaseException:
        if os.path.exists(tmp_name):
            os.unlink(tmp_name)
        raise

    def chunks() -> Iterator[bytes]:
        with open(tmp_name, "rb") as fh:
            while chunk := fh.read(1 << 20):
                yield chunk

    headers["Content-Length"] = str(os.path.getsize(tmp_name))
    return StreamingResponse(chunks(), media_type=media, headers=headers, background=BackgroundTask(_unlink, tmp_name))


def _unlink(path: str) -> None:
    if os.path.exists(path):
        os.unlink(path)
