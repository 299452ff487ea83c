"""The book's notation for sympy expressions: one line of text, as the book prints it.

`to_text(expr)` writes −t1/y1, −S·t1, y·(1 − y), exp(−x), y², the upstream symbol
(∂L/∂y) first in a product; `to_text(expr, book=True, ...)` the drawings' notation, closer
still to the book's figures (numbers first in a sum, a product before a parenthesis
without a dot: y(1 − y), 1/exp(a1) where exp(a1) is a value of the graph).  The one
printer of expressions in graphgrad: the drawings' labels, the stepper's symbolic column
and the notebooks print through it (viz.symbolic's SymbolicGraph.text and book_text).
"""
from __future__ import annotations

import re

import sympy as sp
from sympy.printing.precedence import PRECEDENCE, precedence
from sympy.printing.str import StrPrinter

from viz.numbers import SUPERSCRIPT, format_number

__all__ = ["to_text"]


class _Printer(StrPrinter):
    """sympy's str, with the upstream symbol (∂L/∂y) written first in a product, as the
    book writes ∂L/∂y·y², relu's mask case by case and max() in lower case."""

    lead = ()

    def _print_Mul(self, expr):
        for s in self.lead:
            if s in expr.args:
                rest = expr / s
                sign = "-" if rest.could_extract_minus_sign() else ""
                rest = -rest if sign else rest
                if rest == 1:
                    return f"{sign}{self._print(s)}"
                inner = self.parenthesize(rest, PRECEDENCE["Mul"], strict=True)
                return f"{sign}{self._print(s)}*{inner}"
        return super()._print_Mul(expr)

    def _print_Add(self, expr, order=None):
        # positive terms first (y1 − t1, 1 − y), otherwise sympy's order
        terms = sorted(self._as_ordered_terms(expr, order=order),
                       key=lambda t: t.could_extract_minus_sign())
        parts = []
        for term in terms:
            t = self._print(term)
            sign = "+"
            if t.startswith("-") and not term.is_Add:
                sign, t = "-", t[1:]
            if precedence(term) < precedence(expr) or term.is_Add:
                t = f"({t})"
            parts += [sign, t]
        sign = parts.pop(0)
        return ("" if sign == "+" else sign) + " ".join(parts)

    def _print_Symbol(self, expr):
        name = expr.name
        return f"({name})" if any(c in name for c in "/ +-*") else name

    def _print_Pow(self, expr, rational=False):
        # a**(-2) as the book's 1/a²
        if expr.exp.is_Integer and expr.exp < 0:
            inner = self.parenthesize(expr.base ** -expr.exp, PRECEDENCE["Mul"])
            return f"1/{inner}"
        return super()._print_Pow(expr, rational=rational)

    def _print_Heaviside(self, expr):
        """relu's mask as the book writes the derivative, case by case (equation 5.8:
        1 (x > 0), 0 (x ≤ 0)), the condition solved for the variable: {1 (y > 1),
        0 (y ≤ 1)}.  sympy's H(y − 1) is nothing a learner has met."""
        c, rest = expr.args[0].as_coeff_Add()
        if rest.could_extract_minus_sign():  # c − r > 0: r < c
            left, right, above, below = -rest, c, "<", "≥"
        else:  # r + c > 0: r > −c
            left, right, above, below = rest, -c, ">", "≤"
        left, right = self._print(left), self._print(right)
        return f"{{1 ({left} {above} {right}), 0 ({left} {below} {right})}}"

    def _print_Max(self, expr):
        """max(0, y − 1), as a learner writes it (sympy: Max)."""
        return f"max({', '.join(self._print(a) for a in expr.args)})"

    def _print_Min(self, expr):
        return f"min({', '.join(self._print(a) for a in expr.args)})"


class _BookPrinter(_Printer):
    """The drawings' notation, closer still to the book's figures: numbers first in a
    sum (1 + exp(−x)), the upstream, then the leaves, then named quantities in a product
    (−∂L/∂y·y², −t1·S), a product written before a parenthesis without a dot
    (y(1 − y), −S(t1 + t2 + t3)), and exp(−a1) written 1/exp(a1) where exp(a1) is a
    value of the graph and exp(−a1) is not (−t1/exp(a1); sigmoid keeps exp(−x))."""

    leaves = frozenset()
    exp_atoms = frozenset()

    def _rank(self, f):
        base = f.as_base_exp()[0]
        if f.is_number:
            return 0
        if base in self.lead:
            return 1
        if base.is_Symbol:
            return 2 if base in self.leaves else 3
        return 5 if base.is_Add else 4

    def _in_denominator(self, f):
        if f.is_Pow and f.exp.is_Rational and f.exp < 0:
            return f.base ** -f.exp
        if isinstance(f, sp.exp) and f not in self.exp_atoms:
            inverse = sp.exp(-f.args[0])
            if inverse in self.exp_atoms:
                return inverse
        return None

    def _factors(self, factors):
        factors = sorted(factors, key=lambda f: (self._rank(f), str(f)))
        text = ""
        for i, f in enumerate(factors):
            if i == 0 and f.is_Symbol and f in self.lead:
                t = f.name  # ∂L/∂y first in a product reads as (∂L/∂y)·...
            else:
                t = self.parenthesize(f, PRECEDENCE["Mul"], strict=False)
            bare = i and t.startswith("(") and factors[i - 1].as_base_exp()[0].is_Symbol \
                and "/" not in factors[i - 1].as_base_exp()[0].name
            text += ("" if bare or not i else "*") + t
        return text

    def _print_Mul(self, expr):
        c, rest = expr.as_coeff_Mul()
        sign = "-" if c < 0 else ""
        c = -c if c < 0 else c
        num, den = [], []
        if c.is_Rational:
            num += [sp.Integer(c.p)] if c.p != 1 else []
            den += [sp.Integer(c.q)] if c.q != 1 else []
        elif c != 1:
            num.append(c)
        for f in sp.Mul.make_args(rest):
            d = self._in_denominator(f)
            (num if d is None else den).append(f if d is None else d)
        top = self._factors(num) if num else "1"
        if not den:
            return sign + top
        bottom = self._factors(den)
        if len(den) > 1 or (den[0].is_Pow and den[0].exp.is_Rational
                            and not den[0].exp.is_Integer):
            bottom = f"({bottom})"
        return f"{sign}{top}/{bottom}"

    def _print_Add(self, expr, order=None):
        terms = sorted(self._as_ordered_terms(expr, order=order),
                       key=lambda t: (t.could_extract_minus_sign(), not t.is_number))
        return super()._print_Add(sp.Add(*terms, evaluate=False), order="none")

    def _print_Float(self, expr):
        return format_number(float(expr), 6)


def to_text(expr, lead=(), *, book=False, leaves=(), exp_atoms=()):
    """One line, the book's way: −t1/y1, −S·t1, y·(1 − y), exp(−x), y².  Symbols in
    `lead` come first in a product.  book=True: the drawings' notation (_BookPrinter),
    with `leaves` (symbols written before named quantities in a product) and
    `exp_atoms` (exp values of the graph, so 1/exp(a1) is written as such)."""
    printer = _BookPrinter() if book else _Printer()
    printer.lead = tuple(lead)
    if book:
        printer.leaves, printer.exp_atoms = frozenset(leaves), frozenset(exp_atoms)
    expr = sp.sympify(expr)
    text = printer.doprint(expr)
    if expr.is_Symbol and text.startswith("("):
        text = text[1:-1]  # ∂L/∂y needs its parentheses only inside a product
    text = re.sub(r"\*\*(\d+)", lambda m: m.group(1).translate(SUPERSCRIPT), text)
    text = text.replace("**", "^").replace("*", "·")
    return text.replace("-", "−")
