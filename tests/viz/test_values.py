"""Tests for viz.values: the values typed for an expression's variables (--at, the
playground's fields)."""

import numpy as np
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from viz.expr import ExprError, parse
from viz.values import format_value, parse_assignments, parse_value, shape_text


def test_parse_assignments_good():
    assert parse_assignments([]) == {}
    assert parse_assignments(["x=1", "y=2.5", " z = -3e-2 ", "α=+4", "ﬁ=.5", "b=1_0"]) == {
        "x": 1.0,
        "y": 2.5,
        "z": -0.03,
        "α": 4.0,
        "fi": 0.5,
        "b": 10.0,
    }


def test_vectors_and_matrices():
    values = parse_assignments(["a=0.3,2.9,4.0", "W=0.1, 0.3, 0.5; 0.2,0.4,0.6", "t=0,0,1"])
    np.testing.assert_array_equal(values["a"], [0.3, 2.9, 4.0])
    np.testing.assert_array_equal(values["W"], [[0.1, 0.3, 0.5], [0.2, 0.4, 0.6]])
    assert values["W"].shape == (2, 3) and values["t"].dtype == np.float64
    assert [shape_text(values[k]) for k in "aW"] == ["3-vector", "2×3 matrix"]
    assert shape_text(1.5) == "number"


@pytest.mark.parametrize("value", [1.5, -0.1, 1e-300, np.array([0.1, 2.0, -3.0]),
                                   np.array([[1.0, 2.5], [1 / 3, -4e5]])])
def test_format_value_round_trips(value):
    back = parse_value(format_value(value))
    np.testing.assert_array_equal(back, value)


@pytest.mark.parametrize(
    ("items", "fragment", "offset"),
    [
        (["x"], "expected NAME=NUMBER (or NAME=1,2,3 for a vector), got 'x'", 1),
        (["=1"], "expected NAME=NUMBER", 0),
        (["x="], "expected NAME=NUMBER", 2),
        (["x=1", "y"], "expected NAME=NUMBER", 1),
        (["1x=2"], "invalid variable name '1x'", 0),
        (["a-b=2"], "invalid variable name 'a-b'", 0),
        (["if=1"], "invalid variable name 'if'", 0),
        ([" exp=1"], "'exp' is a function name", 1),
        (["softmax=1"], "'softmax' is a function name", 0),
        (["x=abc"], "value for 'x' is not a number: 'abc'", 2),
        (["x=1=2"], "not a number: '1=2'", 2),
        (["x=1,y=2"], "not a number: 'y=2'", 4),
        (["x= nan"], "value for 'x' must be a finite number, got 'nan'", 3),
        (["x=-inf"], "finite", 2),
        (["x=1e999"], "finite", 2),
        (["x=007"], "invalid number: leading zero", 2),
        (["x=2x"], "not a number: '2x'", 2),
        (["x=1", "y=2", "x=3"], "'x' is given more than once", 0),
        # Python's float() reads these digits; the expression parser does not: neither may
        (["x=١"], "invalid character '١' (U+0661); a number is written with the digits 0-9",
         2),
        (["x=1,٢"], "invalid character '٢'", 4),
        (["x=１"], "invalid character", 2),
        (["a=1,,2"], "value for 'a' has an empty entry", 4),
        (["a=1,2,"], "empty entry", 6),
        (["W=1,2;3"], "the rows of 'W' differ in length: row 1 has 2 numbers, row 2 has 1",
         6),
        (["W=1,2;3,4;5"], "row 3 has 1", 10),
        (["W=1,2;"], "empty entry", 6),
    ],
)
def test_parse_assignments_bad(items, fragment, offset):
    with pytest.raises(ExprError) as info:
        parse_assignments(items)
    assert fragment in info.value.message
    assert info.value.text == items[-1]
    assert info.value.offset == offset


def test_too_many_numbers_are_refused():
    with pytest.raises(ExprError, match="more than 10000 numbers"):
        parse_value(",".join(["1"] * 10_001), "a")


def test_assignments_feed_evaluate():
    from viz.expr import FLOAT_OPS
    values = parse_assignments(["x=1", "y=2"])
    assert parse("x * y + y").evaluate(values, FLOAT_OPS) == 4.0


# a value accepts exactly the numbers an expression accepts: the parser is the oracle
NUMBERISH = "0123456789.+-e_x١٢１ "


@settings(max_examples=400, deadline=None)
@given(st.text(alphabet=NUMBERISH, min_size=1, max_size=8))
def test_a_value_is_a_number_exactly_when_the_parser_reads_one(text):
    try:
        expected = parse(text).number()
    except ExprError:
        expected = None
    try:
        got = parse_value(text)
    except ExprError as e:
        assert expected is None or not np.isfinite(expected), (text, e)
        assert 0 <= e.offset <= len(text)
        return
    assert got == expected
