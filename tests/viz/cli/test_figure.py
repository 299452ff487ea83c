"""`graphgrad figure` (viz.cli.figure): the book's figures as files."""
from tests.viz.cli.helpers import needs_dot, run
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
    assert "5-22" in rows["sigmoid-collapsed"] and "numbers only" in rows["affine"]


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
    code, out, err = run(capsys, "figure", "affine", "-o", str(tmp_path), "--labels",
                         "symbols")
    assert code == 2 and "numbers only" in err


def test_figure_all_with_symbols_draws_arrays_with_numbers(capsys, tmp_path):
    import pytest
    pytest.importorskip("sympy")
    code, out, _ = run(capsys, "figure", "all", "-o", str(tmp_path), "--labels",
                       "symbols", "--format", "dot")
    assert code == 0 and "note: affine is a graph of arrays: drawn with numbers" in out
    assert "y1 − t1" in (tmp_path / "appendix-a.dot").read_text(encoding="utf-8")
