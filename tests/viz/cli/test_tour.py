"""`graphgrad tour` (viz.cli.tour): the price, the drawings, and how to go on."""
from tests.viz.cli.helpers import needs_dot, run


@needs_dot
def test_tour(capsys, tmp_path):
    code, out, _ = run(capsys, "tour", "-o", str(tmp_path))
    assert code == 0
    lines = out.splitlines()
    assert lines[1] == "price: 715"
    for name, g in [("apple", "2.2"), ("apple_num", "110"), ("orange", "3.3"),
                    ("orange_num", "165"), ("tax", "650"), ("all_price", "1.1")]:
        assert any(ln.split() == ["d", "price", "/", "d", name, "=", g] for ln in lines)
    names = {p.name for p in tmp_path.iterdir()}
    assert {"apple-orange.svg", "apple-orange.png", "sigmoid.png", "sigmoid-collapsed.png",
            "appendix-a.png"} <= names
    assert str(tmp_path) in out


def test_tour_without_dot(capsys, tmp_path, no_dot):
    code, out, err = run(capsys, "tour", "-o", str(tmp_path))
    assert code == 0 and "price: 715" in out
    assert "apt-get install graphviz" in err
    assert {p.suffix for p in tmp_path.iterdir()} == {".dot"}


def test_the_last_line_says_how_to_run_graphgrad(capsys, tmp_path, monkeypatch, no_dot):
    from viz.cli import tour

    monkeypatch.setenv("GRAPHGRAD_RUN", "./run")  # as ./run sets it
    code, out, _ = run(capsys, "tour", "-o", str(tmp_path / "a"))
    assert code == 0
    assert out.rstrip().splitlines()[-1].startswith("More: ./run graphgrad figure --list; ")
    monkeypatch.delenv("GRAPHGRAD_RUN")
    # not on PATH (no_dot emptied it): the virtualenv's script, and how to activate it
    command, activate = tour.how_to_run()
    assert command.endswith("/bin/graphgrad") and "bin/activate" in activate
    code, out, _ = run(capsys, "tour", "-o", str(tmp_path / "b"))
    last = out.rstrip().splitlines()[-1]
    assert last.startswith("(or activate the virtualenv first: source ")
    assert last.endswith("; then: graphgrad figure --list)")
