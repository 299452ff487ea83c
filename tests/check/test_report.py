"""autograd.check.report: the report as text and HTML."""
import numpy as np
import pytest

from autograd.check import check_layer
from tests.check.learner import Relu, ReluNoMask, _inputs


def test_the_report_prints_and_renders_escaped():
    rng = np.random.default_rng(3)
    report = check_layer(ReluNoMask(), *_inputs("x", rng))
    text = str(report)
    assert "✘" in text and "dx" in text and "WRONG" in text and "<= 1e-08" in text
    page = report._repr_html_()
    assert "✘" in page and "x &lt;= 0" in page and "x <= 0" not in page
    ok = check_layer(Relu(), *_inputs("x", rng))
    assert "✔" in str(ok) and "✔" in ok._repr_html_() and "OK" in repr(ok)
    row = report["dx"]
    assert row.expected.shape == row.actual.shape == (4, 3)
    assert row.max_abs > 0 and row.max_rel > 0
    with pytest.raises(KeyError, match="the rows are"):
        report["dW"]
    assert report.graph is not None and set(report.leaves) == {"dx"}
    assert report.leaves["dx"].name == "x"  # named as forward names it, for drawing
