"""Raster endpoints: likelihood surfaces as COG and XYZ PNG tiles (filled in below)."""

from __future__ import annotations

from fastapi import APIRouter

router = APIRouter(tags=["Rasters"])
