"""Tests for viz.expr_graph: typed expressions built as the engine's graph, in the
elements form (appendix A's) and the arrays form (the Affine layer's)."""
import math

import numpy as np
import pytest

import viz
from autograd import Tensor, Value, examples
from autograd.gradcheck import numerical_gradient
from viz.expr import ExprError
from viz.expr_graph import build_graph, leaves, name_output, output_name
from viz.values import parse_assignments

APPENDIX_A = {"a": np.array([0.3, 2.9, 4.0]), "t": np.array([0.0, 0.0, 1.0])}
ESHIKAKU = parse_assignments(["x=1,5", "W1=0.1,0.3,0.5;0.2,0.4,0.6", "b1=0.1,0.2,0.3",
                              "W2=0.1,0.4;0.2,0.5;0.3,0.6", "b2=0.1,0.2", "t=0,1"])
ESHIKAKU_NET = "softmax_with_loss(relu(x @ W1 + b1) @ W2 + b2, t)"


def _backward(text, values, **kw):
    built = build_graph(text, values, **kw)
    built.root.backward()
    return built


def test_appendix_a_typed_is_the_books_graph_drawn_the_same():
    built = _backward("softmax_with_loss(a, t)", APPENDIX_A)
    assert built.form == "elements"
    book = examples.appendix_a(labels="constants")
    assert viz.draw(built.root).source == viz.draw(book).source
    assert [v.name for v in built.variables["a"]] == ["a1", "a2", "a3"]
    assert all(not t.requires_grad for t in built.variables["t"])  # labels: constants
    # y − t, the appendix's result
    y = np.exp(APPENDIX_A["a"]) / np.exp(APPENDIX_A["a"]).sum()
    np.testing.assert_allclose([v.grad for v in built.variables["a"]], y - APPENDIX_A["t"],
                               rtol=1e-12)


def test_a_class_index_is_the_same_loss_as_its_one_hot_labels():
    one_hot = _backward("softmax_with_loss(a, t)", APPENDIX_A)
    index = _backward("softmax_with_loss(a, 2)", {"a": APPENDIX_A["a"]})
    named = _backward("softmax_with_loss(a, t)", {"a": APPENDIX_A["a"], "t": 2.0})
    for other in (index, named):
        assert other.root.data == pytest.approx(one_hot.root.data, rel=1e-15)
        assert [v.grad for v in other.variables["a"]] == pytest.approx(
            [v.grad for v in one_hot.variables["a"]], rel=1e-12)


def test_the_issues_example_against_a_numerical_gradient():
    a = np.array([1.0, 2.0, 3.0])
    built = _backward("sum(softmax(a) * a)", {"a": a})

    def f(v):
        y = np.exp(v) / np.exp(v).sum()
        return float((y * v).sum())
    np.testing.assert_allclose([v.grad for v in built.variables["a"]],
                               numerical_gradient(f, a.copy()), rtol=1e-6)


def test_the_eshikaku_net_typed_equals_the_two_layer_net():
    built = _backward(ESHIKAKU_NET, ESHIKAKU)
    assert built.form == "arrays"
    net, x, d = examples.eshikaku_232()
    grads = net.gradient(x, d)
    assert float(built.root.data) == pytest.approx(net.loss(x, d), rel=1e-12)
    for name in ("W1", "b1", "W2", "b2"):
        got = built.variables[name].grad
        np.testing.assert_allclose(got.reshape(grads[name].shape), grads[name], rtol=1e-12)


def test_mazur_output_neuron_gives_the_posts_gradient():
    # Matt Mazur's post: ∂E_total/∂w5 = 0.082167041 (E_o2 does not depend on w5)
    values = parse_assignments(["w5=0.40", "w6=0.45", "b2=0.60", "out_h1=0.593269992",
                                "out_h2=0.596884378", "target_o1=0.01"])
    built = _backward("(target_o1 - sigmoid(w5*out_h1 + w6*out_h2 + b2))**2 / 2", values)
    assert built.variables["w5"].grad == pytest.approx(0.082167041, abs=1e-9)


@pytest.mark.parametrize(("text", "derivative"), [
    ("2 ** x", lambda x: 2 ** x * math.log(2)),
    ("x ** x", lambda x: x ** x * (math.log(x) + 1)),
    ("sqrt(x)", lambda x: 0.5 / math.sqrt(x)),
    ("x ** 3", lambda x: 3 * x * x),
])
def test_powers_and_roots(text, derivative):
    built = _backward(text, {"x": 1.7})
    assert built.variables["x"].grad == pytest.approx(derivative(1.7), rel=1e-12)


def test_a_vector_exponent_works_element_by_element():
    built = _backward("sum(x ** a)", {"x": 2.0, "a": np.array([1.0, 3.0])})
    assert built.root.data == pytest.approx(10.0)
    assert built.variables["x"].grad == pytest.approx(1 + 3 * 4)
    assert [v.grad for v in built.variables["a"]] == pytest.approx(
        [2 * math.log(2), 8 * math.log(2)])


def test_sum_mean_and_max_of_a_vector():
    a = np.array([1.0, 3.0, 2.0])
    mean = _backward("mean(a * a)", {"a": a})
    assert mean.root.data == pytest.approx(14 / 3)
    assert [v.grad for v in mean.variables["a"]] == pytest.approx(list(2 * a / 3))
    top = _backward("max(a) * 2", {"a": a})
    assert top.form == "arrays" and float(top.root.data) == 6.0
    np.testing.assert_array_equal(top.variables["a"].grad, [[0.0, 2.0, 0.0]])


def test_a_scalar_is_shared_by_every_element():
    built = _backward("sum(a * w)", {"a": np.array([1.0, 2.0, 3.0]), "w": 0.5})
    assert isinstance(built.variables["w"], Value) and built.variables["w"].grad == 6.0


def test_the_arrays_form_takes_the_book_row_vector():
    built = _backward("sum(x @ W)", parse_assignments(["x=1,2", "W=1,2,3;4,5,6"]))
    assert isinstance(built.variables["x"], Tensor) and built.variables["x"].shape == (1, 2)
    np.testing.assert_array_equal(built.variables["x"].grad, [[6.0, 15.0]])


@pytest.mark.parametrize(("text", "values", "fragment", "offset"), [
    ("a + b", ["a=1,2", "b=1,2,3"], "+ of a 2-vector and a 3-vector", 2),
    ("W @ x", ["W=1,2;3,4", "x=1,2,3"], "@ of shapes (2, 2) and (1, 3)", 2),
    ("x + W", ["x=1,2,3", "W=1,2;3,4"], "+ of shapes (1, 3) and (2, 2)", 2),
    ("exp(softmax(x))", ["x=1"], "softmax needs a vector", 4),
    ("softmax(a)", ["a=1,2"], "gives a 2-vector", 0),
    ("a @ W", ["a=1,2", "W=1,0;0,1"], "array of shape (1, 2)", 0),
    ("softmax_with_loss(a, t)", ["a=1,2", "t=0,0,1"], "3 labels for 2 scores", 0),
    ("softmax_with_loss(a, 3)", ["a=1,2"], "class index 3 for 2 scores", 0),
    ("softmax_with_loss(a, t)", ["a=1,2", "t=0.5"], "one-hot vector (0,0,1) or a class", 21),
    ("sum(a)", ["a=" + ",".join(["1"] * 50)], "the graph has 99 nodes; the limit here is 40",
     0),
])
def test_shape_and_size_mistakes_point_at_the_operation(text, values, fragment, offset):
    with pytest.raises(ExprError) as info:
        build_graph(text, parse_assignments(values), max_nodes=40)
    assert fragment in info.value.message
    assert (info.value.text, info.value.offset) == (text, offset)


def test_an_engine_error_carries_the_position_of_its_operation():
    with pytest.raises(ValueError) as info:
        build_graph("x + log(x - 2)", {"x": 1.0})
    assert info.value.expr_offset == 4


def test_vector_elements_may_not_take_another_variables_name():
    with pytest.raises(ExprError) as info:
        build_graph("sum(a) + a1", {"a": np.array([1.0, 2.0]), "a1": 5.0})
    assert "the elements of 'a' are named a1, a2" in info.value.message
    assert info.value.offset == 9


def test_the_output_is_named_unless_it_has_a_name():
    assert output_name(["f", "g", "h", "F", "out"]) == "out1"
    built = build_graph("f * 2", {"f": 3.0})
    assert name_output(built) == "g"
    loss = build_graph("softmax_with_loss(a, t)", APPENDIX_A)
    assert name_output(loss) == "L"  # the loss names itself, as the book does
    assert [name for name, _node in leaves(loss)] == ["a1", "a2", "a3"]  # no labels
