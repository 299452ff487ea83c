"""Numbers as the book typesets them: 715, 2.2, 0.7311, 1e-7, a true minus sign.

One place for the number text of every front end: the view model's edge values and
gradients, the DOT labels and the stepper's explanations.
"""
from __future__ import annotations

import math
import numbers
import re

import numpy as np

__all__ = ["SUPERSCRIPT", "constant_text", "format_data", "format_number", "make_formatter",
           "minus", "true_minus"]

# exponents as the book sets them: x², y⁻¹ (str.translate table)
SUPERSCRIPT = str.maketrans("0123456789-", "⁰¹²³⁴⁵⁶⁷⁸⁹⁻")


def format_number(x, digits=4):
    """The book's way of writing numbers: up to `digits` significant digits, whole
    numbers without ".0" (715, 2.2, 110, 1.1, 0.7311, 1e-07 -> 1e-7)."""
    x = float(x)
    if math.isnan(x) or math.isinf(x):
        return str(x)
    if x == 0:
        return "0"  # also -0.0
    # never put a number like 12345.6 in exponent form: keep every integer digit
    whole = len(str(int(abs(x)))) if 1 <= abs(x) < 1e7 else 0
    text = f"{x:.{max(digits, whole)}g}"
    if "e" in text:
        mant, exp = text.split("e")
        return f"{mant}e{int(exp)}"
    return text


def make_formatter(fmt=None):
    """A number formatter from `fmt`: None (the book's 4 significant digits), an int
    (that many significant digits), a format spec like ".3f", or a callable."""
    if fmt is None:
        return format_number
    if callable(fmt):
        return fmt
    if isinstance(fmt, numbers.Integral) and not isinstance(fmt, bool):
        if fmt < 1:
            raise ValueError(f"fmt: need at least 1 significant digit, got {fmt}")
        return lambda x: format_number(x, int(fmt))
    if isinstance(fmt, str):
        format(1.5, fmt)  # a bad spec fails here, not in the middle of drawing
        return lambda x: format(float(x), fmt)
    raise TypeError(f"fmt must be None, an int, a format spec or a callable, got {fmt!r}")


def format_data(data, fmt=format_number, preview=True):
    """A value as edge text: a number, or an array's shape with a compact preview
    ((2,) [0.6, 0.9]; (100, 10) [[0.12, …]]).  preview=False gives the shape only."""
    if not isinstance(data, np.ndarray):
        return fmt(data)
    if data.ndim == 0:
        return fmt(data.item())
    shape = "(" + ", ".join(str(n) for n in data.shape) + ("," if data.ndim == 1 else "") + ")"
    if not preview or data.size == 0:
        return shape
    if data.size <= 4:
        return f"{shape} {_nested(data, fmt)}"
    first = fmt(data.flat[0])
    return f"{shape} {'[' * data.ndim}{first}, …{']' * data.ndim}"


def _nested(a, fmt):
    if a.ndim == 0:
        return fmt(a.item())
    return "[" + ", ".join(_nested(x, fmt) for x in a) + "]"


def constant_text(data, fmt=format_number, preview=True):
    """A constant as its label: a broadcast constant (the −1 of sigmoid on a Tensor)
    reads better as the one number it repeats."""
    if isinstance(data, np.ndarray) and data.size and np.all(data == data.flat[0]):
        return fmt(data.flat[0])
    return format_data(data, fmt, preview)


_NUMBER_MINUS = re.compile(r"-(?=[\d.]|inf)")


def true_minus(text):
    """The minus signs of the numbers in `text` as U+2212 (−1, not -1), as the book prints
    them; a hyphen elsewhere (a name like 'a-b') stays."""
    return _NUMBER_MINUS.sub("\u2212", str(text))


def minus(text):
    """Every hyphen as a minus sign: for a number or a formula (∂y/∂x = −1/x² = −y²)."""
    return str(text).replace("-", "\u2212")
