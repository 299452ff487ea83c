"""The engine's dependency rules: stdlib + numpy only, never viz, and the right package.

Two exceptions, each in one module and imported inside the functions that need it, so
importing the engine still needs only numpy and never loads viz:
- the dataset downloader (autograd/datasets/downloader.py) uses tqdm for its progress bar
  and filelock for its per-file lock;
- the checker's report (autograd/check.py) draws itself with viz in Report.draw(): the
  drawing of a check is viz's (viz/check.py), and report.draw() is where a learner looks
  for it.  viz imports the engine; the engine imports viz nowhere else, and never at
  module level (nor in a class body, which runs at import too)."""
import ast
import subprocess
import sys
from pathlib import Path

import autograd

ROOT = Path(__file__).resolve().parents[1]
PACKAGE = ROOT / "autograd"
ALLOWED = {"numpy"}
# the downloader's progress bar and lock: in this one module, imported lazily
DATA_ONLY = {"tqdm", "filelock"}
DATA_MODULES = {PACKAGE / "datasets" / "downloader.py"}
# Report.draw(): the one place the engine reaches viz, on demand, inside the method
VIZ_ONLY = {"viz"}
VIZ_MODULES = {PACKAGE / "check.py"}


def test_autograd_is_this_repository():
    # the unrelated PyPI package `autograd` (HIPS) would shadow ours if installed
    here = Path(autograd.__file__).resolve()
    assert here.is_relative_to(PACKAGE), (
        f"`import autograd` found {here}, not {PACKAGE}: is the PyPI package named "
        "autograd installed? (pip uninstall autograd; pip install -e .)")
    assert hasattr(autograd, "PRIMITIVES") and hasattr(autograd, "Tensor")


def test_import_does_not_pull_in_viz_or_graphviz():
    code = ("import autograd, autograd.layers, autograd.training, autograd.datasets, "
            "autograd.check, sys; "
            "print(sorted(m for m in sys.modules if m.split('.')[0] in "
            "('viz', 'graphviz', 'matplotlib', 'torch', 'tqdm', 'filelock')))")
    out = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True,
                         check=True, cwd=ROOT).stdout.strip()
    assert out == "[]"


def _imports(tree):
    """Every module an import statement names, top-level or nested in functions."""
    for node in ast.walk(tree):
        if isinstance(node, ast.Import):
            for alias in node.names:
                yield node.lineno, alias.name
        elif isinstance(node, ast.ImportFrom):
            if node.level:  # relative: inside the package
                yield node.lineno, "autograd." + (node.module or "")
            else:
                yield node.lineno, node.module


def test_engine_imports_only_stdlib_and_numpy():
    files = sorted(PACKAGE.rglob("*.py"))
    assert PACKAGE / "graph.py" in files
    bad = []
    for path in files:
        tree = ast.parse(path.read_text(encoding="utf-8"), filename=str(path))
        for lineno, module in _imports(tree):
            top = module.split(".")[0]
            if top == "autograd" or top in ALLOWED or top in sys.stdlib_module_names:
                continue
            if top in DATA_ONLY and path in DATA_MODULES:
                continue
            if top in VIZ_ONLY and path in VIZ_MODULES:
                continue  # in a function only: test_the_checker_imports_viz_lazily
            bad.append(f"{path.relative_to(ROOT)}:{lineno}: import {module}")
    assert not bad, "the engine imports only the standard library and numpy:\n" + \
        "\n".join(bad)


def test_the_data_modules_import_tqdm_and_filelock_lazily():
    for path in DATA_MODULES:
        tree = ast.parse(path.read_text(encoding="utf-8"), filename=str(path))
        eager = [m for node in tree.body if isinstance(node, (ast.Import, ast.ImportFrom))
                 for _, m in _imports(node) if m.split(".")[0] in DATA_ONLY]
        assert not eager, f"{path.name} imports {eager} at module level: import them in " \
            "the function that downloads"
        lazy = {m.split(".")[0] for _, m in _imports(tree)}
        assert DATA_ONLY <= lazy  # the exception above is still needed


def _in_functions(tree):
    """The imports made inside a function's body (run when it is called, not at import)."""
    for node in ast.walk(tree):
        if isinstance(node, (ast.FunctionDef, ast.AsyncFunctionDef)):
            for stmt in node.body:
                yield from _imports(stmt)


def test_the_checker_imports_viz_lazily():
    for path in VIZ_MODULES:
        tree = ast.parse(path.read_text(encoding="utf-8"), filename=str(path))
        every = {(n, m) for n, m in _imports(tree) if m.split(".")[0] in VIZ_ONLY}
        lazy = {(n, m) for n, m in _in_functions(tree) if m.split(".")[0] in VIZ_ONLY}
        assert every == lazy, f"{path.name} imports viz outside a function: " \
            f"{sorted(every - lazy)}; import it inside Report.draw()"
        assert lazy  # the exception above is still needed


def test_the_lazy_scan_tells_module_level_from_functions():
    tree = ast.parse("import viz\nclass R:\n    from viz import check\n"
                     "    def draw(self):\n        from viz.check import draw_report\n")
    assert [m for _, m in _in_functions(tree)] == ["viz.check"]
    assert [m for _, m in _imports(tree)] == ["viz", "viz", "viz.check"]


def test_the_scan_sees_nested_imports():
    tree = ast.parse("def f():\n    import graphviz\n    from viz import draw\n")
    assert [m for _, m in _imports(tree)] == ["graphviz", "viz"]


def test_public_names():
    for name in ("Value", "Tensor", "no_grad", "grad", "sigmoid", "tanh", "softmax",
                 "cross_entropy_error", "softmax_with_loss", "relu", "exp", "log",
                 "reciprocal", "backward_steps", "toposort", "detect_anomaly",
                 "PRIMITIVES", "AnomalyError", "DomainError", "GraphgradWarning"):
        assert name in autograd.__all__ and hasattr(autograd, name), name


# ----------------------------------------------------------------------------- the rooms
# ARCHITECTURE.md's rooms and the arrows between them; a file not listed here fails the
# test below, so a new module has to be given a room (and the page kept true).
ROOMS = {
    "engine": ["autograd/graph.py", "autograd/walk.py", "autograd/primitives.py",
               "autograd/value.py", "autograd/tensor.py", "autograd/functions.py"],
    "book": ["autograd/layers.py", "autograd/models.py", "autograd/optimizers.py",
             "autograd/gradcheck.py", "autograd/training.py", "autograd/examples.py",
             "autograd/nn.py", "autograd/check.py"],
    "data": ["autograd/datasets/*.py"],
    "drawing": ["viz/numbers.py", "viz/model.py", "viz/names.py", "viz/budget.py",
                "viz/symbolic.py", "viz/notation.py", "viz/derivation.py", "viz/algebra.py",
                "viz/dot.py", "viz/render.py", "viz/figures.py", "viz/expr.py",
                "viz/i18n.py", "viz/check.py"],
    "stepping": ["viz/stepper.py", "viz/frame.py", "viz/steps.py", "viz/html.py",
                 "viz/widgets.py"],
    "command line": ["viz/cli/*.py"],
    # the packages' public faces: `from autograd import Value` is the engine's API
    "autograd api": ["autograd/__init__.py"],
    "viz api": ["viz/__init__.py"],
}
MAY_IMPORT = {
    "engine": {"engine"},
    "book": {"engine", "autograd api", "book", "data"},
    "data": {"data"},
    "drawing": {"engine", "autograd api", "book", "drawing"},
    "stepping": {"engine", "autograd api", "book", "drawing", "stepping"},
    "command line": set(ROOMS),
    "autograd api": {"engine", "book"},
    "viz api": {"drawing", "stepping"},
}
# the one arrow upwards, taken only inside Report.draw(): test_the_checker_imports_viz_lazily
LAZY_ARROWS = {("autograd/check.py", "drawing")}


def _room_of():
    rooms = {}
    for room, patterns in ROOMS.items():
        for pattern in patterns:
            for path in ROOT.glob(pattern):
                rooms[path.relative_to(ROOT).as_posix()] = room
    return rooms


def _module_file(name):
    """The repository file of module `name` (a package's __init__.py), or None."""
    base = ROOT.joinpath(*name.split("."))
    for path in (base.with_suffix(".py"), base / "__init__.py"):
        if path.exists():
            return path.relative_to(ROOT).as_posix()
    return None


def _targets(tree):
    """The repository modules an import names: `from autograd import walk` is the module
    autograd/walk.py, `from autograd import Value` the package façade."""
    for node in ast.walk(tree):
        if isinstance(node, ast.Import):
            names = [a.name for a in node.names]
        elif isinstance(node, ast.ImportFrom) and node.module and not node.level:
            names = [_module_file(f"{node.module}.{a.name}") and f"{node.module}.{a.name}"
                     or node.module for a in node.names]
        else:
            continue
        for name in names:
            if name.split(".")[0] in ("autograd", "viz") and _module_file(name):
                yield _module_file(name)


def test_every_module_has_a_room():
    rooms = _room_of()
    files = [p.relative_to(ROOT).as_posix() for d in ("autograd", "viz")
             for p in (ROOT / d).rglob("*.py")]
    assert sorted(f for f in files if f not in rooms) == []


def test_the_rooms_import_only_the_rooms_below_them():
    rooms = _room_of()
    bad = []
    for path, room in sorted(rooms.items()):
        tree = ast.parse((ROOT / path).read_text(encoding="utf-8"))
        for target in _targets(tree):
            other = rooms[target]
            if other not in MAY_IMPORT[room] and (path, other) not in LAZY_ARROWS:
                bad.append(f"{path} ({room}) imports {target} ({other})")
    assert not bad, "arrows ARCHITECTURE.md does not draw:\n" + "\n".join(bad)
