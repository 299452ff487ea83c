"""viz.play.widget: viz.playground() in Jupyter, driven as a notebook user drives it (the
widgets' values set as a frontend sets them)."""
import pytest

import viz
from tests.viz.conftest import PAYLOADS
from tests.viz.play.conftest import needs_dot
from viz.play import widget

pytest.importorskip("ipywidgets", reason="the live playground needs ipywidgets")
pytestmark = needs_dot


def _now(**kw):
    return viz.playground(debounce=0, **kw)


def test_the_default_and_a_given_expression():
    p = _now()
    assert p.payload["result"][0] == "y = 0.731059" and p.steps.startswith("<!DOCTYPE")
    q = viz.playground("softmax_with_loss(a, t)", a=[0.3, 2.9, 4.0], t=[0, 0, 1],
                       labels="symbols", lang="ja")
    assert q.values == {"a": "0.3,2.9,4", "t": "0,0,1"}
    assert "y1 − t1" in q.payload["svg"] and "ステップ6" in q.steps
    assert "<svg" in q.drawing.value and q.stepper.value.startswith("<iframe srcdoc=")


def test_typing_in_the_box_and_the_fields_redraws():
    p = _now()
    p.box.value = "x*y + exp(x)"
    assert [f.description for f in p.fields.children] == ["x =", "y ="]
    p.fields.children[1].value = "3"
    assert p.payload["result"][0] == "f = 5.71828"  # x = 1 kept, y = 3 typed
    p.box.value = "x*y +"
    assert "ends unexpectedly" in p.error.value and p.payload["ok"] is False
    assert [f.description for f in p.fields.children] == ["x =", "y ="]  # kept while typing


def test_typing_waits_for_a_pause():
    p = viz.playground("x", x=1, debounce=30.0)
    p.box.value = "x * 7"
    assert p.payload["result"][0] == "x = 1"  # not yet: the timer waits
    p._timer.cancel()
    p.update()
    assert p.payload["result"][0] == "f = 7"


def test_options_examples_and_a_nodes_local_derivative():
    p = _now()
    p.examples.value = "appendix-a"
    assert p.expr == "softmax_with_loss(a, t)" and p.labels_buttons.value == "symbols"
    assert p.payload["result"][-1].startswith("∂L/∂a3 = -0.2634")
    p.boxes.value = True
    assert p.collapse and "softmax_with_loss" in p.payload["svg"]
    p.labels_buttons.value = "numbers"
    p.set("exp(x)", x=1)
    (key,) = [k for _label, k in p.node.options if k]
    p.node.value = key
    assert "∂y/∂x = exp(x) = y" in p.local.value and "2.718" in p.local.value


def test_hostile_text_is_escaped():
    p = _now()
    for text in PAYLOADS:
        p.box.value = text
        assert "<script>document" not in p.error.value
        assert "<img src=x" not in p.error.value


def test_without_ipywidgets_the_output_is_plain_html(monkeypatch):
    monkeypatch.setattr(widget, "_ipywidgets", lambda: None)
    p = _now(x=2, expr="x * x")
    bundle = p._repr_mimebundle_()
    assert p.widget is None and set(bundle) == {"text/plain", "text/html"}
    assert "f = 4" in bundle["text/html"] and "<iframe srcdoc=" in bundle["text/html"]


def test_bad_options_are_refused():
    with pytest.raises(ValueError, match="labels must be one of"):
        viz.playground("x", labels="pictures")
