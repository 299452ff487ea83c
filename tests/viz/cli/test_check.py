"""`graphgrad check FILE.py:CLASS`: a learner's layer file checked, the exit code a grade.

The files are written as a learner writes them, into tmp_path; bad input (no file, no
class, not a layer, bad options) is in test_main.py's table."""
import subprocess
import sys
import textwrap
from pathlib import Path

import pytest

from tests.viz.cli.helpers import english_left, help_of, needs_dot, run, svg_words

ROOT = Path(__file__).resolve().parents[3]

LAYERS = '''
import numpy as np
from helpers_of_mine import batch_size   # a module beside this file, as the book's common/


class Relu:
    def __init__(self):
        self.mask = None

    def forward(self, x):
        self.mask = (x <= 0)
        out = x.copy()
        out[self.mask] = 0
        return out

    def backward(self, dout):
        dout[self.mask] = 0
        return dout


class ReluNoMask(Relu):
    def backward(self, dout):
        return dout


class MulLayer:
    def forward(self, x, y):
        self.x, self.y = x, y
        return x * y

    def backward(self, dout):
        return dout * self.x, dout * self.y   # swapped


class Affine:
    def __init__(self, W, b):
        self.W, self.b = W, b

    @classmethod
    def check_example(cls):
        rng = np.random.default_rng(0)
        return cls(rng.normal(size=(3, 2)), rng.normal(size=2)), rng.normal(size=(4, 3))

    def forward(self, x):
        self.x = x
        return np.dot(x, self.W) + self.b

    def backward(self, dout):
        self.dW = np.dot(self.x.T, dout)
        self.db = np.sum(dout, axis=0) / batch_size(dout)   # a mean
        return np.dot(dout, self.W.T)


class AffineRight(Affine):
    def backward(self, dout):
        self.dW = np.dot(self.x.T, dout)
        self.db = np.sum(dout, axis=0)
        return np.dot(dout, self.W.T)


class Crashes(Relu):
    def backward(self, dout):
        return dout[self.nothing]


class Exits(Relu):
    def backward(self, dout):
        raise SystemExit(0)   # sys.exit(0): a pass, if it were the exit code


class Noisy(Relu):
    @classmethod
    def check_example(cls):
        return cls(), np.random.normal(size=(2, 2))   # np.random: --seed makes it repeat
'''


@pytest.fixture
def layers(tmp_path, monkeypatch):
    (tmp_path / "layers.py").write_text(textwrap.dedent(LAYERS))
    (tmp_path / "helpers_of_mine.py").write_text("def batch_size(a):\n    return len(a)\n")
    monkeypatch.chdir(tmp_path)
    monkeypatch.setattr(sys, "path", list(sys.path))
    return tmp_path


def test_a_right_layer_exits_0_with_the_table(capsys, layers):
    code, out, err = run(capsys, "check", "layers.py:Relu")
    assert code == 0 and err == ""
    assert out.startswith("check_layer(Relu): OK") and "dx        ✔" in out


def test_a_wrong_layer_exits_1_naming_the_gradient(capsys, layers):
    code, out, _ = run(capsys, "check", "layers.py:ReluNoMask")
    assert code == 1 and "dx        ✘" in out and "a mask missing" in out
    code, out, _ = run(capsys, "check", "layers.py:Affine")  # built by check_example()
    assert code == 1 and "db        ✘" in out and "a mean where a sum belongs" in out
    assert "dW        ✔" in out and "dx        ✔" in out
    assert run(capsys, "check", "layers.py:AffineRight")[0] == 0


def test_each_argument_of_forward_gets_a_random_array(capsys, layers):
    code, out, _ = run(capsys, "check", "layers.py:MulLayer")
    assert code == 1 and "dx        ✘" in out and "dy        ✘" in out
    assert "MulLayer swaps" in out


def test_a_crash_in_backward_is_a_wrong_layer_not_bad_input(capsys, layers):
    code, out, err = run(capsys, "check", "layers.py:Crashes")
    assert code == 1 and "backward raised AttributeError" in out and "layers.py:" in out
    assert "Traceback" not in out + err


def test_sys_exit_in_the_learners_code_is_never_the_grade(capsys, layers):
    code, _, err = run(capsys, "check", "layers.py:Exits")
    assert code == 2 and "Exits's forward or backward called sys.exit(0): nothing was " \
        "checked" in err
    (layers / "quits.py").write_text("import sys\nsys.exit(0)\n")
    code, _, err = run(capsys, "check", "quits.py:Relu")
    assert code == 2 and "importing quits.py called sys.exit(0)" in err


def test_tolerances_and_the_seed(capsys, layers):
    _, first, _ = run(capsys, "check", "layers.py:Noisy")
    _, again, _ = run(capsys, "check", "layers.py:Noisy")
    assert first == again
    code, out, _ = run(capsys, "check", "layers.py:Relu", "--rtol", "0.1", "--atol", "0.5")
    assert code == 0 and "<= 0.5 + 0.1·|expected|" in out
    # a tolerance wide enough passes even the mistake: the options are the check's
    assert run(capsys, "check", "layers.py:ReluNoMask", "--atol", "100")[0] == 0


def test_the_users_folder_is_left_as_it_was(capsys, layers):
    before = sorted(p.name for p in layers.rglob("*"))
    path = list(sys.path)
    run(capsys, "check", "layers.py:Relu")
    assert sorted(p.name for p in layers.rglob("*")) == before  # no __pycache__
    assert sys.path == path


def test_draw_writes_the_dot_text_without_graphviz(capsys, layers, no_dot):
    code, out, _ = run(capsys, "check", "layers.py:Affine", "--draw", "affine.dot")
    assert code == 1 and "wrote affine.dot" in out
    text = (layers / "affine.dot").read_text()
    assert text.startswith("digraph") and "yours (2,) [" in text
    code, _, err = run(capsys, "check", "layers.py:Affine", "--draw", "affine.svg")
    assert code == 2 and "--draw affine.svg:" in err and "Graphviz" in err
    assert not (layers / "affine.svg").exists()


@needs_dot
def test_draw_writes_an_image(capsys, layers):
    code, out, _ = run(capsys, "check", "layers.py:Affine", "--draw", "out/affine.svg")
    assert code == 1 and "wrote out/affine.svg" in out
    assert "yours" in (layers / "out" / "affine.svg").read_text()
    assert run(capsys, "check", "layers.py:Relu", "--draw", "relu.png")[0] == 0
    assert (layers / "relu.png").read_bytes()[:4] == b"\x89PNG"


def test_nothing_to_draw_is_a_warning_and_the_grade_stands(capsys, layers):
    (layers / "off.py").write_text(textwrap.dedent('''
        import numpy as np
        class Off:
            def forward(self, x):
                return np.asarray(x) * 2.0   # the values off the graph: numbers decide
            def backward(self, dout):
                return dout * 2.0
        '''))
    code, out, err = run(capsys, "check", "off.py:Off", "--draw", "off.dot")
    assert code == 0 and "central differences" in out
    assert err.startswith("graphgrad check: warning: --draw off.dot: nothing to draw")
    assert not (layers / "off.dot").exists()


def test_in_a_real_process_for_ci(layers):
    def check(target):
        return subprocess.run([sys.executable, "-m", "viz.cli", "check", target],
                              capture_output=True, text=True, cwd=layers,
                              env={"PYTHONPATH": str(ROOT), "PATH": "/usr/bin:/bin"})
    assert check("layers.py:Relu").returncode == 0
    done = check("layers.py:ReluNoMask")
    assert done.returncode == 1 and "✘" in done.stdout and done.stderr == ""
    done = check("layers.py:Nope")
    assert done.returncode == 2 and done.stderr.startswith("graphgrad check: error: ")


# ----------------------------------------------------------------------------- the grade
# issue 19 item 6: the learner's code runs in a child; the grade is decided here

ATTACKS = '''
import atexit
import os
import sys
import numpy as np


class ReluNoMask:
    def forward(self, x):
        self.mask = (x <= 0)
        return np.where(self.mask, 0.0, x)

    def backward(self, dout):
        return dout   # wrong: the mask is missing


class HardExit(ReluNoMask):
    def backward(self, dout):
        os._exit(0)   # ends the process: no result, no grade of 0


class Forger(ReluNoMask):
    def forward(self, x):
        print("check_layer(Forger): OK; expected = exact gradient of your forward")
        print("  dx        ✔  0              0")
        return super().forward(x)


class Loops(ReluNoMask):
    def backward(self, dout):
        while True:
            pass


class NoGradients:   # a layer of labels: nothing to differentiate, nothing checked
    @classmethod
    def check_example(cls):
        return cls(), np.array([1, 2, 3])

    def forward(self, t):
        return t * 2

    def backward(self, dout):
        return None


class AffineNoDb:
    @classmethod
    def check_example(cls):
        rng = np.random.default_rng(0)
        return cls(rng.normal(size=(3, 2)), rng.normal(size=2)), rng.normal(size=(4, 3))

    def __init__(self, W, b):
        self.W, self.b = W, b

    def forward(self, x):
        self.x = x
        return np.dot(x, self.W) + self.b

    def backward(self, dout):
        self.dW = np.dot(self.x.T, dout)
        return np.dot(dout, self.W.T)   # db never set
'''


@pytest.fixture
def attacks(layers):
    (layers / "attacks.py").write_text(textwrap.dedent(ATTACKS))
    return layers


def test_os_exit_in_backward_checks_nothing(capsys, attacks):
    code, out, err = run(capsys, "check", "attacks.py:HardExit")
    assert code == 2 and "OK" not in out
    assert err.strip() == ("graphgrad check: error: attacks.py:HardExit: the check ended "
                           "before sending its results (exit status 0: did the code end the "
                           "process?); nothing was checked")


def test_an_atexit_hook_does_not_change_the_grade(capsys, attacks):
    (attacks / "hooked.py").write_text(
        "import atexit, os\nfrom attacks import ReluNoMask\n"
        "atexit.register(lambda: os._exit(0))\n")
    code, out, _ = run(capsys, "check", "hooked.py:ReluNoMask")
    assert code == 1 and "WRONG" in out and "a mask missing" in out


def test_replacing_the_checker_in_the_learners_file_forges_nothing(capsys, attacks):
    (attacks / "forged.py").write_text(textwrap.dedent('''
        import autograd.check
        import autograd.check.layer
        from autograd.check.report import Report
        from attacks import ReluNoMask

        def always_ok(layer, *inputs, **options):
            return Report("check_layer(ReluNoMask)", [], "engine")

        autograd.check.check_layer = always_ok
        autograd.check.layer.check_layer = always_ok
        Report.ok = property(lambda self: True)   # every report says OK
        '''))
    code, out, _ = run(capsys, "check", "forged.py:ReluNoMask")
    assert code == 1 and out.startswith("check_layer(ReluNoMask): WRONG")


def test_what_the_learners_code_prints_is_set_apart(capsys, attacks):
    code, out, _ = run(capsys, "check", "attacks.py:Forger")
    assert code == 1
    printed, report = out.split("\ncheck_layer(Forger): WRONG")
    lines = printed.splitlines()  # the forward runs more than once in a check
    assert lines[0] == "your code printed:" and len(lines) > 2
    assert lines[1:3] == ["  | check_layer(Forger): OK; expected = exact gradient of your "
                          "forward", "  |   dx        ✔  0              0"]
    assert all(line.startswith("  | ") for line in lines[1:])
    assert "✘" in report


def test_an_endless_loop_is_stopped_by_the_time_limit(capsys, attacks):
    code, out, err = run(capsys, "check", "attacks.py:Loops", "--timeout", "3")
    assert code == 2 and out == ""
    assert err.strip() == ("graphgrad check: error: attacks.py:Loops: not finished after 3 "
                           "s (an endless loop?); nothing was checked (--timeout sets the "
                           "limit)")


def test_the_time_limit_stops_what_the_code_started(capsys, attacks):
    (attacks / "spawns.py").write_text(textwrap.dedent('''
        import pathlib, subprocess, sys
        from attacks import Loops
        child = subprocess.Popen([sys.executable, "-c", "import time; time.sleep(600)"])
        pathlib.Path("spawned.pid").write_text(str(child.pid))
        '''))
    code, _, _ = run(capsys, "check", "spawns.py:Loops", "--timeout", "3")
    assert code == 2
    pid = int((attacks / "spawned.pid").read_text())
    state = Path(f"/proc/{pid}/stat")
    # killed with the check's process group: gone, or a zombie left for init to reap
    assert not state.exists() or state.read_text().split(") ")[1].startswith("Z")


def test_nothing_to_check_is_exit_2_and_a_missing_gradient_exit_1(capsys, attacks):
    code, out, _ = run(capsys, "check", "attacks.py:NoGradients")
    assert code == 2 and "NoGradients" in out
    code, out, _ = run(capsys, "check", "attacks.py:AffineNoDb")
    assert code == 1 and "backward did not set self.db" in out


def test_the_timeout_option_is_checked(capsys, attacks):
    for bad in ("0", "-1", "nan", "inf"):
        code, _, err = run(capsys, "check", "attacks.py:Loops", "--timeout", bad)
        assert code == 2 and "--timeout must be a number of seconds above 0" in err


# ----------------------------------------------------------------------------- in Japanese

def test_check_speaks_japanese_under_lang_ja(capsys, layers, monkeypatch):
    code, out, err = run(capsys, "check", "layers.py:Affine", "--lang", "ja", "--draw",
                         "a.dot")
    assert code == 1 and err == ""
    assert out.startswith("check_layer(Affine): 誤りあり。")
    assert "期待される値の 1/4 です（バッチサイズ 4）" in out
    assert out.rstrip().endswith("a.dot を書き出しました")
    assert "db が間違っています" in (layers / "a.dot").read_text()
    monkeypatch.setenv("GRAPHGRAD_LANG", "ja")  # the variable alone, as README.ja.md says
    code, _, err = run(capsys, "check", "nope.py:Relu")
    assert code == 2 and err.strip() == ("graphgrad check: エラー: nope.py: そのような"
                                         "ファイルはありません")
    code, _, err = run(capsys, "check", "layers.py:Nope")
    assert code == 2 and "クラス Nope がありません。定義されているクラス: " in err


# what `check` shows as code: the gradients, the layers, the example in its help
CHECK_NAMES = ("dx", "dy", "dW", "db", "class", "Affine", "Relu", "AffineRight", "ReluNoMask",
               "MulLayer", "Crashes", "Exits", "Noisy", "NotALayer")


@needs_dot
def test_check_leaves_no_english_sentence_under_lang_ja(capsys, layers):
    """Issue 20: the help, the report of a right, a wrong and a crashing layer, the
    drawing (its caption, notes and the ops' tooltips) and the refusals, all Japanese;
    what Python itself said of the learner's exception is quoted as it said it."""
    class Crashes:  # the learner's slip, as Python words it
        pass
    try:
        _ = Crashes().nothing
    except AttributeError as e:
        python_said = str(e)
    said = [help_of(capsys, "check", "--lang", "ja")]
    for name in ("AffineRight", "Affine", "ReluNoMask", "Crashes", "MulLayer"):
        code, out, err = run(capsys, "check", f"layers.py:{name}", "--draw", f"{name}.svg",
                             "--lang", "ja")
        assert code == (0 if name == "AffineRight" else 1) and err == ""
        said += [out, svg_words((layers / f"{name}.svg").read_text(encoding="utf-8"))]
    assert "layers.py の " in said[-4] and "行目、backward の中）" in said[-4]
    (layers / "empty.py").write_text("x = 1\n")
    for target in ("nope.py:Relu", "layers.py:Nope", "empty.py:Relu", "layers.py"):
        code, _, err = run(capsys, "check", target, "--lang", "ja")
        assert code == 2 and err.startswith("graphgrad check: エラー: ")
        said.append(err)
    assert "クラスがひとつも定義されていません" in said[-2]
    for text in said:
        assert english_left(text.replace(python_said, ""), CHECK_NAMES) == [], text
