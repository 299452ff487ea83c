"""viz.dot: the DOT text of a view, in the book's style (no `dot` program needed)."""
import re
import shutil
import subprocess
from xml.etree import ElementTree

import graphviz
import numpy as np
import pytest

import viz
from autograd import Tensor, Value
from autograd.examples import appendix_a, apple_orange
from viz.derivation import derive
from viz.dot import COLORS, svg_id, to_digraph
from viz.model import build
from viz.stepper import edge_states, frames

RED = COLORS["grad"]


def node_lines(src):
    return [ln.strip() for ln in src.splitlines() if re.match(r"\s*n\d+ \[", ln)]


def sigmoid_graph():
    x = Value(1.0, name="x")
    y = x.sigmoid()
    y.name = "y"
    y.backward()
    return y


def test_draw_returns_a_digraph_with_book_style():
    g = viz.draw(apple_orange())
    assert isinstance(g, graphviz.Digraph)
    src = g.source
    assert "rankdir=LR" in src
    circles = [ln for ln in node_lines(src) if "shape=circle" in ln]
    assert [re.search(r"label=<(.*?)>", ln).group(1) for ln in circles] == ["×", "×", "+", "×"]
    variables = [ln for ln in node_lines(src) if "shape=plaintext" in ln]
    assert len(variables) == 5 and "label=<apple>" in variables[0]
    assert "box" not in src  # no boxes: variables are plain text


def test_value_above_gradient_below_in_red():
    src = viz.draw(apple_orange()).source
    # one label table per edge: value, the rule (port m), then the gradient in red
    table = re.search(r'<TD>715</TD></TR><TR><TD PORT="m"[^>]*></TD></TR>'
                      rf'<TR><TD><FONT COLOR="{RED}">1</FONT></TD>', src)
    assert table
    for value, g in [("100", "2.2"), ("2", "110"), ("150", "3.3"), ("3", "165"),
                     ("650", "1.1"), ("1.1", "650")]:
        # a named intermediate value (all_price) has its name over its number
        assert re.search(rf"<TD>(?:<I>\w+</I><BR/>)?{re.escape(value)}</TD>.*?"
                         rf"<FONT COLOR=\"{RED}\">"
                         rf"{re.escape(g)}</FONT>", src), (value, g)
    # every edge is drawn through its label: a plain line in, an arrow out
    assert src.count("arrowhead=none") == 9
    assert src.count(":m:e ->") == 9


def test_no_gradients_before_backward_or_when_hidden():
    x, y = Value(10.0, name="x"), Value(5.0, name="y")
    z = x * y
    assert RED not in viz.draw(z).source
    z.backward()
    assert RED in viz.draw(z).source
    assert RED not in viz.draw(z, grads=False).source
    assert RED not in to_digraph(build(z), show_grads=False).source


def test_a_node_used_twice_shows_two_branch_gradients():
    x, y = Value(1.0, name="x"), Value(2.0, name="y")
    f = x * y + x.exp()
    f.backward()
    src = viz.draw(f).source
    # the two edges leaving x carry its value once each, and each its own gradient
    assert len(re.findall(rf'<TD>1</TD>.*?COLOR="{RED}">(2|2.718)</FONT>', src)) == 2
    assert f'COLOR="{RED}">2.718<' in src and f'COLOR="{RED}">2<' in src
    assert len(re.findall(r"n0 -> L\d+:m:w", src)) == 2


def test_sigmoid_expanded_has_its_ops_in_a_cluster():
    src = viz.draw(sigmoid_graph()).source
    assert "subgraph cluster_c0" in src and "label=<sigmoid>" in src
    circles = [re.search(r"label=<(.*?)>", ln).group(1)
               for ln in node_lines(src) if "shape=circle" in ln]
    assert circles == ["×", "exp", "+", "/"]
    # the constants −1 and +1 are text, in a true minus sign
    assert "label=<\u22121>" in src and "class=constant" in src


def test_sigmoid_collapsed_is_one_box():
    src = viz.draw(sigmoid_graph(), collapse="sigmoid").source
    assert "cluster" not in src
    assert not [ln for ln in node_lines(src) if "shape=circle" in ln]
    boxes = [ln for ln in node_lines(src) if "shape=box" in ln]
    assert len(boxes) == 1 and "label=<sigmoid>" in boxes[0]
    assert f'COLOR="{RED}">0.1966<' in src  # y(1 − y) on the way in
    assert "<TD>0.7311</TD>" in src


def test_nested_clusters_of_appendix_a():
    src = viz.draw(appendix_a()).source
    assert src.count("subgraph cluster_") == 3
    outer = src.index("subgraph cluster_c0")
    assert src.index("subgraph cluster_c1") > outer and "label=<softmax>" in src
    assert src.count("shape=circle") == 3 + 2 + 1 + 3 + 3 + 3 + 2 + 1  # exp + / × log × + ×
    assert src.count("label=<log>") == 3


def test_same_graph_gives_identical_source():
    # fresh nodes each time: composite uids and object ids differ, the text must not
    assert viz.draw(appendix_a()).source == viz.draw(appendix_a()).source
    assert viz.draw(sigmoid_graph()).source == viz.draw(sigmoid_graph()).source
    assert "0x" not in viz.draw(appendix_a()).source


def test_rankdir_tb_puts_value_left_and_gradient_right():
    src = viz.draw(apple_orange(), rankdir="TB").source
    assert "rankdir=TB" in src and ":m:n" in src and ":m:s" in src
    assert re.search(rf'<TR><TD CELLPADDING="3">715</TD><TD PORT="m"[^>]*></TD>'
                     rf'<TD CELLPADDING="3"><FONT COLOR="{RED}">1</FONT></TD></TR>', src)
    with pytest.raises(ValueError):
        viz.draw(apple_orange(), rankdir="diagonal")


def test_stepper_hooks():
    view = build(apple_orange())
    states = edge_states(view, shown={0}, current={0})  # the root's step on screen
    g = to_digraph(view, highlight=view.root_id, edge_states=states,
                   edge_grads={"n7->n8": "6.5e2"}, notes={view.root_id: "∂z/∂x = y"})
    src = g.source
    root_line = [ln for ln in node_lines(src) if ln.startswith(view.root_id + " ")][0]
    assert "penwidth=2.6" in root_line and COLORS["active"] in root_line
    assert "xlabel=<∂z/∂x = y>" in root_line
    assert '<B>6.5e2</B>' in src  # the override, bold: this step computes it
    assert 'COLOR="transparent">2.2<' in src  # pending: kept for layout, invisible
    assert COLORS["pending"] in src
    assert 'class="edge pending"' in src and 'class="edge active"' in src
    with pytest.raises(ValueError):
        to_digraph(view, edge_states={"n0->n2": "finished"})


def test_pending_frames_keep_the_layout_text():
    view = build(apple_orange())
    before = to_digraph(view, edge_states=edge_states(view)).source  # before any step
    after = to_digraph(view).source
    # only colours, weights and classes differ: every text, so every size, stays
    styling = r'(?:COLOR|color)=(?:"[^"]*"|[\w#]+)|<B>|</B>|penwidth=[\d.]+|class="[^"]*"'
    assert before != after
    assert re.sub(styling, "", before) == re.sub(styling, "", after)


def test_svg_ids_and_classes():
    assert svg_id("n0->n2#2") == "n0-to-n2-2"
    src = viz.draw(apple_orange()).source
    assert 'id="node-n0"' in src and 'id="edge-n0-to-n2"' in src and "class=op" in src


def test_labels_are_escaped():
    a = Value(1.0, name="a<b&c")
    b = a * 2
    b.backward()
    src = viz.draw(b).source
    assert "label=<a&lt;b&amp;c>" in src


def test_tensor_edges_show_shape_and_preview():
    X = Tensor(np.ones((100, 10)), requires_grad=True, name="X")
    y = X.sum()
    y.backward()
    src = viz.draw(y).source
    assert "(100, 10) [[1, …]]" in src and "label=<Σ>" in src


def test_prefix_lets_two_graphs_share_a_digraph():
    g1 = to_digraph(build(apple_orange()), prefix="a_", name="cluster_a")
    g2 = to_digraph(build(apple_orange()), prefix="b_", name="cluster_b")
    both = graphviz.Digraph()
    both.subgraph(g1)
    both.subgraph(g2)
    names = [n for n in re.findall(r"^\s*(\w+) \[", both.source, re.M)
             if n not in ("node", "edge")]
    assert len(names) == len(set(names)) and "a_n0" in names and "b_n0" in names


def test_draw_passes_render_options():
    src = viz.draw(apple_orange(), title="Figure 5-17", highlight="n2").source
    assert 'label="Figure 5-17" labeljust=c labelloc=b' in src
    assert "penwidth=2.6" in [ln for ln in node_lines(src) if ln.startswith("n2 ")][0]


# ----------------------------------------------------------------------------- hostile text

SVG = "{http://www.w3.org/2000/svg}"


def _run_dot(src):
    """dot's SVG of `src`, parsed; any error or warning of dot fails the test."""
    done = subprocess.run(["dot", "-Tsvg"], input=src.encode(), capture_output=True)
    assert done.returncode == 0 and not done.stderr, done.stderr.decode()
    return ElementTree.fromstring(done.stdout)


def _squeeze(text):
    return " ".join(text.split())  # dot writes a run of spaces as space, no-break space


def _plain(text):
    """`text` as the drawing shows it: control characters (C0, C1) and the bidirectional
    controls as U+FFFD."""
    return re.sub("[\x00-\x08\x0b-\x1f\x7f-\x9f\u061c\u200e\u200f\u202a-\u202e"
                  "\u2066-\u2069]", "\ufffd", text.replace("\r\n", "\n"))


def _shown(text):
    """The lines of `text` as the drawing shows them."""
    return [_squeeze(line) for line in _plain(text).split("\n") if line.strip()]


@pytest.mark.skipif(shutil.which("dot") is None, reason="Graphviz dot not found")
def test_names_titles_and_captions_cannot_break_the_dot(payload, payload_graph):
    clean = _run_dot(viz.draw(payload_graph(), title="t").source)
    count = len(clean.findall(f".//{SVG}g[@class='node']"))
    y = payload_graph(payload, payload + "2", payload + "3", payload + "4")
    drawn = [(viz.draw(y, title=payload), payload)]
    drawn += [(f.digraph(caption=True), f.caption) for f in frames(y, symbolic=False)]
    for g, caption in drawn:
        svg = _run_dot(g.source)
        # no node added, none lost: each name stayed inside its own label
        assert len(svg.findall(f".//{SVG}g[@class='node']")) == count
        texts = [_squeeze(t.text or "") for t in svg.iter(f"{SVG}text")]
        for line in _shown(caption):  # the caption as written, line by line
            assert any(line in t for t in texts), (line, texts)
    # the names too, as written, line by line, and in full in the tooltips
    svg = _run_dot(drawn[0][0].source)
    texts = [_squeeze(t.text or "") for t in svg.iter(f"{SVG}text")]
    for line in _shown(payload + "4"):
        assert line in texts, (line, texts)
    tips = [a.get("{http://www.w3.org/1999/xlink}title") for a in svg.iter(f"{SVG}a")]
    assert f"{_plain(payload)} = 0.5" in tips, tips


def test_dot_text_is_never_an_html_label():
    from viz.dot import dot_text
    g = graphviz.Digraph()
    g.attr(label=dot_text("<b>x</b>"))
    assert 'label="<b>x</b>"' in g.source  # quoted: a string, not markup
    g.attr(label=dot_text('a\\N "q"\nb'))
    assert 'label="a\\\\N \\"q\\"\\nb"' in g.source


# ------------------------------------------------------------------- names, marks, symbols

def test_names_of_intermediate_values_are_drawn_in_italics_over_their_number():
    src = viz.draw(apple_orange()).source
    for name, value in (("apple_price", "200"), ("orange_price", "450"),
                        ("all_price", "650")):
        assert f"<TD><I>{name}</I><BR/>{value}</TD>" in src
    x = Value(2.0, name="x")
    e = x.exp()
    e.name = "e"
    y = e * x
    y.backward()
    assert "<I>e</I><BR/>7.389" in viz.draw(y).source


def test_constants_are_grey_with_their_value_and_no_gradient():
    x = Value(3.0, name="x")
    f = x * 2 + 1
    f.backward()
    view = build(f)
    src = to_digraph(view).source
    for vn in view.nodes:
        if vn.kind == "constant":
            line = [ln for ln in node_lines(src) if ln.startswith(vn.id + " ")][0]
            assert f'fontcolor="{COLORS["constant"]}"' in line and f"label=<{vn.label}>" in line
            # a bare arrow: no label table, so no gradient
            assert re.search(rf"\t{vn.id} -> n\d+ \[arrowsize=0.6", src)


def test_minus_and_divide_mark_the_input_they_take_away():
    x, y = Value(3.0, name="x"), Value(2.0, name="y")
    for f, mark, marked in ((x - y, "−", "y"), (y - x, "−", "x"), (x / y, "÷", "y"),
                            (x - 1, "−", "1"), (2 / x, "÷", "x")):
        view = build(f)
        src = to_digraph(view).source
        (line,) = [ln for ln in src.splitlines() if "headlabel" in ln]
        assert f"headlabel=<{mark}>" in line
        (e,) = [e for e in view.edges if e.mark]
        assert view.node(e.src).label == marked
        assert "the input subtracted, the divisor" in src  # the legend says what it is
    assert "headlabel" not in viz.draw(x * y).source


def test_a_legend_tells_one_over_x_from_x_over_y():
    x, y = Value(3.0, name="x"), Value(2.0, name="y")
    both = (x / y + x.reciprocal())
    assert "/ is 1/x (the book's figure 5-19), ÷ is x ÷ y" in viz.draw(both).source
    only = x.reciprocal()
    assert "÷ is" not in viz.draw(only).source and "/ is" not in viz.draw(only).source
    assert "/ is 1/x" in viz.draw(only, legend=True).source
    assert "/ is" not in viz.draw(both, legend=False).source


def test_cluster_labels_stay_on_top_under_a_caption():
    """A caption is the graph's label, at the bottom; the clusters must not inherit its
    place (the GIF frames have captions, the player's SVG does not)."""
    src = viz.draw(sigmoid_graph(), title="a caption").source
    assert "labelloc=b" in src
    cluster = src[src.index("subgraph cluster_c0"):]
    assert "labelloc=t" in cluster.split("\n")[1]


@pytest.mark.skipif(shutil.which("dot") is None, reason="Graphviz dot not found")
@pytest.mark.parametrize("title", [None, "a caption under the graph"])
def test_cluster_label_is_at_the_top_of_its_box_in_svg(title):
    svg = _run_dot(viz.draw(sigmoid_graph(), title=title).source)
    (cluster,) = [g for g in svg.iter(f"{SVG}g") if g.get("class") == "cluster"]
    ys = [float(p.split(",")[1]) for p in re.findall(
        r"[-\d.]+,[-\d.]+", cluster.find(f".//{SVG}path").get("d"))]
    label_y = float(cluster.find(f"{SVG}text").get("y"))
    assert label_y < min(ys) + 0.3 * (max(ys) - min(ys))  # near the top edge


sympy = pytest.importorskip("sympy")


def test_symbolic_labels_in_the_dot():
    x = Value(1.0, name="x")
    y = x.sigmoid()
    y.backward()
    src = viz.draw(y, labels="symbols").source
    for text in ("−x", "exp(−x)", "1 + exp(−x)", "−y²", "y²·exp(−x)", "= y(1 − y)"):
        assert text in src
    # the output's name is written above its edge, as figure 5-20 does, not twice
    (out,) = [ln for ln in src.splitlines() if ln.strip().startswith("out [")]
    assert 'label=""' in out and "style=invis" in out
    assert "label=<y>" in [ln for ln in viz.draw(y).source.splitlines()
                           if ln.strip().startswith("out [")][0]
    both = viz.draw(y, labels="both").source
    assert "0.3679" in both and "exp(−x)" in both and 'POINT-SIZE="11">0.3679' in both
    assert "exp(−x)" not in viz.draw(y).source


def test_a_fork_draws_the_sum_of_its_branches():
    x, y = Value(1.0, name="x"), Value(2.0, name="y")
    f = x * y + x.exp()
    f.backward()
    view = derive(f, labels="symbols").view
    src = to_digraph(view).source
    (fork,) = view.forks
    assert f'id="edge-{svg_id(fork.key)}"' in src and "F0:m:e -> L" in src
    assert fork.grad_sym == ("y + exp(x)",)
    assert "F0" not in to_digraph(view, forks=False).source
    assert "F0" not in viz.draw(f).source  # numbers: as before, unless asked
    assert "F0" in viz.draw(f, forks=True).source
    # a trunk's state follows its branches' (the stepper's frames)
    keys = list(fork.edges)
    g = to_digraph(view, edge_states={keys[0]: "done", keys[1]: "pending"}).source
    assert f'id="edge-{svg_id(fork.key)}"' in g and 'class="edge pending"' in [
        ln for ln in g.splitlines() if "F0 [" in ln][0]


def test_long_expressions_break_at_top_level_sums():
    from viz.dot import _wrap
    assert _wrap("t1·log(y1) + t2·log(y2) + t3·log(y3)") == [
        "t1·log(y1) + t2·log(y2)", "+ t3·log(y3)"]
    assert _wrap("(a + b + c + d + e + f + g + h + i)") == [
        "(a + b + c + d + e + f + g + h + i)"]  # never inside parentheses
    assert _wrap("short") == ["short"]


def test_a_japanese_drawing_names_a_cjk_font_and_says_its_captions_in_japanese():
    from viz import i18n
    x, y = Value(3.0, name="x"), Value(2.0, name="y")
    z = (x / y) * x.reciprocal()  # both kinds of division: the legend tells them apart
    z.name = "z"
    z.backward()
    en, ja = viz.draw(z, lang="en"), viz.draw(z, lang="ja")
    assert f'fontname="{i18n.font_family("ja")}"' in ja.source
    assert "Noto" not in en.source and 'fontname="DejaVu Sans,' in en.source
    assert "「/」は 1/x（本の図5-19）、「÷」は x ÷ y" in ja.source
    assert "/ is 1/x (the book's figure 5-19), ÷ is x ÷ y" in en.source
    # the graph itself is the same: only its words and fonts differ
    strip = re.compile(r'\b(fontname|label|tooltip)=("[^"]*"|[^\s\]]+)')
    assert strip.sub("", en.source) == strip.sub("", ja.source)
    assert viz.build(z, lang="ja").lang == "ja" and viz.build(z).lang == "en"


def test_the_one_hot_note_in_japanese():
    pytest.importorskip("sympy")
    g = viz.draw(appendix_a(labels="constants"), labels="symbols", lang="ja")
    assert "t1 + t2 + t3 = 1（ラベルは one-hot 表現）を使った箇所: " in g.source


def test_edge_notes_are_written_under_the_gradient_in_their_colour():
    x = Value(2.0, name="x")
    f = x * x + x.exp()
    f.backward()
    view = build(f)
    edge = next(e for e in view.edges if e.src == view.root_id)
    (fork,) = view.forks
    notes = {edge.key: "yours: 3\n<b> & done", fork.key: "on the trunk"}
    src = to_digraph(view, edge_notes=notes, forks=True).source
    note = COLORS["note"]
    assert note not in (COLORS["grad"], COLORS["active"], COLORS["summing"])
    line = next(ln for ln in src.splitlines() if f'id="edge-{svg_id(edge.key)}"' in ln)
    # value, the rule, the gradient in red, then the note's lines in the note's colour
    assert re.search(rf'<FONT COLOR="{RED}">1</FONT></TD></TR><TR><TD><FONT COLOR="{note}">'
                     r"yours: 3<BR/>&lt;b&gt; &amp; done</FONT>", line)
    trunk = next(ln for ln in src.splitlines() if f'id="edge-{svg_id(fork.key)}"' in ln)
    assert f'<FONT COLOR="{note}">on the trunk</FONT>' in trunk
    assert note not in to_digraph(view, forks=True).source  # no notes: as before
    tb = to_digraph(view, edge_notes=notes, rankdir="TB").source
    assert f'<TD CELLPADDING="3"><FONT COLOR="{note}">yours: 3' in tb  # beside, in TB


def test_control_and_bidi_characters_show_as_replacement_characters():
    """U+202E would draw what follows it backwards (a name could read as another); NUL,
    ESC and the C1 controls are no text: every context shows them as U+FFFD (issue 19),
    the DOT source and, through printable(), the stepper's HTML."""
    from viz.dot import printable
    assert printable("a\x00b\x1bc\u202ed\u2066e\x85f\tg\nh\r\ni") == \
        "a\ufffdb\ufffdc\ufffdd\ufffde\ufffdf\tg\nh\ni"
    x = Value(2.0, name="x\u202egnp.exe")
    y = x * x
    y.name = "\x1b[31my"
    y.backward()
    src = viz.draw(y).source
    assert "\u202e" not in src and "\x1b" not in src and "\ufffd" in src
