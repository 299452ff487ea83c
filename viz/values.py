"""The values typed for an expression's variables: ``--at x=1 a=0.3,2.9,4.0 W=1,2;3,4``,
and the playground's fields.

A value is a number, a vector (numbers split by ``,``) or a matrix (rows split by ``;``,
each row's numbers by ``,``).  Each number is read by viz.expr's parser, so a value
accepts exactly the numbers an expression accepts (``1e-3``, ``.5``, ``-2``, ``1_000``)
and refuses what it refuses, pointing at the character: ``١`` (an Arabic-Indic digit,
which Python's float() would take), ``nan``, ``inf``, ``1e999``.

    parse_assignments(["x=1", "a=1,2,3"])   # {'x': 1.0, 'a': array([1., 2., 3.])}
    parse_value("1,2;3,4", "W")             # array([[1., 2.], [3., 4.]])
"""
from __future__ import annotations

import keyword
import re
import unicodedata
from collections.abc import Iterable

import numpy as np

from viz.expr import FUNCTIONS, ExprError, parse
from viz.refusal import N_

__all__ = ["MAX_ELEMENTS", "format_value", "parse_assignments", "parse_value", "shape_text"]

# a value is typed by hand: more numbers than this is a file's work, not a field's
MAX_ELEMENTS = 10_000
_SEPARATORS = re.compile(r"[,;]")
_NOT_FINITE = N_("value for {name} must be a finite number, got {typed}")
_NOT_A_NUMBER = N_("value for {name} is not a number: {typed}")


def _number(text: str, start: int, name: str, whole: str) -> float:
    """The number `text` (at `start` in `whole`), read as the expression parser reads it."""
    stripped = text.strip()
    offset = start + len(text) - len(text.lstrip())
    if not stripped:
        raise ExprError(N_("value for {name} has an empty entry: write a number between "
                           "the commas"), whole, offset, name=repr(name))
    try:
        expr = parse(stripped)
    except ExprError as e:
        if "too large" in e.message:
            raise ExprError(_NOT_FINITE, whole, offset, name=repr(name),
                            typed=repr(stripped)) from None
        if e.message.startswith("invalid character"):
            raise ExprError(N_("value for {name}: {reason}; a number is written with the "
                               "digits 0-9"), whole, offset + e.offset, name=repr(name),
                            reason=e) from None
        if e.message.startswith("invalid number") and "(write" not in e.message:
            raise ExprError(N_("value for {name}: {reason}"), whole, offset + e.offset,
                            name=repr(name), reason=e) from None
        raise ExprError(_NOT_A_NUMBER, whole, offset, name=repr(name),
                        typed=repr(stripped)) from None
    number = expr.number()
    if number is None:
        if stripped.lstrip("+-").lower() in ("nan", "inf", "infinity"):
            raise ExprError(_NOT_FINITE, whole, offset, name=repr(name), typed=repr(stripped))
        raise ExprError(_NOT_A_NUMBER, whole, offset, name=repr(name), typed=repr(stripped))
    return number


def parse_value(text: str, name: str = "x", whole: str | None = None,
                start: int = 0) -> float | np.ndarray:
    """A number, a vector (``1,2,3``) or a matrix (``1,2;3,4``) from `text`; ExprError
    (pointing into `whole`, the text `text` is part of, at `start`) when it is none."""
    whole = text if whole is None else whole
    if len(_SEPARATORS.findall(text)) >= MAX_ELEMENTS:
        raise ExprError(N_("value for {name} has more than {limit} numbers"), whole, start,
                        name=repr(name), limit=MAX_ELEMENTS)
    rows, at = [], start
    for row_text in text.split(";"):
        row, col = [], at
        for item in row_text.split(","):
            row.append(_number(item, col, name, whole))
            col += len(item) + 1
        rows.append(row)
        at += len(row_text) + 1
    if ";" not in text:
        return rows[0][0] if len(rows[0]) == 1 else np.array(rows[0])
    widths = {len(r) for r in rows}
    if len(widths) > 1:
        bad = next(i for i, r in enumerate(rows) if len(r) != len(rows[0]))
        at = start + sum(len(r) + 1 for r in text.split(";")[:bad])
        raise ExprError(N_("the rows of {name} differ in length: row 1 has {first} numbers, "
                           "row {row} has {n}"), whole, at, name=repr(name),
                        first=len(rows[0]), row=bad + 1, n=len(rows[bad]))
    return np.array(rows)


def shape_text(value) -> str:
    """'number', '3-vector', '2×3 matrix': what a value is, for messages and fields."""
    if not isinstance(value, np.ndarray):
        return "number"
    if value.ndim == 1:
        return f"{value.shape[0]}-vector"
    return f"{value.shape[0]}×{value.shape[1]} matrix"


def format_value(value) -> str:
    """The text parse_value reads back as `value` (repr-exact numbers)."""
    if not isinstance(value, np.ndarray):
        return _g(value)
    if value.ndim == 1:
        return ",".join(_g(v) for v in value)
    return ";".join(",".join(_g(v) for v in row) for row in value)


def _g(v) -> str:
    text = repr(float(v))
    return text[:-2] if text.endswith(".0") else text


def parse_assignments(items: Iterable[str]) -> dict[str, float | np.ndarray]:
    """Turn ``--at`` items like ``["x=1", "a=1,2,3"]`` into ``{"x": 1.0, "a": array}``.

    Errors are :class:`ExprError` whose ``text`` is the offending item.
    """
    values: dict[str, float | np.ndarray] = {}
    for item in items:
        if not isinstance(item, str):
            raise TypeError(f"assignment must be a str, not {type(item).__name__}")
        raw_name, equals, raw_value = item.partition("=")
        if not equals or not raw_name.strip() or not raw_value.strip():
            where = len(item) if not equals or raw_name.strip() else 0
            raise ExprError(N_("expected NAME=NUMBER (or NAME=1,2,3 for a vector), got "
                               "{item}"), item, where, item=repr(item))
        name_offset = len(raw_name) - len(raw_name.lstrip())
        # The parser NFKC-normalizes identifiers; do the same so e.g. 'ﬁ' matches 'fi'.
        name = unicodedata.normalize("NFKC", raw_name.strip())
        if not name.isidentifier() or keyword.iskeyword(name):
            raise ExprError(N_("invalid variable name {name} in {item}"), item, name_offset,
                            name=repr(raw_name.strip()), item=repr(item))
        if name in FUNCTIONS:
            raise ExprError(N_("{name} is a function name and cannot be given a value"), item,
                            name_offset, name=repr(name))
        if name in values:
            raise ExprError(N_("{name} is given more than once"), item, name_offset,
                            name=repr(name))
        values[name] = parse_value(raw_value, name, item, len(raw_name) + 1)
    return values
