"""Service settings, read from ``SITMAP_*`` environment variables or passed in by code.

One :class:`Settings` object is built per app (``create_app(settings)``); nothing is
read from the environment at import time. Tests and embedders build their own.
"""

from __future__ import annotations

import re
from pathlib import Path

from pydantic import Field, field_validator, model_validator
from pydantic_settings import BaseSettings, SettingsConfigDict


class Settings(BaseSettings):
    """Everything the service can be told: store, tokens, limits, URLs, embedding.

    ``tokens`` holds bearer tokens as comma-separated ``name:token`` pairs (optionally
    ``name:token:scope`` with scope ``read-private`` (alias ``read``), ``write`` or
    ``admin``; default ``write``); ``token_file`` the same, one per line, where the
    token may also be given pre-hashed as ``sha256:<hex>`` (what ``sitmap tokens add``
    writes). The file is re-read when it changes, so ``sitmap tokens revoke`` needs no
    restart. Tokens are kept only as SHA-256 hashes.
    """

    model_config = SettingsConfigDict(env_prefix="SITMAP_", extra="ignore", frozen=True)

    db: str = Field(default="sitmap.gpkg", description="Store URL: a .gpkg path or postgresql://...")
    tokens: str | None = Field(default=None, repr=False, description="name:token[:scope][,...] bearer tokens")
    token_file: Path | None = Field(
        default=None,
        description="File with one name:sha256:<hex>[:scope] per line (sitmap tokens add); re-read when it changes",
    )

    session_secret: str | None = Field(
        default=None,
        repr=False,
        min_length=16,
        description="Key that signs desk sessions (set it when several workers serve; default: random per process)",
    )
    session_hours: float = Field(default=12.0, gt=0, le=24 * 30, description="How long a desk sign-in lasts")

    default_limit: int = Field(default=100, ge=1, le=100_000, description="Items per page when limit is not given")
    max_limit: int = Field(default=10_000, ge=1, le=1_000_000, description="Largest limit a client may ask for")
    max_body_bytes: int = Field(default=5_000_000, ge=1024, description="Largest request body accepted (413 above)")

    base_url: str | None = Field(default=None, description="Public base URL for links, e.g. https://maps.example.org")
    cors_origins: str = Field(default="*", description="Comma-separated origins allowed to read (GET) cross-origin")
    cache_max_age: int = Field(default=60, ge=0, description="max-age (s) of reads whose URL has no as_of")

    title: str = Field(default="sitmap", max_length=200)
    description: str = Field(
        default="Reports about strikes, attacks and evacuation orders as dated, source-tagged map layers "
        "with honest location and time uncertainty.",
        max_length=2000,
    )

    tiles: str = Field(
        default="",
        description="Basemap for maps: an XYZ URL template, or the path of a local .pmtiles archive "
        "(raster; served by sitmap at /basemap/tiles/{z}/{x}/{y}, credited from its attribution metadata), "
        "or '' / 'none' = sitmap's own offline basemap, drawn from shipped data: land and sea, "
        "neighbourhoods, Wadi Gaza, place labels",
    )
    tiles_attribution: str = Field(
        default="",
        description="Attribution shown for a tile basemap (HTML); a PMTiles archive's own attribution "
        "metadata is used when this is empty; the offline basemap credits its own data",
    )
    frame_ancestors: str = Field(
        default="*",
        description="CSP frame-ancestors sources for /embed pages, space-separated "
        "(e.g. \"'self' https://www.example-news.org\"; '*' = any site)",
    )

    raster_cache_size: int = Field(default=8, ge=0, le=256, description="Likelihood surfaces kept for tiles")
    raster_resolution_m: float = Field(default=250.0, gt=0, description="Cell size of likelihood surfaces")

    body_timeout_s: float = Field(
        default=30.0, gt=0, le=3600, description="Longest pause while a request body arrives (408 above)"
    )
    ingest_timeout_s: float = Field(
        default=60.0,
        gt=0,
        le=3600,
        description="Longest time one report may take to geocode (POST /reports); 413 problem above",
    )
    ingest_concurrency: int = Field(
        default=2,
        ge=1,
        le=64,
        description="Reports geocoded at once per worker; others wait (within their time budget) for a slot",
    )
    max_vertices: int = Field(
        default=100_000, ge=4, le=10_000_000, description="Most vertices one posted geometry may have (413 above)"
    )

    trusted_proxies: str = Field(
        default="",
        description="Addresses or networks (comma-separated, e.g. '127.0.0.1' or '10.0.0.0/24') of reverse "
        "proxies whose X-Forwarded-For / -Proto sitmap serve honours; empty: none (the peer address counts)",
    )
    rate_limit: bool = Field(default=True, description="Per-client rate limits on writes and expensive reads")
    rate_writes_per_min: float = Field(default=120, gt=0, description="Writes (POST/PATCH/PUT/DELETE) per client")
    rate_writes_burst: int = Field(default=60, ge=1, description="Writes a client may make at once")
    rate_expensive_per_min: float = Field(
        default=30, gt=0, description="Expensive reads per client: rasters, map PNGs, full downloads"
    )
    rate_expensive_burst: int = Field(default=20, ge=1, description="Expensive reads a client may make at once")
    rate_tiles_per_min: float = Field(default=1200, gt=0, description="Raster tiles per client")
    rate_tiles_burst: int = Field(default=400, ge=1, description="Tiles a client may fetch at once (a map view)")

    store_busy_timeout_s: float = Field(
        default=4.0,
        gt=0,
        le=120,
        description="Longest wait (s) for a store file locked by another process before a 503 with Retry-After",
    )

    map_tiles_threshold: int = Field(
        default=20_000,
        ge=0,
        description="Map pages draw a claim layer with more claims than this from vector tiles, not one data file",
    )
    response_cache_mb: float = Field(default=64, ge=0, le=4096, description="Memory for cached read responses")
    gzip_min_bytes: int = Field(default=1000, ge=0, description="Compress responses above this size when asked")

    @field_validator("base_url")
    @classmethod
    def _strip_slash(cls, v: str | None) -> str | None:
        if v is None or not v.strip():
            return None
        v = v.strip().rstrip("/")
        if not v.startswith(("http://", "https://")):
            raise ValueError(f"base_url {v!r} must start with http:// or https://")
        return v

    @field_validator("frame_ancestors")
    @classmethod
    def _one_directive(cls, v: str) -> str:
        """Sources only: a ';' or ',' would smuggle another directive or policy into the CSP header."""
        v = " ".join(v.split())
        if any(c in v for c in ";,") or not v.replace(" ", "").isascii():
            raise ValueError(f"frame_ancestors {v!r} must be space-separated CSP sources (no ';' or ',')")
        return v or "'none'"

    @field_validator("trusted_proxies")
    @classmethod
    def _proxies(cls, v: str) -> str:
        """Each entry an IP address or network, so a typo does not silently trust nothing (or everything)."""
        import ipaddress

        entries = [e for e in re.split(r"[\s,]+", v.strip()) if e]
        for entry in entries:
            try:
                ipaddress.ip_network(entry, strict=False)
            except ValueError:
                raise ValueError(f"trusted_proxies entry {entry!r} is not an IP address or network") from None
        return ",".join(entries)

    @model_validator(mode="after")
    def _limits(self) -> Settings:
        if self.default_limit > self.max_limit:
            raise ValueError(f"default_limit {self.default_limit} is above max_limit {self.max_limit}")
        return self

    def cors_origin_list(self) -> list[str]:
        """The CORS origins as a list (``["*"]`` allows any origin to read)."""
        return [o.strip() for o in self.cors_origins.split(",") if o.strip()]
