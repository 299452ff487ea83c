"""viz.stepper: the frames of the backward pass, replayed from autograd.backward_steps."""
import math
import shutil

import pytest

from autograd import Value, backward_steps, composite
from autograd.examples import apple_orange, book_sigmoid
from viz.model import build
from viz.stepper import Frame, edge_states, frames

ORDER = {"pending": 0, "active": 1, "done": 2}
needs_dot = pytest.mark.skipif(shutil.which("dot") is None, reason="Graphviz dot not found")


def _ops(fs):
    return [f.view.node(f.node_id).op for f in fs if f.kind == "step"]


def _book(x):
    return f"{x:.4g}".replace("-", "−")


def test_sigmoid_expanded_one_frame_per_primitive_plus_first_and_last():
    y = book_sigmoid(1.0)
    fs = frames(y, symbolic=False)
    primitives = [s for s in backward_steps(y) if s.node.op is not None]
    assert len(fs) == len(primitives) + 2 == 6
    assert [f.kind for f in fs] == ["forward"] + ["step"] * 4 + ["final"]
    assert [f.index for f in fs] == list(range(6)) and {f.count for f in fs} == {6}
    assert _ops(fs) == ["reciprocal", "add", "exp", "mul"]  # the book's figure 5-20
    assert fs[0].node_id is None and fs[-1].node_id is None
    assert all(isinstance(f, Frame) for f in fs)


@pytest.mark.parametrize("x", [1.0, -0.5, 2.0])
def test_the_1_over_x_step_explains_minus_y_squared_with_numbers(x):
    fs = frames(book_sigmoid(x), symbolic=False)
    step = fs[1]  # the first backward step is the / (1/x) node
    assert step.view.node(step.node_id).op == "reciprocal"
    y = 1 / (1 + math.exp(-x))
    text = step.text
    assert "−1/x² = −y²" in text
    assert f"= {_book(1 + math.exp(-x))}" in text  # the input 1 + exp(−x)
    assert f"→ {_book(y)}" in text  # its output y
    assert f"1 × ({_book(-y * y)}) = {_book(-y * y)}" in text  # upstream × local = sent
    assert "−y²" in step.caption and "−y²" in step.html


def test_symbolic_column_beside_the_numbers():
    fs = frames(book_sigmoid(1.0), symbolic=True)
    recip = fs[1]
    row = next(r for r in recip.rows if r[0].startswith("local"))
    assert row[1] == "−0.5344" and row[2] == "−y²"
    assert '<td class="sym">−y²</td>' in recip.html
    final = fs[-1]
    assert final.rows == [("∂y/∂x", "0.1966", "y·(1 − y)")]


def test_collapsed_sigmoid_steps_as_one_unit():
    y = book_sigmoid(1.0)
    fs = frames(y, collapse="sigmoid")
    assert [f.kind for f in fs] == ["forward", "step", "final"]
    box = fs[1]
    vn = box.view.node(box.node_id)
    assert vn.kind == "composite" and vn.label == "sigmoid"
    assert len(box.steps) == 4  # ×(−1), exp, +1, 1/x merged
    labels = [r[0] for r in box.rows]
    assert labels[0].startswith("upstream") and labels[-1] == "sent to x"
    up, sent = box.rows[0], box.rows[-1]
    assert up[1] == "1"
    assert sent[1] == "1 × 0.1966 = 0.1966" and sent[2] == "y·(1 − y)"
    assert box.edge_states[box.view.output_key] == "done"
    assert "one unit" in box.text


def test_edge_states_go_from_pending_to_done():
    fs = frames(book_sigmoid(1.0), symbolic=False)
    view = fs[0].view
    assert set(fs[0].edge_states.values()) == {"pending"}
    assert set(fs[-1].edge_states.values()) == {"done"}
    done = [sum(s == "done" for s in f.edge_states.values()) for f in fs]
    assert done == sorted(done) and done[0] < done[-1]
    for e in view.edges:
        seq = [ORDER[f.edge_states[e.key]] for f in fs]
        assert seq == sorted(seq), (e.key, seq)  # never back to pending
    for f in fs[1:-1]:
        active = [k for k, s in f.edge_states.items() if s == "active"]
        # the edges the current node sends to, and only those
        assert active and all(view.edge(k).dst == f.node_id for k in active)


def test_edge_states_after_each_engine_step():
    view = build(apple_orange())
    states = edge_states(view)
    assert states[view.output_key] == "done"  # the seed is known before any step
    assert {s for k, s in states.items() if k != view.output_key} == {"pending"}
    states = edge_states(view, shown={0}, current={0})
    assert states["n6->n8"] == states["n7->n8"] == "active"
    assert {s for k, s in states.items() if k not in ("n6->n8", "n7->n8")} == {
        "pending", "done"}
    last = len(view.steps) - 1
    assert set(edge_states(view, range(last + 1), {last}).values()) == {"done"}


def test_an_edge_fed_by_two_steps_is_active_until_both_were_shown():
    x = Value(2.0, name="x")
    f = x / x  # ÷ drawn as one op: x enters it once, used twice inside
    f.backward()
    view = build(f)
    (into,) = [e for e in view.edges if e.targets and len(e.targets) == 2]
    seen = [edge_states(view, range(k + 1), {k})[into.key] for k in range(len(view.steps))]
    assert seen == ["active", "active", "done"]
    assert edge_states(view, {0})[into.key] == "pending"  # one of its two steps shown
    assert into.grad_data == sum(s.step.grads[0] for s in view.steps[:2])
    fs = frames(f, symbolic=False)  # the ÷ steps as one unit: one frame, then done
    assert [fr.edge_states[into.key] for fr in fs] == ["pending", "active", "done"]


def test_sent_numbers_are_the_engines():
    x, w = Value(3.0, name="x"), Value(-2.0, name="w")
    out = (x * w + x).exp()
    out.name = "L"
    fs = frames(out, symbolic=False)
    grads = {s.node: s.upstream for s in backward_steps(out) if s.node.op is None}
    final = {r[0]: r[1] for r in fs[-1].rows}
    assert final == {"∂L/∂x": _book(grads[x]), "∂L/∂w": _book(grads[w])}


def test_a_box_comes_after_every_frame_it_depends_on():
    """The engine may finish a node outside a box before the box's last inner step;
    the frames still show the box first, since it sends that node its gradient."""
    @composite("pair")
    def pair(u, v):
        return u * 2 + v * 3

    a, v = Value(2.0, name="a"), Value(3.0, name="v")
    u = a * a
    out = pair(u, v)
    engine = [s.node for s in backward_steps(out)]
    assert engine.index(u) < engine.index(out.parents[1])  # the interleaving happens
    fs = frames(out, collapse="pair", symbolic=False)
    assert [f.view.node(f.node_id).kind for f in fs[1:-1]] == ["composite", "op"]
    box, square = fs[1], fs[2]
    e_in = next(e for e in box.view.edges if e.dst == box.node_id and e.node is u)
    assert box.edge_states[e_in.key] == "active"
    assert square.edge_states[e_in.key] == "done"


def test_appendix_a_collapsed_softmax_steps_as_one_unit():
    from autograd.examples import appendix_a
    from viz.symbolic import ONE_HOT
    fs = frames(appendix_a(labels="variables"), collapse="softmax", given=ONE_HOT)
    (box,) = [f for f in fs if f.node_id and f.view.node(f.node_id).kind == "composite"]
    assert box is fs[-2]  # softmax finishes last: everything flows into it first
    sent = [r for r in box.rows if r[0].startswith("sent to")]
    assert [r[0] for r in sent] == ["sent to a1", "sent to a2", "sent to a3"]
    assert [r[2].rsplit(" = ", 1)[-1] for r in sent] == ["y1 − t1", "y2 − t2", "y3 − t3"]
    ups = [r for r in box.rows if r[0].startswith("upstream")]
    assert [r[2] for r in ups] == ["−t1/y1", "−t2/y2", "−t3/y3"]


@needs_dot
def test_frames_render_to_svg_and_png():
    fs = frames(book_sigmoid(1.0), symbolic=False)
    svg = fs[1].svg()
    assert svg.lstrip().startswith(("<?xml", "<svg"))
    assert "#e8710a" in svg  # the highlighted node and active edge
    png = fs[1].render("png", caption=True)
    assert png[:8] == b"\x89PNG\r\n\x1a\n"
    dot = fs[1].digraph().source
    assert "penwidth=2.6" in dot  # highlight
