"""Tests for viz.expr, the safe parser behind ``graphgrad draw "EXPR" --at x=1``."""

import math
import pickle
import re
import sys
import tokenize
from io import StringIO
from pathlib import Path

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from viz.expr import FLOAT_OPS, FUNCTIONS, MAX_DEPTH, MAX_LENGTH, ExprError, FloatOps, parse

VALUES = {"x": 3.0, "y": 2.0, "z": -1.5, "α": 0.5}


class Recorder:
    """Ops that spell out the calls they receive, to check the shape of the tree."""

    def const(self, number):
        return repr(float(number))

    def var(self, name, value):
        return name

    def label(self, name, value):
        return f"label:{name}"

    def __getattr__(self, op):
        return lambda *args: f"{op}({', '.join(args)})"


class CountingOps(FloatOps):
    def __init__(self):
        self.var_calls = []

    def var(self, name, value):
        self.var_calls.append(name)
        return super().var(name, value)


GOOD = [
    ("1", 1.0),
    ("2.5", 2.5),
    ("x", 3.0),
    ("x + y * 2", 7.0),
    ("(x + y) * 2", 10.0),
    ("x - y - 1", 0.0),
    ("x / y / 2", 0.75),
    ("2 ** 3 ** 2", 512.0),
    ("-2 ** 2", -4.0),
    ("(-2) ** 2", 4.0),
    ("y ** -1", 0.5),
    ("x ** y", 9.0),
    ("x ** 0.5 ** 2", 3.0**0.25),
    ("--x", 3.0),
    ("+x", 3.0),
    ("-x * -y", 6.0),
    ("exp(0)", 1.0),
    ("log(exp(2))", 2.0),
    ("reciprocal(4)", 0.25),
    ("relu(-3) + relu(2)", 2.0),
    ("sigmoid(0)", 0.5),
    ("sigmoid(-1000)", 0.0),
    ("sigmoid(1000)", 1.0),
    ("tanh(0)", 0.0),
    ("tanh(z)", math.tanh(-1.5)),
    ("x*x + x", 12.0),
    ("1_000 + 0x10 + 1e-3 + .5 + 5.", 1021.501),
    ("  x  ", 3.0),
    ("\tx\t+\t1", 4.0),
    ("\n x + 1\n", 4.0),
    ("(x\n + 1)", 4.0),
    ("x + \\\n 1", 4.0),
    ("x  # comments are ignored", 3.0),
    ("((((x))))", 3.0),
    ("(" * 150 + "x" + ")" * 150, 3.0),
    ("α * 4", 2.0),
    (
        "exp(x) * log(y) / (1 + sigmoid(x - y))",
        math.exp(3) * math.log(2) / (1 + 1 / (1 + math.exp(-1))),
    ),
    ("x" + " + x" * (MAX_DEPTH - 1), 3.0 * MAX_DEPTH),
    ("tanh(" * (MAX_DEPTH - 1) + "-9" + ")" * (MAX_DEPTH - 1), None),
]


@pytest.mark.parametrize(("text", "expected"), GOOD)
def test_good_expressions_evaluate(text, expected):
    result = parse(text).evaluate(VALUES, FLOAT_OPS)
    if expected is None:  # only checking that the deepest allowed nesting works
        assert math.isfinite(result)
    else:
        assert result == pytest.approx(expected, rel=1e-12, abs=1e-15)


# (text, message fragment, offset of the caret)
BAD = [
    (
        "sin(x) + 1",
        "unknown function 'sin' (allowed: exp, log, sqrt, reciprocal, relu, sigmoid, tanh, "
        "softmax, sum, mean, max, cross_entropy_error, softmax_with_loss)",
        0,
    ),
    ("x + sin(x)", "unknown function 'sin'", 4),
    ("x(1)", "unknown function 'x'", 0),
    ("__import__('os')", "unknown function '__import__'", 0),
    ("exp", "'exp' is a function", 0),
    ("x + log", "'log' is a function", 4),
    ("exp(x)(y)", "only function names can be called", 6),
    ("2(x + 1)", "missing '*'", 1),
    ("(x + 1)(x - 1)", "only function names can be called", 7),
    ("exp()", "exp() takes exactly one argument: exp(x) (0 given)", 0),
    ("softmax_with_loss(a)", "softmax_with_loss() takes two arguments: softmax_with_loss(a, t)",
     0),
    ("cross_entropy_error(y, t, 1)", "(3 given)", 26),
    ("softmax_with_loss(a, t + 1)", "the labels of softmax_with_loss() are data", 21),
    ("softmax_with_loss(a, -1)", "the labels of softmax_with_loss() are data", 21),
    ("softmax_with_loss(a, 1.5)", "a class index written here", 21),
    ("softmax_with_loss(a, t) + t", "'t' is the labels of a loss here", 26),
    ("t * softmax_with_loss(a, t)", "'t' is a variable here, so it cannot also be the labels",
     25),
    ("softmax_with_loss(a, a)", "'a' is a variable here", 21),
    ("sum", "'sum' is a function: call it like sum(x)", 0),
    ("x + softmax_with_loss", "call it like softmax_with_loss(a, t)", 4),
    ("exp(x, y)", "(2 given)", 7),
    ("exp(x=1)", "keyword arguments are not allowed", 4),
    ("exp(**k)", "keyword arguments are not allowed", 4),
    ("exp(*x)", "'*' unpacking is not allowed", 4),
    ("x.real", "attribute access", 1),
    ("exp(x).real", "attribute access", 6),
    ("(x) .real", "attribute access", 4),
    ("x[0]", "indexing", 1),
    ("lambda: 1", "lambda expressions are not allowed", 0),
    ("x < 1", "comparisons are not allowed", 2),
    ("x == 1", "comparisons are not allowed", 2),
    ("x and y", "'and' / 'or' are not allowed", 2),
    ("not x", "operator 'not' is not allowed", 0),
    ("~x", "operator '~' is not allowed", 0),
    ("x // 2", "operator '//' is not allowed (allowed: + - * / ** @)", 2),
    ("(x) % (2)", "operator '%'", 4),
    ("x ^ 2", "use ** for powers", 2),
    ("x.a // 2", "attribute access", 1),  # the leftmost problem wins
    ("x // y.a", "operator '//'", 2),
    ("'abc'", "strings are not allowed", 0),
    ("x + 'a'", "strings are not allowed", 4),
    ("'\\d'", "strings are not allowed", 0),
    ("b'a'", "strings are not allowed", 0),
    ("f'{x}'", "strings are not allowed", 0),
    ("1j", "complex numbers are not allowed", 0),
    ("True", "True/False are not allowed", 0),
    ("-False", "True/False are not allowed", 1),
    ("x + None", "None is not allowed", 4),
    ("...", "'...' is not allowed", 0),
    ("[x]", "lists are not allowed (a vector is a variable: a=1,2,3)", 0),
    ("{x}", "sets are not allowed", 0),
    ("{1: 2}", "dicts are not allowed", 0),
    ("x, y", "tuples (commas) are not allowed", 1),
    ("(x , y)", "tuples (commas) are not allowed", 3),
    ("()", "tuples (commas) are not allowed", 0),
    ("[x for x in y]", "comprehensions are not allowed", 0),
    ("(x for x in y)", "generator expressions are not allowed", 0),
    ("(y := 1)", "assignments (':=') are not allowed", 3),
    ("x if y else z", "conditional expressions", 2),
    ("await x", "'await' is not allowed", 0),
    ("(yield x)", "'yield' is not allowed", 1),
    ("1e999", "number is too large", 0),
    ("x * 0x" + "f" * 300, "number is too large", 4),
    ("-" * (MAX_DEPTH + 1) + "x", "too deeply nested", MAX_DEPTH),
    ("x" + "+x" * MAX_DEPTH, "too deeply nested", 0),
    ("exp(" * (MAX_DEPTH + 1) + "x" + ")" * (MAX_DEPTH + 1), "too deeply nested", 4 * MAX_DEPTH),
    ("x" * (MAX_LENGTH + 1), "expression is too long (2001 characters; the limit is 2000)", 2000),
    ("", "expression is empty", 0),
    (" \n\t ", "expression is empty", 0),
    ("x +", "expression ends unexpectedly", 3),
    ("x * \n", "expression ends unexpectedly", 3),
    ("(x + 1", "unbalanced parentheses: '(' is never closed", 0),
    ("exp(x", "unbalanced parentheses: '(' is never closed", 3),
    ("x + 1)", "unbalanced parentheses: ')' has no matching '('", 5),
    ("x[1", "unbalanced brackets: '[' is never closed", 1),
    ("(x]", "mismatched brackets: ']' does not match '('", 2),
    ("x y", "invalid syntax: unexpected 'y'", 2),
    ("1.2.3", "invalid syntax: unexpected '.'", 3),
    ("x = 1", "invalid syntax: unexpected '='", 2),
    ("(x y)", "missing operator (e.g. '*')", 1),
    ("2x", "invalid number '2x' (write 2*x to multiply)", 0),
    ("x + 3y", "write 3*y to multiply", 4),
    ("09", "invalid number: leading zero", 0),
    ("0b2", "invalid number", 2),
    ("1e+", "invalid number", 2),
    ("1e", "invalid number '1e' (write 1*e to multiply)", 0),
    ("'abc", "strings are not allowed", 0),
    ("x \\ y", "'\\' is not an operator (use '/' to divide)", 2),
    ("x\n y", "unexpected indentation after a line break", 2),
    ("x €", "invalid character '€' (U+20AC)", 2),
    ("x\x00", "invalid character U+0000", 1),
    ("x\udc80", "invalid character U+DC80", 1),
    ("x\xa0+ 1", "invalid non-printable character U+00A0", 1),
    # Parser columns are UTF-8 bytes; the offset must still count characters.
    ("é + sin(é)", "unknown function 'sin'", 4),
    ("日本 // 2", "operator '//'", 3),
    ("é é", "unexpected 'é'", 2),
    # Positions on later lines and after stripped leading blanks.
    ("  sin(x)", "unknown function 'sin'", 2),
    ("(x +\n sin(x))", "unknown function 'sin'", 6),
    ("(x +\r\n sin(x))", "unknown function 'sin'", 7),
    ("\n\n (x +\r sin(x))", "unknown function 'sin'", 9),
]


@pytest.mark.parametrize(("text", "fragment", "offset"), BAD)
def test_bad_expressions_are_rejected_with_position(text, fragment, offset):
    with pytest.raises(ExprError) as info:
        parse(text)
    err = info.value
    assert fragment in err.message
    assert (err.text, err.offset) == (text, offset)
    assert err.message in str(err)


def test_far_too_deep_input_is_an_expr_error_not_a_crash():
    # Deep enough that CPython's own parser gives up before our depth check runs.
    for text in ["-" * (MAX_LENGTH - 1) + "x", "x" + "+x" * (MAX_LENGTH // 2 - 1)]:
        with pytest.raises(ExprError, match="too deeply nested"):
            parse(text)
    with pytest.raises(ExprError, match="too many nested parentheses"):
        parse("(" * 300 + "x" + ")" * 300)


def test_error_display_has_caret_under_offset():
    with pytest.raises(ExprError) as info:
        parse("sin(x) + 1")
    assert str(info.value) == (
        f"unknown function 'sin' (allowed: {', '.join(FUNCTIONS)})\n"
        "  sin(x) + 1\n"
        "  ^"
    )
    with pytest.raises(ExprError) as info:
        parse("x + (y // 2)")
    assert str(info.value).splitlines()[1:] == ["  x + (y // 2)", "         ^"]


def test_error_display_shows_only_the_offending_line():
    with pytest.raises(ExprError) as info:
        parse("(x +\n\ty + sin(x))")
    assert str(info.value).splitlines()[1:] == ["  \ty + sin(x))", "  \t    ^"]


def test_error_display_windows_long_lines_and_hides_control_characters():
    text = "x + " * 30 + "sin(x)" + " + x" * 30
    with pytest.raises(ExprError) as info:
        parse(text)
    _, line, caret = str(info.value).splitlines()
    assert len(line) <= 80
    assert line[caret.index("^") :].startswith("sin(x)")
    err = ExprError("bad", "a\x1bb\udc80c", 4)
    _, line, caret = str(err).splitlines()
    assert line == "  a?b?c"
    assert caret == "      ^"


def test_expr_error_is_a_picklable_value_error():
    err = ExprError("boom", "x + y", 4)
    assert isinstance(err, ValueError)
    copy = pickle.loads(pickle.dumps(err))
    assert (copy.message, copy.text, copy.offset, str(copy)) == (
        err.message,
        err.text,
        err.offset,
        str(err),
    )
    assert str(ExprError("no text")) == "no text"


def test_non_string_input_is_a_type_error():
    with pytest.raises(TypeError):
        parse(b"x")


@pytest.mark.parametrize(
    ("text", "variables"),
    [
        ("1 + 2", ()),
        ("x", ("x",)),
        ("y*x + z*y + x", ("y", "x", "z")),
        ("exp(b) + a ** b", ("b", "a")),
        ("-(q) / p - q", ("q", "p")),
        ("ﬁ + fi", ("fi",)),  # the parser NFKC-normalizes names
    ],
)
def test_variables_in_order_of_first_appearance(text, variables):
    expr = parse(text)
    assert expr.variables == variables
    assert expr.text == text


def test_each_variable_is_created_once_and_reused():
    ops = CountingOps()
    assert parse("x*x + y*x - exp(y)").evaluate({"x": 2, "y": 0}, ops) == 3.0
    assert ops.var_calls == ["x", "y"]


@pytest.mark.parametrize(
    ("text", "calls"),
    [
        ("x + y * 2", "add(x, mul(y, 2.0))"),
        ("x - y - z", "sub(sub(x, y), z)"),
        ("x ** y ** z", "pow(x, pow(y, z))"),
        ("-x ** 2", "neg(pow(x, 2.0))"),
        # A sign on a number literal is part of the number, so pow gets a constant.
        ("x ** -1", "pow(x, -1.0)"),
        ("x ** -(1)", "pow(x, -1.0)"),
        ("--1", "neg(-1.0)"),
        ("+x / -y", "div(pos(x), neg(y))"),
        ("x ** (y + 1)", "pow(x, add(y, 1.0))"),
        (
            "tanh(relu(x)) * reciprocal(sigmoid(log(exp(x))))",
            "mul(tanh(relu(x)), reciprocal(sigmoid(log(exp(x)))))",
        ),
    ],
)
def test_ops_receive_the_expected_calls(text, calls):
    assert parse(text).evaluate({"x": 1, "y": 2, "z": 3}, Recorder()) == calls


def test_missing_value_names_the_variable():
    expr = parse("x + y * y")
    with pytest.raises(ExprError) as info:
        expr.evaluate({"x": 1.0, "unused": 5.0}, FLOAT_OPS)
    assert info.value.message == "no value for 'y': pass --at y=..."
    assert info.value.offset == 4


@pytest.mark.parametrize(
    ("text", "error"),
    [
        ("x / 0", ZeroDivisionError),
        ("reciprocal(x - x)", ZeroDivisionError),
        ("log(0)", ValueError),
        ("(-8) ** (1/3)", ValueError),
        ("exp(1000)", OverflowError),
        ("10.0 ** 400", OverflowError),
    ],
)
def test_float_ops_raise_arithmetic_errors(text, error):
    with pytest.raises(error):
        parse(text).evaluate({"x": 1.0}, FLOAT_OPS)


FORBIDDEN = {"eval", "exec", "compile", "__import__"}


def test_module_source_never_executes_code():
    source = Path(sys.modules[parse.__module__].__file__).read_text(encoding="utf-8")
    assert not re.search(r"\b(eval|exec)\s*\(", source)
    previous = None
    for token in tokenize.generate_tokens(StringIO(source).readline):
        if token.type == tokenize.NAME and token.string in FORBIDDEN:
            # re.compile is fine; a bare compile/eval/exec is not.
            assert previous == ".", f"line {token.start[0]}: {token.string}"
        previous = token.string
    assert 'ast.parse(body, mode="eval")' in source


# --- fuzzing ----------------------------------------------------------------------

EXPRESSIONISH = "xy0123456789.+-*/() e_abcdefghijklmnopqrstuvwxyz,=[]'\""
FUZZ = settings(max_examples=300, deadline=None)


def check_never_crashes(text):
    """parse() raises only ExprError; evaluate() with FLOAT_OPS only raises ExprError,
    ArithmeticError (ZeroDivisionError, OverflowError) or ValueError (math domain)."""
    try:
        expr = parse(text)
    except ExprError as err:
        assert err.text == text
        assert 0 <= err.offset <= len(text)
        str(err)
        return
    for value in (0.7, -2.0):
        try:
            expr.evaluate(dict.fromkeys(expr.variables, value), FLOAT_OPS)
        except (ArithmeticError, ValueError):
            pass


@FUZZ
@given(st.text(max_size=60))
def test_fuzz_any_text(text):
    check_never_crashes(text)


@FUZZ
@given(st.text(st.characters(exclude_categories=()), max_size=20))
def test_fuzz_text_with_surrogates_and_controls(text):
    check_never_crashes(text)


@FUZZ
@given(st.text(alphabet=EXPRESSIONISH, max_size=80))
def test_fuzz_expression_like_text(text):
    check_never_crashes(text)


FUZZ_FUNCTIONS = ("exp", "log", "reciprocal", "relu", "sigmoid", "tanh", "sin", "x")


@FUZZ
@given(
    st.lists(
        st.sampled_from(
            [*FUZZ_FUNCTIONS, "(", ")", "+", "-", "*", "/", "**", "1", "2.5", "y", " ", ","]
        ),
        max_size=40,
    )
)
def test_fuzz_token_soup(tokens):
    check_never_crashes("".join(tokens))


# Random well-formed trees: parsing their text must give back exactly their calls.
# Each strategy value is (text, recorded calls, is a bare number literal, literal value).
_leaves = st.one_of(
    st.sampled_from(["x", "y", "z"]).map(lambda name: (name, name, False, None)),
    st.integers(0, 10**6).map(lambda n: (str(n), repr(float(n)), True, n)),
    st.floats(0, 1e6).map(lambda f: (repr(f), repr(f), True, f)),
)


def _unary(sign, child):
    text, calls, is_number, value = child
    if is_number:  # the parser folds a sign on a literal into the constant
        calls = repr(float(-value if sign == "-" else value))
    else:
        calls = f"{'neg' if sign == '-' else 'pos'}({calls})"
    return (f"{sign}({text})", calls, False, None)


def _extend(children):
    binary = st.builds(
        lambda a, op, b: (f"({a[0]}) {op[0]} ({b[0]})", f"{op[1]}({a[1]}, {b[1]})", False, None),
        children,
        st.sampled_from([("+", "add"), ("-", "sub"), ("*", "mul"), ("/", "div"), ("**", "pow")]),
        children,
    )
    call = st.builds(
        lambda fn, a: (f"{fn}({a[0]})", f"{fn}({a[1]})", False, None),
        st.sampled_from(FUZZ_FUNCTIONS[:6]),
        children,
    )
    return st.one_of(binary, call, st.builds(_unary, st.sampled_from("+-"), children))


@FUZZ
@given(st.recursive(_leaves, _extend, max_leaves=25))
def test_round_trip_of_generated_trees(tree):
    text, calls = tree[0], tree[1]
    assert parse(text).evaluate({"x": 1, "y": 2, "z": 3}, Recorder()) == calls


# --- the book's expressions: @, the new functions, labels ---------------------------


@pytest.mark.parametrize(
    ("text", "calls"),
    [
        ("x @ W + b", "add(matmul(x, W), b)"),
        ("softmax_with_loss(a, t)", "softmax_with_loss(a, label:t)"),
        ("cross_entropy_error(softmax(a), 2)", "cross_entropy_error(softmax(a), 2.0)"),
        ("sum(softmax(a) * a)", "sum(mul(softmax(a), a))"),
        ("2 ** x + sqrt(mean(a)) - max(a)", "sub(add(pow(2.0, x), sqrt(mean(a))), max(a))"),
    ],
)
def test_the_books_expressions_reach_ops(text, calls):
    values = dict.fromkeys(("x", "W", "b", "a", "t"), 1.0)
    assert parse(text).evaluate(values, Recorder()) == calls


def test_labels_are_listed_and_made_with_label():
    expr = parse("softmax_with_loss(a * w, t) + cross_entropy_error(softmax(a), t)")
    assert expr.variables == ("a", "w", "t")
    assert expr.labels == ("t",)
    assert expr.uses("softmax") and expr.uses("mul") and not expr.uses("matmul")


@pytest.mark.parametrize(
    ("text", "value"), [("sqrt(x)", math.sqrt(3.0)), ("2 ** x", 8.0), ("x ** x", 27.0)]
)
def test_float_ops_compute_the_new_scalar_functions(text, value):
    assert parse(text).evaluate(VALUES, FLOAT_OPS) == pytest.approx(value)


@pytest.mark.parametrize(
    ("text", "offset"), [("x + softmax(x)", 4), ("x @ y", 2), ("sum(x) * 2", 0)]
)
def test_float_ops_refuse_vector_functions_at_their_position(text, offset):
    with pytest.raises(ExprError) as info:
        parse(text).evaluate(VALUES, FLOAT_OPS)
    assert "needs vectors or matrices" in info.value.message
    assert (info.value.text, info.value.offset) == (text, offset)


class Failing(FloatOps):
    """mul raises an ExprError without a position; div an engine-like ValueError."""

    def mul(self, a, b):
        raise ExprError("shapes do not agree")

    def div(self, a, b):
        raise ValueError("bad value")


def test_an_ops_error_is_placed_at_its_operation():
    with pytest.raises(ExprError) as info:
        parse("exp(x) + (y  *  x)").evaluate(VALUES, Failing())
    assert (info.value.message, info.value.offset) == ("shapes do not agree", 13)
    with pytest.raises(ValueError) as raised:
        parse("x + y / x").evaluate(VALUES, Failing())
    assert raised.value.expr_offset == 6 and not isinstance(raised.value, ExprError)


def test_number_is_only_a_lone_literal():
    assert parse("-2.5").number() == -2.5
    assert parse("0x10").number() == 16.0
    assert parse("x").number() is None and parse("1 + 1").number() is None
