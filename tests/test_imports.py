"""The engine's dependency rules: stdlib + numpy only, never viz, and the right package.

One exception, in one module and imported inside the functions that need it, so importing
the engine still needs only numpy: the dataset downloader (autograd/datasets/downloader.py)
uses tqdm for its progress bar and filelock for its per-file lock.  Nothing under autograd/
imports viz, not even inside a function: viz imports the engine, never the reverse (the
checker's report is drawn by viz.check.draw(report))."""
import ast
import re
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


def test_nothing_under_autograd_imports_viz_not_even_lazily():
    bad = [f"{path.relative_to(ROOT)}:{lineno}: import {module}"
           for path in sorted(PACKAGE.rglob("*.py"))
           for lineno, module in _imports(ast.parse(path.read_text(encoding="utf-8")))
           if module.split(".")[0] in ("viz", "graphviz")]
    assert not bad, "the engine imports viz (draw with viz.check.draw(report)):\n" + \
        "\n".join(bad)


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
    "engine": ["autograd/errors.py", "autograd/graph.py", "autograd/walk.py",
               "autograd/primitives.py", "autograd/functions.py", "autograd/dispatch.py",
               "autograd/value.py", "autograd/tensor.py"],
    "book": ["autograd/layers.py", "autograd/models.py", "autograd/optimizers.py",
             "autograd/gradcheck.py", "autograd/training.py", "autograd/examples.py",
             "autograd/nn.py", "autograd/check/*.py"],
    "data": ["autograd/datasets/*.py"],
    "drawing": ["viz/numbers.py", "viz/model.py", "viz/names.py", "viz/budget.py",
                "viz/symbolic.py", "viz/notation.py", "viz/derivation.py", "viz/algebra.py",
                "viz/dot.py", "viz/render.py", "viz/figures.py", "viz/expr.py",
                "viz/values.py", "viz/expr_graph.py", "viz/refusal.py", "viz/i18n.py",
                "viz/check.py"],
    "stepping": ["viz/stepper.py", "viz/frame.py", "viz/steps.py", "viz/html.py",
                 "viz/widgets.py"],
    "playground": ["viz/play/*.py"],
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
    "playground": {"engine", "autograd api", "book", "drawing", "stepping", "playground"},
    "command line": set(ROOMS),
    "autograd api": {"engine", "book"},
    "viz api": {"drawing", "stepping", "playground"},
}
# no arrow upwards: the engine imports viz nowhere (test_nothing_under_autograd_imports_viz_...)
LAZY_ARROWS = set()


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


_TABLE_ROOMS = {"book layers and training": "book"}  # the page's longer names


def _architecture_rooms():
    """room -> the repository's .py files the rooms table of ARCHITECTURE.md lists: a
    path with a folder sets the folder the bare names after it are in (`viz/numbers.py`,
    then `model.py`), and a folder (`check/`, `viz/play/`) stands for every .py below it."""
    rooms = {}
    text = (ROOT / "ARCHITECTURE.md").read_text(encoding="utf-8")
    for line in text.splitlines():
        cells = [c.strip() for c in line.strip().strip("|").split("|")]
        if len(cells) < 5 or cells[0] in ("room", "---"):
            continue
        files, base = set(), ROOT
        for item in re.findall(r"`([^`]+)`", cells[1]):
            if "/" in item.rstrip("/"):  # a path from the repository's root
                path = ROOT / item
                base = path if item.endswith("/") else path.parent
            else:
                path = base / item
            found = path.rglob("*.py") if item.endswith("/") else [path]
            files.update(p.relative_to(ROOT).as_posix() for p in found if p.is_file())
        rooms[_TABLE_ROOMS.get(cells[0], cells[0])] = files
    return rooms


def test_architecture_md_lists_the_same_rooms_and_files():
    """The page's rooms table and ROOMS above agree, file by file: a module added to one
    and not the other fails here (the façades are said in a sentence, not a row)."""
    table, code = _architecture_rooms(), {}
    for path, room in _room_of().items():
        if room not in ("autograd api", "viz api"):
            code.setdefault(room, set()).add(path)
    assert set(table) == set(code)
    for room in code:
        assert table[room] == code[room], (room, sorted(table[room] ^ code[room]))


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


# ----------------------------------------------------------------------------- no cycles

def _module_level(tree):
    """The import statements that run when the module is imported: the module's own
    body, with the bodies of its top-level if / try / with blocks (a class body runs at
    import too), but no function's body."""
    stack = list(tree.body)
    while stack:
        node = stack.pop()
        if isinstance(node, (ast.Import, ast.ImportFrom)):
            yield node
        elif not isinstance(node, (ast.FunctionDef, ast.AsyncFunctionDef, ast.Lambda)):
            stack.extend(child for child in ast.iter_child_nodes(node)
                         if isinstance(child, (ast.stmt, ast.excepthandler)))


def _import_graph(tree_of):
    """module file -> the package's module files its module-level imports name."""
    graph = {}
    for path, tree in tree_of.items():
        module = ast.Module(body=list(_module_level(tree)), type_ignores=[])
        graph[path] = sorted(set(_targets(module)) - {path})
    return graph


def _cycle(graph):
    """One import cycle as a list of files (first == last), or None: a depth-first
    search that meets a file still on its own path."""
    state, path = {}, []

    def visit(node):
        state[node] = "open"
        path.append(node)
        for nxt in graph.get(node, ()):
            if state.get(nxt) == "open":
                return path[path.index(nxt):] + [nxt]
            if nxt not in state:
                found = visit(nxt)
                if found:
                    return found
        path.pop()
        state[node] = "done"
        return None

    for node in sorted(graph):
        if node not in state:
            found = visit(node)
            if found:
                return found
    return None


def _trees(directory):
    return {p.relative_to(ROOT).as_posix(): ast.parse(p.read_text(encoding="utf-8"))
            for p in sorted((ROOT / directory).rglob("*.py"))}


def test_no_module_level_import_cycle_in_autograd():
    graph = _import_graph(_trees("autograd"))
    assert "autograd/walk.py" in graph["autograd/value.py"]  # the scan sees the arrows
    cycle = _cycle(graph)
    assert cycle is None, "import cycle: " + " -> ".join(cycle)


def test_the_engine_imports_its_own_modules_at_module_level_only():
    # a lazy import inside a function hides a cycle from the test above
    lazy = []
    for path, tree in _trees("autograd").items():
        if _room_of().get(path) != "engine":
            continue
        for node in ast.walk(tree):
            if isinstance(node, (ast.FunctionDef, ast.AsyncFunctionDef)):
                body = ast.Module(body=node.body, type_ignores=[])
                lazy += [f"{path}: {node.name} imports {t}" for t in _targets(body)]
    assert lazy == []


def test_the_cycle_scan_finds_a_cycle_and_reads_module_level_only():
    trees = {"autograd/graph.py": ast.parse(
                 "import numpy\nif True:\n    from autograd import walk\n"),
             "autograd/walk.py": ast.parse(
                 "from autograd.graph import Node\n"
                 "def f():\n    from autograd import value\n"),
             "autograd/value.py": ast.parse(
                 "try:\n    pass\nexcept ImportError:\n    from autograd.walk import grad\n")}
    graph = _import_graph(trees)
    assert graph == {"autograd/graph.py": ["autograd/walk.py"],
                     "autograd/walk.py": ["autograd/graph.py"],
                     "autograd/value.py": ["autograd/walk.py"]}
    assert _cycle(graph) == ["autograd/graph.py", "autograd/walk.py", "autograd/graph.py"]
    del graph["autograd/walk.py"]
    assert _cycle(graph) is None


# ----------------------------------------------------------------------------- sizes

def test_every_file_in_autograd_is_under_700_lines_and_every_function_under_80():
    long_files, long_functions = [], []
    for path, tree in _trees("autograd").items():
        lines = (ROOT / path).read_text(encoding="utf-8").count("\n")
        if lines > 700:
            long_files.append(f"{path}: {lines} lines")
        for node in ast.walk(tree):
            if isinstance(node, (ast.FunctionDef, ast.AsyncFunctionDef)):
                length = node.end_lineno - node.lineno + 1
                if length > 80:
                    long_functions.append(f"{path}: {node.name}, {length} lines")
    assert long_files == [] and long_functions == []
