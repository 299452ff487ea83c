"""`graphgrad draw` (viz.cli.draw): the numbers, the drawing, its options and files."""
import pytest

from tests.viz.cli.helpers import english_left, help_of, needs_dot, page_words, run, svg_words
from viz.cli import draw


def test_draw_prints_dot_and_the_numbers(capsys):
    code, out, err = run(capsys, "draw", "x*y + exp(x)", "--at", "x=1", "y=2")
    assert code == 0
    assert out.startswith("digraph") and out.rstrip().endswith("}")
    assert "f = 4.71828" in err and "∂f/∂x = 4.71828" in err and "∂f/∂y = 1" in err
    assert "label=<x>" in out and "label=<y>" in out  # variables by name


def test_draw_to_a_dot_file(capsys, tmp_path):
    path = tmp_path / "g.dot"
    code, out, err = run(capsys, "draw", "sigmoid(w*x + b)", "--at", "w=2", "x=1", "b=-1",
                         "-o", str(path), "--collapse", "sigmoid")
    assert code == 0 and err == ""
    assert "y = 0.731059" in out and "∂y/∂w = 0.196612" in out and f"wrote {path}" in out
    src = path.read_text(encoding="utf-8")
    assert "label=<sigmoid>" in src and "cluster" not in src


def test_draw_options(capsys):
    _, opened, _ = run(capsys, "draw", "x - y", "--at", "x=1", "y=2", "--expand", "all")
    assert "subgraph cluster_c0" in opened and "label=<sub>" in opened
    _, shut, _ = run(capsys, "draw", "x - y", "--at", "x=1", "y=2")
    assert "cluster" not in shut and "label=<−>" in shut
    _, tb, _ = run(capsys, "draw", "x*y", "--at", "x=1", "y=2", "--rankdir", "TB")
    assert "rankdir=TB" in tb
    code, plain, err = run(capsys, "draw", "x*y", "--at", "x=1", "y=2", "--no-grad")
    assert code == 0 and "#d62728" not in plain and "∂" not in err
    _, digits, _ = run(capsys, "draw", "x/3", "--at", "x=1", "--digits", "2")
    assert "<TD>0.33</TD>" in digits
    _, depth, _ = run(capsys, "draw", "tanh(x)", "--at", "x=1", "--depth", "0")
    assert "label=<tanh>" in depth and "cluster" not in depth


def test_draw_constants_and_unused_values(capsys):
    code, out, err = run(capsys, "draw", "2*x + 1", "--at", "x=3", "z=1")
    assert code == 0 and "f = 7" in err and "∂f/∂x = 2" in err
    assert "not in the expression: z" in err
    assert "class=constant" in out
    code, out, err = run(capsys, "draw", "2*3")
    assert code == 0 and "f = 6" in err and "∂" not in err


@needs_dot
@pytest.mark.parametrize("suffix", ["svg", "png", "pdf"])
def test_draw_images(capsys, tmp_path, suffix):
    path = tmp_path / f"g.{suffix}"
    code, out, _ = run(capsys, "draw", "x*y", "--at", "x=3", "y=4", "-o", str(path))
    assert code == 0 and path.stat().st_size > 500 and "wrote" in out


@pytest.mark.parametrize("argv, message", [
    (["x*y + exp(x"], "'(' is never closed"),
    (["x*y", "--at", "x=1"], "no value for 'y'"),
    (["log(x)", "--at", "x=0"], "log is defined only for x > 0"),
    (["1/x", "--at", "x=0"], "cannot compute"),
    (["a + b", "--at", "a=1,2", "b=1,2,3"], "they need the same length"),
    (["x", "--at", "x=١"], "invalid character '١' (U+0661)"),
    (["softmax(a)", "--at", "a=1,2"], "wrap it in sum(...) or mean(...)"),
    (["__import__('os')"], "unknown function '__import__'"),
    (["x.real", "--at", "x=1"], "attribute access"),
    (["x", "--at", "x=abc"], "not a number"),
    (["x", "--at", "x=1", "-o", "out.jpeg"], "cannot tell the format"),
    (["x", "--at", "x=1", "--digits", "0"], "between 1 and 17"),
])
def test_draw_bad_input(capsys, argv, message):
    code, out, err = run(capsys, "draw", *argv)
    assert code == 2 and out == ""
    assert message in err and "Traceback" not in err
    assert err.startswith("graphgrad draw: error:")


def test_draw_the_books_expressions(capsys):
    # the example: a vector value, softmax, sum
    code, _, err = run(capsys, "draw", "sum(softmax(a) * a)", "--at", "a=1,2,3")
    assert code == 0 and "f = 2.57521" in err
    assert "∂f/∂a1 = -0.0517865" in err and "∂f/∂a3 = 0.947828" in err
    # a variable exponent, and a matrix with @ (one node per array; labels: no gradient)
    code, _, err = run(capsys, "draw", "x**y", "--at", "x=2", "y=3")
    assert code == 0 and "∂f/∂y = 5.54518" in err
    code, out, err = run(capsys, "draw", "softmax_with_loss(x @ W, t)", "--at", "x=1,2",
                         "W=1,0;0,1", "t=0,1")
    assert code == 0 and "∂L/∂W = [[0.268941, -0.268941]," in err and "∂L/∂t" not in err


def test_draw_a_failed_operation_points_at_it(capsys):
    code, _, err = run(capsys, "draw", "x + log(x - 2)", "--at", "x=1")
    lines = err.splitlines()
    assert code == 2 and "log is defined only for x > 0" in lines[0]
    assert lines[-1].index("^") == lines[-2].index("log")


def test_draw_error_points_at_the_position(capsys):
    code, _, err = run(capsys, "draw", "x + * y", "--at", "x=1", "y=2")
    lines = err.splitlines()
    assert code == 2 and lines[-2].strip() == "x + * y"
    assert lines[-1].index("^") == lines[-2].index("*")


def test_draw_without_dot_writes_the_dot_text(capsys, tmp_path, no_dot):
    code, out, err = run(capsys, "draw", "x*y", "--at", "x=1", "y=2",
                         "-o", str(tmp_path / "g.png"))
    assert code == 1
    assert "apt-get install graphviz" in err and (tmp_path / "g.dot").exists()
    assert not (tmp_path / "g.png").exists()


@needs_dot
def test_draw_steps_html(capsys, tmp_path):
    path = tmp_path / "steps.html"
    code, out, err = run(capsys, "draw", "sigmoid(x*y)", "--at", "x=1", "y=2",
                         "-o", str(tmp_path / "g.svg"), "--steps", str(path))
    assert code == 0, err
    assert path.exists() and "<html" in path.read_text(encoding="utf-8").lower()


@needs_dot
def test_draw_steps_keeps_stdout_valid_dot(capsys, tmp_path):
    path = tmp_path / "steps.html"
    code, out, err = run(capsys, "draw", "x*y", "--at", "x=1", "y=2", "--steps", str(path))
    assert code == 0 and out.startswith("digraph") and out.rstrip().endswith("}")
    assert f"wrote {path}" in err and path.exists()


def test_draw_leading_minus_with_a_space(capsys):
    code, _, err = run(capsys, "draw", " -x*y", "--at", "x=2", "y=3")
    assert code == 0 and "f = -6" in err and "∂f/∂x = -3" in err


def test_draw_steps_needs_a_backward_pass(capsys, tmp_path):
    code, _, err = run(capsys, "draw", "2*3", "--steps", str(tmp_path / "s.html"))
    assert code == 2 and "no variables" in err




def test_the_output_is_never_named_like_a_variable(capsys):
    code, _, err = run(capsys, "draw", "f*2", "--at", "f=3")
    assert code == 0 and "g = 6" in err and "∂g/∂f = 2" in err and "∂f/∂f" not in err
    code, _, err = run(capsys, "draw", "f*g*h*F", "--at", "f=1", "g=2", "h=3", "F=4")
    assert "out = 24" in err and "∂out/∂F = 6" in err
    # sigmoid names its output y (figure 5-20): with a variable y it is renamed too
    code, _, err = run(capsys, "draw", "sigmoid(y)", "--at", "y=1")
    assert code == 0 and "f = 0.731059" in err and "∂f/∂y = 0.196612" in err


def test_composite_names_come_from_the_engine():
    import autograd.functions as F
    names = draw.composite_names()
    assert {"sigmoid", "softmax", "softmax_with_loss", "sub", "div"} <= set(names)
    assert F.sigmoid.composite_name in names and names == sorted(names)


@needs_dot
def test_draw_steps_to_a_folder_of_frames(capsys, tmp_path):
    frames = tmp_path / "frames"
    code, _, err = run(capsys, "draw", "x*y", "--at", "x=1", "y=2", "--steps", str(frames))
    assert code == 0, err
    assert sorted(p.name for p in frames.iterdir())[:2] == ["step-00.svg", "step-01.svg"]


@needs_dot
def test_outputs_are_written_whole_with_no_temporary_files_left(capsys, tmp_path):
    (tmp_path / "g.svg").write_text("the old drawing")
    code, _, _ = run(capsys, "draw", "sigmoid(x)", "--at", "x=1", "-o",
                     str(tmp_path / "g.svg"), "--steps", str(tmp_path / "s.html"))
    assert code == 0
    assert sorted(p.name for p in tmp_path.iterdir()) == ["g.svg", "s.html"]
    assert (tmp_path / "g.svg").read_text().lstrip().startswith("<?xml")


# ----------------------------------------------------------------------------- the API's drawing

@pytest.mark.parametrize("text, build", [
    ("x * 2 + 1", lambda x: x * 2 + 1),
    ("x - 1", lambda x: x - 1),
    ("2 / x", lambda x: 2 / x),
    ("sigmoid(x * 2 + 1)", lambda x: (x * 2 + 1).sigmoid()),
    ("x ** 2 - 3 * x", lambda x: x ** 2 - 3 * x),
])
@pytest.mark.parametrize("labels", ["numbers", "symbols", "both"])
def test_the_command_draws_what_the_api_draws(capsys, text, build, labels):
    """Plain numbers are the engine's constants on both paths: drawn grey with their
    value, never with a gradient, and the DOT is the same text."""
    import viz
    from autograd import Value
    if labels != "numbers":
        pytest.importorskip("sympy")
    x = Value(3.0, name="x")
    f = build(x)
    f.name = f.name or "f"  # the command names an unnamed output f (sigmoid's is y)
    f.backward()
    api = viz.draw(f, labels=labels).source
    code, out, _ = run(capsys, "draw", text, "--at", "x=3", "--labels", labels)
    assert code == 0 and out == api
    assert "class=constant" in out


def test_draw_labels_symbols(capsys):
    pytest.importorskip("sympy")
    code, out, _ = run(capsys, "draw", "sigmoid(x)", "--at", "x=1", "--labels", "symbols")
    assert code == 0 and "exp(−x)" in out and "= y(1 − y)" in out
    with pytest.raises(SystemExit) as exit_:
        run(capsys, "draw", "x", "--at", "x=1", "--labels", "words")
    assert exit_.value.code == 2 and "invalid choice" in capsys.readouterr().err


# ----------------------------------------------------------------------------- in Japanese

# what `draw` shows as code: its functions and composites, the --labels choices
DRAW_NAMES = ("exp", "log", "reciprocal", "relu", "sigmoid", "tanh", "sub", "div", "abs",
              "mean", "neg", "std", "var", "all", "numbers", "symbols", "both", "sqrt",
              "softmax", "sum", "max", "cross_entropy_error", "softmax_with_loss")


@needs_dot
def test_draw_speaks_japanese_under_lang_ja(capsys, tmp_path):
    """Issue 20: --lang ja leaves no English sentence in what `draw` prints, draws or steps
    through, nor in its refusals of options and of points outside a function's domain
    (the expression's and the values' refusals: the test after this one)."""
    said = [help_of(capsys, "draw", "--lang", "ja")]
    g, steps = tmp_path / "g.svg", tmp_path / "s.html"
    code, out, err = run(capsys, "draw", "sigmoid(w*x + b) - x/y", "--at", "w=2", "x=1",
                         "b=-1", "y=4", "z=0", "--expand", "all", "-o", str(g), "--steps",
                         str(steps), "--lang", "ja")
    assert code == 0 and f"{g} を書き出しました" in out and "式に現れない変数: z" in out
    said += [out, err, svg_words(g.read_text(encoding="utf-8")),
             page_words(steps.read_text(encoding="utf-8"))]
    assert "sigmoid" in said[-2] and "上流から伝わった微分" in said[-1]
    code, out, err = run(capsys, "draw", "exp(x)", "--at", "x=1000", "-o", str(g),
                         "--lang", "ja")
    assert code == 0 and "注意: 値が有限ではありません" in out
    said += [out, err]
    refusals = {  # a point outside a domain, forward and backward; options
        ("1/x", "--at", "x=0"): "reciprocal(x=0.0) は定義されません。0 で割ることになります",
        ("log(x)", "--at", "x=-1"): "log(x=-1.0) は定義されません。log に渡せるのは正の数だけ",
        ("x**-1", "--at", "x=0"): "pow(x=0.0) は定義されません。負の数の小数乗や、0 の負の数乗",
        ("x**0.5", "--at", "x=0"): "この点では微分が定義されません: pow(x=0.0) の微分が無限大",
        ("x", "--at", "x=1", "-o", "g.jpeg"): "名前から形式を判断できません",
        ("x", "--at", "x=1", "--digits", "0"): "--digits は 1 から 17 までで指定",
        ("x", "--at", "x=1", "--expand", "nosuch"): "その名前の合成関数はありません",
        ("2*3", "--steps", "s.html"): "式に変数がないため",
    }
    for argv, japanese in refusals.items():
        code, out, err = run(capsys, "draw", *argv, "--lang", "ja")
        assert code == 2 and out == "" and err.startswith("graphgrad draw: エラー: ")
        assert japanese in err, err
        said.append(err)
    for text in said:
        assert english_left(text, DRAW_NAMES) == [], text


def test_the_parsers_refusals_are_said_in_japanese_under_lang_ja(capsys, monkeypatch):
    english = run(capsys, "draw", "sigmoid(x*w+b", "--at", "x=1", "--lang", "en")
    japanese = run(capsys, "draw", "sigmoid(x*w+b", "--at", "x=1", "--lang", "ja")
    assert english == (2, "", "graphgrad draw: error: unbalanced parentheses: '(' is never "
                              "closed\n  sigmoid(x*w+b\n         ^\n")
    assert japanese == (2, "", "graphgrad draw: エラー: 括弧の対応が合っていません: '(' が閉じ"
                               "られていません\n  sigmoid(x*w+b\n         ^\n")
    monkeypatch.setenv("GRAPHGRAD_LANG", "ja")  # the variable, as --lang
    code, out, err = run(capsys, "draw", "x*y", "--at", "x=1", "y=1,2;3")
    assert code == 2 and err.startswith("graphgrad draw: エラー: 行列 'y' の行の長さが")
    assert err.endswith("  y=1,2;3\n        ^\n")
    code, out, err = run(capsys, "draw", "sum(a @ W)", "--at", "a=1,2", "W=1,2;3,4;5,6")
    assert code == 2 and "行列の積 @ の形状が合いません: (1, 2) と (3, 2)" in err
    assert english_left(err, DRAW_NAMES) == []


def test_the_engines_domain_errors_stay_as_they_were_in_english(capsys):
    code, _, err = run(capsys, "draw", "log(x)", "--at", "x=-1")
    assert code == 2 and err == ("graphgrad draw: error: cannot compute 'log(x)' at x=-1: "
                                 "log(x=-1.0): log is defined only for x > 0, got -1.0\n"
                                 "  log(x)\n  ^\n")  # the caret under the failed call
    code, _, err = run(capsys, "draw", "x**0.5", "--at", "x=0")
    assert code == 2 and err.startswith("graphgrad draw: error: the gradient is undefined "
                                        "at this point: backward of pow(x=0.0): ")
