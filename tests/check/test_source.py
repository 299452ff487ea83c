"""autograd.check.source: when the learner's backward raises, the report says which
gradient the failing line was computing, why its matrix product cannot be formed and
which transpose has the gradient's shape; what was computed before is checked, what was
never reached is marked so, not wrong (issue 20 item 1)."""
import numpy as np

from autograd.check import check_gradients, check_layer
from tests.check.learner import Affine, _exercise, _forward, cross_entropy_error


class AffineXForXT(Affine):  # the book's Affine, with the commonest slip
    def backward(self, dout):
        dx = np.dot(dout, self.W.T)
        self.dW = np.dot(self.x, dout)  # x instead of x.T: (4, 3)·(4, 2) cannot be formed
        self.db = np.sum(dout, axis=0)
        return dx.reshape(*self.original_x_shape)


class AffineDxNoT(Affine):
    def backward(self, dout):
        self.dW = np.dot(self.x.T, dout)
        dx = np.dot(dout, self.W)  # W instead of W.T: (4, 2)·(3, 2)
        self.db = np.sum(dout, axis=0)
        return dx.reshape(*self.original_x_shape)


def _affine(cls):
    rng = np.random.default_rng(0)
    return check_layer(cls(rng.normal(size=(3, 2)), rng.normal(size=2)),
                       rng.normal(size=(4, 3)))


def test_the_commonest_slip_names_dw_its_shape_and_what_was_not_reached():
    report = _affine(AffineXForXT)
    assert not report.ok
    assert [(r.name, r.mark) for r in report.rows] == [("dx", "–"), ("dW", "✘"), ("db", "–")]
    dw = report["dW"]
    assert "backward raised ValueError" in dw.error and f"{__file__}:" in dw.error
    assert dw.hint.code == "product_fix"
    assert dw.hint == ("the line that raised computes dW: np.dot(self.x, dout) cannot be "
                       "formed (self.x is (4, 3), dout is (4, 2)); np.dot(self.x.T, dout) "
                       "has the shape of W, (3, 2), and the expected values")
    for name in ("dx", "db"):  # never computed: not reached, not wrong
        row = report[name]
        assert not row.reached and row.error is None and row.hint.code == "not_reached"
    text = str(report)
    assert "dx        –" in text and "not reached" in text
    assert text.count("backward raised ValueError") == 1  # said once, above the table


def test_what_backward_set_before_raising_is_checked():
    report = _affine(AffineDxNoT)
    assert [(r.name, r.mark) for r in report.rows] == [("dx", "✘"), ("dW", "✔"), ("db", "–")]
    assert report["dx"].hint.fields["fixed"] == "np.dot(dout, self.W.T)"
    assert report["dx"].hint.fields["of"] == "x"


def test_a_tuple_returned_names_the_element_that_raised():
    class Mul:
        def forward(self, x, y):
            self.x, self.y = x, y
            return x * y

        def backward(self, dout):
            return dout * self.y, dout @ self.x  # ✘ a product for an elementwise one
    rng = np.random.default_rng(0)
    report = check_layer(Mul(), rng.normal(size=(2, 3)), rng.normal(size=(2, 3)))
    assert [(r.name, r.mark) for r in report.rows] == [("dx", "–"), ("dy", "✘")]
    assert "the line that raised computes dy" in report["dy"].hint


def test_check_gradients_reads_the_grad_dict_built_so_far():
    params, x, d = _exercise(n=3)

    def grads(p):
        z1, y = _forward(p, x)
        grad = {}
        delta2 = (y - d) / x.shape[0]
        grad["b2"] = np.sum(delta2, axis=0)
        grad["W2"] = np.dot(z1.T, delta2)
        delta1 = np.dot(delta2, p["W2"].T) * (z1 > 0)
        grad["b1"] = np.sum(delta1, axis=0)
        grad["W1"] = np.dot(x, delta1)  # ✘ x.T: (3, 2)·(3, 3)
        return grad
    report = check_gradients(lambda p: cross_entropy_error(_forward(p, x)[1], d), grads,
                             params)
    assert {r.name: r.mark for r in report.rows} == {"W2": "✔", "b2": "✔", "W1": "✘",
                                                     "b1": "✔"}
    assert report["W1"].hint.fields["fixed"] == "np.dot(x.T, delta1)"
    assert "and the expected values" in report["W1"].hint


def test_a_line_computing_a_local_names_the_gradients_it_feeds():
    params, x, d = _exercise(n=3)

    def grads(p):
        z1, y = _forward(p, x)
        grad = {}
        delta2 = (y - d) / x.shape[0]
        grad["b2"] = np.sum(delta2, axis=0)
        grad["W2"] = np.dot(z1.T, delta2)
        back = np.dot(delta2, p["W2"])  # ✘ W2.T: (3, 2)·(3, 2)
        delta1 = back * (z1 > 0)
        grad["b1"] = np.sum(delta1, axis=0)
        grad["W1"] = np.dot(x.T, delta1)
        return grad
    report = check_gradients(lambda p: cross_entropy_error(_forward(p, x)[1], d), grads,
                             params)
    assert {r.name: r.mark for r in report.rows} == {"W2": "✔", "b2": "✔", "W1": "✘",
                                                     "b1": "✘"}
    hint = report["W1"].hint
    assert hint.code == "product_options" and hint.fields["local"] == "back"
    assert hint.fields["rows"] == "b1, W1"
    assert "np.dot(delta2, p['W2'].T) (3, 3)" in hint  # the one with z1's shape


def test_the_source_is_read_never_run():
    calls = []

    class Sneaky(Affine):
        @property
        def cached(self):  # a property on the failing line: the check must not call it
            calls.append(1)
            return self.x

        def backward(self, dout):
            self.dW = np.dot(self.cached, dout)
            return dout
    report = _affine(Sneaky)
    assert calls == [1]  # the learner's own call only
    assert report["dW"].hint == "the line that raised computes dW"  # no operand read


def test_without_source_the_error_is_on_every_row():
    namespace = {"np": np, "Affine": Affine}
    exec("class NoSource(Affine):\n"
         "    def backward(self, dout):\n"
         "        self.dW = np.dot(self.x, dout)\n", namespace)
    report = _affine(namespace["NoSource"])
    assert not report.ok
    for r in report.rows:
        assert r.mark == "✘" and "backward raised ValueError" in r.error
