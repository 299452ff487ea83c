"""viz.steps: the book's grouping of the backward pass, from the composites' declarations."""
import re

import numpy as np
import pytest

from autograd import Tensor, Value, backward_steps, composite
from autograd import functions as F
from autograd.examples import (
    appendix_a,
    apple_orange,
    batch_norm_example,
    book_sigmoid,
    mazur_network,
)
from autograd.graph import COMPOSITES
from viz.model import build
from viz.steps import book_steps, declared_steps, sends_into, units


def _graphs():
    a = [Value(v, name=f"a{k}") for k, v in enumerate([0.3, 2.9, 4.0], 1)]
    x = Tensor(np.array([[0.3, 2.9, 4.0], [1.0, 2.0, 3.0]]), requires_grad=True, name="x")
    return {
        "appendix-a numbers": appendix_a(),
        "appendix-a constants": appendix_a(labels="constants"),
        "appendix-a variables": appendix_a(labels="variables"),
        "softmax_with_loss guarded": F.softmax_with_loss(a, [0, 0, 1]),
        "softmax_with_loss tensor": F.softmax_with_loss(x, np.array([2, 0])),
        "sigmoid": book_sigmoid(),
        "sigmoid tensor": F.sigmoid(Tensor(np.array([0.5, -1.0]), requires_grad=True)).sum(),
        "mazur": mazur_network()["E_total"],
        "apple-orange": apple_orange(),
        "batch_norm values": batch_norm_example(),
        "batch_norm tensor": F.upstream(F.batch_norm(
            x, Tensor(np.ones(3), requires_grad=True), Tensor(np.zeros(3), requires_grad=True)),
            np.array([[0.1, -0.2, 0.3], [0.4, 0.5, -0.6]])),
    }


GRAPHS = _graphs()


@pytest.mark.parametrize("name", list(GRAPHS))
def test_every_gradient_sent_is_shown_once_in_a_causal_order(name):
    root = GRAPHS[name]
    found = book_steps(root)
    sends = [(sv.index, slot) for u in found for sv, slot in u.sends]
    engine = [(s.index, i) for s in backward_steps(root) for i, p in enumerate(s.inputs)
              if p.requires_grad]
    assert sorted(sends) == sorted(engine)  # each once, never one to a constant
    view = build(root, grads=True)
    into = sends_into(view)
    done = set()
    for u in found:
        need = u.arrivals if u.kind == "arrives" else \
            [s for n in u.nodes for s in into.get(n, ())]
        mine = {(sv.index, slot) for sv, slot in u.sends}
        for sv, slot in need:  # sent before, or earlier in this unit (a + chain)
            assert (sv.index, slot) in done or (sv.index, slot) in mine, (name, u)
        done |= mine


def test_steps_2_and_5_are_the_two_sends_of_the_same_nodes():
    found = {u.heading: u for u in book_steps(appendix_a()) if u.heading.startswith("Step")}
    two, five = found["Step 2"], found["Step 5"]
    assert two.nodes == five.nodes and [n.name for n in two.nodes] == ["y1", "y2", "y3"]
    assert {slot for _, slot in two.sends} == {1} and {slot for _, slot in five.sends} == {0}
    assert found["Step 1"].kind == "arrives" and found["Step 1"].sends == ()
    assert [n.name for n in found["Step 1"].outputs] == ["y1", "y2", "y3"]
    assert {sv.step.node.op.name for sv, _ in found["Step 1"].arrivals} == {"log"}


def test_a_graph_without_declarations_has_one_unit_per_drawn_node():
    root = apple_orange()
    found = book_steps(root)
    assert {u.kind for u in found} == {"node"}
    ops = [s for s in backward_steps(root) if s.node.op is not None]
    assert len(found) == len(ops)


def test_collapsed_composites_are_one_unit():
    found = book_steps(appendix_a(), collapse="softmax")
    kinds = [(u.kind, u.heading) for u in found]
    assert ("node", "") in kinds and not any(h.startswith("Step") for _, h in kinds)
    assert [h for k, h in kinds if k == "step"] == ["Cross Entropy Error"] * 4


def test_a_bad_declaration_is_named():
    @composite("twice", steps=({"heading": "Step 1", "sends": (("mul", "left"),)},))
    def twice(x):
        return x * 2

    try:
        with pytest.raises(ValueError, match="composite 'twice': step 0"):
            book_steps(twice(Value(1.0, name="x")))
        COMPOSITES["twice"].steps = ({"heading": "Step 1", "sent": ()},)
        with pytest.raises(ValueError, match=r"unknown keys \['sent'\]"):
            declared_steps("twice")
        COMPOSITES["twice"].steps = ({"heading": "Step 1", "at": ("y", 2)},)
        with pytest.raises(ValueError, match="composite 'twice': step 0"):
            declared_steps("twice")
    finally:
        del COMPOSITES["twice"]


def test_the_declarations_are_the_books():
    """Sigmoid's four steps of section 5.5.2, the Cross Entropy Error layer's four of A.2
    (one heading), the Softmax layer's six, and each a line of text."""
    assert [s["heading"] for s in declared_steps("sigmoid")] == [
        f"Step {k}" for k in range(1, 5)]
    assert [s["heading"] for s in declared_steps("softmax")] == [
        f"Step {k}" for k in range(1, 7)]
    assert {s["heading"] for s in declared_steps("cross_entropy_error")} == {
        "Cross Entropy Error"}
    for name in ("sigmoid", "softmax", "cross_entropy_error"):
        assert all(s["text"] for s in declared_steps(name))
    assert declared_steps("softmax_with_loss") is None  # softmax's and the loss's, inside
    assert units(build(apple_orange(), grads=True))  # and nothing needs a declaration


# Kratzert's nine steps of figure 6-17, backwards, and what each covers (by quantity;
# None: an unnamed node on the way, such as the broadcast of β, γ or 1/σ over a Tensor)
BN_STEPS = {"Step 9": {"y", None}, "Step 8": {"γx̂", None}, "Step 7": {"x̂", None},
            "Step 6": {"1/σ"},
            "Step 5": {"σ", None}, "Step 4": {"σ²", None}, "Step 3": {"(x − μ)²"},
            "Step 2": {"x − μ", None}, "Step 1": {"μ", None}}


@pytest.mark.parametrize("name", ["batch_norm values", "batch_norm tensor"])
def test_batch_norm_steps_cover_the_nodes_of_their_quantity(name):
    """A step declared by quantity (`at`) covers the nodes named so (x̂1 is an x̂) and the
    unnamed ones on the way to them: the Σ and × 1/N of μ in step 1, the + ε in step 5,
    −μ (and its broadcast) in step 2; in Kratzert's order, 9 down to 1."""
    found = book_steps(GRAPHS[name])
    steps = [u for u in found if u.frame is not None and u.frame[0] == "batch_norm"]
    assert [u.heading for u in steps] == [f"Step {k}" for k in range(9, 0, -1)]
    for u in steps:
        # the sample's index follows x, y or x's hat: x̂1, x1 − μ, (x1 − μ)², γx̂1, y1
        names = {n.name and re.sub("(?<=[xy\u0302])[0-9]+", "", n.name) for n in u.nodes}
        assert names <= BN_STEPS[u.heading], (u.heading, names)
    by = {u.heading: u for u in steps}
    ops = {h: {sv.step.node.op.name for sv, _ in u.sends} for h, u in by.items()}
    # the Σ of μ and of σ²: a chain of "+" over Values, one sum node over a Tensor
    total = "add" if name.endswith("values") else "sum"
    assert ops["Step 1"] == ops["Step 4"] == {"mul", total}
    assert ops["Step 5"] == {"pow", "add"} and ops["Step 6"] == {"reciprocal"}
    # −μ, and over a Tensor the broadcast that copies it to every sample
    assert ops["Step 2"] == {"add", "mul"} | ({"broadcast_to"} if total == "sum" else set())
    # the layer above is one step of its own, before Kratzert's
    assert found[0].heading == "dout" and found[0].frame[0] == "upstream"
