"""The notebooks: each one runs top to bottom in a fresh kernel, and the stored copies are
what notebooks/build.py generates, executed, and small.

A notebook is run from the cells of build.py (not from the stored .ipynb), in a python3
kernel of this very interpreter, with notebooks/ as the working directory, as a reader would
run it.  Cells assert the book's numbers, so a regression anywhere in the engine, the layers
or the renderer that changes what a notebook shows fails here.
"""
import importlib.util
import json
import shutil
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parents[1]
NB_DIR = ROOT / "notebooks"

nbformat = pytest.importorskip("nbformat", reason="nbformat is needed to build the notebooks")


def _load_build():
    spec = importlib.util.spec_from_file_location("graphgrad_notebooks_build",
                                                  NB_DIR / "build.py")
    module = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(module)
    return module


build = _load_build()
NAMES = list(build.NOTEBOOKS)


def test_notebooks_are_numbered_in_order():
    assert NAMES == sorted(NAMES)
    assert [int(n[:2]) for n in NAMES] == list(range(1, len(NAMES) + 1))


def test_stored_notebooks_match_the_build_script():
    stale = build.check()
    assert not stale, (f"notebooks out of step with notebooks/build.py: {stale}; "
                       "regenerate with: python notebooks/build.py --execute")


def test_stored_notebooks_are_executed_and_small():
    total = 0
    for name in NAMES:
        path = build.path_of(name)
        size = path.stat().st_size
        total += size
        assert size <= build.MAX_NOTEBOOK_BYTES, f"{path.name} is {size} bytes"
        nb = json.loads(path.read_text(encoding="utf-8"))
        assert "widgets" not in nb["metadata"], f"{path.name} stores widget state"
        for cell in nb["cells"]:
            if cell["cell_type"] != "code":
                continue
            assert cell["execution_count"] is not None, f"{path.name}: a cell was not run"
            assert "execution" not in cell["metadata"], f"{path.name} stores timings"
            for out in cell["outputs"]:
                assert out["output_type"] != "error", f"{path.name} stores an error"
    folder = sum(p.stat().st_size for p in NB_DIR.rglob("*") if p.is_file()
                 and "__pycache__" not in p.parts and ".ipynb_checkpoints" not in p.parts)
    assert folder <= build.MAX_FOLDER_BYTES, f"notebooks/ holds {folder} bytes"
    assert total <= folder


@pytest.mark.parametrize("name", NAMES)
def test_notebook_runs_top_to_bottom(name):
    pytest.importorskip("nbclient", reason="nbclient is needed to run the notebooks")
    pytest.importorskip("ipykernel", reason="ipykernel is needed to run the notebooks")
    for module in ("matplotlib", "sympy"):
        pytest.importorskip(module, reason=f"the notebooks use {module}")
    if shutil.which("dot") is None:
        pytest.skip("Graphviz's dot program is missing: the notebooks draw graphs")
    nb = build.build(name)
    build.execute(nb, timeout=300)  # raises CellExecutionError, naming the cell, on error
    ran = [c for c in nb.cells if c.cell_type == "code"]
    assert ran and all(c.execution_count for c in ran)
