"""The app's cache of layer definitions, each kept under the store clock it was read at.

A collection's definition is current for as long as the store clock stands (every
layer write records a version, which moves the clock), so the OGC routes read the
clock and reuse the definition instead of reading it again: one store round trip
fewer per request. Shared by the by-id and the items routes.
"""

from __future__ import annotations

import threading
from collections import OrderedDict
from datetime import datetime

from fastapi import Request

from api.auth import Principal
from layers.errors import Unauthorized
from layers.model import Layer
from layers.store import Store

#: Layer definitions kept per app by :func:`layer_at` (distinct collection ids; oldest dropped first).
LAYER_CACHE_SIZE = 256


class LayerCache:
    """Layer definitions by (store, collection id), each with the store clock it was read under.

    One per app (made by ``create_app``); its lock is the app's, never the process's.
    """

    def __init__(self, size: int = LAYER_CACHE_SIZE) -> None:
        self.size = size
        self._items: OrderedDict[tuple[int, str], tuple[datetime | None, Layer, str]] = OrderedDict()
        self._lock = threading.Lock()

    def get(self, key: tuple[int, str]) -> tuple[datetime | None, Layer, str] | None:
        """The entry for ``key``, or ``None``."""
        return self._items.get(key)

    def put(self, key: tuple[int, str], value: tuple[datetime | None, Layer, str]) -> None:
        """Keep ``value``; the oldest entries go past :attr:`size`."""
        with self._lock:
            self._items[key] = value
            self._items.move_to_end(key)
            while len(self._items) > self.size:
                self._items.popitem(last=False)


def layer_cache(request: Request) -> LayerCache:
    """The app's layer-definition cache (made with the app; created here for apps built otherwise)."""
    cache: LayerCache | None = getattr(request.app.state, "item_layer_cache", None)
    if cache is None:
        cache = request.app.state.item_layer_cache = LayerCache()
    return cache


def layer_at(
    request: Request, store: Store, layer_id: str, principal: Principal | None, clock: datetime | None
) -> tuple[Layer, str]:
    """The layer behind a collection id (as :meth:`LayerView.open`) and its JSON, cached while ``clock`` stands.

    Every layer write (define, replace, delete) records a version, which moves the
    store clock, so a definition read at or after clock value ``clock`` is current for
    as long as the clock reads ``clock``: the next request after a change misses the
    cache. The clock must be read before calling this (a definition newer than its
    key only makes the entry miss sooner). A store whose clock does not cover layer
    versions (a read-only file from before layer history) is never cached.
    """
    cache = layer_cache(request)
    key = (id(store), layer_id)
    hit = cache.get(key)
    if hit is not None and hit[0] == clock:
        layer, layer_json = hit[1], hit[2]
    else:
        from layers.catalog import get_layer

        layer = get_layer(store, layer_id)
        layer_json = layer.model_dump_json()
        if getattr(store, "_has_layer_versions", True):
            cache.put(key, (clock, layer, layer_json))
    if layer.private and principal is None:
        raise Unauthorized(f"collection {layer_id!r} is private: it needs 'Authorization: Bearer <token>'")
    return layer, layer_json
