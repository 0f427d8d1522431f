"""sitmap's geo floor: report text -> located, dated, attributed claims with uncertainty.

``geo.parse(text, *, published=None, source=None, url=None) -> list[Claim]`` and
``geo.mentions(text, *, published=None) -> list[Mention]`` are the entry points. They
are imported lazily on first use, so ``import geo`` (and ``sitmap --help``) stays cheap
and loads no gazetteer.
"""

from __future__ import annotations

from typing import TYPE_CHECKING, Any

if TYPE_CHECKING:  # pragma: no cover - for type checkers only
    from geo.parser import parse
    from geo.resolve import mentions

__all__ = ["mentions", "parse"]


def __getattr__(name: str) -> Any:
    if name == "parse":
        from geo.parser import parse

        return parse
    if name == "mentions":
        from geo.resolve import mentions

        return mentions
    raise AttributeError(f"module 'geo' has no attribute {name!r}")
