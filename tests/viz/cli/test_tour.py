"""`graphgrad tour` (viz.cli.tour): the price, the drawings, the appendix-A stepper, and how
to go on."""
import re
import sys

import pytest

from tests.viz.cli.helpers import english_left, help_of, needs_dot, page_words, run, svg_words


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
            "appendix-a.png", "appendix-a-symbols.png"} <= names
    assert str(tmp_path) in out
    # figure A-5: the book's expressions on the edges of the tour's symbolic drawing
    svg = (tmp_path / "appendix-a-symbols.svg").read_text(encoding="utf-8")
    for text in ("y1 − t1", "−t1/y1", "1/S", "−t1·S"):
        assert text in svg
    # laid out left to right, as the book's figure A-5 (drawn top to bottom it was
    # 961 × 2,075 px): the a_k on the left, L on the right, the drawing wider than tall
    from PIL import Image
    for name in ("appendix-a", "appendix-a-symbols"):
        with Image.open(tmp_path / f"{name}.png") as im:
            assert im.width > 2.5 * im.height, (name, im.size)
    xs = {t: float(x) for x, t in re.findall(
        r'<text[^>]*\bx="([-\d.]+)"[^>]*>(a1|L)</text>', svg)}
    assert xs["a1"] < xs["L"]


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


def _frames_in(page):
    import json
    import re
    data = re.search(r'<script id="frames-data" type="application/json">(.*?)</script>',
                     page, re.S).group(1)
    return json.loads(data)


@needs_dot
def test_the_tours_stepper_is_appendix_a_in_the_books_steps(capsys, tmp_path):
    pytest.importorskip("sympy")
    code, out, _ = run(capsys, "tour", "-o", str(tmp_path))
    assert code == 0
    assert "Step 1 … Step 6, ending in ∂L/∂a_k = y_k − t_k" in out
    page = (tmp_path / "appendix-a-steps.html").read_text(encoding="utf-8")
    data = _frames_in(page)
    assert [d["heading"] for d in data] == (["Forward pass"] + ["Cross Entropy Error"] * 4
                                            + [f"Step {k}" for k in range(1, 7)] + ["Result"])
    html = {d["heading"]: d["html"] for d in data}
    assert "−t1·S − t2·S − t3·S = −S(t1 + t2 + t3) = −S" in html["Step 3"]  # branches
    assert "0.01349 + (−0.01832) = −0.004824" in html["Step 6"]
    assert "0.7366 − 1 = −0.2634" in html["Result"] and "y3 − t3" in html["Result"]
    assert data[-1]["title"] == "Result: ∂L/∂a_k = y_k − t_k"
    text = " ".join(d["html"] for d in data)
    assert "node's output" not in text and "the constant" not in text
    # and Batch Normalization's page beside it: Kratzert's steps 9 … 1, the closed form
    assert "Kratzert's Step 9 … Step 1, ending in ∂L/∂x = (1/N)·γ·(1/σ)·(N·dout" in out
    bn = _frames_in((tmp_path / "batchnorm-steps.html").read_text(encoding="utf-8"))
    assert [d["heading"] for d in bn] == ["Forward pass", "dout"] + [
        f"Step {k}" for k in range(9, 0, -1)] + ["Result"]
    assert bn[-1]["title"].startswith("Result: ∂L/∂x = (1/N)·γ·(1/σ)")
    assert "0.2783 + 0.1265 = 0.4048" in {d["heading"]: d["html"] for d in bn}["Step 2"]


def test_the_tours_stepper_does_not_depend_on_what_else_is_installed(monkeypatch):
    pytest.importorskip("sympy")
    from viz import derivation
    from viz.cli import tour
    before = [(f.title, f.rows) for f in tour.stepper_frames()]
    # the rules that pick the algebra by themselves must not change the tour
    monkeypatch.setattr(derivation, "SYMBOLIC_AUTO_LIMIT", 0)
    assert [(f.title, f.rows) for f in tour.stepper_frames()] == before
    assert before[-1][1][0][2] == "y1 − t1"


def test_the_tour_stops_at_once_without_sympy(capsys, tmp_path, monkeypatch):
    monkeypatch.setitem(sys.modules, "sympy", None)  # `import sympy` now fails
    code, out, err = run(capsys, "tour", "-o", str(tmp_path / "out"))
    assert code == 1 and out == ""
    assert err.startswith("graphgrad tour: error: ") and "sympy" in err
    assert "pip install 'graphgrad[symbolic]'" in err and "./run demo" in err
    assert not (tmp_path / "out").exists()  # nothing written, not even a folder


@needs_dot
def test_the_tour_in_japanese(capsys, tmp_path):
    """--lang ja: the printout in the book's names, the stepper under the book's headings
    (ステップ1 … ステップ6) with its narration, the drawings' fonts and names Japanese."""
    pytest.importorskip("sympy")
    code, out, _ = run(capsys, "tour", "-o", str(tmp_path), "--lang", "ja")
    assert code == 0
    lines = out.splitlines()
    assert lines[0].startswith("リンゴとみかんの買い物（図5-17）")
    assert lines[1] == "支払金額: 715 円"
    for name, g in [("リンゴ", "2.2"), ("リンゴの個数", "110"), ("みかん", "3.3"),
                    ("みかんの個数", "165"), ("消費税", "650"), ("リンゴの代金", "1.1"),
                    ("みかんの代金", "1.1"), ("税抜きの合計", "1.1")]:
        assert any(ln.split() == [f"∂支払金額/∂{name}", "=", g] for ln in lines), name
    # every quantity named in Japanese: none left as the code's apple_price (issue 20)
    derivatives = [ln for ln in lines if ln.strip().startswith("∂支払金額/∂")]
    assert len(derivatives) == 8 and not re.search(r"[A-Za-z_]", "".join(derivatives))
    assert "本のステップ1〜ステップ6の順にたどり、∂L/∂a_k = y_k − t_k にたどり着きます" in out
    page = (tmp_path / "appendix-a-steps.html").read_text(encoding="utf-8")
    assert '<html lang="ja">' in page
    data = _frames_in(page)
    assert [d["heading"] for d in data] == (["順伝播"] + ["Cross Entropy Errorレイヤ"] * 4
                                            + [f"ステップ{k}" for k in range(1, 7)] + ["結果"])
    html = {d["heading"]: d["html"] for d in data}
    assert "上流から伝わった微分 × 局所的な微分 = 下流へ流す値" in html["順伝播"]
    assert "分岐した値の和" in html["ステップ3"] and "局所的な微分" in html["ステップ3"]
    assert "順伝播で複数に分岐した値は、逆伝播では足し合わされます" in html["ステップ3"]
    assert "0.01349 + (−0.01832) = −0.004824" in html["ステップ6"]  # the numbers as in English
    assert data[-1]["title"] == "結果: ∂L/∂a_k = y_k − t_k"
    # every line of the narration is Japanese: no English sentence left over
    text = " ".join(d["html"] for d in data)
    for english in ("upstream", "sent to", "Forward", "node", "The ", "sum:"):
        assert english not in text, english
    bn = (tmp_path / "batchnorm-steps.html").read_text(encoding="utf-8")
    assert '<html lang="ja">' in bn and "ステップ9" in bn and "上流から伝わった微分 dout" in bn
    assert "Kratzert のステップ9〜ステップ1の順にたどり" in out
    svg = (tmp_path / "apple-orange.svg").read_text(encoding="utf-8")
    assert "リンゴの個数" in svg and "消費税" in svg and "支払金額" in svg
    assert re.search(r'font-family="[^"]*Noto Sans CJK JP', svg)
    # no English sentence left in what it prints, draws and steps through (issue 20)
    said = [help_of(capsys, "tour", "--lang", "ja"), out, page_words(page)]
    said += [svg_words(p.read_text(encoding="utf-8")) for p in tmp_path.glob("*.svg")]
    (tmp_path / "a-file").write_text("")
    code, _, err = run(capsys, "tour", "-o", str(tmp_path / "a-file"), "--lang", "ja")
    assert code == 2 and err.startswith("graphgrad tour: エラー: ")
    said.append(err)
    for text in said:  # the book's layer names, the functions and the tour's files
        for name in ("Cross Entropy Error", "Softmax-with-Loss", "Batch Normalization"):
            text = text.replace(name, "")
        assert english_left(text, ("sigmoid", "exp", "log", "softmax", "Kratzert")) == [], text


def test_the_readmes_pictures_are_there_and_laid_out_as_they_say():
    """Every picture README.md and README.ja.md show or link exists; the ones named -lr
    are left to right (wider than tall), the inline appendix A top to bottom, as they say."""
    from pathlib import Path
    from xml.etree import ElementTree

    from PIL import Image
    root = Path(__file__).resolve().parents[3]
    for readme in ("README.md", "README.ja.md"):
        text = (root / readme).read_text(encoding="utf-8")
        pictures = set(re.findall(r"\]\((docs/img/[^)\s]+\.(?:png|svg))\)", text))
        assert any("appendix-a-lr.svg" in p for p in pictures), readme
        for picture in pictures:
            path = root / picture
            assert path.is_file(), (readme, picture)
            if path.suffix == ".svg":
                svg = ElementTree.parse(path).getroot()
                w, h = (float(svg.get(k).removesuffix("pt")) for k in ("width", "height"))
            else:
                with Image.open(path) as im:
                    w, h = im.size
            if path.stem.endswith("-lr"):
                assert w > 3 * h, (picture, w, h)
            elif path.stem == "appendix-a":
                assert h > w, (picture, w, h)


def _files(folder):
    return {p.name: p.read_bytes() for p in folder.iterdir()}


@needs_dot
def test_a_second_tour_copies_what_the_same_code_made(capsys, tmp_path, tour_cache,
                                                      monkeypatch):
    pytest.importorskip("sympy")
    code, first_out, _ = run(capsys, "tour", "-o", str(tmp_path / "a"))
    assert code == 0
    (entry,) = (tour_cache / "tour").iterdir()  # one key: this code, dot, English
    # the second tour derives nothing: the stepper's frames are never made again
    from viz.cli import tour
    made = tour.stepper_frames
    monkeypatch.setattr(tour, "stepper_frames", lambda: pytest.fail("derived again"))
    code, second_out, _ = run(capsys, "tour", "-o", str(tmp_path / "b"))
    assert code == 0 and _files(tmp_path / "a") == _files(tmp_path / "b")
    assert second_out.replace(str(tmp_path / "b"), str(tmp_path / "a")) == first_out
    # another language, or other code, is another key
    monkeypatch.setattr(tour, "stepper_frames", made)
    code, _, _ = run(capsys, "tour", "-o", str(tmp_path / "c"), "--lang", "ja")
    assert len(list((tour_cache / "tour").iterdir())) == 2
    assert tour.tour_key(True) != tour.tour_key(False)


@needs_dot
def test_a_damaged_or_unwritable_cache_is_no_error(capsys, tmp_path, tour_cache,
                                                   monkeypatch):
    pytest.importorskip("sympy")
    from viz.cli import tour
    folder = tour_cache / "tour" / tour.tour_key(True)
    folder.mkdir(parents=True)
    (folder / "written.json").write_text("{not json", encoding="utf-8")
    code, out, err = run(capsys, "tour", "-o", str(tmp_path / "a"))
    assert code == 0, err
    assert (tmp_path / "a" / "appendix-a-steps.html").stat().st_size > 10_000
    blocked = tmp_path / "a-file"
    blocked.write_text("not a folder", encoding="utf-8")
    monkeypatch.setenv("GRAPHGRAD_CACHE", str(blocked))  # mkdir fails under a file
    code, out, err = run(capsys, "tour", "-o", str(tmp_path / "b"))
    assert code == 0 and "appendix-a-steps.html" in out, err
