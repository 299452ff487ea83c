"""viz.cli.learner: the child of `graphgrad check`, run as the command runs it: the
learner's file in a process of its own, the result one JSON document on a pipe."""
import json
import os
import re
import subprocess
import sys
import textwrap
from pathlib import Path

import pytest

from tests.viz.cli.helpers import run

ROOT = Path(__file__).resolve().parents[3]

FILE = '''
import sys
import numpy as np
import autograd.check

SEEN = list(sys.argv)
autograd.check.check_layer = None   # too late: the child bound the checker before


class Relu:
    def forward(self, x):
        self.mask = x <= 0
        return np.where(self.mask, 0.0, x)

    def backward(self, dout):
        print("argv", SEEN)
        return np.where(self.mask, 0.0, dout)
'''


def _child(folder, *argv):
    read, write = os.pipe()
    env = dict(os.environ, PYTHONPATH=str(ROOT))
    command = [sys.executable, "-m", "viz.cli.learner", "--rtol", "1e-05", "--atol",
               "1e-08", *argv[2:], "--", str(write), *argv[:2]]
    proc = subprocess.Popen(command, pass_fds=(write,), cwd=folder, env=env,
                            stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True)
    os.close(write)
    with os.fdopen(read, "rb") as pipe:
        data = pipe.read()
    out, err = proc.communicate(timeout=120)
    return json.loads(data), out, err, proc.returncode


def test_the_child_sends_the_report_as_data(tmp_path):
    (tmp_path / "relu.py").write_text(textwrap.dedent(FILE))
    result, out, err, status = _child(tmp_path, "relu.py", "Relu")
    assert status == 0 and err == ""
    assert result["kind"] == "report" and "dot" not in result
    assert [r["name"] for r in result["report"]["rows"]] == ["dx"]
    assert "argv ['relu.py']" in out  # the file sees argv as `python relu.py` gives it


def test_the_child_draws_when_asked_and_says_why_nothing_was_checked(tmp_path):
    (tmp_path / "relu.py").write_text(textwrap.dedent(FILE))
    result, *_ = _child(tmp_path, "relu.py", "Relu", "--draw")
    assert result["dot"].startswith("digraph")
    result, *_ = _child(tmp_path, "relu.py", "Nope")
    assert result == {"kind": "error", "message": "relu.py: no class Nope; it defines Relu"}


LEARNER = ROOT / "tests" / "check" / "learner.py"  # the book's layers as a reader writes them
BOOK_LAYERS = ["MulLayer", "AddLayer", "Relu", "Sigmoid", "Affine", "SoftmaxWithLoss",
               "BatchNormalization", "Dropout"]


def _verdicts(out):
    """{gradient: '✔' or '✘'} from the report's table."""
    return {m.group(1): m.group(2) for m in re.finditer(r"^  (d\w+)\s+([✔✘–])", out, re.M)}


@pytest.mark.parametrize("name", BOOK_LAYERS)
def test_the_books_layers_are_checked_without_check_example(capsys, name):
    """Affine(W, b) and BatchNormalization(gamma, beta) are built from the book's names;
    SoftmaxWithLoss's t is one-hot labels (random numbers there made the book's right
    (y − t)/N look wrong)."""
    code, out, err = run(capsys, "check", f"{LEARNER}:{name}")
    verdicts = _verdicts(out)
    assert code == 0 and err == "", (out, err)
    assert verdicts and set(verdicts.values()) == {"✔"}
    wanted = {"Affine": {"dx", "dW", "db"}, "BatchNormalization": {"dx", "dgamma", "dbeta"},
              "SoftmaxWithLoss": {"dx"}}.get(name)
    if wanted:
        assert set(verdicts) == wanted


@pytest.mark.parametrize("name, wrong", [
    ("AffineWTransposed", "dW"), ("AffineDbMean", "db"), ("SoftmaxNoBatch", "dx"),
    ("SoftmaxSign", "dx"), ("BatchNormNoDmu", "dx"), ("BatchNormDgammaNoXn", "dgamma")])
def test_their_slips_are_found_the_same_way(capsys, name, wrong):
    code, out, _ = run(capsys, "check", f"{LEARNER}:{name}")
    assert code == 1 and _verdicts(out)[wrong] == "✘", out


def test_a_constructor_argument_the_book_does_not_name_still_asks_for_check_example(
        tmp_path):
    (tmp_path / "conv.py").write_text(textwrap.dedent('''
        class Convolution:
            def __init__(self, W, b, stride):
                self.W, self.b, self.stride = W, b, stride

            def forward(self, x):
                return x

            def backward(self, dout):
                return dout
        '''))
    result, *_ = _child(tmp_path, "conv.py", "Convolution")
    assert result == {"kind": "error", "message": "Convolution() needs stride: give "
                      "Convolution a classmethod check_example() returning (layer, *inputs)"}
