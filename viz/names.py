"""What the narration calls a node: its name, else what it computes from named nodes and
constants (exp(a1), 1/S, t1·log(y1), exp(−x) + 1), written from the graph alone, so a
numbers-only replay needs no sympy.  The symbolic forms of values and gradients are
viz.symbolic's (its book printer); a name is not a form: it is how a learner points at
a node, and reads the same with or without the algebra.
"""
from __future__ import annotations

import re

import numpy as np

from viz.numbers import SUPERSCRIPT, constant_text, minus

__all__ = ["NAME_LIMIT", "Names", "terms", "wrap"]

# an unnamed node is called by the expression it computes while that stays this short
NAME_LIMIT = 40
_FUNCTIONS = {"exp", "log", "tanh", "relu"}


def wrap(name):
    """A name as a derivative's variable: ∂L/∂(1/S), ∂L/∂y1."""
    return f"({name})" if re.search(r"[\s+−·/×^-]", name) else name


def terms(texts):
    """Texts added up: a + b − c (a term's own minus sign becomes the operator)."""
    out = texts[0]
    for t in texts[1:]:
        out += f" − {t[1:]}" if t.startswith("−") else f" + {t}"
    return out


class Names:
    """node -> what the frames call it, shortened with … when long; `fmt` and `preview`
    write constants as the view writes its numbers."""

    def __init__(self, fmt, preview=True):
        self.format, self.preview, self.cache = fmt, preview, {}

    def __call__(self, node):
        if node.name:
            return node.name
        if node not in self.cache:
            for depth in (8, 3, 2, 1):
                text = self.text(node, depth)[0]
                if len(text) <= NAME_LIMIT:
                    break
            self.cache[node] = text
        return self.cache[node]

    def number(self, node):
        """A constant as a number; an array of different numbers (labels t) as […]."""
        d = node.data
        if isinstance(d, np.ndarray) and d.size > 1 and not np.all(d == d.flat[0]):
            return "[…]"
        return minus(constant_text(d, self.format, self.preview))

    def text(self, node, depth):
        """(text, precedence): 0 a sum, 1 a product or quotient, 2 an atom."""
        if node.name:
            return node.name, 2
        if node.op is None:
            t = self.number(node)
            return t, 1 if t.startswith("−") else 2
        if depth == 0:
            return "…", 2
        op, ins = node.op.name, node.parents
        if op == "add":
            return terms([self.text(p, depth - (p.op is not None and p.op.name != "add"
                                                or bool(p.name)))[0] for p in _chain(node)]), 0
        args = [self.text(p, depth - 1) for p in ins]
        if op == "mul":
            return self._mul(ins, args), 1
        if op == "reciprocal":
            return "1/" + _paren(args[0], 2), 1
        if op == "pow":
            p = (node.params or {}).get("p")
            sup = str(int(p)).translate(SUPERSCRIPT) if float(p).is_integer() and p >= 0 \
                else f"^{minus(self.format(p))}"
            return _paren(args[0], 2) + sup, 2
        label = op if op in _FUNCTIONS else node.op.label
        return f"{label}({', '.join(a[0] for a in args)})", 2

    def _mul(self, ins, args):
        for k in (1, 0):  # × −1: the book's −x
            if ins[k].op is None and not ins[k].name and _is_minus_one(ins[k].data):
                return "−" + _paren(args[1 - k], 2)
        if ins[1].op is None and ins[0].op is not None:
            args = args[::-1]  # a constant or a leaf first: t1·log(y1), 2·x
        return "·".join(_paren(a, 1) if not a[0].startswith("−") or a is not args[0]
                        else a[0] for a in args)


def _chain(node):
    """The terms of a chain of unnamed "+" nodes, left to right."""
    out, stack = [], [node]
    while stack:
        n = stack.pop()
        if n.op is not None and n.op.name == "add" and (n is node or not n.name):
            stack.extend(reversed(n.parents))
        else:
            out.append(n)
    return out


def _paren(arg, level):
    text, prec = arg
    return f"({text})" if prec < level or (level == 1 and text.startswith("−")) else text


def _is_minus_one(data):
    a = np.asarray(data)
    return a.size > 0 and bool(np.all(a == -1))
