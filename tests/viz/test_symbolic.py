"""viz.symbolic: the graph over sympy symbols gives the book's algebra (appendix A,
figure 5-20) from the primitives' own rules, aligned with the numeric steps."""
import math

import pytest

sp = pytest.importorskip("sympy")

from autograd import Tensor, Value, backward_steps  # noqa: E402
from autograd.examples import appendix_a, book_sigmoid  # noqa: E402
from viz.symbolic import ONE_HOT, symbolic, to_text  # noqa: E402


def _leaf(sg, name):
    return sg.leaves[name]


def _op_steps(sg, op):
    return [s for s in sg.steps if s.node.op is not None and s.node.op.name == op]


@pytest.fixture(scope="module")
def appendix():
    return symbolic(appendix_a(labels="variables"), given=ONE_HOT)


def test_symbols_are_the_named_leaves(appendix):
    assert set(appendix.symbols) >= {"a1", "a2", "a3", "t1", "t2", "t3"}
    # the constant −1 of the loss stays a number, not a symbol
    assert all(not s.name.startswith("_") for s in appendix.symbols.values())


def test_steps_align_with_numeric_backward(appendix):
    numeric = list(backward_steps(appendix.root))
    assert [s.node for s in appendix.steps] == [s.node for s in numeric]
    assert [s.index for s in appendix.steps] == list(range(len(numeric)))


def test_numbers_substituted_give_the_numeric_gradients(appendix):
    """The symbolic pass runs the same rules: putting the numbers back in reproduces
    every gradient the engine sent."""
    values = {appendix.symbols[name]: n.data for name, n in appendix.leaves.items()}
    for sym_step, num_step in zip(appendix.steps, backward_steps(appendix.root)):
        assert float(sym_step.upstream.subs(values)) == pytest.approx(num_step.upstream,
                                                                      rel=1e-9, abs=1e-12)
        for g_sym, g_num in zip(sym_step.grads, num_step.grads):
            assert float(g_sym.subs(values)) == pytest.approx(g_num, rel=1e-9, abs=1e-12)


def test_appendix_a_steps_show_the_books_algebra(appendix):
    texts = [appendix.show(s) for s in appendix.steps if s.node.op is not None]
    logs = [appendix.show(s) for s in _op_steps(appendix, "log")]
    assert [t.sent[0] for t in logs] == ["−t1/y1", "−t2/y2", "−t3/y3"]
    assert [t.local[0] for t in logs] == ["1/y1", "1/y2", "1/y3"]
    # y1 = exp(a1) × 1/S sends −t1/y1 × exp(a1) = −t1·S to the 1/S node
    sent_to_r = [t.sent[1] for t in texts if t.local == ("1/S", "exp(a1)")]
    assert sent_to_r == ["−t1·exp(a1)/y1 = −S·t1"]
    (recip,) = [appendix.show(s) for s in _op_steps(appendix, "reciprocal")]
    assert recip.upstream == "−S·(t1 + t2 + t3)"
    assert recip.local == ("−1/S²",)
    assert recip.sent == ("(t1 + t2 + t3)/S = 1/S",)
    exps = [appendix.show(s) for s in _op_steps(appendix, "exp")]
    assert [t.sent[0].rsplit(" = ", 1)[-1] for t in exps] == ["y1 − t1", "y2 − t2", "y3 − t3"]


def test_appendix_a_final_gradient_is_y_minus_t(appendix):
    a = [appendix.symbols[f"a{k}"] for k in (1, 2, 3)]
    t1, t2, t3 = (appendix.symbols[f"t{k}"] for k in (1, 2, 3))
    total = sum(sp.exp(x) for x in a)
    for k in (1, 2, 3):
        g = appendix.gradient(_leaf(appendix, f"a{k}"))
        expected = sp.exp(a[k - 1]) / total - (t1, t2, t3)[k - 1]
        # one-hot labels: t1 + t2 + t3 = 1
        assert sp.simplify((g - expected).subs(t3, 1 - t1 - t2)) == 0
        assert to_text(appendix.simplified_gradient(_leaf(appendix, f"a{k}"))) == \
            f"y{k} − t{k}"
    # without the relation the gradient keeps (t1 + t2 + t3)
    plain = symbolic(appendix_a(labels="variables"))
    assert plain.text(plain.simplified_gradient(_leaf(plain, "a1"))) == \
        "y1·(t1 + t2 + t3) − t1"


def test_sigmoid_gradient_is_y_times_one_minus_y():
    sg = symbolic(book_sigmoid(0.5))
    x = sg.symbols["x"]
    y = 1 / (1 + sp.exp(-x))
    g = sg.gradient(_leaf(sg, "x"))
    assert sp.simplify(g - y * (1 - y)) == 0
    assert sg.text(sg.simplified_gradient(_leaf(sg, "x"))) == "y·(1 − y)"
    assert float(g.subs(x, 0.5)) == pytest.approx(
        1 / (1 + math.exp(-0.5)) * (1 - 1 / (1 + math.exp(-0.5))))


def test_figure_5_20_with_the_upstream_symbol():
    sg = symbolic(book_sigmoid, seed="∂L/∂y")  # a builder function works too
    ops = [sg.show(s) for s in sg.steps if s.node.op is not None]
    recip, add, exp, mul = ops
    assert recip.upstream == "∂L/∂y"
    assert recip.local == ("−y²",)
    assert recip.sent == ("−(∂L/∂y)·y²",)
    assert add.sent == ("−(∂L/∂y)·y²", "−(∂L/∂y)·y²")
    assert exp.local == ("exp(−x)",)
    assert exp.sent[0].startswith("−(∂L/∂y)·y²·exp(−x)")
    assert mul.sent[0].endswith("(∂L/∂y)·y·(1 − y)")
    x = sg.symbols["x"]
    dldy = sp.Symbol("∂L/∂y", real=True)
    y = 1 / (1 + sp.exp(-x))
    assert sp.simplify(sg.gradient(_leaf(sg, "x")) - dldy * y * (1 - y)) == 0


def test_relu_mask_is_heaviside_and_pow_is_exact():
    x, w = Value(1.5, name="x"), Value(-2.0, name="w")
    out = (x * w).relu() + x ** 2.5
    sg = symbolic(out)
    g = sg.gradient(_leaf(sg, "x"))
    assert g.has(sp.Heaviside)
    sx, sw = sg.symbols["x"], sg.symbols["w"]
    expected = sw * sp.Heaviside(sx * sw, 0) + sp.Rational(5, 2) * sx ** sp.Rational(3, 2)
    assert sp.simplify(g - expected) == 0
    out.backward()
    assert float(g.subs({sx: 1.5, sw: -2.0})) == pytest.approx(x.grad)
    relu_step = next(s for s in sg.steps if s.node.op and s.node.op.name == "relu")
    # the book's case by case (equation 5.8), not sympy's H(w·x)
    assert sg.show(relu_step).local[0] == "{1 (w·x > 0), 0 (w·x ≤ 0)}"


def test_given_forms_and_names():
    loss = appendix_a(labels="variables")
    for given in (ONE_HOT, [ONE_HOT], {"t1 + t2 + t3": 1}):
        sg = symbolic(loss, given=given)
        assert sg.text(sg.simplified_gradient(_leaf(sg, "a2"))) == "y2 − t2"
    x = Value(2.0, name="x")
    inner = x * x
    out = inner.exp()
    sg = symbolic(out, names={inner: "u"})
    (exp_step,) = _op_steps(sg, "exp")
    assert sg.show(exp_step).local == ("exp(u)",)
    assert inner.name is None  # names= does not rename the node


def test_tensor_graphs_are_refused():
    t = Tensor([1.0, 2.0], requires_grad=True)
    with pytest.raises(TypeError, match="Values"):
        symbolic((t * t).sum())


def test_the_shadow_graph_is_made_by_apply_with_the_engines_own_rules():
    from autograd import PRIMITIVES, no_grad
    from viz.symbolic import SymbolicValue
    x, w = Value(1.5, name="x"), Value(-2.0, name="w")
    out = ((x * w).relu() + (x * w).tanh()).exp()
    with no_grad():  # the shadow graph is recorded all the same
        sg = symbolic(out)
    assert [s.node for s in sg.steps] == [s.node for s in backward_steps(out)]
    for s in sg.steps:
        shadow = s._shadow
        assert type(shadow) is SymbolicValue and shadow.parents == tuple(
            sg._shadow[p] for p in s.node.parents)
        if s.node.op is not None:
            rule = shadow.op.backward
            assert (rule is PRIMITIVES[s.node.op.name].backward) == (s.node.op.name != "relu")
    g = sg.gradient(sg.leaves["x"])
    out.backward()
    assert float(g.subs({sg.symbols["x"]: 1.5, sg.symbols["w"]: -2.0})) == pytest.approx(
        x.grad)


# ------------------------------------------------------------------- the drawings' forms

def test_book_forms_of_appendix_a():
    sg = symbolic(appendix_a(labels="constants"), given=ONE_HOT)
    t1, S, y1, a1 = (sg.symbols[n] for n in ("t1", "S", "y1", "a1"))
    # what the × node of y1 = exp(a1)·1/S sends, as the book writes it
    assert sg.book_form(-t1 * sp.exp(a1) / y1) == -t1 * S
    assert sg.book_form(-t1 / (S * y1)) == -t1 * sp.exp(-a1)
    assert sg.book_form((1 / S - t1 * sp.exp(-a1)) * sp.exp(a1)) == y1 - t1
    t2, t3 = sg.symbols["t2"], sg.symbols["t3"]
    assert sg.book_sum([-t1 * S, -t2 * S, -t3 * S]) == -S * (t1 + t2 + t3)
    assert sg.with_given((t1 + t2 + t3) / S) == 1 / S
    assert sg.with_given(y1 - t1) == y1 - t1


def test_final_form_skips_what_would_crawl():
    from autograd import softmax_with_loss
    a = [Value(v, name=f"a{k}") for k, v in enumerate([0.3, 2.9, 4.0], 1)]
    t = [Value(v, name=f"t{k}") for k, v in enumerate([0.0, 0.0, 1.0], 1)]
    for tk in t:
        tk.requires_grad = False
    sg = symbolic(softmax_with_loss(a, t))  # its log guard is a computed float
    assert sg.final_form(sg.leaves["a1"]) is None
    s = symbolic(book_sigmoid(), seed="∂L/∂y")
    assert s.book_text(s.final_form(s.leaves["x"])) == "∂L/∂y·y(1 − y)"


def test_names_two_nodes_share_are_found():
    x, y = Value(1.0, name="x"), Value(2.0, name="x")
    assert symbolic(x * y).duplicate_names() == ["x"]


def test_relations_are_read_by_a_whitelist_never_run():
    from viz.expr import ExprError
    loss = appendix_a(labels="variables")
    with pytest.raises(ExprError):
        symbolic(loss, given="__import__('os').getcwd() = 1")
    with pytest.raises(ExprError):
        symbolic(loss, given={"t1.real": 1})
    sg = symbolic(loss, given=[("t1 + t2 + t3", "1")])
    assert sg.given == [(sum(sg.symbols[f"t{k}"] for k in (1, 2, 3)), 1)]


def test_label_names_become_symbols_as_data():
    """The one-hot relation is made from the labels' names as sympy objects: a name that
    reads as Python stays a name."""
    from viz.derivation import build
    names = ["__import__('os')", "t2", "t3"]
    a = [Value(v, name=f"a{k}") for k, v in enumerate([0.3, 2.9, 4.0], 1)]
    t = [Value(v, name=n) for v, n in zip([0.0, 0.0, 1.0], names)]
    for tk in t:
        tk.requires_grad = False
    from autograd import softmax_with_loss
    loss = softmax_with_loss(a, t, delta=0, shift=False)
    loss.backward()
    view = build(loss, labels="symbols")
    assert view.notes and "__import__('os') + t2 + t3 = 1" in view.notes[0]


def test_the_guarded_softmax_with_loss_still_has_its_algebra():
    """softmax_with_loss's log guard (a computed float) stays in the expressions; cancel
    and factor are not tried on them (they took minutes), and the gradient is right."""
    from autograd import softmax_with_loss
    a = [Value(v, name=f"a{k}") for k, v in enumerate([0.3, 2.9, 4.0], 1)]
    t = [Value(v, name=f"t{k}") for k, v in enumerate([0.0, 0.0, 1.0], 1)]
    for tk in t:
        tk.requires_grad = False
    loss = softmax_with_loss(a, t)
    loss.backward()
    sg = symbolic(loss, given=ONE_HOT)
    values = {sg.symbols[n]: node.data for n, node in sg.quantities.items()}
    for ak in a:
        g = sg.simplified_gradient(ak)
        assert float(g.subs(values)) == pytest.approx(ak.grad, rel=1e-9)


def test_batch_norm_gradient_is_the_books_closed_form():
    """The engine's own rules run over sympy through figure 6-17's graph give, at every
    x_k, dx = (1/N)·γ·(1/σ)·(N·dout − Σdout − x̂·Σ(dout·x̂)) with σ = √(σ² + ε), exactly;
    and dγ = Σ dout·x̂, dβ = Σ dout."""
    from autograd.examples import batch_norm_example
    sg = symbolic(batch_norm_example())
    s = sg.symbols
    n = 4
    xs, dout = ([s[f"{v}{k}"] for k in range(1, n + 1)] for v in ("x", "dout"))
    gamma, eps = s["γ"], s["ε"]
    mu = sum(xs) / n
    sigma = sp.sqrt(sum((x - mu) ** 2 for x in xs) / n + eps)
    xhat = [(x - mu) / sigma for x in xs]
    dxhat = sum(d * h for d, h in zip(dout, xhat))
    for k in range(n):
        closed = gamma / (n * sigma) * (n * dout[k] - sum(dout) - xhat[k] * dxhat)
        assert sp.simplify(sg.gradient(sg.leaves[f"x{k + 1}"]) - closed) == 0
    assert sp.simplify(sg.gradient(sg.leaves["γ"]) - dxhat) == 0
    assert sg.gradient(sg.leaves["β"]) == sum(dout)


@pytest.mark.parametrize("w0", [-2.0, 2.0])
def test_a_second_derivative_through_relu_twins_the_step_node(w0):
    """The graph of relu's gradient (create_graph=True) holds the engine's `step` node,
    the mask as a node: its twin is Heaviside's step, so the graph of ∂y/∂x = w·H(x·w)
    is drawn in symbols and differentiated again by hand's rules: ∂/∂w = H(x·w) (the
    mask's own derivative is 0), ∂/∂x = 0; the numbers put in are the engine's."""
    import viz
    from autograd import grad
    x, w = Value(1.5, name="x"), Value(w0, name="w")
    y = (x * w).relu()
    (gx,) = grad(y, x, create_graph=True)
    gx.name = "dy/dx"
    gx.backward()
    sg = symbolic(gx)
    assert [s.node.op.name for s in sg.steps if s.node.op is not None].count("step") == 1
    sx, sw = sg.symbols["x"], sg.symbols["w"]
    assert sp.simplify(sg.value(gx) - sw * sp.Heaviside(sx * sw, 0)) == 0
    assert sp.simplify(sg.gradient(sg.leaves["w"]) - sp.Heaviside(sx * sw, 0)) == 0
    assert sg.gradient(sg.leaves["x"]) == 0
    at = {sx: 1.5, sw: w0}
    assert float(sg.gradient(sg.leaves["w"]).subs(at)) == w.grad == (1.0 if w0 > 0 else 0.0)
    assert x.grad == 0.0
    # the drawing writes the mask as the book's cases, never sympy's H or θ
    source = viz.draw(gx, labels="symbols").source
    assert "{1 (w·x &gt; 0), 0 (w·x ≤ 0)}" in source
    assert "Heaviside" not in source and "θ" not in source
