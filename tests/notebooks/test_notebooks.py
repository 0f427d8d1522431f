"""Every notebook runs, top to bottom, on the demo data in a temporary store; none is committed with outputs."""

from __future__ import annotations

from pathlib import Path

import nbformat
import pytest

ROOT = Path(__file__).resolve().parents[2]
NOTEBOOKS = sorted((ROOT / "notebooks").glob("*.ipynb"))


@pytest.fixture(scope="module")
def demo_db(tmp_path_factory: pytest.TempPathFactory) -> str:
    """A GeoPackage with the demo loaded once for all notebooks of this worker."""
    from layers.demo import load_demo
    from layers.store import open_store

    path = tmp_path_factory.mktemp("notebooks") / "demo.gpkg"
    store = open_store(path)
    try:
        load_demo(store)
    finally:
        store.close()
    return str(path)


def test_the_four_stories_are_there() -> None:
    names = [p.name for p in NOTEBOOKS]
    assert len(names) >= 4
    for stem in ("geocode", "truce_end_daily", "evacuation_zones", "likelihood"):
        assert any(stem in n for n in names), stem


@pytest.mark.parametrize("path", NOTEBOOKS, ids=[p.stem for p in NOTEBOOKS])
def test_committed_without_outputs(path: Path) -> None:
    nb = nbformat.read(path, as_version=4)
    nbformat.validate(nb)
    for cell in nb.cells:
        if cell.cell_type == "code":
            assert cell.outputs == [] and cell.execution_count is None, f"{path.name}: strip outputs before committing"


@pytest.mark.parametrize("path", NOTEBOOKS, ids=[p.stem for p in NOTEBOOKS])
def test_notebook_runs_on_the_demo_data(path: Path, demo_db: str, tmp_path: Path, monkeypatch) -> None:
    from nbclient import NotebookClient

    monkeypatch.setenv("SITMAP_DB", demo_db)
    monkeypatch.setenv("MPLBACKEND", "Agg")
    nb = nbformat.read(path, as_version=4)
    client = NotebookClient(nb, timeout=120, kernel_name="python3", resources={"metadata": {"path": str(tmp_path)}})
    client.execute()  # raises CellExecutionError, with the cell and traceback, if any cell fails
    outputs = [o for cell in nb.cells if cell.cell_type == "code" for o in cell.outputs]
    assert not [o for o in outputs if o.get("output_type") == "error"]
    # each story ends in a picture: a map (HTML) or a plot (PNG)
    shown = {kind for o in outputs for kind in o.get("data", {})}
    assert shown & {"text/html", "image/png"}, path.name
    # the notebook used the store it was given, not a sitmap.gpkg next to it
    assert not (tmp_path / "sitmap.gpkg").exists()
