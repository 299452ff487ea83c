"""`graphgrad check FILE.py:CLASS`: a book-style layer class in your file, its backward
checked against the exact gradient of its forward (autograd.check.check_layer).

Your file runs in a child process (viz.cli.learner), as `python FILE.py` would run it,
with its folder first on sys.path; nothing else you type is evaluated.  The layer is
`CLASS.check_example()` when the class has that classmethod (returning
`(layer, *inputs)`), else `CLASS()` with one random (4, 3) float array per argument of
forward() (seeded by --seed; `t`, the book's labels, one-hot), the book's constructor
arguments (Affine's W, b; BatchNormalization's gamma, beta) made for that batch: a layer
that needs anything else says how to build it in check_example.

Exit codes, for exercises graded in CI, decided here and not by your code: 0 every
gradient right; 1 one is wrong (or the layer's forward or backward raised, or a
parameter's gradient is missing); 2 nothing was checked (no such file or class, not a
layer, a bad option, the time limit reached, the child ended without its results; one
line on stderr).  The child sends the report as JSON on a pipe of its own; every row is
compared again here from its numbers.  Your code calling sys.exit() or os._exit(),
registering atexit hooks, replacing check_layer, printing a report of its own, or never
ending cannot change the grade.
"""
from __future__ import annotations

import argparse
import contextlib
import json
import math
import os
import signal
import subprocess
import sys
import threading
from pathlib import Path

from viz.cli.files import EXIT_USAGE, CommandError, output_file, write_atomic
from viz.cli.lang import _, current
from viz.cli.learner import HOOK, SHAPE

FORMATS = (".svg", ".png", ".pdf", ".dot")
TIMEOUT = 60.0  # seconds: a layer checks in well under one; a busy machine starts slowly
MAX_RESULT = 256 * 1024 * 1024  # bytes of JSON from the child: more is no report
_PACKAGES = Path(__file__).resolve().parents[2]  # the folder viz/ and autograd/ are in


def add_parser(sub):
    p = sub.add_parser(
        "check", help=_("check a layer's hand-written backward against the engine"),
        description=_("Import FILE.py, build the layer CLASS, run its forward and backward, "
                      "and compare\nevery gradient (dx, dW, db ...) with the exact gradient "
                      "of its forward.\nThe layer: its classmethod {hook}() -> (layer, "
                      "*inputs), or else CLASS()\nwith one random {shape} array per "
                      "argument of forward().\nYour code runs in a process of its own, "
                      "for at most --timeout seconds.\nexit code: 0 every gradient right, "
                      "1 one is wrong (or the layer raised,\nor a parameter's gradient is "
                      "missing), 2 nothing checked (no such file or\nclass, not a layer, a "
                      "bad option, the time limit reached).").format(
                          hook=HOOK, shape=SHAPE),
        epilog=_("examples:\n"
                 "  graphgrad check my_layers.py:Relu\n"
                 "  graphgrad check my_layers.py:Affine --draw affine.svg\n"
                 "a layer needing weights or labels builds its example itself:\n"
                 "  class Affine:\n"
                 "      @classmethod\n"
                 "      def {hook}(cls):\n"
                 "          rng = np.random.default_rng(0)\n"
                 "          return cls(rng.normal(size=(3, 2)), rng.normal(size=2)), "
                 "rng.normal(size=(4, 3))").format(hook=HOOK),
        formatter_class=argparse.RawDescriptionHelpFormatter)
    p.add_argument("target", metavar="FILE.py:CLASS", help=_("the file and the layer class"))
    p.add_argument("--rtol", type=float, default=None, metavar="R",
                   help=_("relative tolerance (default 1e-5)"))
    p.add_argument("--atol", type=float, default=None, metavar="A",
                   help=_("absolute tolerance (default 1e-8)"))
    p.add_argument("--seed", type=int, default=0, metavar="N",
                   help=_("seed of the random inputs and of numpy's global generator "
                          "before {hook}() (default 0)").format(hook=HOOK))
    p.add_argument("--timeout", type=float, default=TIMEOUT, metavar="SECONDS",
                   help=_("stop your code after this many seconds: nothing checked, exit 2 "
                          "(default {seconds:g})").format(seconds=TIMEOUT))
    p.add_argument("--draw", metavar="OUT", help=_("also draw the check: the forward graph, "
                   "expected and your gradients (.svg .png .pdf .dot)"))
    return p


# ----------------------------------------------------------------------------- checks

def _tolerance(value, option):
    if value is not None and not (math.isfinite(value) and value >= 0):
        raise CommandError(_("{option} must be a finite number >= 0, got {value:g}").format(
            option=option, value=value))
    return value


def _target(text):
    """FILE.py:CLASS -> (path, class name); the last colon splits (C:\\ stays whole)."""
    path, sep, name = text.rpartition(":")
    if not sep or not path or not name:
        raise CommandError(_("{target}: name the class after a colon, e.g. "
                             "layers.py:Affine").format(target=text))
    if not name.isidentifier():
        raise CommandError(_("{target}: {name!r} is not a class name").format(
            target=text, name=name))
    p = Path(path)
    if not p.exists():
        raise CommandError(_("{path}: no such file").format(path=path))
    if not p.is_file():
        raise CommandError(_("{path}: is a directory, not a Python file").format(path=path))
    if p.suffix != ".py":
        raise CommandError(_("{path}: not a Python file (.py)").format(path=path))
    return p, name


def check_options(args):
    """Every option and the target's path, before anything is imported or run."""
    _tolerance(args.rtol, "--rtol")
    _tolerance(args.atol, "--atol")
    if args.seed < 0:
        raise CommandError(_("--seed must be 0 or more, got {value}").format(value=args.seed))
    if not (math.isfinite(args.timeout) and args.timeout > 0):
        raise CommandError(_("--timeout must be a number of seconds above 0, got "
                             "{value:g}").format(value=args.timeout))
    if args.draw:
        output_file(args.draw, "--draw", FORMATS, hint=_(", e.g. check.svg"))
        if Path(args.draw).suffix.lower() != ".dot":
            from viz.render import INSTALL_HINT, dot_available
            if not dot_available():
                raise CommandError(_("--draw {path}: {hint} (.dot needs no Graphviz)").format(
                    path=args.draw, hint=_(INSTALL_HINT)), EXIT_USAGE)
    return _target(args.target)


# ----------------------------------------------------------------------------- running

def _child(path, name, args, timeout):
    """Run the learner's code in a child (viz.cli.learner) and return what it sent (a
    dict), its exit status and what it printed.  A child still running after `timeout`
    seconds is killed with everything it started."""
    read, write = os.pipe()
    command = [sys.executable, "-m", "viz.cli.learner", "--seed", str(args.seed), "--rtol",
               repr(args.rtol), "--atol", repr(args.atol), "--lang", current()] + \
        (["--draw"] if args.draw else []) + ["--", str(write), str(path), name]
    env = dict(os.environ, PYTHONDONTWRITEBYTECODE="1", PYTHONIOENCODING="utf-8",
               PYTHONPATH=os.pathsep.join(filter(None, [str(_PACKAGES),
                                                        os.environ.get("PYTHONPATH")])))
    chunks = []
    try:
        proc = subprocess.Popen(command, stdin=subprocess.DEVNULL, stdout=subprocess.PIPE,
                                stderr=subprocess.PIPE, pass_fds=(write,), env=env,
                                start_new_session=True)
    finally:
        os.close(write)
    reader = threading.Thread(target=_drain, args=(read, chunks), daemon=True)
    reader.start()
    try:
        out, err = proc.communicate(timeout=timeout)
    except subprocess.TimeoutExpired:
        _kill(proc)
        raise CommandError(_("{target}: not finished after {seconds:g} s (an endless loop?); "
                             "nothing was checked (--timeout sets the limit)").format(
                                 target=args.target, seconds=timeout)) from None
    finally:
        if proc.poll() is None:  # Ctrl-C, or anything else leaving early
            _kill(proc)
    reader.join(timeout=5)
    return b"".join(chunks), proc.returncode, out, err


def _drain(fd, chunks):
    with os.fdopen(fd, "rb") as pipe:
        chunks.append(pipe.read(MAX_RESULT + 1))


def _kill(proc):
    with contextlib.suppress(ProcessLookupError, PermissionError):
        os.killpg(proc.pid, signal.SIGKILL)  # the child and whatever it started
    proc.communicate()


def _result(data, status, args):
    """What the child sent, read as data; a child that ended without sending (os._exit,
    a crash, a signal) or sent something else checked nothing."""
    if not data:
        raise CommandError(_("{target}: the check ended before sending its results (exit "
                             "status {status}: did the code end the process?); nothing was "
                             "checked").format(target=args.target, status=status))
    try:
        result = json.loads(data.decode("utf-8")) if len(data) <= MAX_RESULT else None
    except ValueError:
        result = None
    if not isinstance(result, dict) or result.get("kind") not in ("report", "error"):
        raise CommandError(_("{target}: the check's results were damaged; nothing was "
                             "checked").format(target=args.target))
    if result["kind"] == "error":
        raise CommandError(str(result.get("message", "")).splitlines()[0] if
                           result.get("message") else _("nothing was checked"))
    return result


def _printed(out, err):
    """What the learner's code printed, passed on, set apart from the report."""
    text = out.decode("utf-8", "replace").rstrip()
    if text:
        print(_("your code printed:"))
        print("\n".join(f"  | {line}" for line in text.splitlines()))
    sys.stderr.write(err.decode("utf-8", "replace"))


def _draw(result, path):
    """The drawing the child made, written; a missing one is a warning: the check decides
    the exit code."""
    if "dot" not in result:
        print(_("graphgrad check: warning: --draw {path}: {reason}").format(
            path=path, reason=result.get("draw_error", "")), file=sys.stderr)
        return
    import graphviz
    source = graphviz.Source(str(result["dot"]))
    try:
        if Path(path).suffix.lower() == ".dot":
            write_atomic(path, source.source)
        else:
            write_atomic(path, source.pipe(format=Path(path).suffix.lower()[1:]))
    except (CommandError, graphviz.ExecutableNotFound, graphviz.CalledProcessError) as e:
        print(_("graphgrad check: warning: --draw {path}: {reason}").format(
            path=path, reason=str(e).splitlines()[0]), file=sys.stderr)
        return
    print(_("wrote {path}").format(path=path))


def grade(report):
    """The exit code, decided here from the numbers: 0 every gradient right, 1 one is wrong
    (or the layer raised, or a parameter's gradient is missing), 2 nothing checked."""
    if report.error is None and not report.rows:
        return EXIT_USAGE
    return 0 if report.ok else 1


def run(args):
    path, name = check_options(args)
    from autograd.check import ATOL, RTOL
    from autograd.check.data import report_from_data
    from viz.check import text
    args.rtol = RTOL if args.rtol is None else args.rtol
    args.atol = ATOL if args.atol is None else args.atol
    data, status, out, err = _child(path, name, args, args.timeout)
    _printed(out, err)
    result = _result(data, status, args)
    try:
        report = report_from_data(result["report"], args.rtol, args.atol)
    except (ValueError, KeyError, TypeError):
        raise CommandError(_("{target}: the check's results were damaged; nothing was "
                             "checked").format(target=args.target)) from None
    print(text(report, current()))
    if args.draw:
        _draw(result, args.draw)
    return grade(report)
