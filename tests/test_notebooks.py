"""The notebooks: each one runs top to bottom in a fresh kernel, and the stored copies are
what notebooks/sync.py makes of their text sources, executed, and small.

A notebook is run from its text source (`NN_name.md`, not the stored .ipynb), in a python3
kernel of this very interpreter, with the notebook's folder as the working directory, as a
reader would run it.  Cells assert the book's numbers, so a regression anywhere in the engine,
the layers or the renderer that changes what a notebook shows fails here.  Every notebook
folder (notebooks/, notebooks/ja/) is found and checked the same way.
"""
import base64
import importlib.util
import io
import json
import re
import shutil
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parents[1]
NB_DIR = ROOT / "notebooks"

nbformat = pytest.importorskip("nbformat", reason="nbformat is needed to run the notebooks")
pytest.importorskip("jupytext", reason="jupytext reads the notebooks' text sources")


def _load_sync():
    spec = importlib.util.spec_from_file_location("graphgrad_notebooks_sync",
                                                  NB_DIR / "sync.py")
    module = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(module)
    return module


sync = _load_sync()
SOURCES = sync.sources()
IDS = [sync.name_of(s) for s in SOURCES]


def _need_a_kernel():
    pytest.importorskip("nbclient", reason="nbclient is needed to run the notebooks")
    pytest.importorskip("ipykernel", reason="ipykernel is needed to run the notebooks")


def test_notebooks_are_numbered_in_order():
    assert SOURCES, "no notebooks/NN_*.md found"
    for folder in sync.folders():
        numbers = [int(s.name[:2]) for s in SOURCES if s.parent == folder]
        assert numbers == list(range(1, len(numbers) + 1)), f"{folder} is numbered {numbers}"


def test_stored_notebooks_match_their_text_sources():
    stale = sync.check()
    assert not stale, (f"notebooks out of step with their .md sources: {stale}; "
                       "regenerate with: python notebooks/sync.py NAME")


def _assert_executed(path):
    nb = json.loads(path.read_text(encoding="utf-8"))
    assert "widgets" not in nb["metadata"], f"{path.name} stores widget state"
    for cell in nb["cells"]:
        if cell["cell_type"] != "code":
            continue
        assert cell["execution_count"] is not None, f"{path.name}: a cell was not run"
        assert "execution" not in cell["metadata"], f"{path.name} stores timings"
        for out in cell["outputs"]:
            assert out["output_type"] != "error", f"{path.name} stores an error"


def test_stored_notebooks_are_executed_and_small():
    for folder in sync.folders():
        total = 0
        for source in (s for s in SOURCES if s.parent == folder):
            path = sync.ipynb_of(source)
            size = path.stat().st_size
            total += size
            assert size <= sync.MAX_NOTEBOOK_BYTES, f"{path.name} is {size} bytes"
            _assert_executed(path)
        held = sync.folder_bytes(folder)
        assert held <= sync.MAX_FOLDER_BYTES, f"{folder} holds {held} bytes"
        assert total <= held
    assert not sync.too_big()


NOTEBOOK_PX = 980  # a notebook's output column: a wider picture is shrunk to it
READABLE_PX = 10  # the smallest text a reader reads without zooming
_SVG_TAG = re.compile(r"<svg\b[^>]*>")


def svg_text_px(svg, column=NOTEBOOK_PX):
    """The smallest text of dot's SVG in CSS pixels, the picture shown at its own size
    (1 pt = 4/3 px) or shrunk to `column` px when wider (Jupyter's and GitHub's max-width:
    100%): its smallest font-size times the on-screen pixels per viewBox unit."""
    tag = _SVG_TAG.search(svg).group(0)
    width = float(re.search(r'\bwidth="([\d.]+)pt"', tag).group(1))
    units = float(re.search(r'\bviewBox="([-\d. ]+)"', tag).group(1).split()[2])
    fonts = [float(f) for f in re.findall(r'font-size="([\d.]+)"', svg)]
    return min(fonts) * min(width * 4 / 3, column) / units


# matplotlib's font sizes in points: its default (ticks, legends, axis labels) and the
# named sizes below it, as its FontProperties gives them
MPL_POINTS = 10.0
_NAMED_POINTS = {"xx-small": 5.79, "x-small": 6.94, "small": 8.33}
_SET_POINTS = re.compile(r"""(?:fontsize|labelsize|font\.size["']\]?)\s*=\s*"""
                         r"""(?:([\d.]+)|["']([a-z-]+)["'])""")


def plot_points(code):
    """The smallest font size in points a matplotlib figure made by `code` uses: the
    default 10 pt, or a smaller size the code sets (fontsize=, labelsize=, font.size)."""
    sizes = [MPL_POINTS]
    for number, name in _SET_POINTS.findall(code):
        sizes.append(float(number) if number else _NAMED_POINTS.get(name, MPL_POINTS))
    return min(sizes)


def png_text_px(png, points=MPL_POINTS, column=NOTEBOOK_PX):
    """The smallest text of a matplotlib PNG in CSS pixels: `points` at the resolution the
    PNG was saved with (its pHYs chunk: 1 pt = dpi/72 px; Jupyter shows a PNG one image
    pixel per CSS pixel), shrunk to `column` px when wider."""
    from PIL import Image
    image = Image.open(io.BytesIO(png))
    dpi = image.info.get("dpi", (72, 72))[0]
    return points * dpi / 72 * min(1.0, column / image.size[0])


def _pictures(path):
    """Every picture a notebook stores, as (cell, its text in px at a notebook's width):
    SVG outputs, SVG inline in HTML (a check's report shows its drawing so), PNG plots."""
    nb = json.loads(path.read_text(encoding="utf-8"))
    code = ""
    for k, cell in enumerate(nb["cells"]):
        source = "".join(cell["source"])
        code += source + "\n" if cell["cell_type"] == "code" else ""
        for out in cell.get("outputs", []):
            data = out.get("data", {})
            svg = data.get("image/svg+xml")
            html = "".join(data.get("text/html", ""))
            if svg:
                yield k, svg_text_px(svg if isinstance(svg, str) else "".join(svg))
            elif "<svg" in html:
                yield k, svg_text_px(html[html.index("<svg"):])
            if "image/png" in data:
                png = base64.b64decode("".join(data["image/png"]))
                yield k, png_text_px(png, plot_points(code))


def test_svg_text_px_measures_what_a_browser_shows():
    wide = '<svg width="1560pt" height="300pt"\n viewBox="0.00 0.00 1560.00 300.00"><text ' \
           'font-size="11.00">x</text><text font-size="14.00">y</text></svg>'
    assert svg_text_px(wide) == pytest.approx(11 * 980 / 1560)  # 6.9 px: issue 20
    small = wide.replace("1560", "600")
    assert svg_text_px(small) == pytest.approx(11 * 4 / 3)  # never enlarged
    inline = small.replace("<svg ", '<svg style="max-width:100%;height:auto" ')
    assert svg_text_px(inline) == svg_text_px(small)  # a check's report, in its HTML


def test_png_text_px_reads_the_resolution_and_the_width():
    Image = pytest.importorskip("PIL.Image")

    def png(width, dpi):
        buffer = io.BytesIO()
        Image.new("RGB", (width, 20)).save(buffer, "PNG", dpi=(dpi, dpi))
        return buffer.getvalue()

    # PNG stores dots per metre, whole: 100 dpi comes back as 99.9998
    assert png_text_px(png(900, 100)) == pytest.approx(10 * 100 / 72, rel=1e-3)  # 13.9 px
    assert png_text_px(png(900, 72)) == pytest.approx(10, rel=1e-3)
    assert png_text_px(png(1960, 100)) == pytest.approx(10 * 100 / 72 / 2, rel=1e-3)
    assert png_text_px(png(900, 100), points=8) == pytest.approx(8 * 100 / 72, rel=1e-3)
    assert plot_points('ax.set_title("t")') == 10
    assert plot_points('ax.legend(fontsize=7)\nax.tick_params(labelsize="small")') == 7
    assert plot_points('plt.rcParams["font.size"] = 8') == 8


@pytest.mark.parametrize("name", ["05_appendix_a_step_by_step", "ja/05_appendix_a_step_by_step"])
def test_appendix_a_keeps_its_stills(name):
    """Issue 20: notebook 05 shows the stills of steps 1, 3 and 6 with the Cross Entropy
    Error layer folded, as figure A-5, and the whole graph in two."""
    assert len(list(_pictures(NB_DIR / f"{name}.ipynb"))) >= 8


STORED = sorted(p for folder in sync.folders() for p in folder.glob(sync.IPYNB_PATTERN))


@pytest.mark.parametrize("path", STORED, ids=[str(p.relative_to(NB_DIR)) for p in STORED])
def test_every_picture_reads_at_a_notebooks_width(path):
    """Issue 20: every picture a stored notebook shows (graphs, a check's drawing, plots)
    has text of 10 px or more in a 980 px notebook column: notebook 05's stills were
    6.9 px, 08's network 4.9, 09's derivative graph 8.9, 11's checks 6.8 to 8.1."""
    small = [(k, round(px, 1)) for k, px in _pictures(path) if px < READABLE_PX]
    assert not small, f"{path.name}: (cell, px) under {READABLE_PX} px at {NOTEBOOK_PX} px: " \
                      f"{small}"


@pytest.mark.parametrize("source", SOURCES, ids=IDS)
def test_notebook_runs_top_to_bottom(source):
    _need_a_kernel()
    for module in ("matplotlib", "sympy"):
        pytest.importorskip(module, reason=f"the notebooks use {module}")
    if shutil.which("dot") is None:
        pytest.skip("Graphviz's dot program is missing: the notebooks draw graphs")
    nb = sync.read(source)
    sync.execute(nb, source.parent, timeout=300)  # raises CellExecutionError, naming the cell
    ran = [c for c in nb.cells if c.cell_type == "code"]
    assert ran and all(c.execution_count for c in ran)


# ---------------------------------------------------------------- the script itself, on a
# made-up tree with a second folder, as notebooks/ja/ will be

MD = """\
---
kernelspec:
  display_name: Python 3
  language: python
  name: python3
---

# A title

```{code-cell}
import os
print(os.getcwd())
```

Some text.

```{code-cell}
x = 6 * 7
x
```
"""


def _tree(tmp_path):
    (tmp_path / "ja").mkdir()
    for path in (tmp_path / "01_first.md", tmp_path / "ja" / "01_first.md"):
        path.write_text(MD, encoding="utf-8")
    return tmp_path


def test_sources_are_found_in_every_folder_and_read_verbatim(tmp_path):
    root = _tree(tmp_path)
    assert [sync.name_of(s, root) for s in sync.sources(root)] == ["01_first", "ja/01_first"]
    nb = sync.read(root / "ja" / "01_first.md")
    assert sync.cells_of(nb) == [
        ("markdown", "# A title"), ("code", "import os\nprint(os.getcwd())"),
        ("markdown", "Some text."), ("code", "x = 6 * 7\nx")]
    assert sync.select(["ja/"], root) == [root / "ja" / "01_first.md"]
    assert sync.select([str(root / "ja")], root) == [root / "ja" / "01_first.md"]
    with pytest.raises(ValueError, match="matches 'nope'"):
        sync.select(["nope"], root)


def test_check_names_missing_stale_and_orphaned_notebooks(tmp_path, capsys):
    root = _tree(tmp_path)
    assert sync.check(root) == {"01_first": "no .ipynb", "ja/01_first": "no .ipynb"}
    for source in sync.sources(root):
        nbformat.write(sync.read(source), sync.ipynb_of(source))
    assert sync.check(root) == {}
    assert sync.main(["--check", "--root", str(root)]) == 0

    source = root / "ja" / "01_first.md"
    source.write_text(MD.replace("6 * 7", "6 * 9"), encoding="utf-8")
    nbformat.write(sync.read(source), root / "ja" / "02_orphan.ipynb")
    assert sync.check(root) == {"ja/01_first": "cells differ from the .md",
                                "ja/02_orphan": "no .md text source"}
    capsys.readouterr()
    assert sync.main(["--check", "--root", str(root)]) == 1
    out = capsys.readouterr().out
    assert "stale: ja/01_first.ipynb" in out and "stale: ja/02_orphan.ipynb" in out
    assert "stale: 01_first.ipynb" not in out


def test_clean_replaces_live_only_outputs_and_drops_run_metadata():
    nb = nbformat.v4.new_notebook(metadata={"widgets": {"state": {}}})
    cell = nbformat.v4.new_code_cell("stepper", metadata={
        "execution": {"iopub.status.busy": "2026-12-01T08:31:00.000000Z"}})
    cell.outputs = [
        nbformat.v4.new_output("display_data", data={
            sync.WIDGET_VIEW: {"model_id": "x"}, "text/plain": "Stepper(...)"}),
        nbformat.v4.new_output("display_data", data={"text/html": "<iframe srcdoc='...'>"}),
        nbformat.v4.new_output("display_data", data={
            "image/svg+xml": "<svg/>", "text/plain": "<graphviz.graphs.Digraph at 0x7f1c>"}),
        nbformat.v4.new_output("stream", text="<object at 0x1> stays in printed text\n")]
    nb.cells = [cell]
    sync.clean(nb)
    assert "widgets" not in nb.metadata and "execution" not in cell.metadata
    live, player, picture, printed = cell.outputs
    assert live.data == player.data == {"text/plain": sync.LIVE_ONLY_NOTE}
    assert picture.data == {"image/svg+xml": "<svg/>",
                            "text/plain": "<graphviz.graphs.Digraph>"}
    assert printed.text == "<object at 0x1> stays in printed text\n"


def test_running_writes_an_executed_notebook_run_in_its_own_folder(tmp_path, capsys):
    _need_a_kernel()
    root = _tree(tmp_path)
    assert sync.main(["ja/", "--root", str(root)]) == 0
    assert not (root / "01_first.ipynb").exists()  # only what was asked for
    path = root / "ja" / "01_first.ipynb"
    _assert_executed(path)
    nb = nbformat.read(path, as_version=4)
    cwd, answer = (c.outputs for c in nb.cells if c.cell_type == "code")
    assert Path(cwd[0].text.strip()).resolve() == (root / "ja").resolve()
    assert answer[0].data["text/plain"] == "42"
    assert sync.check(root) == {"01_first": "no .ipynb"}
    assert "1 of 1 notebooks run" in capsys.readouterr().out


def test_a_failing_cell_is_reported_and_leaves_the_stored_notebook_alone(tmp_path, capsys):
    _need_a_kernel()
    (tmp_path / "01_broken.md").write_text(
        MD.replace("x = 6 * 7", "x = 6 / 0"), encoding="utf-8")
    stored = tmp_path / "01_broken.ipynb"
    stored.write_text("the last good run", encoding="utf-8")
    assert sync.main(["--root", str(tmp_path)]) == 1
    out, err = capsys.readouterr()
    assert "FAILED" in out and "ZeroDivisionError" in out and "failed: 01_broken" in err
    assert stored.read_text(encoding="utf-8") == "the last good run"
