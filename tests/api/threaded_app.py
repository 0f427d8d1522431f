"""A sitmap app served by uvicorn in a thread on a free 127.0.0.1 port, for browser suites.

The browser tests need a real HTTP origin (Chromium cannot talk to an in-process
TestClient); a thread in the test process keeps the store, settings and fixtures in one
place and starts in well under a second, where a subprocess would re-import everything.
"""

from __future__ import annotations

import socket
import threading
import time
from collections.abc import Iterator
from contextlib import contextmanager
from typing import Any

import pytest


def free_port() -> int:
    """A TCP port on 127.0.0.1 that nothing listens on right now."""
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return int(s.getsockname()[1])


@contextmanager
def serve_in_thread(app: Any, *, start_timeout_s: float = 30) -> Iterator[str]:
    """Serve ``app`` until the block ends; yields its base URL (fails the test if it never starts)."""
    import uvicorn

    port = free_port()
    srv = uvicorn.Server(uvicorn.Config(app, host="127.0.0.1", port=port, log_level="warning", lifespan="on"))
    thread = threading.Thread(target=srv.run, daemon=True)
    thread.start()
    deadline = time.monotonic() + start_timeout_s
    while not srv.started:
        if time.monotonic() > deadline or not thread.is_alive():
            pytest.fail("the sitmap test server did not start")
        time.sleep(0.05)
    try:
        yield f"http://127.0.0.1:{port}"
    finally:
        srv.should_exit = True
        thread.join(timeout=10)
