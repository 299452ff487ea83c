"""viz.refusal: a refusal of typed text keeps its English message and is said in the
learner's language, with the caret under the same character."""
import pickle
import re

import numpy as np
import pytest

from autograd import DomainError, Value
from tests.viz.cli.helpers import english_left
from viz.expr import FUNCTIONS, parse
from viz.expr_graph import build_graph
from viz.i18n import translator
from viz.refusal import N_, ExprError, Reason, domain_said
from viz.values import parse_assignments, parse_value

JA, EN = translator("ja"), translator("en")
_KANA_KANJI = re.compile(r"[\u3040-\u30ff\u4e00-\u9fff]")


def _refusal(make):
    with pytest.raises(ExprError) as info:
        make()
    return info.value


def _vectors(a, b):
    return lambda: build_graph("sum(a*b)", {"a": np.array(a), "b": np.array(b)})


# a representative refusal of each kind a learner meets: the parser's, a value's, a shape's
REFUSALS = {
    "a bad character": lambda: parse("x − y"),
    "an unexpected character": lambda: parse("x $ y"),
    "an unbalanced parenthesis": lambda: parse("sigmoid(x*w+b"),
    "an unknown function": lambda: parse("foo(x) + 1"),
    "a function used as a variable": lambda: parse("x * exp"),
    "a forbidden operator": lambda: parse("x ^ 2"),
    "a lambda": lambda: parse("lambda x: x"),
    "attribute access": lambda: parse("x.T + 1"),
    "a product without '*'": lambda: parse("3 + 2x"),
    "a wrong number of arguments": lambda: parse("exp(x, y)"),
    "a missing value": lambda: parse("x*y").evaluate({"x": 1.0}, None),
    "an empty entry of a vector": lambda: parse_value("0.3,,4.0", "a"),
    "a full-width digit": lambda: parse_value("0.3,２.9", "a"),
    "rows of a matrix differ": lambda: parse_value("1,2;3,4;5", "W"),
    "a value that is no number": lambda: parse_value("1,two", "a"),
    "a bad --at item": lambda: parse_assignments(["x=1", "y"]),
    "a shape mismatch in @": lambda: build_graph("sum(x @ W)", {
        "x": np.array([1.0, 2.0]), "W": np.ones((3, 2))}),
    "vectors of different lengths": _vectors([1.0, 2.0, 3.0], [1.0, 2.0]),
}


@pytest.mark.parametrize("kind", REFUSALS)
def test_each_refusal_is_said_in_japanese_with_the_caret_where_english_puts_it(kind):
    e = _refusal(REFUSALS[kind])
    english, japanese = str(e), e.said(JA)
    said, *caret = japanese.split("\n")
    assert _KANA_KANJI.search(said), japanese
    assert english_left(said, FUNCTIONS) == [], japanese
    assert english_left(english.split("\n")[0], FUNCTIONS)  # the check would see English
    # the input and the caret under the same character as in English
    assert caret == english.split("\n")[1:] and len(caret) == 2
    assert e.said(EN) == english  # English is the message itself, unchanged


def test_the_english_message_stays_what_it_was():
    e = _refusal(lambda: parse("foo(x)"))
    assert e.message == ("unknown function 'foo' (allowed: exp, log, sqrt, reciprocal, relu, "
                         "sigmoid, tanh, softmax, sum, mean, max, cross_entropy_error, "
                         "softmax_with_loss)")
    assert e.template == "unknown function {name} (allowed: {allowed})"
    assert e.offset == 0 and e.said_message(JA).startswith("'foo' という関数はありません")


def test_a_reason_inside_a_refusal_is_said_in_the_same_language():
    e = _refusal(lambda: parse_value("1,２", "a"))
    assert e.message == ("value for 'a': invalid character '２' (U+FF12); a number is "
                         "written with the digits 0-9")
    assert e.said_message(JA) == ("'a' の値: 使えない文字 '２'（U+FF12）があります。"
                                  "数値は半角の数字 0〜9 で書きます")
    assert e.offset == 2


def test_a_refusal_survives_pickling_with_its_template():
    e = _refusal(lambda: parse_value("1,２", "a"))
    copy = pickle.loads(pickle.dumps(e))
    assert (copy.template, copy.text, copy.offset) == (e.template, e.text, e.offset)
    assert copy.said(JA) == e.said(JA) and str(copy) == str(e)


def test_a_plain_message_is_kept_as_given():
    # a message that is no template (or already said) is shown as it is, braces and all
    e = ExprError("計算できません {x}", "x+1", 1)
    assert e.said(JA) == str(e) == "計算できません {x}\n  x+1\n   ^"
    assert ExprError("").said(JA) == ""  # not gettext's header
    made = ExprError(N_("expression is empty"))
    assert made.said(JA) == "式が空です" and str(made) == "expression is empty"


def test_an_engine_error_as_a_reason():
    with pytest.raises(DomainError) as info:
        Value(-1.0, name="x").log()
    reason = Reason(info.value)
    assert reason.said_message(EN) == str(info.value)  # the engine's own English
    assert reason.said_message(JA) == domain_said(info.value, JA) == (
        "log(x=-1.0) は定義されません。log に渡せるのは正の数だけです")
    e = ExprError(N_("cannot compute it at these values: {reason}"), reason=reason)
    assert e.message == f"cannot compute it at these values: {info.value}"
    assert e.said(JA).startswith("この値では計算できません: log(x=-1.0) は定義されません")
