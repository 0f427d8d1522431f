"""A time budget for geocoding one text, checked between sentences and mentions.

``geo.parse`` is pure CPU work, so a service that geocodes reports for anyone with a
write token needs to stop a text that would keep a worker busy for minutes. The
budget is a context variable (each request, thread or task has its own), set with
:func:`time_budget` around the call; the parser's loops call :func:`check_budget`,
which raises :class:`~geo.errors.TooLarge` once the budget is spent. Outside a budget
nothing is checked, so the CLI and notebooks geocode any text to the end.
"""

from __future__ import annotations

import time
from collections.abc import Iterator
from contextlib import contextmanager
from contextvars import ContextVar

from geo.errors import TooLarge

_DEADLINE: ContextVar[tuple[float, float] | None] = ContextVar("sitmap_geo_deadline", default=None)


@contextmanager
def time_budget(seconds: float | None, *, allowed: float | None = None) -> Iterator[None]:
    """Geocoding inside the block may take at most ``seconds`` of wall time (``None``: no limit).

    ``allowed`` is the budget the caller's user knows (the setting), named in the error
    when ``seconds`` is what is left of it after waiting for a slot.
    """
    token = _DEADLINE.set(None if seconds is None else (time.monotonic() + seconds, allowed or seconds))
    try:
        yield
    finally:
        _DEADLINE.reset(token)


def check_budget() -> None:
    """Raise :class:`TooLarge` when the current time budget is spent; cheap enough to call per sentence."""
    budget = _DEADLINE.get()
    if budget is not None and time.monotonic() > budget[0]:
        raise TooLarge(
            f"the text could not be geocoded within the {budget[1]:g} s allowed per report; "
            "send it as shorter reports (one article or statement each)"
        )
