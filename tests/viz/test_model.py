"""viz.model: the view of a graph (nodes, edges with value and gradient, clusters)."""
import ast
import math
from pathlib import Path

import numpy as np
import pytest

import autograd
from autograd import Tensor, Value, grad, softmax_with_loss
from autograd.examples import appendix_a, apple_orange
from viz.model import build
from viz.numbers import format_number

ROOT = Path(__file__).resolve().parents[2]


def sig(x):
    return 1 / (1 + math.exp(-x))


def by_key(view):
    return {e.key: e for e in view.edges}


def edges_between(view, src_label, dst_label):
    labels = {vn.id: vn.label for vn in view.nodes}
    return [e for e in view.edges if labels[e.src] == src_label and labels[e.dst] == dst_label]


# ----------------------------------------------------------------------------- structure

def test_apple_orange_view():
    view = build(apple_orange())
    kinds = [vn.kind for vn in view.nodes]
    assert kinds.count("variable") == 5 and kinds.count("op") == 4
    assert [vn.label for vn in view.nodes if vn.kind == "op"] == ["×", "×", "+", "×"]
    assert [vn.id for vn in view.nodes] == [f"n{i}" for i in range(9)] + ["out"]
    got = {(e.value, e.grad) for e in view.edges}
    assert got == {("100", "2.2"), ("2", "110"), ("150", "3.3"), ("3", "165"),
                   ("200", "1.1"), ("450", "1.1"), ("650", "1.1"), ("1.1", "650"),
                   ("715", "1")}
    out = view.edge(view.output_key)
    assert (out.src, out.dst, out.kind) == (view.root_id, "out", "output")
    assert view.node("out").label == "price"


def test_forward_order_and_stable_ids():
    a, b = build(apple_orange()), build(apple_orange())
    assert [(n.id, n.label) for n in a.nodes] == [(n.id, n.label) for n in b.nodes]
    assert [e.key for e in a.edges] == [e.key for e in b.edges]
    # inputs come before their consumers, first input's subgraph first
    assert [vn.label for vn in a.nodes[:3]] == ["apple", "apple_num", "×"]


def test_node_used_twice_shows_each_branch():
    x, y = Value(1.0, name="x"), Value(2.0, name="y")
    f = x * y + x.exp()
    f.backward()
    view = build(f)
    from_x = [e for e in view.edges if e.src == view.node_id(x)]
    assert len(from_x) == 2
    grads = sorted(e.grad_data for e in from_x)
    assert grads == pytest.approx(sorted([2.0, math.e]))
    assert sum(grads) == pytest.approx(x.grad)


def test_same_input_twice_into_one_op_gives_two_edges():
    x = Value(3.0, name="x")
    f = x * x
    f.backward()
    view = build(f)
    keys = [e.key for e in view.edges if e.kind == "data"]
    assert keys == ["n0->n1", "n0->n1#2"]
    assert [view.edge(k).grad_data for k in keys] == [3.0, 3.0]
    assert view.edge_key(f, 0) == "n0->n1" and view.edge_key(f, 1) == "n0->n1#2"


def test_sigmoid_expanded_and_collapsed():
    x = Value(1.0, name="x")
    y = x.sigmoid()
    y.backward()
    opened = build(y)
    assert [vn.op for vn in opened.nodes if vn.kind == "op"] == [
        "mul", "exp", "add", "reciprocal"]
    assert [vn.label for vn in opened.nodes if vn.kind == "op"] == ["×", "exp", "+", "/"]
    assert [c.label for c in opened.clusters] == ["sigmoid"]
    assert sorted(vn.label for vn in opened.nodes if vn.kind == "constant") == ["-1", "1"]
    inner = [vn for vn in opened.nodes if vn.cluster == "c0"]
    assert len(inner) == 6  # 4 ops and the constants -1, 1

    shut = build(y, collapse="sigmoid")
    assert [vn.kind for vn in shut.nodes] == ["variable", "composite", "output"]
    box = shut.node("n1")
    assert box.label == "sigmoid" and len(box.members) == 6
    assert all(shut.node_id(m) == "n1" for m in box.members)
    (into,) = [e for e in shut.edges if e.dst == "n1"]
    s = sig(1.0)
    assert into.grad_data == pytest.approx(s * (1 - s))  # y(1 − y), figure 5-22
    assert shut.edge(shut.output_key).value_data == pytest.approx(s)
    assert not shut.clusters


def test_boundary_gradient_of_a_box_sums_the_inside_uses():
    x = Value(2.0, name="x")
    f = x / x  # div is x × (1/x): x used twice inside the div composite
    f.backward()
    view = build(f)  # div collapsed by default: one ÷ op
    (box,) = [vn for vn in view.nodes if vn.composite == "div"]
    assert box.kind == "op" and box.label == "÷"
    (into,) = [e for e in view.edges if e.dst == box.id]
    assert len(into.targets) == 2
    assert into.grad_data == pytest.approx(0.0) and x.grad == pytest.approx(0.0)


def test_arithmetic_composites_are_single_ops_unless_expanded():
    x, y = Value(5.0, name="x"), Value(3.0, name="y")
    f = x - y
    f.backward()
    view = build(f)
    assert [(vn.kind, vn.label) for vn in view.nodes if vn.kind != "variable"] == [
        ("op", "−"), ("output", "")]
    opened = build(f, expand="all")
    assert [c.label for c in opened.clusters] == ["sub", "neg"]
    assert opened.clusters[1].parent == opened.clusters[0].id
    assert [vn.label for vn in opened.nodes if vn.kind == "op"] == ["×", "+"]
    (ey,) = [e for e in opened.edges if e.src == opened.node_id(y)]
    assert ey.grad_data == -1.0


def appendix(**kw):
    return build(appendix_a(), **kw)


def test_expand_collapse_depth():
    full = appendix()
    assert [c.label for c in full.clusters] == [
        "softmax_with_loss", "softmax", "cross_entropy_error"]
    assert [c.depth for c in full.clusters] == [0, 1, 1]
    one = appendix(depth=1)
    assert [vn.label for vn in one.nodes if vn.kind == "composite"] == [
        "softmax", "cross_entropy_error"]
    assert [c.label for c in one.clusters] == ["softmax_with_loss"]
    zero = appendix(depth=0)
    assert [vn.label for vn in zero.nodes if vn.kind == "composite"] == ["softmax_with_loss"]
    # by name; collapse beats expand; a collapsed outer box hides what is inside
    assert [vn.label for vn in appendix(collapse=["softmax"]).nodes
            if vn.kind == "composite"] == ["softmax"]
    assert not [vn for vn in appendix(expand="softmax", collapse="softmax").nodes
                if vn.kind == "op" and vn.label == "exp"]
    assert [vn.label for vn in appendix(collapse="softmax_with_loss", expand="all").nodes
            if vn.kind == "composite"] == ["softmax_with_loss"]
    assert appendix(depth=0, expand="softmax_with_loss").clusters[0].label == \
        "softmax_with_loss"
    assert [vn.label for vn in appendix(collapse="all").nodes
            if vn.kind == "composite"] == ["softmax_with_loss"]


def test_appendix_a_gradients_are_y_minus_t():
    view = appendix()
    a = np.array([0.3, 2.9, 4.0])
    y = np.exp(a) / np.exp(a).sum()
    t = np.array([0.0, 0.0, 1.0])
    inputs = [vn for vn in view.nodes if vn.kind == "variable"]
    assert [vn.label for vn in inputs] == ["a1", "a2", "a3"]
    got = [sum(e.grad_data for e in view.edges if e.src == vn.id) for vn in inputs]
    assert got == pytest.approx(y - t)
    assert view.edge(view.output_key).value_data == pytest.approx(-np.log(y[2]))
    ops = [vn.label for vn in view.nodes if vn.kind == "op"]
    assert ops.count("exp") == 3 and ops.count("log") == 3 and ops.count("/") == 1


def test_grads_auto_true_false_and_seed():
    x, y = Value(10.0, name="x"), Value(5.0, name="y")
    z = x * y
    assert not build(z).grads and all(e.grad is None for e in build(z).edges)
    forced = build(z, grads=True, seed=1.3)
    assert [e.grad for e in forced.edges] == ["6.5", "13", "1.3"]
    assert x.grad == 0.0  # drawing runs no backward() of its own
    z.backward()
    assert build(z).grads and build(z).edge(build(z).output_key).grad == "1"
    assert not build(z, grads=False).grads


def test_tensor_root_and_shapes():
    X = Tensor(np.ones((2, 2)), requires_grad=True, name="X")
    W = Tensor(np.full((2, 3), 0.5), requires_grad=True, name="W")
    B = Tensor(np.zeros(3), requires_grad=True, name="B")
    Y = X @ W + B
    view = build(Y, grads=True)  # a non-scalar root: seeded with ones
    assert [vn.label for vn in view.nodes if vn.kind == "op"] == ["dot", "bcast", "+"]
    eb = [e for e in view.edges if e.src == view.node_id(B)][0]
    assert eb.value == "(3,) [0, 0, 0]" and eb.grad == "(3,) [2, 2, 2]"
    assert view.edge(view.output_key).value == "(2, 3) [[1, …]]"
    assert build(Y, preview=False).edge(view.output_key).value == "(2, 3)"
    Y.backward(np.full((2, 3), 2.0))
    assert build(Y).edge(view.output_key).grad == "(2, 3) [[2, …]]"  # seeded with .grad


def test_tensor_constants_read_as_numbers():
    x = Tensor(np.array([0.0, 1.0]), requires_grad=True, name="x")
    y = x.sigmoid()
    view = build(y, grads=True)
    assert sorted(vn.label for vn in view.nodes if vn.kind == "constant") == ["-1", "1"]


def test_steps_map_onto_the_view():
    view = build(apple_orange())
    assert len(view.steps) == 9
    assert view.steps[0].node_id == view.root_id
    assert view.steps[0].edge_keys == ("n6->n8", "n7->n8")
    # the gradient on an edge is what its consumer's step sent along it
    assert view.edge("n7->n8").grad == "650" == format_number(view.steps[0].step.grads[1])


def test_backward_graph_of_a_gradient_can_be_built():
    x = Value(1.0, name="x")
    y = x.sigmoid()
    (gx,) = grad(y, x, create_graph=True)
    view = build(gx, grads=True)
    s = sig(1.0)
    assert view.edge(view.output_key).value_data == pytest.approx(s * (1 - s))
    (ggx,) = grad(gx, x)
    from_x = sum(e.grad_data for e in view.edges if e.src == view.node_id(x))
    assert from_x == pytest.approx(ggx.data)
    assert from_x == pytest.approx(s * (1 - s) * (1 - 2 * s))
    # the second derivative graph of tanh, DeZero's figure
    t = Value(0.5, name="x")
    (g1,) = grad(t.tanh(), t, create_graph=True)
    (g2,) = grad(g1, t, create_graph=True)
    v2 = build(g2)
    th = math.tanh(0.5)
    assert v2.edge(v2.output_key).value_data == pytest.approx(-2 * th * (1 - th ** 2))


def test_long_chain_needs_no_recursion():
    x = Value(0.5, name="x")
    y = x
    for _ in range(5000):
        y = y * 1.0
    view = build(y)
    assert len(view.nodes) == 5000 * 2 + 2


def test_bad_arguments():
    with pytest.raises(TypeError):
        build(3.0)
    x = Value(1.0)
    with pytest.raises(ValueError):
        build(x, depth=-1)
    with pytest.raises(ValueError):
        build(x, grads="yes")
    with pytest.raises(TypeError):
        build(x, expand=5)


def test_named_constant_keeps_its_name_and_no_gradient():
    a = [Value(v, name=f"a{i}") for i, v in enumerate([1.0, 2.0])]
    t = Value(1.0, name="t1")
    t.requires_grad = False
    loss = softmax_with_loss(a, [t, 0.0])
    loss.backward()
    view = build(loss, depth=1)
    (tn,) = [vn for vn in view.nodes if vn.label == "t1"]
    assert tn.kind == "constant"


# ----------------------------------------------------------------------------- imports

def _public_modules():
    return {p.stem for p in (ROOT / "autograd").glob("*.py") if not p.stem.startswith("_")} | \
        {p.parent.name for p in (ROOT / "autograd").glob("*/__init__.py")}  # packages


def _allowed(module, name):
    import importlib
    if module == "autograd":
        return name in autograd.__all__ or name in _public_modules()
    sub = module.split(".", 1)[1]
    if sub.startswith("_") or sub not in _public_modules():
        return False
    mod = importlib.import_module(module)
    public = getattr(mod, "__all__", None)
    if sub == "primitives" or public is None:
        return not name.startswith("_")
    return name in public


def test_viz_uses_only_the_public_api_of_autograd():
    bad = []
    for path in sorted((ROOT / "viz").glob("*.py")):
        for node in ast.walk(ast.parse(path.read_text(encoding="utf-8"))):
            if isinstance(node, ast.ImportFrom) and node.module and \
                    node.module.split(".")[0] == "autograd":
                bad += [f"{path.name}: from {node.module} import {a.name}"
                        for a in node.names if not _allowed(node.module, a.name)]
            elif isinstance(node, ast.Import):
                for a in node.names:
                    parts = a.name.split(".")
                    if parts[0] == "autograd" and len(parts) > 1 and \
                            parts[1] not in _public_modules():
                        bad.append(f"{path.name}: import {a.name}")
    assert not bad, "viz reaches into the engine's private names:\n" + "\n".join(bad)


def test_the_engine_never_imports_viz():
    # not even inside a function (the checker's report is drawn by viz.check.draw)
    for path in sorted((ROOT / "autograd").rglob("*.py")):
        tree = ast.parse(path.read_text(encoding="utf-8"))
        for node in ast.walk(tree):
            names = []
            if isinstance(node, ast.ImportFrom) and node.module:
                names = [node.module]
            elif isinstance(node, ast.Import):
                names = [a.name for a in node.names]
            for n in names:
                assert n.split(".")[0] not in ("viz", "graphviz"), f"{path.name} imports {n}"


# ------------------------------------------------------------------- names, constants, forks

def test_names_of_intermediate_values_ride_on_their_edges():
    view = build(apple_orange())
    named = {e.name: e.value for e in view.edges if e.name}
    assert named == {"apple_price": "200", "orange_price": "450", "all_price": "650"}
    view = build(appendix_a())
    assert {e.name for e in view.edges if e.name} == {"S", "y1", "y2", "y3"}
    # a leaf's name is its node's label, the output's the 'out' node's: not repeated
    assert view.edge(view.output_key).name is None and view.node("out").label == "L"


def test_a_value_used_twice_is_a_fork_whose_gradient_is_the_sum():
    x, y = Value(1.0, name="x"), Value(2.0, name="y")
    f = x * y + x.exp()
    f.backward()
    view = build(f)
    (fork,) = view.forks
    assert view.node(fork.src).label == "x" and len(fork.edges) == 2
    assert all(view.fork_of(k) is fork for k in fork.edges)
    assert fork.grad_data == pytest.approx(x.grad) and fork.grad == format_number(x.grad)


@pytest.mark.parametrize("make, drawn, mark", [
    (lambda x: x - 1, "1", "−"), (lambda x: 1 - x, "1", None),
    (lambda x: x / 4, "4", "÷"), (lambda x: 2 / x, "2", None),
])
def test_a_number_in_x_minus_c_or_x_over_c_is_drawn_with_its_value(make, drawn, mark):
    """The engine folds c into −c or 1/c at once (c needs no gradient); the drawing
    still shows c, marked when it is the one subtracted or divided by."""
    x = Value(3.0, name="x")
    f = make(x)
    f.backward()
    view = build(f)
    (c,) = [vn for vn in view.nodes if vn.kind == "constant"]
    (e,) = [e for e in view.edges if e.src == c.id]
    assert c.label == drawn and e.value == drawn and e.mark == mark and e.kind == "constant"
    (x_edge,) = [e for e in view.edges if e.src == view.node_id(x)]
    assert x_edge.mark == (None if mark else view.node(e.dst).label)  # 1 − x: x has it


def test_marks_say_which_input_is_subtracted_or_divides():
    x, y = Value(3.0, name="x"), Value(2.0, name="y")
    def marks(f):
        view = build(f)
        return {view.node(e.src).label: e.mark for e in view.edges if e.kind == "data"}
    assert marks(x - y) == {"x": None, "y": "−"} and marks(y - x) == {"y": None, "x": "−"}
    assert marks(x / y) == {"x": None, "y": "÷"} and marks(y / x) == {"y": None, "x": "÷"}
    assert marks(x * y) == {"x": None, "y": None}
    assert marks(x - x) == {"x": None}  # x − x: one edge, both roles


def test_a_constant_computed_inside_a_collapsed_composite_is_drawn_as_a_constant():
    # grad(create_graph=True) through 1/x runs −g·y·y with the seed g a constant: neg(g)
    # makes a constant inside neg's scope; it is no "−" op with nothing going in
    from autograd import grad
    x = Value(1.0, name="x")
    (dy,) = grad(x.sigmoid(), [x], create_graph=True)
    view = build(dy)
    fed = {e.dst for e in view.edges}
    ops = [vn for vn in view.nodes if vn.kind == "op"]
    assert ops and all(vn.id in fed for vn in ops)
    assert "−" not in [vn.label for vn in ops]
    assert sum(vn.kind == "constant" and vn.label == "-1" for vn in view.nodes) == 2
