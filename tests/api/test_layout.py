"""The house rules of ``api/``: routes never import routes, and no lock or cache lives at module level.

A route module parses, asks :class:`layers.collection.LayerView` and renders; what two
routes share lives outside ``api/routes`` (``api/ogc.py``, ``api/mapview.py`` ...). State
kept between requests belongs to the app object, so two apps in one process share
nothing: a module-level lock or container would be shared by every app.
"""

from __future__ import annotations

import ast
from pathlib import Path

ROOT = Path(__file__).resolve().parents[2]
ROUTES = ROOT / "api" / "routes"
#: Calls that make process-wide mutable state when run at import time.
STATEFUL = {"Lock", "RLock", "OrderedDict", "dict", "list", "set", "defaultdict", "deque", "Semaphore"}


def _imports(tree: ast.AST) -> list[str]:
    out = []
    for node in ast.walk(tree):
        if isinstance(node, ast.Import):
            out += [a.name for a in node.names]
        elif isinstance(node, ast.ImportFrom) and node.module:
            out.append(node.module)
            if node.module == "api.routes":
                out += [f"api.routes.{a.name}" for a in node.names]
    return out


def test_no_route_module_imports_another() -> None:
    offenders = []
    for path in sorted(ROUTES.glob("*.py")):
        for name in _imports(ast.parse(path.read_text(encoding="utf-8"))):
            if name.startswith("api.routes."):
                offenders.append(f"{path.name} imports {name}")
    assert not offenders, offenders


def test_nothing_outside_routes_reaches_into_a_route_module() -> None:
    """Only the app factory includes routers; renderers, the CLI and layers never step back into a route."""
    offenders = []
    for path in sorted([*ROOT.glob("api/**/*.py"), *ROOT.glob("layers/**/*.py")]):
        if path.parent == ROUTES or path.name == "app.py":
            continue
        for name in _imports(ast.parse(path.read_text(encoding="utf-8"))):
            if name.startswith("api.routes"):
                offenders.append(f"{path.relative_to(ROOT)} imports {name}")
    assert not offenders, offenders


def _module_state(path: Path) -> list[str]:
    found = []
    for node in ast.parse(path.read_text(encoding="utf-8")).body:
        value = node.value if isinstance(node, (ast.Assign, ast.AnnAssign)) else None
        if isinstance(value, ast.Call):
            func = value.func
            name = func.attr if isinstance(func, ast.Attribute) else getattr(func, "id", "")
            if name in STATEFUL:
                found.append(f"{path.relative_to(ROOT)}:{node.lineno} {name}()")
    return found


#: Module state allowed, each with its reason: nothing in it depends on an app or a request.
SHARED_BY_DESIGN = {
    # shipped static files compressed once, keyed by path, mtime and size: every app in a
    # process would build the very same bytes, so one copy (under one lock) is the right number
    "api/precompressed.py": {"Lock"},
}


def test_no_process_wide_locks_or_caches_in_the_service_rooms() -> None:
    rooms = [*ROUTES.glob("*.py"), *(ROOT / "api").glob("*.py"), ROOT / "layers" / "collection.py"]
    found = [
        hit
        for path in sorted(rooms)
        for hit in _module_state(path)
        if hit.rsplit(" ", 1)[1].rstrip("()") not in SHARED_BY_DESIGN.get(str(path.relative_to(ROOT)), set())
    ]
    assert not found, found
