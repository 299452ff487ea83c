"""viz.numbers: numbers as the book typesets them."""
import numpy as np
import pytest

from viz.numbers import (
    constant_text,
    format_data,
    format_number,
    make_formatter,
    minus,
    true_minus,
)


@pytest.mark.parametrize("x, text", [
    (715.0, "715"), (2.2, "2.2"), (110.00000000000001, "110"), (1.1, "1.1"),
    (650.0000000000001, "650"), (0.7310585786300049, "0.7311"), (-0.19661193324148185,
                                                                  "-0.1966"),
    (1e-7, "1e-7"), (12345.6, "12346"), (-0.0, "0"), (0.0, "0"), (3.0, "3"),
    (float("nan"), "nan"), (float("inf"), "inf"), (2.5e10, "2.5e10"), (np.float64(0.5), "0.5"),
])
def test_format_number_is_the_books(x, text):
    assert format_number(x) == text


def test_make_formatter_variants():
    assert make_formatter(None)(1 / 3) == "0.3333"
    assert make_formatter(2)(1 / 3) == "0.33"
    assert make_formatter(".3f")(2) == "2.000"
    assert make_formatter(lambda x: "v")(2) == "v"
    with pytest.raises(ValueError):
        make_formatter(0)
    with pytest.raises(ValueError):
        make_formatter(".3q")
    with pytest.raises(TypeError):
        make_formatter(2.5)


def test_format_data_arrays():
    assert format_data(np.array([0.6, 0.9])) == "(2,) [0.6, 0.9]"
    assert format_data(np.array([[0.12345, 1], [2, 3]])) == "(2, 2) [[0.1235, 1], [2, 3]]"
    assert format_data(np.full((100, 10), 0.123)) == "(100, 10) [[0.123, …]]"
    assert format_data(np.zeros((100, 10)), preview=False) == "(100, 10)"
    assert format_data(np.array(2.5)) == "2.5"
    assert format_data(np.zeros((0, 3))) == "(0, 3)"


def test_constant_text_reads_a_broadcast_constant_as_one_number():
    assert constant_text(np.full((2, 3), -1.0)) == "-1"
    assert constant_text(np.array([1.0, 2.0])) == "(2,) [1, 2]"
    assert constant_text(0.5) == "0.5"


def test_true_minus_signs():
    assert true_minus("-0.5344") == "\u22120.5344"
    assert true_minus("1e-7") == "1e\u22127" and true_minus("-inf") == "\u2212inf"
    assert true_minus("a-b") == "a-b"  # a hyphen in a name stays
    assert minus("∂y/∂x = -1/x² = -y²") == "∂y/∂x = \u22121/x² = \u2212y²"
