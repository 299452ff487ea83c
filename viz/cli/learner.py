"""The child side of `graphgrad check`: the learner's code runs here, in a process of its
own, and only plain data goes back to the command (viz.cli.check), which decides the grade.

    python -m viz.cli.learner FD FILE.py CLASS --seed N --rtol R --atol A [--draw] [--lang ja]

(run by viz.cli.check, not by people).  The checker is imported before the learner's file,
so a file replacing autograd.check.check_layer changes nothing here.  What goes on the
pipe FD is one JSON document: the report as data (autograd.check.data: every row's
numbers, from which the parent compares again), the drawing's DOT text when asked, or one
line saying why nothing was checked.  The pipe is closed as soon as it is written and the
process ends at once (os._exit): atexit hooks and the learner's threads never run after.
"""
from __future__ import annotations

import argparse
import contextlib
import importlib.util
import inspect
import itertools
import json
import os
import sys
import traceback
from pathlib import Path

from viz.cli.files import CommandError
from viz.cli.lang import _, current, speaking

SHAPE = (4, 3)  # the random input of a layer without check_example: a small batch
HOOK = "check_example"
_modules = itertools.count()


# ----------------------------------------------------------------------------- loading

def _where(exc, path):
    """The line of your file an exception came from."""
    frames = [f for f in traceback.extract_tb(exc.__traceback__)
              if Path(f.filename).resolve() == path.resolve()]
    return _(" (at {path}:{line})").format(path=path, line=frames[-1].lineno) if frames else ""


@contextlib.contextmanager
def _no_exit(what):
    """Your code calling sys.exit() must not become the grade (exit 0 would pass)."""
    try:
        yield
    except SystemExit as e:
        raise CommandError(_("{what} called sys.exit({code!r}): nothing was checked").format(
            what=what, code=e.code)) from None


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
    with _importing(path), _no_exit(_("importing {path}").format(path=path)):
        try:
            spec.loader.exec_module(module)
        except SyntaxError as e:
            del sys.modules[name]
            raise CommandError(_("{path}:{line}: syntax error: {message}").format(
                path=path, line=e.lineno, message=e.msg)) from None
        except Exception as e:  # the file's own code failed: nothing to check
            del sys.modules[name]
            raise CommandError(_("{path}: importing it raised {kind}: {message}{where}")
                               .format(path=path, kind=type(e).__name__, message=e,
                                       where=_where(e, path)).splitlines()[0]) from None
    return module


def _classes(module):
    return [n for n, v in vars(module).items()
            if inspect.isclass(v) and v.__module__ == module.__name__]


def find_class(module, name, path):
    if not hasattr(module, name):
        defined = _classes(module)
        listed = _("; it defines {names}").format(names=", ".join(defined)) if defined else \
            _("; it defines no class")
        raise CommandError(_("{path}: no class {name}{listed}").format(
            path=path, name=name, listed=listed))
    cls = getattr(module, name)
    if not inspect.isclass(cls):
        raise CommandError(_("{path}: {name} is a {kind}, not a class").format(
            path=path, name=name, kind=type(cls).__name__))
    return cls


def _is_layer(obj):
    return callable(getattr(obj, "forward", None)) and callable(getattr(obj, "backward",
                                                                        None))


def _not_a_layer(name):
    return CommandError(_("{name} is not a layer: it needs forward(...) and backward(dout) "
                          "methods, as the book's layers have").format(name=name))


# ----------------------------------------------------------------------------- the example

def _from_hook(cls, name, path, seed):
    import numpy as np
    np.random.seed(seed)  # a hook drawing from np.random draws the same every run
    try:
        with _no_exit(f"{name}.{HOOK}()"):
            example = getattr(cls, HOOK)()
    except Exception as e:
        raise CommandError(_("{call} raised {kind}: {message}{where}").format(
            call=f"{name}.{HOOK}()", kind=type(e).__name__, message=e,
            where=_where(e, path)).splitlines()[0]) from None
    if not isinstance(example, (tuple, list)) or not example:
        raise CommandError(_("{call} must return (layer, *inputs), got a {kind}").format(
            call=f"{name}.{HOOK}()", kind=type(example).__name__))
    layer, *inputs = example
    if not _is_layer(layer):
        raise CommandError(_("{call} must return (layer, *inputs): its first item, a "
                             "{kind}, has no forward() and backward()").format(
                                 call=f"{name}.{HOOK}()", kind=type(layer).__name__))
    return layer, inputs


def _required(fn, skip_self=False):
    """The names of the parameters a call must give (no default, not *args)."""
    params = list(inspect.signature(fn).parameters.values())
    return [p.name for p in params[1 if skip_self else 0:]
            if p.default is p.empty and p.kind in (p.POSITIONAL_ONLY,
                                                   p.POSITIONAL_OR_KEYWORD)]


def _book_arguments(rng):
    """What the book's constructors take, for a batch of SHAPE: Affine(W, b) (chapter 5),
    BatchNormalization(gamma, beta) (chapter 6).  A learner copying the book's layer
    should not have to write check_example() for it."""
    d = SHAPE[1]
    return {"W": rng.normal(size=(d, 2)), "b": rng.normal(size=2),
            "gamma": 1 + 0.1 * rng.normal(size=d), "beta": 0.1 * rng.normal(size=d)}


def _forward_input(name, rng):
    """`t` is the labels, one-hot as the book's SoftmaxWithLoss reads them: random numbers
    there would make the book's right (y − t)/N look wrong; anything else a random batch."""
    import numpy as np
    if name == "t":
        return np.eye(SHAPE[1])[rng.integers(SHAPE[1], size=SHAPE[0])]
    return rng.normal(size=SHAPE)


def _from_defaults(cls, name, path, seed):
    import numpy as np
    try:
        needed = _required(cls)
    except (TypeError, ValueError):
        needed = []
    rng = np.random.default_rng(seed)
    book = _book_arguments(rng)
    unknown = [n for n in needed if n not in book]
    if unknown:
        raise CommandError(_("{name}() needs {needed}: give {name} a classmethod {hook}() "
                             "returning (layer, *inputs)").format(
                                 name=name, needed=", ".join(unknown), hook=HOOK))
    try:
        with _no_exit(f"{name}()"):
            layer = cls(**{n: book[n] for n in needed})
    except Exception as e:
        raise CommandError(_("{call} raised {kind}: {message}{where}").format(
            call=f"{name}()", kind=type(e).__name__, message=e,
            where=_where(e, path)).splitlines()[0]) from None
    if not _is_layer(layer):
        raise _not_a_layer(name)
    try:
        names = _required(layer.forward)
    except (TypeError, ValueError):
        names = []
    return layer, [_forward_input(n, rng) for n in names or ["x"]]


def example(cls, name, path, seed):
    """(layer, inputs): the class's own example, or CLASS() and random arrays."""
    if hasattr(cls, HOOK):
        return _from_hook(cls, name, path, seed)
    if not _is_layer(cls):
        raise _not_a_layer(name)
    return _from_defaults(cls, name, path, seed)


# ----------------------------------------------------------------------------- the child

def _parser():
    p = argparse.ArgumentParser(prog="viz.cli.learner")
    p.add_argument("fd", type=int)
    p.add_argument("path")
    p.add_argument("name")
    p.add_argument("--seed", type=int, default=0)
    p.add_argument("--rtol", type=float, required=True)
    p.add_argument("--atol", type=float, required=True)
    p.add_argument("--draw", action="store_true")
    p.add_argument("--lang", default=None)
    return p


def check(path, name, seed, rtol, atol, draw, check_layer, report_to_data):
    """The learner's layer checked: the result as plain data."""
    sys.argv = [str(path)]  # as `python FILE.py` sees it (not the pipe's number)
    module = load_module(path)
    cls = find_class(module, name, path)
    layer, inputs = example(cls, name, path, seed)
    try:
        with _no_exit(_("{name}'s forward or backward").format(name=name)):
            report = check_layer(layer, *inputs, rtol=rtol, atol=atol)
    except (TypeError, ValueError) as e:  # not a layer the checker can run
        raise CommandError(f"{name}: {e}".splitlines()[0]) from None
    result = {"kind": "report", "report": report_to_data(report)}
    if draw:
        from viz.check import draw as draw_report
        from viz.check import nothing_to_draw
        try:
            result["dot"] = draw_report(report, lang=current()).source
        except ValueError:
            result["draw_error"] = nothing_to_draw(report, current())
    return result


def main(argv=None):
    args = _parser().parse_args(argv)
    # the checker, bound before the learner's file runs: replacing it there changes nothing
    from autograd.check import check_layer
    from autograd.check.data import report_to_data
    with speaking(args.lang):
        try:
            result = check(Path(args.path), args.name, args.seed, args.rtol, args.atol,
                           args.draw, check_layer, report_to_data)
        except CommandError as e:
            result = {"kind": "error", "message": str(e)}
        except Exception as e:  # the check itself failed here: nothing was checked
            result = {"kind": "error", "message": f"{type(e).__name__}: {e}".splitlines()[0]}
    send(args.fd, result)


def send(fd, result):
    """Write the result on the pipe, close it, and end the process there and then."""
    data = json.dumps(result).encode("utf-8")
    try:
        while data:
            data = data[os.write(fd, data):]
        os.close(fd)
    finally:
        for stream in (sys.stdout, sys.stderr):
            with contextlib.suppress(Exception):
                stream.flush()
        os._exit(0)


if __name__ == "__main__":
    main()
