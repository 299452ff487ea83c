"""`graphgrad figure` (viz.cli.figure): the book's figures as files."""
import re

import pytest

from tests.viz.cli.helpers import english_left, help_of, needs_dot, run, svg_words
from viz import figures


def test_figure_list(capsys):
    code, out, _ = run(capsys, "figure", "--list")
    assert code == 0
    assert [line.split()[0] for line in out.splitlines()] == figures.names()
    assert "5-17" in out and "A-5" in out


@needs_dot
def test_figure_all_writes_every_file(capsys, tmp_path):
    code, out, _ = run(capsys, "figure", "all", "-o", str(tmp_path))
    assert code == 0
    expected = {f"{n}.{ext}" for n in figures.names() for ext in ("svg", "png")}
    assert {p.name for p in tmp_path.iterdir()} == expected
    assert out.count("wrote") == len(expected)


def test_figure_dot_format_needs_no_program(capsys, tmp_path, no_dot):
    code, out, _ = run(capsys, "figure", "apple", "sigmoid", "-o", str(tmp_path),
                       "--format", "dot")
    assert code == 0
    assert {p.name for p in tmp_path.iterdir()} == {"apple.dot", "sigmoid.dot"}


def test_figure_errors(capsys, tmp_path, no_dot):
    assert run(capsys, "figure")[0] == 2
    code, _, err = run(capsys, "figure", "pear", "-o", str(tmp_path))
    assert code == 2 and "no figure 'pear'" in err and "apple-orange" in err
    code, _, err = run(capsys, "figure", "apple", "-o", str(tmp_path))
    assert code == 1 and "brew install graphviz" in err




def test_figure_list_names_the_books_figure_per_labels(capsys):
    code, out, _ = run(capsys, "figure", "--list")
    rows = {line.split()[0]: line for line in out.splitlines()}
    assert "--labels symbols: A-5" in rows["appendix-a"]
    assert "--labels symbols: 5-20" in rows["sigmoid"]
    assert "--labels symbols" not in rows["apple"]
    assert "5-22" in rows["sigmoid-collapsed"] and "--labels symbols: 5-27" in rows["affine"]
    assert "6-17" in rows["batchnorm"]


@needs_dot
def test_figure_with_symbols(capsys, tmp_path):
    import pytest
    pytest.importorskip("sympy")
    code, out, _ = run(capsys, "figure", "appendix-a", "sigmoid", "-o", str(tmp_path),
                       "--labels", "symbols", "--format", "svg", "--rankdir", "TB")
    assert code == 0
    svg = (tmp_path / "appendix-a.svg").read_text(encoding="utf-8")
    for text in ("y1 − t1", "−t1/y1", "1/S", "−t1·S", "t1 + t2 + t3 = 1"):
        assert text in svg
    assert "exp(−x)" in (tmp_path / "sigmoid.svg").read_text(encoding="utf-8")


def test_a_graph_of_arrays_without_symbols_is_refused_them(capsys, tmp_path, monkeypatch):
    arrays = figures.Figure("arrays", "", "a graph of arrays", figures._affine,
                            scalar=False)
    monkeypatch.setitem(figures.FIGURES, "arrays", arrays)
    code, out, err = run(capsys, "figure", "arrays", "-o", str(tmp_path), "--labels",
                         "symbols")
    assert code == 2 and "numbers only" in err
    code, out, _ = run(capsys, "figure", "--list")
    assert "numbers only" in next(r for r in out.splitlines() if r.startswith("arrays"))


def test_figure_all_with_symbols_draws_arrays_with_numbers(capsys, tmp_path, monkeypatch):
    import pytest
    pytest.importorskip("sympy")
    arrays = figures.Figure("arrays", "", "a graph of arrays", figures._affine,
                            scalar=False)
    monkeypatch.setitem(figures.FIGURES, "arrays", arrays)
    code, out, _ = run(capsys, "figure", "all", "-o", str(tmp_path), "--labels",
                       "symbols", "--format", "dot")
    assert code == 0 and "note: arrays is a graph of arrays: drawn with numbers" in out
    assert "y1 − t1" in (tmp_path / "appendix-a.dot").read_text(encoding="utf-8")
    assert "Xᵀ·∂L/∂Y" in (tmp_path / "affine.dot").read_text(encoding="utf-8")


def test_the_apple_figure_in_japanese(capsys, tmp_path, monkeypatch):
    """The book's names (figure 5-16: リンゴ, リンゴの個数, 消費税, 支払金額) and a CJK font
    named in the DOT text, by --lang ja or by GRAPHGRAD_LANG=ja; --lang en keeps English."""
    code, out, _ = run(capsys, "figure", "apple", "apple-orange", "-o", str(tmp_path),
                       "--format", "dot", "--lang", "ja")
    assert code == 0 and out.startswith(f"{tmp_path / 'apple.dot'} を書き出しました")
    dot = (tmp_path / "apple.dot").read_text(encoding="utf-8")
    for name in ("リンゴ", "リンゴの個数", "消費税", "支払金額"):
        assert f"label=<{name}>" in dot, name
    assert "label=<apple>" not in dot and "label=<tax>" not in dot
    # the graph's, the nodes' and the edges' font: a Japanese family first
    from viz import i18n
    assert dot.count(f'fontname="{i18n.font_family("ja")}"') == 3
    assert "Noto Sans CJK JP" in i18n.font_family("ja")
    both = (tmp_path / "apple-orange.dot").read_text(encoding="utf-8")
    assert "label=<みかん>" in both and "label=<みかんの個数>" in both
    assert "apple_price" not in both  # the book's figure 5-17 writes no intermediate names
    monkeypatch.setenv("GRAPHGRAD_LANG", "ja")
    code, out, _ = run(capsys, "figure", "apple", "-o", str(tmp_path / "env"), "--format", "dot")
    assert "label=<リンゴ>" in (tmp_path / "env" / "apple.dot").read_text(encoding="utf-8")
    code, out, _ = run(capsys, "figure", "apple", "-o", str(tmp_path / "en"), "--format", "dot",
                       "--lang", "en")
    dot = (tmp_path / "en" / "apple.dot").read_text(encoding="utf-8")
    assert "label=<apple>" in dot and "Noto" not in dot and out.startswith("wrote ")


@needs_dot
def test_the_japanese_apple_figure_is_drawn_in_a_japanese_font(tmp_path):
    from viz import i18n
    if not i18n.cjk_fonts():
        pytest.skip("no font with Japanese coverage: " + i18n.FONT_HINT.splitlines()[0])
    svg = figures.figure("apple", lang="ja").pipe(format="svg").decode("utf-8")
    assert ">リンゴ</text>" in svg and ">消費税</text>" in svg
    assert re.search(r'font-family="[^"]*Noto Sans CJK JP', svg)


def test_figure_list_in_japanese(capsys):
    code, out, _ = run(capsys, "figure", "--list", "--lang", "ja")
    assert code == 0
    rows = dict(line.split(None, 1) for line in out.splitlines())
    assert rows["apple"].endswith("  支払金額 = リンゴ × リンゴの個数 × 消費税、微分つき")
    assert rows["appendix-a"].startswith(
        "図A-5 のグラフ（a = (0.3, 2.9, 4)）、--labels symbols: A-5")


# what `figure` shows as code: the layers' and composites' names in the book's figures,
# the --format and --labels choices
FIGURE_NAMES = ("svg", "png", "pdf", "dot", "numbers", "symbols", "both", "all", "sigmoid",
                "exp", "log", "softmax", "DeZero")


@needs_dot
def test_figure_speaks_japanese_under_lang_ja(capsys, tmp_path):
    """Issue 20: --lang ja leaves no English sentence in `figure`'s help, list, notes and
    errors, nor in any figure drawn (its captions, labels and tooltips), in both labels."""
    said = [help_of(capsys, "figure", "--lang", "ja")]
    code, out, _ = run(capsys, "figure", "--list", "--lang", "ja")
    said.append(out)
    for labels in ("numbers", "symbols"):
        code, out, err = run(capsys, "figure", "all", "--labels", labels, "--format", "svg",
                             "-o", str(tmp_path / labels), "--lang", "ja")
        assert code == 0 and out.count("を書き出しました") == len(figures.names())
        said += [out, err] + [svg_words(p.read_text(encoding="utf-8"))
                              for p in sorted((tmp_path / labels).glob("*.svg"))]
    for argv in (["pear"], [], ["apple", "--dpi", "0"]):
        code, out, err = run(capsys, "figure", *argv, "-o", str(tmp_path), "--lang", "ja")
        assert code == 2 and err.startswith("graphgrad figure: エラー: ")
        said.append(err)
    for text in said:
        # the book's names: Cross Entropy Error and Batch Normalization (layers), Deep
        # Learning (the title)
        for name in ("Cross Entropy Error", "Batch Normalization", "Deep Learning"):
            text = text.replace(name, "")
        assert english_left(text, FIGURE_NAMES) == [], text
