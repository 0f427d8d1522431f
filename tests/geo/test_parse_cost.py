"""Geocoding cost grows linearly with the text: counted work, not wall time.

A long report used to cost a scan of all its mentions (and times, and whole
sentences, and paragraphs) per sentence: quadratic, so a 2 MiB report took minutes.
The test counts the lines of ``geo`` executed (a deterministic measure of Python
work) on a text and on one four times as long, built from the demo reports.
"""

from __future__ import annotations

import json
import sys
from pathlib import Path
from types import FrameType
from typing import Any

import geo

GEO_DIR = str(Path(geo.__file__).parent)
DEMO = Path(__file__).parents[2] / "layers" / "data" / "demo" / "reports.json"


def _text(size: int) -> str:
    data = json.loads(DEMO.read_text(encoding="utf-8"))
    reports = data if isinstance(data, list) else data["reports"]
    base = "\n\n".join(r["text"] for r in reports)
    return (base * (size // len(base) + 1))[:size]


def _lines_run(text: str) -> int:
    """Lines of geo's own code executed by ``geo.parse(text)``."""
    count = 0

    def local(frame: FrameType, event: str, arg: Any) -> Any:
        nonlocal count
        if event == "line":
            count += 1
        return local

    def calls(frame: FrameType, event: str, arg: Any) -> Any:
        return local if frame.f_code.co_filename.startswith(GEO_DIR) else None

    previous = sys.gettrace()
    sys.settrace(calls)
    try:
        geo.parse(text, published="2023-12-01", source="Example Wire")
    finally:
        sys.settrace(previous)
    return count


def test_geocoding_work_grows_linearly_with_the_text() -> None:
    geo.parse("Warm-up: a strike in Khan Younis.", published="2023-12-01")  # loads the gazetteer
    n = 30_000
    small, large = _lines_run(_text(n)), _lines_run(_text(4 * n))
    # linear work gives 4x (a little less: fixed costs); the per-sentence scans gave about 8x
    assert large / small < 4.5, f"{small} lines for {n} characters, {large} for {4 * n}: {large / small:.1f}x"
