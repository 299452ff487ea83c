"""The `graphgrad` command as a whole (viz.cli): main(argv), its one-line errors, the
console script, `python -m viz.cli` and the ./run passthrough."""
import io
import os
import subprocess
import sys
import warnings
from pathlib import Path

import pytest

from tests.viz.cli.helpers import needs_dot, run
from viz.cli import COMMANDS, build_parser, main

ROOT = Path(__file__).resolve().parents[3]


def test_no_command_prints_help(capsys):
    code, out, _ = run(capsys)
    assert code == 2 and all(c in out for c in COMMANDS)


def test_graphgrad_alone_speaks_japanese_under_lang_ja(capsys):
    """Issue 20: `graphgrad --help` and `graphgrad` with no command, in Japanese: the
    commands' names and the languages' codes are the only Latin words."""
    from tests.viz.cli.helpers import english_left, help_of
    code, out, _ = run(capsys, "--lang", "ja")
    assert code == 2 and out == help_of(capsys, "--lang", "ja")
    assert "連鎖律が目に見える自動微分エンジン。" in out
    assert english_left(out, (*COMMANDS, "en", "ja", "MNIST")) == []
    assert english_left(help_of(capsys, "--lang", "en"), COMMANDS)  # the test sees English


def test_every_command_has_its_module():
    parser = build_parser()
    for name in COMMANDS:
        args = parser.parse_args([name] + (["x"] if name in ("draw", "check") else []))
        assert args.func.__module__ == f"viz.cli.{name}"


# ----------------------------------------------------------------------------- bad input

def _unwritable(tmp_path):
    """A directory nobody may write in: root writes anywhere chmod forbids, not in /proc."""
    if os.geteuid() == 0:
        return "/proc"
    d = tmp_path / "read-only"
    d.mkdir()
    d.chmod(0o500)
    return str(d)


# for `graphgrad check`: a layer, classes that are not layers, a file that fails to import
LAYERS = """
class Relu:
    def forward(self, x):
        self.mask = x <= 0
        return x * (x > 0)

    def backward(self, dout):
        return dout * ~self.mask


class NotALayer:
    pass


class NeedsW(Relu):
    def __init__(self, W, b, kernel):
        self.W, self.b, self.kernel = W, b, kernel


class BadHook(Relu):
    @classmethod
    def check_example(cls):
        return cls()


def helper():
    pass
"""


@pytest.fixture
def places(tmp_path, monkeypatch):
    """The directory the command runs in, with a folder, a file, a folder named like a
    file (steps.html), an output folder where history.json is a folder, and Python files
    for `check`."""
    work = tmp_path / "work"
    (work / "folder").mkdir(parents=True)
    (work / "a-file").write_text("not a folder")
    (work / "steps.html").mkdir()
    (work / "blocked" / "history.json").mkdir(parents=True)
    (work / "layers.py").write_text(LAYERS)
    (work / "broken.py").write_text("import numpy\nscale = 1 / 0\n")
    (work / "syntax.py").write_text("class Relu:\n    def forward(self, x)\n")
    monkeypatch.chdir(work)
    return {"ro": _unwritable(tmp_path)}


XY = ["draw", "x*y", "--at", "x=1", "y=2"]
TRAIN = ["train", "--dataset", "xor", "--iters", "5"]
CHECK = ["check", "layers.py:Relu"]

# (argv, the message expected on stderr, exit code); {ro} is an unwritable directory
BAD_INPUT = [
    (XY + ["-o", "folder"], "-o folder: is a directory; name a file", 2),
    (XY + ["-o", "a-file/g.svg"], "a-file is a file, not a directory", 2),
    (XY + ["-o", "{ro}/g.svg"], "-o {ro}/g.svg: cannot write in {ro}", 2),
    (XY + ["-o", "g.jpeg"], "-o g.jpeg: cannot tell the format from the name", 2),
    (XY + ["-o", "g.svg", "--steps", "steps.html"], "--steps steps.html: is a directory", 2),
    (XY + ["-o", "g.svg", "--steps", "s.txt"], "--steps s.txt: cannot tell what to write", 2),
    (XY + ["-o", "g.svg", "--steps", "a-file/s.html"], "a-file is a file, not a directory", 2),
    (XY + ["-o", "g.svg", "--steps", "{ro}/s.html"], "cannot write in {ro}", 2),
    (XY + ["-o", "g.png", "--dpi", "-5"], "--dpi must be between 1 and 1200, got -5", 2),
    (XY + ["-o", "g.png", "--dpi", "0"], "--dpi must be between 1 and 1200, got 0", 2),
    (XY + ["-o", "g.png", "--dpi", "100000"], "--dpi must be between 1 and 1200", 2),
    (XY + ["--digits", "0"], "--digits must be between 1 and 17, got 0", 2),
    (XY + ["--depth", "-1"], "--depth must be 0 or more, got -1", 2),
    (XY + ["--expand", "nosuch"], "--expand nosuch: no composite of that name; the "
     "composites are: all, abs, batch_norm, cross_entropy_error, div", 2),
    (XY + ["--collapse", "nosuch"], "--collapse nosuch: no composite of that name", 2),
    (XY + ["--collapse", "sigmoid", "--expand", "sigmoid"],
     "--collapse sigmoid and --expand sigmoid contradict each other", 2),
    (XY + ["--collapse", "all", "--expand", "sub"],
     "--collapse all and --expand sub contradict each other", 2),
    (XY + ["--rankdir", "diagonal"], "argument --rankdir: invalid choice", 2),
    (XY, "cannot write to standard output: No space left on device", 1),  # > /dev/full
    (["figure", "apple", "-o", "a-file"], "-o a-file: is a file, not a directory", 2),
    (["figure", "apple", "-o", "a-file/sub"], "a-file is a file, not a directory", 2),
    (["figure", "apple", "-o", "{ro}/figs"], "-o {ro}/figs: cannot write in {ro}", 2),
    (["figure", "apple", "--dpi", "-5"], "--dpi must be between 1 and 1200, got -5", 2),
    (["figure", "pear"], "no figure 'pear'; the figures are: apple", 2),
    (["figure"], "name a figure, or 'all'", 2),
    (["tour", "-o", "a-file"], "-o a-file: is a file, not a directory", 2),
    (["tour", "-o", "{ro}/tour"], "cannot write in {ro}", 2),
    (TRAIN + ["--out", "a-file"], "--out a-file: is a file, not a directory", 2),
    (TRAIN + ["--out", "blocked"], "blocked/history.json is a directory, where the file "
     "history.json is to be written", 2),
    (TRAIN + ["--out", "{ro}/train"], "--out {ro}/train: cannot write in {ro}", 2),
    (TRAIN + ["--lr", "nan"], "argument --lr: must be a finite number > 0, got nan", 2),
    (TRAIN + ["--lr", "inf"], "argument --lr: must be a finite number > 0, got inf", 2),
    (TRAIN + ["--lr", "-1"], "argument --lr: must be a finite number > 0, got -1", 2),
    (TRAIN + ["--weight-init", "nan"], "--weight-init must be a finite number >= 0, got "
     "nan", 2),
    (TRAIN + ["--weight-init=-inf"], "--weight-init must be a finite number >= 0", 2),
    (TRAIN + ["--weight-init", "huge"], "--weight-init wants a number, he, xavier", 2),
    (TRAIN + ["--hidden", "100000000"], "--hidden 100000000 makes a network of "
     "500,000,002 parameters (4.0 GB as float64); the limit is 50,000,000", 2),
    (["train", "--hidden", "100000000"], "--hidden 100000000 makes a network of "
     "79,500,000,010 parameters", 2),
    (TRAIN + ["--hidden", "ten"], "--hidden wants a size or a comma-separated list", 2),
    (TRAIN + ["--seed", "-1"], "--seed must be 0 or more, got -1", 2),
    (TRAIN + ["--threads", "-1"], "argument --threads: --threads must be 0 or more, got -1",
     2),
    (TRAIN + ["--threads", "all"], "argument --threads: not a number: 'all'", 2),
    (["train", "--data-dir", "/nope"], "--data-dir /nope: no such directory", 2),
    (TRAIN + ["--data-dir", "folder"], "--data-dir is for --dataset mnist", 2),
    (["check", "nope.py:Relu"], "nope.py: no such file", 2),
    (["check", "folder:Relu"], "folder: is a directory, not a Python file", 2),
    (["check", "a-file:Relu"], "a-file: not a Python file (.py)", 2),
    (["check", "layers.py"], "layers.py: name the class after a colon, e.g. "
     "layers.py:Affine", 2),
    (["check", "layers.py:"], "name the class after a colon", 2),
    (["check", "layers.py:1x"], "layers.py:1x: '1x' is not a class name", 2),
    (["check", "layers.py:Nope"], "layers.py: no class Nope; it defines Relu, NotALayer, "
     "NeedsW, BadHook", 2),
    (["check", "layers.py:helper"], "layers.py: helper is a function, not a class", 2),
    (["check", "layers.py:NotALayer"], "NotALayer is not a layer: it needs forward(...) "
     "and backward(dout) methods", 2),
    (["check", "layers.py:NeedsW"], "NeedsW() needs kernel: give NeedsW a classmethod "
     "check_example() returning (layer, *inputs)", 2),
    (["check", "layers.py:BadHook"], "BadHook.check_example() must return (layer, "
     "*inputs), got a BadHook", 2),
    (["check", "broken.py:Relu"], "broken.py: importing it raised ZeroDivisionError: "
     "division by zero (at broken.py:2)", 2),
    (["check", "syntax.py:Relu"], "syntax.py:2: syntax error: expected ':'", 2),
    (CHECK + ["--rtol", "-1"], "--rtol must be a finite number >= 0, got -1", 2),
    (CHECK + ["--atol", "nan"], "--atol must be a finite number >= 0, got nan", 2),
    (CHECK + ["--seed", "-1"], "--seed must be 0 or more, got -1", 2),
    (CHECK + ["--draw", "folder"], "--draw folder: is a directory; name a file", 2),
    (CHECK + ["--draw", "out.jpeg"], "--draw out.jpeg: cannot tell the format from the "
     "name; use .svg, .png, .pdf, .dot", 2),
    (CHECK + ["--draw", "{ro}/c.svg"], "--draw {ro}/c.svg: cannot write in {ro}", 2),
    (["train", "--batchnorm", "--dataset", "xor"], "--batchnorm is the book's MNIST "
     "experiment; --dataset xor is not taken", 2),
    (["train", "--batchnorm", "--hidden", "50"], "--batchnorm trains the book's two "
     "networks its own way; it does not take --hidden (it takes --scales", 2),
    (["train", "--batchnorm", "--iters", "5", "--check-grad"], "does not take --iters, "
     "--check-grad", 2),
    (["train", "--batchnorm", "--scales", "0"], "--scales must be between 1 and 16, got 0",
     2),
    (["train", "--batchnorm", "--seed", "-1"], "--seed must be 0 or more, got -1", 2),
    (["train", "--batchnorm", "--out", "a-file"], "--out a-file: is a file, not a "
     "directory", 2),
    (["train", "--batchnorm", "--out", "{ro}/bn"], "--out {ro}/bn: cannot write in {ro}",
     2),
    (["train", "--batchnorm", "--data-dir", "/nope"], "--data-dir /nope: no such "
     "directory", 2),
]


@pytest.mark.parametrize("argv, message, code", BAD_INPUT,
                         ids=[f"{i}-{a[0]}" for i, (a, _, _) in enumerate(BAD_INPUT)])
def test_bad_input_is_one_line_and_nothing_is_written(capsys, places, monkeypatch,
                                                      argv, message, code):
    argv = [a.format(**places) for a in argv]
    message = message.format(**places)
    if code == 1:
        monkeypatch.setattr(sys, "stdout", open("/dev/full", "w"))  # a full disk
    before = sorted(Path().rglob("*"))
    try:
        got = main(argv)
    except SystemExit as e:  # argparse's own checks
        got = e.code
    out, err = capsys.readouterr()
    assert got == code
    # one line says what is wrong (draw's numbers, printed before stdout filled up, stay)
    [line] = [ln for ln in err.splitlines() if "error" in ln]
    assert line == err.splitlines()[-1] and line.startswith(f"graphgrad {argv[0]}: error: ")
    assert message in line and "Traceback" not in err
    assert sorted(Path().rglob("*")) == before  # checked before any work


# the names in the table's messages: options' values, files, the learner's classes, Python
TABLE_NAMES = ("xor", "mnist", "he", "xavier", "auto", "all", "abs", "cross_entropy_error",
               "div", "mean", "neg", "sigmoid", "softmax", "softmax_with_loss", "std", "sub",
               "var", "apple", "Relu", "NotALayer", "NeedsW", "BadHook", "TwoLayerNet",
               "LR", "TB", "W", "b", "Python", "folder")


def _foreign(text):
    """`text` without what the system and Python said in their own words: the system's
    reasons (strerror) and the learner's own exception (a ZeroDivisionError)."""
    import errno
    try:
        _ = 1 / 0
    except ZeroDivisionError as e:
        text = text.replace(str(e), "")
    for code in errno.errorcode:
        text = text.replace(os.strerror(code), "")
    return text


@pytest.mark.parametrize("argv, message, code", BAD_INPUT,
                         ids=[f"{i}-{a[0]}" for i, (a, _, _) in enumerate(BAD_INPUT)])
def test_bad_input_is_said_in_japanese_under_lang_ja(capsys, places, monkeypatch,
                                                    argv, message, code):
    """Issue 20: every refusal of the table above, one line in Japanese, with no English
    sentence left (the values named in it are code; the system's reasons its own)."""
    from tests.viz.cli.helpers import english_left
    argv = [a.format(**places) for a in argv] + ["--lang", "ja"]
    if code == 1:
        monkeypatch.setattr(sys, "stdout", open("/dev/full", "w"))
    try:
        got = main(argv)
    except SystemExit as e:
        got = e.code
    _, err = capsys.readouterr()
    assert got == code
    line = err.splitlines()[-1]
    assert line.startswith(f"graphgrad {argv[0]}: エラー: ") or line.startswith(
        "graphgrad: エラー: "), line  # argparse names the program alone for some
    assert english_left(_foreign(line), TABLE_NAMES) == [], line


# ----------------------------------------------------------------------------- main

def test_broken_pipe_is_not_an_error(monkeypatch, capsys):
    class Gone(io.StringIO):
        def write(self, text):
            raise BrokenPipeError(32, "Broken pipe")

    monkeypatch.setattr(sys, "stdout", Gone())
    assert main(["draw", "x*y", "--at", "x=1", "y=2"]) == 0


def test_warnings_are_one_line(capsys, monkeypatch, tmp_path):
    from viz.cli import figure

    def warns(name, outdir, formats, dpi):
        warnings.warn("the cached file was damaged; moved it aside", UserWarning, stacklevel=2)
        return []

    monkeypatch.setattr(figure, "write_figure", warns)
    code, _, err = run(capsys, "figure", "apple", "--format", "dot", "-o", str(tmp_path))
    assert code == 0
    assert err == "graphgrad figure: warning: the cached file was damaged; moved it aside\n"


def test_an_unexpected_error_is_one_line(capsys, monkeypatch):
    from viz.cli import figure

    def broken(*args, **kwargs):
        raise RuntimeError("something nobody foresaw\nsecond line")

    monkeypatch.setattr(figure, "write_figure", broken)
    code, _, err = run(capsys, "figure", "apple", "--format", "dot", "-o", "unused")
    assert code == 1 and err.count("\n") == 1
    assert "RuntimeError: something nobody foresaw (GRAPHGRAD_DEBUG=1 shows where)" in err
    monkeypatch.setenv("GRAPHGRAD_DEBUG", "1")
    with pytest.raises(RuntimeError):
        main(["figure", "apple", "--format", "dot", "-o", "unused"])


def test_python_dash_m_and_the_console_script(tmp_path):
    for argv in ([sys.executable, "-m", "viz.cli"], [Path(sys.executable).with_name(
            "graphgrad")]):
        if not Path(argv[0]).exists():
            continue
        done = subprocess.run([*map(str, argv), "figure", "--list"], capture_output=True,
                              text=True, cwd=tmp_path, env={**os.environ, "PYTHONPATH":
                                                            str(ROOT)})
        assert done.returncode == 0 and done.stdout.startswith("apple "), done.stderr


def test_a_full_stdout_in_a_real_process(tmp_path):
    with open("/dev/full", "w") as full:
        done = subprocess.run([sys.executable, "-m", "viz.cli", "draw", "x*y", "--at",
                               "x=1", "y=2"], stdout=full, stderr=subprocess.PIPE,
                              text=True, cwd=ROOT)
    assert done.returncode == 1
    assert done.stderr.splitlines()[-1] == ("graphgrad draw: error: cannot write to "
                                            "standard output: No space left on device")
    assert "Traceback" not in done.stderr and "Exception ignored" not in done.stderr


# ----------------------------------------------------------------------------- ./run

def _installed():
    """./run would reinstall first unless its stamp is newer than pyproject.toml."""
    stamps = [Path(sys.prefix) / f".graphgrad-{x}" for x in ("plot", "test")]
    built = (ROOT / "pyproject.toml").stat().st_mtime
    return any(s.exists() and s.stat().st_mtime > built for s in stamps)


@pytest.mark.skipif(not _installed(), reason="./run would install the package first")
def test_run_writes_relative_paths_where_it_was_called(tmp_path):
    env = {**os.environ, "GRAPHGRAD_VENV": sys.prefix}
    env.pop("GRAPHGRAD_RUN", None)
    done = subprocess.run([str(ROOT / "run"), "draw", "x*y", "--at", "x=1", "y=2", "-o",
                           "rel.dot"], capture_output=True, text=True, cwd=tmp_path,
                          env=env)
    assert done.returncode == 0, done.stderr
    assert (tmp_path / "rel.dot").read_text().startswith("digraph")
    assert not (ROOT / "rel.dot").exists()
    done = subprocess.run([str(ROOT / "run"), "graphgrad", "figure", "--list"],
                          capture_output=True, text=True, cwd=tmp_path, env=env)
    assert done.returncode == 0 and "appendix-a" in done.stdout


@needs_dot
@pytest.mark.skipif(not _installed(), reason="./run would install the package first")
def test_the_demo_says_how_to_run_graphgrad_afterwards(tmp_path):
    env = {**os.environ, "GRAPHGRAD_VENV": sys.prefix}
    done = subprocess.run([str(ROOT / "run"), "demo", "-o", "tour"], capture_output=True,
                          text=True, cwd=tmp_path, env=env)
    assert done.returncode == 0, done.stderr
    assert (tmp_path / "tour" / "appendix-a-steps.html").exists()
    last = done.stdout.rstrip().splitlines()[-1]
    assert last.startswith(f"More: {ROOT / 'run'} graphgrad figure --list; ")
