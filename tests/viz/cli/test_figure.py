"""`graphgrad figure` (viz.cli.figure): the book's figures as files."""
from tests.viz.cli.helpers import needs_dot, run
from viz import figures


def test_figure_list(capsys):
    code, out, _ = run(capsys, "figure", "--list")
    assert code == 0
    assert [line.split()[0] for line in out.splitlines()] == figures.names()
    assert "5-17" in out and "A-1" in out


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


