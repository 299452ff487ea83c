"""viz.stepper: the frames of the backward pass, replayed from autograd.backward_steps."""
import math
import re
import shutil

import numpy as np
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
    assert f"→ y = {_book(y)}" in text  # its output, by its name
    assert f"1 × ({_book(-y * y)}) = {_book(-y * y)}" in text  # upstream × local = sent
    assert "−y²" in step.caption and "−y²" in step.html


def test_symbolic_column_beside_the_numbers():
    fs = frames(book_sigmoid(1.0), symbolic=True)
    recip = fs[1]
    row = next(r for r in recip.rows if r[0].startswith("local"))
    assert row[1] == "−0.5344" and row[2] == "−y²"
    assert '<td class="sym">−y²</td>' in recip.html
    final = fs[-1]  # sigmoid's upstream is the book's dout (= 1 in the numbers)
    assert final.rows == [("∂L/∂x", "1 × 0.7311 × (1 − 0.7311) = 0.1966", "dout·y(1 − y)")]


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
    assert sent[1] == "1 × 0.1966 = 0.1966" and sent[2] == "dout·y(1 − y)"
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
    steps = list(backward_steps(out))
    grads = {s.node: s.upstream for s in steps if s.node.op is None}
    # x feeds two nodes, x·w and then the +: each branch as the engine sent it, their sum
    xw, plus = out.parents[0].parents[0], out.parents[0]
    sent = {s.node: s.grads for s in steps}
    branches = [sent[xw][0], sent[plus][1]]
    assert branches[0] + branches[1] == grads[x]
    final = {r[0]: r[1] for r in fs[-1].rows}
    second = _book(branches[1])
    second = f"({second})" if branches[1] < 0 else second
    assert final == {"∂L/∂x": f"{_book(branches[0])} + {second} = {_book(grads[x])}",
                     "∂L/∂w": _book(grads[w])}


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


# ----------------------------------------------------------------------------- the book's steps

from autograd import functions as F  # noqa: E402
from autograd.examples import appendix_a  # noqa: E402

APPENDIX_A_HEADINGS = (["Forward pass"] + ["Cross Entropy Error"] * 4
                       + [f"Step {k}" for k in range(1, 7)] + ["Result"])


def _engine(root):
    """The engine's own steps, independently of the stepper: node -> (upstream, grads)."""
    return {s.node: (s.upstream, s.grads) for s in backward_steps(root)}


@pytest.fixture(scope="module")
def book_a():
    """Appendix A with the labels named t1..t3 (constants), and its frames."""
    pytest.importorskip("sympy")
    loss = appendix_a(labels="constants")
    return loss, frames(loss)


def test_appendix_a_in_the_books_six_headed_steps(book_a):
    loss, fs = book_a
    assert [f.heading for f in fs] == APPENDIX_A_HEADINGS
    steps = {f.heading: f for f in fs if f.heading.startswith("Step ")}
    for k, declared in enumerate(F.SOFTMAX_STEPS, 1):  # the book's line under each
        assert steps[f"Step {k}"].description == declared["text"] != ""
        assert steps[f"Step {k}"].html.count('class="book"') == 1
    ce = [f.description for f in fs if f.heading == "Cross Entropy Error"]
    assert ce == [s["text"] for s in F.CROSS_ENTROPY_STEPS]
    # steps 2 and 5 are the two sends of the same three × nodes y1, y2, y3
    y = [n for n in _engine(loss) if n.name in ("y1", "y2", "y3")]
    s2, s5 = steps["Step 2"], steps["Step 5"]
    assert s2.steps == s5.steps and len(s2.steps) == 3
    assert s2.title == "Step 2: the “×” nodes giving y1, y2, y3, towards 1/S"
    assert s5.title == ("Step 5: the “×” nodes giving y1, y2, y3, towards exp(a1), "
                        "exp(a2), exp(a3)")
    assert {s2.view.node_id(n) for n in y} == set(s2.focus) == set(s5.focus)
    assert steps["Step 3"].title == "Step 3: the “/” node giving 1/S"
    assert steps["Step 1"].title == "Step 1: the gradients arriving at y1, y2, y3"


def test_frames_name_their_quantities_and_send_nothing_to_constants(book_a):
    _, fs = book_a
    sig = frames(book_sigmoid(1.0), symbolic=False)
    plain = frames(appendix_a(labels="numbers"), symbolic=False)
    for f in fs + sig + plain:
        assert "node's output" not in f.text and "the constant" not in f.text, f.text
        for label, _, _ in f.rows:
            # a number where a name belongs: something sent to a constant
            assert not re.fullmatch(r"sent to [−\d.e]+", label), (f.title, label)
        view = f.view
        for key, state in f.edge_states.items():
            e = view.edge(key)
            if e.node is not None and not e.node.requires_grad:  # constants, labels t
                assert state in ("done", "pending"), (f.title, key, state)
    text = "\n".join(f.text for f in fs)
    for name in ("S", "y1", "L", "exp(a1)", "1/S", "log(y3)", "t2·log(y2)"):
        assert name in text


def _branch(fs, heading, name):
    (b,) = [b for f in fs if f.heading == heading for b in f.sums if b.name == name]
    return b


def test_the_branches_into_1_over_S_are_summed_in_step_3(book_a):
    sympy = pytest.importorskip("sympy")
    loss, fs = book_a
    engine = _engine(loss)
    b = _branch(fs, "Step 3", "1/S")
    r = b.node
    assert r.op.name == "reciprocal" and r.parents[0].name == "S"
    # each branch is what a × node y_k sent to 1/S, their sum the engine's upstream at 1/S
    ys = sorted((n for n in engine if n.op is not None and r in n.parents), key=lambda n: n.name)
    assert [p[0] for p in b.parts] == ["y1", "y2", "y3"]
    assert [p[1] for p in b.parts] == [engine[n][1][1] for n in ys]
    assert b.total == engine[r][0] == sum(p[1] for p in b.parts)
    # symbolically: the three −t_k·S add up to −S(t1 + t2 + t3), the engine's own sum
    assert sympy.simplify(sum(p[2] for p in b.parts) - b.symbolic) == 0
    row = next(r for f in fs if f.heading == "Step 3" for r in f.rows if r[0].startswith("sum"))
    assert row[1] == "0 + 0 + (−74.12) = −74.12"
    assert row[2] == "−t1·S − t2·S − t3·S = −S(t1 + t2 + t3) = −S"
    step3 = next(f for f in fs if f.heading == "Step 3")
    summed = {k for k, s in step3.edge_states.items() if s == "summing"}
    assert summed == {step3.view.edge_key(n, 1) for n in ys}  # the three edges into 1/S


def test_the_two_branches_into_each_exp_are_summed_in_step_6(book_a):
    sympy = pytest.importorskip("sympy")
    loss, fs = book_a
    engine = _engine(loss)
    step6 = next(f for f in fs if f.heading == "Step 6")
    a = {n.name: n for n in engine if n.name in ("a1", "a2", "a3")}
    # the oracle: L = −Σ t_k log(e_k / Σ e), differentiated by sympy in e_k = exp(a_k)
    e = sympy.symbols("e1:4", positive=True)
    t = sympy.symbols("t1:4", real=True)
    L = -sum(tk * sympy.log(ek / sum(e)) for tk, ek in zip(t, e))
    for k in (1, 2, 3):
        b = _branch(fs, "Step 6", f"exp(a{k})")
        assert b.node.op.name == "exp" and b.node.parents[0] is a[f"a{k}"]
        assert len(b.parts) == 2 and b.total == engine[b.node][0]
        assert b.total == pytest.approx(b.parts[0][1] + b.parts[1][1], rel=1e-15, abs=1e-18)
        got = sum(p[2] for p in b.parts)
        assert sympy.simplify(got - b.symbolic) == 0
        sub = {sympy.Symbol(f"t{i}", real=True): t[i - 1] for i in (1, 2, 3)}
        sub.update({sympy.exp(sympy.Symbol(f"a{i}", real=True)): e[i - 1] for i in (1, 2, 3)})
        assert sympy.simplify(got.subs(sub) - sympy.diff(L, e[k - 1])) == 0
    rows = [r for r in step6.rows if r[0] == "sum: upstream ∂L/∂exp(a3)"]
    assert rows == [("sum: upstream ∂L/∂exp(a3)", "0.01349 + (−0.01832) = −0.004824",
                     "1/S − t3/exp(a3)")]
    summed = {k for k, s in step6.edge_states.items() if s == "summing"}
    assert len(summed) == 6  # two branches out of each exp(a_k)
    assert all(step6.view.edge(k).node.op.name == "exp" for k in summed)


def test_the_last_frame_states_y_minus_t(book_a):
    sympy = pytest.importorskip("sympy")
    loss, fs = book_a
    engine = _engine(loss)
    final = fs[-1]
    assert final.kind == "final" and final.title == "Result: ∂L/∂a_k = y_k − t_k"
    names = {n.name: n for n in engine if n.name} | {
        p.name: p for n in engine for p in n.parents if p.name}
    for k, (label, numeric, sym) in enumerate(final.rows, 1):
        assert label == f"∂L/∂a{k}" and sym == f"y{k} − t{k}"
        y, t, g = names[f"y{k}"].data, names[f"t{k}"].data, engine[names[f"a{k}"]][0]
        assert g == pytest.approx(y - t, abs=1e-15)
        assert numeric == f"{_book(y)} − {_book(t)} = {_book(g)}"
        expr = sympy.sympify(sym.replace("−", "-"))
        assert float(expr.subs({f"y{k}": y, f"t{k}": t})) == pytest.approx(g, abs=1e-15)


def test_sigmoids_four_steps_end_in_dout_y_1_minus_y():
    pytest.importorskip("sympy")
    x = 1.0
    y = 1 / (1 + math.exp(-x))
    fs = frames(book_sigmoid(x))
    assert [f.heading for f in fs] == ["Forward pass", "Step 1", "Step 2", "Step 3",
                                       "Step 4", "Result"]
    assert _ops(fs) == ["reciprocal", "add", "exp", "mul"]
    assert [f.description for f in fs[1:5]] == [s["text"] for s in F.SIGMOID_STEPS]
    sent = [next(r for r in f.rows if r[0].startswith("sent to")) for f in fs[1:5]]
    assert sent[0][2] == "dout·(−y²) = −dout·y²"  # the book's −∂L/∂y·y²
    assert sent[3][2].endswith("= dout·y(1 − y)")
    assert fs[-1].title == "Result: ∂L/∂x = dout·y(1 − y)"
    assert fs[-1].rows[0][1].endswith(f"= {_book(y * (1 - y))}")
    plain = frames(book_sigmoid(x), symbolic=False)  # the same steps with numbers only
    assert [f.heading for f in plain] == [f.heading for f in fs]
    assert plain[-1].rows == [("∂L/∂x", _book(y * (1 - y)), None)]


def test_graphs_without_declared_steps_keep_one_frame_per_node():
    price = apple_orange()
    fs = frames(price, symbolic=False)
    ops = [s for s in backward_steps(price) if s.node.op is not None]
    assert len(fs) == len(ops) + 2
    assert {f.heading for f in fs[1:-1]} == {""}
    assert fs[1].title == "Backward: the “×” node giving price (mul)"


def test_a_collapsed_composite_steps_as_one_box_not_in_its_steps():
    fs = frames(appendix_a(), collapse="cross_entropy_error", symbolic=False)
    heads = [f.heading for f in fs]
    assert "Cross Entropy Error" not in heads
    assert heads[2:8] == [f"Step {k}" for k in range(1, 7)]
    assert fs[1].view.node(fs[1].node_id).kind == "composite"


def test_the_log_guard_steps_after_the_log_it_feeds():
    """softmax_with_loss with its default guards: log(y_k + tiny) and the max shift.
    The "+ tiny" node would fall in the "+" step, before the log that sends it its
    gradient: it gets its own frame, after that step."""
    a = [Value(v, name=f"a{k}") for k, v in enumerate([0.3, 2.9, 4.0], 1)]
    loss = F.softmax_with_loss(a, [0, 0, 1])
    fs = frames(loss, symbolic=False)
    heads = [f.heading for f in fs]
    assert heads[:5] == ["Forward pass"] + ["Cross Entropy Error"] * 4
    assert heads[5:8] == ["", "", ""]  # the three "+ tiny" nodes
    assert heads[8:14] == [f"Step {k}" for k in range(1, 7)]
    assert heads[14:] == ["", "", "", "Result"]  # the shifts a_k − max
    shown = set()
    for f in fs[1:-1]:  # every gradient a frame uses was sent in an earlier one (or in
        for i in f.steps:  # the same frame, further up: the + chain)
            assert all(j in shown or j in f.steps and j < i for j in _feeding(f.view, i))
        shown |= set(f.steps)


def _feeding(view, i):
    node = view.steps[i].step.node
    return {sv.index for sv in view.steps if node in sv.step.node.parents}


def test_array_graphs_are_grouped_too():
    import numpy as np

    from autograd import Tensor
    x = Tensor(np.array([[0.3, 2.9, 4.0], [1.0, 2.0, 3.0]]), requires_grad=True, name="x")
    fs = frames(F.softmax_with_loss(x, np.array([2, 0])))
    heads = [f.heading for f in fs]
    assert [h for h in heads if h.startswith("Step")] == [f"Step {k}" for k in range(1, 7)]
    step3 = next(f for f in fs if f.heading == "Step 3")
    ops = {step3.view.node(n).op for n in step3.focus}
    assert ops == {"broadcast_to", "reciprocal"}  # the branches of 1/S sum in broadcast_to
    assert fs[-1].title == "All gradients"


def test_frames_in_japanese():
    """lang='ja': the book's headings and step texts (declared in English by the engine)
    and the narration in Japanese; the numbers, the algebra and the layout as in English."""
    pytest.importorskip("sympy")
    en, ja = frames(book_sigmoid(1.0)), frames(book_sigmoid(1.0), lang="ja")
    assert [f.heading for f in ja] == ["順伝播"] + [f"ステップ{k}" for k in range(1, 5)] + ["結果"]
    assert [f.lang for f in ja] == ["ja"] * len(ja) and en[0].lang == "en"
    assert ja[1].description.startswith("「/」ノードは y = 1/x で")
    assert "上流から伝わった微分 × 局所的な微分 = 下流へ流す値" in ja[0].text
    labels = [row[0] for row in ja[1].rows]
    assert labels[0].startswith("上流から伝わった微分 ") and labels[1].startswith("局所的な微分")
    assert labels[2].startswith("下流の ") and labels[2].endswith(" へ流す値")
    # the same numbers and expressions, in the same rows
    assert [row[1:] for f in en for row in f.rows] == [row[1:] for f in ja for row in f.rows]
    assert [f.edge_states for f in en] == [f.edge_states for f in ja]
    assert ja[-1].title == en[-1].title.replace("Result: ", "結果: ")
    assert "<th>数値</th><th>式</th>" in ja[1].html


def test_the_language_comes_from_the_variable(monkeypatch):
    monkeypatch.setenv("GRAPHGRAD_LANG", "ja")
    assert frames(apple_orange(), symbolic=False)[0].heading == "順伝播"
    assert frames(apple_orange(), symbolic=False, lang="en")[0].heading == "Forward pass"
    with pytest.raises(ValueError, match="lang must be one of en, ja"):
        frames(apple_orange(), lang="fr")


def test_a_sum_of_branches_in_japanese():
    from autograd.examples import appendix_a
    fs = frames(appendix_a(labels="constants"), symbolic=False, lang="ja")
    step3 = next(f for f in fs if f.heading == "ステップ3")
    assert [s.name for s in step3.sums] == ["1/S"]
    assert any(row[0].startswith("分岐した値の和: 上流から伝わった微分 ∂L/∂(1/S)")
               for row in step3.rows)
    assert '<tr class="sum">' in step3.html  # marked as the sum, in any language


def test_headings_read_as_the_book_would():
    """Issue 20: 'Cross Entropy Error: the 2 + nodes' read as arithmetic, 'the × node L'
    as a product.  The symbol is quoted as the book quotes it (the “×” node), the node
    is named by what it gives, and a long list by its count, in both languages."""
    en = [f.title for f in frames(appendix_a(labels="constants"), symbolic=False)]
    ja = [f.title for f in frames(appendix_a(labels="constants"), symbolic=False,
                                  lang="ja")]
    assert en[1:3] == ["Cross Entropy Error: the “×” node giving L",
                       "Cross Entropy Error: the 2 “+” nodes"]
    assert ja[1:3] == ["Cross Entropy Errorレイヤ: 「×」ノード（出力 L）",
                       "Cross Entropy Errorレイヤ: 2 個の「+」ノード"]
    assert ja[6] == "ステップ2: 「×」ノード（出力 y1, y2, y3）から 1/S へ"
    sig = [f.title for f in frames(book_sigmoid(1.0), symbolic=False)]
    assert sig[1:5] == ["Step 1: the “/” node giving y", "Step 2: the “+” node giving "
                        "exp(−x) + 1", "Step 3: the “exp” node giving exp(−x)",
                        "Step 4: the “×” node giving −x"]
    for title in en + ja + sig:
        assert not re.search(r"\d [+×/−] nodes|node [+×/−] |the [+×/] node", title), title


def test_steps_5_and_6_write_the_books_forms_and_say_once_why(book_a):
    """Issue 20: the table wrote −t1/(S·y1) and (1 − t1/y1)/S where the book's step and
    figure A-5 write −t1/exp(a1) and 1/S − t1/exp(a1).  The table now writes the book's
    form, says once why it is the same (y1 = exp(a1)/S), and agrees with the drawing."""
    from viz.derivation import derive
    loss, fs = book_a
    steps = {f.heading: f for f in fs if f.heading.startswith("Step ")}
    sent5 = [r[2] for r in steps["Step 5"].rows if r[0].startswith("sent to")]
    assert sent5 == [f"(−t{k}/y{k})·(1/S) = −t{k}/exp(a{k})" for k in (1, 2, 3)]
    said = [line for f in fs for kind, line in f.lines
            if kind == "p" and line.startswith("y1 = exp(a1)/S")]
    assert said == ["y1 = exp(a1)/S, so −t1/(S·y1) = −t1/exp(a1)."]  # once, in step 5
    assert said[0] in steps["Step 5"].text
    sums = [r[2] for r in steps["Step 6"].rows if r[0].startswith("sum")]
    sent6 = [r[2] for r in steps["Step 6"].rows if r[0].startswith("sent to")]
    assert sums == [f"1/S − t{k}/exp(a{k})" for k in (1, 2, 3)]
    assert sent6 == [f"(1/S − t{k}/exp(a{k}))·exp(a{k}) = y{k} − t{k}" for k in (1, 2, 3)]
    # the same forms as figure A-5 draws on the trunks into each exp(a_k) and the edges
    # from the × nodes (the drawing's own algebra)
    view = derive(appendix_a(labels="constants"), labels="symbols").view
    trunks = {f.value_sym: f.grad_sym[-1] for f in view.forks}
    assert [trunks[f"exp(a{k})"] for k in (1, 2, 3)] == sums
    ja = frames(appendix_a(labels="constants"), lang="ja")
    assert sum("y1 = exp(a1)/S なので、−t1/(S·y1) = −t1/exp(a1) です。" in f.text
               for f in ja) == 1


# ----------------------------------------------------------------------------- Batch Norm

def test_batch_norm_steps_down_kratzerts_nine_steps_to_the_closed_form():
    """Figure 6-17 over a batch of four: the layer above (dout), then Kratzert's steps 9
    to 1 under their headings, the branches summed where x − μ, −μ and 1/σ feed several
    nodes, and the last frame states the closed form the numbers agree with."""
    from autograd.examples import BATCH_NORM_EXAMPLE, batch_norm_example
    loss = batch_norm_example()
    fs = frames(loss, symbolic=False)
    assert [f.heading for f in fs] == ["Forward pass", "dout"] + [
        f"Step {k}" for k in range(9, 0, -1)] + ["Result"]
    by = {f.heading: f for f in fs}
    for k, declared in zip(range(9, 0, -1), F.BATCH_NORM_STEPS):
        assert by[f"Step {k}"].description == declared["text"]
    engine = _engine(loss)
    # x − μ reached the output twice (x̂ and the square); −μ and 1/σ fed all four samples
    for heading, name, count in (("Step 2", "x3 − μ", 2), ("Step 2", "−μ", 4),
                                 ("Step 6", "1/σ", 4)):
        b = _branch(fs, heading, name)
        assert len(b.parts) == count and b.total == engine[b.node][0]
        assert b.total == pytest.approx(sum(p[1] for p in b.parts), rel=1e-14)
    # the closed form, evaluated with numpy, is what the engine sent to each x_k
    x = np.array(BATCH_NORM_EXAMPLE["x"])
    dout = np.array(BATCH_NORM_EXAMPLE["dout"])
    gamma, n = BATCH_NORM_EXAMPLE["gamma"], len(x)
    sigma = np.sqrt(x.var() + F.BN_EPS)
    xhat = (x - x.mean()) / sigma
    dx = gamma / (n * sigma) * (n * dout - dout.sum() - xhat * (dout * xhat).sum())
    final = fs[-1]
    assert final.title == "Result: " + F.BATCH_NORM_STEPS[-1]["result"]
    leaves = {n.name: n for n in engine if n.op is None}
    for k in range(n):
        assert engine[leaves[f"x{k + 1}"]][0] == pytest.approx(dx[k], rel=1e-12)
        row = next(r for r in final.rows if r[0] == f"∂L/∂x{k + 1}")
        assert row[1].endswith(_book(dx[k]))  # its two branches added: x − μ's and μ's
    assert engine[leaves["β"]][0] == pytest.approx(dout.sum(), rel=1e-14)
    ja = frames(loss, symbolic=False, lang="ja")
    assert [f.heading for f in ja][2:4] == ["ステップ9", "ステップ8"]


def test_a_derivation_replayed_twice_says_the_same_both_times(book_a):
    """A derivation is read by every view (the Stepper, then the exported page): the
    sentence saying why −t1/(S·y1) is −t1/exp(a1) belongs to each replay, not only to
    the first."""
    from viz.derivation import derive
    loss, _ = book_a
    d = derive(loss, grads=True)
    first, second = (["\n".join(f.text for f in frames(d))] for _ in range(2))
    assert "so −t1/(S·y1) = −t1/exp(a1)" in first[0]
    assert second == first
