"""`graphgrad check FILE.py:CLASS`: a book-style layer class in your file, its backward
checked against the exact gradient of its forward (autograd.check.check_layer).

The file is imported as a module from its path (it is your own code: it runs, as
`python FILE.py` would run it, with its folder first on sys.path; nothing else you type is
evaluated).  The layer is `CLASS.check_example()` when the class has that classmethod
(returning `(layer, *inputs)`), else `CLASS()` with one random (4, 3) float array per
argument of forward() (seeded by --seed): a layer that needs weights or labels (Affine,
SoftmaxWithLoss) says how to build it in check_example.

Exit codes, for exercises graded in CI: 0 every gradient right, 1 one is wrong (or the
layer's forward or backward raised), 2 nothing was checked (no such file or class, not a
layer, a bad option; one line on stderr).
"""
from __future__ import annotations

import argparse
import contextlib
import importlib.util
import inspect
import itertools
import math
import sys
import traceback
from pathlib import Path

from viz.cli.files import EXIT_USAGE, CommandError, output_file, write_atomic

FORMATS = (".svg", ".png", ".pdf", ".dot")
SHAPE = (4, 3)  # the random input of a layer without check_example: a small batch
HOOK = "check_example"
_modules = itertools.count()


def add_parser(sub):
    p = sub.add_parser(
        "check", help="check a layer's hand-written backward against the engine",
        description="Import FILE.py, build the layer CLASS, run its forward and backward, "
                    "and compare\nevery gradient (dx, dW, db ...) with the exact gradient "
                    "of its forward.\nThe layer: its classmethod "
                    f"{HOOK}() -> (layer, *inputs), or else CLASS()\nwith one random "
                    f"{SHAPE} array per argument of forward().\n"
                    "exit code: 0 every gradient right, 1 one is wrong (or the layer "
                    "raised),\n2 nothing checked (no such file or class, not a layer, a "
                    "bad option).",
        epilog="examples:\n"
               "  graphgrad check my_layers.py:Relu\n"
               "  graphgrad check my_layers.py:Affine --draw affine.svg\n"
               "a layer needing weights or labels builds its example itself:\n"
               "  class Affine:\n"
               "      @classmethod\n"
               f"      def {HOOK}(cls):\n"
               "          rng = np.random.default_rng(0)\n"
               "          return cls(rng.normal(size=(3, 2)), rng.normal(size=2)), "
               "rng.normal(size=(4, 3))",
        formatter_class=argparse.RawDescriptionHelpFormatter)
    p.add_argument("target", metavar="FILE.py:CLASS", help="the file and the layer class")
    p.add_argument("--rtol", type=float, default=None, metavar="R",
                   help="relative tolerance (default 1e-5)")
    p.add_argument("--atol", type=float, default=None, metavar="A",
                   help="absolute tolerance (default 1e-8)")
    p.add_argument("--seed", type=int, default=0, metavar="N",
                   help="seed of the random inputs and of numpy's global generator "
                        f"before {HOOK}() (default 0)")
    p.add_argument("--draw", metavar="OUT", help="also draw the check: the forward graph, "
                   "expected and your gradients (.svg .png .pdf .dot)")
    return p


# ----------------------------------------------------------------------------- checks

def _tolerance(value, option):
    if value is not None and not (math.isfinite(value) and value >= 0):
        raise CommandError(f"{option} must be a finite number >= 0, got {value:g}")
    return value


def _target(text):
    """FILE.py:CLASS -> (path, class name); the last colon splits (C:\\ stays whole)."""
    path, sep, name = text.rpartition(":")
    if not sep or not path or not name:
        raise CommandError(f"{text}: name the class after a colon, e.g. layers.py:Affine")
    if not name.isidentifier():
        raise CommandError(f"{text}: {name!r} is not a class name")
    p = Path(path)
    if not p.exists():
        raise CommandError(f"{path}: no such file")
    if not p.is_file():
        raise CommandError(f"{path}: is a directory, not a Python file")
    if p.suffix != ".py":
        raise CommandError(f"{path}: not a Python file (.py)")
    return p, name


def check_options(args):
    """Every option and the target's path, before anything is imported or run."""
    _tolerance(args.rtol, "--rtol")
    _tolerance(args.atol, "--atol")
    if args.seed < 0:
        raise CommandError(f"--seed must be 0 or more, got {args.seed}")
    if args.draw:
        output_file(args.draw, "--draw", FORMATS, hint=", e.g. check.svg")
        if Path(args.draw).suffix.lower() != ".dot":
            from viz.render import INSTALL_HINT, dot_available
            if not dot_available():
                raise CommandError(f"--draw {args.draw}: {INSTALL_HINT} (.dot needs no "
                                   "Graphviz)", EXIT_USAGE)
    return _target(args.target)


# ----------------------------------------------------------------------------- loading

def _where(exc, path):
    """The line of your file an exception came from."""
    frames = [f for f in traceback.extract_tb(exc.__traceback__)
              if Path(f.filename).resolve() == path.resolve()]
    return f" (at {path}:{frames[-1].lineno})" if frames else ""


@contextlib.contextmanager
def _no_exit(what):
    """Your code calling sys.exit() must not become the grade (exit 0 would pass)."""
    try:
        yield
    except SystemExit as e:
        raise CommandError(f"{what} called sys.exit({e.code!r}): nothing was checked"
                           ) from None


@contextlib.contextmanager
def _importing(path):
    """As `python FILE.py` runs it: its folder first on sys.path; and no __pycache__ left
    in your folder by the check."""
    folder = str(path.resolve().parent)
    saved, bytecode = list(sys.path), sys.dont_write_bytecode
    sys.path.insert(0, folder)
    sys.dont_write_bytecode = True
    try:
        yield
    finally:
        sys.path[:] = saved
        sys.dont_write_bytecode = bytecode


def load_module(path):
    """The file imported as a module (a fresh name each time), or a one-line error."""
    name = f"graphgrad_check_{next(_modules)}_{path.stem}"
    spec = importlib.util.spec_from_file_location(name, path)
    module = importlib.util.module_from_spec(spec)
    sys.modules[name] = module  # dataclasses and pickle look their module up there
    with _importing(path), _no_exit(f"importing {path}"):
        try:
            spec.loader.exec_module(module)
        except SyntaxError as e:
            del sys.modules[name]
            raise CommandError(f"{path}:{e.lineno}: syntax error: {e.msg}") from None
        except Exception as e:  # the file's own code failed: nothing to check
            del sys.modules[name]
            raise CommandError(f"{path}: importing it raised {type(e).__name__}: {e}"
                               f"{_where(e, path)}".splitlines()[0]) from None
    return module


def _classes(module):
    return [n for n, v in vars(module).items()
            if inspect.isclass(v) and v.__module__ == module.__name__]


def find_class(module, name, path):
    if not hasattr(module, name):
        defined = _classes(module)
        listed = f"; it defines {', '.join(defined)}" if defined else \
            "; it defines no class"
        raise CommandError(f"{path}: no class {name}{listed}")
    cls = getattr(module, name)
    if not inspect.isclass(cls):
        raise CommandError(f"{path}: {name} is a {type(cls).__name__}, not a class")
    return cls


def _is_layer(obj):
    return callable(getattr(obj, "forward", None)) and callable(getattr(obj, "backward",
                                                                        None))


def _not_a_layer(name):
    return CommandError(f"{name} is not a layer: it needs forward(...) and backward(dout) "
                        "methods, as the book's layers have")


# ----------------------------------------------------------------------------- the example

def _from_hook(cls, name, path, seed):
    import numpy as np
    np.random.seed(seed)  # a hook drawing from np.random draws the same every run
    try:
        with _no_exit(f"{name}.{HOOK}()"):
            example = getattr(cls, HOOK)()
    except Exception as e:
        raise CommandError(f"{name}.{HOOK}() raised {type(e).__name__}: {e}"
                           f"{_where(e, path)}".splitlines()[0]) from None
    if not isinstance(example, (tuple, list)) or not example:
        raise CommandError(f"{name}.{HOOK}() must return (layer, *inputs), got a "
                           f"{type(example).__name__}")
    layer, *inputs = example
    if not _is_layer(layer):
        raise CommandError(f"{name}.{HOOK}() must return (layer, *inputs): its first item, "
                           f"a {type(layer).__name__}, has no forward() and backward()")
    return layer, inputs


def _required(fn, skip_self=False):
    """The names of the parameters a call must give (no default, not *args)."""
    params = list(inspect.signature(fn).parameters.values())
    return [p.name for p in params[1 if skip_self else 0:]
            if p.default is p.empty and p.kind in (p.POSITIONAL_ONLY,
                                                   p.POSITIONAL_OR_KEYWORD)]


def _from_defaults(cls, name, path, seed):
    import numpy as np
    try:
        needed = _required(cls)
    except (TypeError, ValueError):
        needed = []
    if needed:
        raise CommandError(f"{name}() needs {', '.join(needed)}: give {name} a classmethod "
                           f"{HOOK}() returning (layer, *inputs)")
    try:
        with _no_exit(f"{name}()"):
            layer = cls()
    except Exception as e:
        raise CommandError(f"{name}() raised {type(e).__name__}: {e}"
                           f"{_where(e, path)}".splitlines()[0]) from None
    if not _is_layer(layer):
        raise _not_a_layer(name)
    try:
        n = len(_required(layer.forward))
    except (TypeError, ValueError):
        n = 1
    rng = np.random.default_rng(seed)
    return layer, [rng.normal(size=SHAPE) for _ in range(max(n, 1))]


def example(cls, name, path, seed):
    """(layer, inputs): the class's own example, or CLASS() and random arrays."""
    if hasattr(cls, HOOK):
        return _from_hook(cls, name, path, seed)
    if not _is_layer(cls):
        raise _not_a_layer(name)
    return _from_defaults(cls, name, path, seed)


# ----------------------------------------------------------------------------- running

def _draw(report, path):
    """The drawing, if there is one; a missing one is a warning: the check decides the
    exit code."""
    from viz.check import draw
    try:
        g = draw(report)
    except ValueError as e:
        print(f"graphgrad check: warning: --draw {path}: {e}", file=sys.stderr)
        return
    if Path(path).suffix.lower() == ".dot":
        write_atomic(path, g.source)
    else:
        from viz.render import pipe
        write_atomic(path, pipe(g, Path(path).suffix.lower()[1:]))
    print(f"wrote {path}")


def run(args):
    path, name = check_options(args)
    module = load_module(path)
    cls = find_class(module, name, path)
    layer, inputs = example(cls, name, path, args.seed)
    from autograd.check import ATOL, RTOL, check_layer
    rtol = RTOL if args.rtol is None else args.rtol
    atol = ATOL if args.atol is None else args.atol
    try:
        with _no_exit(f"{name}'s forward or backward"):
            report = check_layer(layer, *inputs, rtol=rtol, atol=atol)
    except (TypeError, ValueError) as e:  # not a layer the checker can run
        raise CommandError(f"{name}: {e}".splitlines()[0]) from None
    print(report)
    if args.draw:
        _draw(report, args.draw)
    return 0 if report.ok else 1
