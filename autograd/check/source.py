"""The learner's source, read and never run: which gradient the line that raised was
computing, what was given before it, and why a matrix product on it cannot be formed.

The line comes from the traceback: the learner's frames (not numpy's, not graphgrad's),
innermost first; its statement from the function's source (ast).  What it assigns names
the gradient: `self.dW = …`, `dx = …` returned later, `grad["W1"] = …`, or the return
itself.  A product's operands are looked up among the frame's variables (its locals,
then its module's globals): a name, an instance attribute of it (`self.x`, read from
the instance's __dict__: no property runs), a plain dict's entry (`params["W2"]`) and
`.T` of an array; nothing else is evaluated.
"""
import ast
import collections
import inspect
import os
import textwrap

import numpy as np

__all__ = ["Failure", "failure", "hidden"]

_OURS = (os.path.dirname(np.__file__),
         os.path.dirname(os.path.dirname(os.path.abspath(__file__))))


def hidden(filename):
    """numpy's files and graphgrad's: an error is reported at the learner's line."""
    return filename.startswith(_OURS)


class Failure:
    """Where the learner's function raised: `rows` (the gradients its line was computing:
    the one it assigns, or those a local it assigns goes on to; empty when unknown),
    `local` (that local's name, or None), `given` ({row: value} built before it: a dict
    like grad filled so far), `product` ((written, left, right, a, b, style) of a matrix
    product on the line whose operands do not line up, or None)."""

    def __init__(self, rows=(), given=None, product=None, local=None):
        self.rows, self.given, self.product, self.local = list(rows), given or {}, \
            product, local


def failure(exc, rows, inputs=()):
    """The Failure of `exc` raised in the learner's code computing the gradients `rows`
    (row names: dx, dW, W1); `inputs`: the rows a returned value gives, in order.  Never
    raises: what cannot be read is left None."""
    try:
        for frame, position in _learner_frames(exc):
            found = _in_frame(frame, position, set(rows), list(inputs))
            if found is not None:
                return found
    except Exception:  # the source is a guess at the learner's intent: never the check's end
        pass
    return Failure()


def _learner_frames(exc):
    """(frame, (line, column or None)) of the learner's frames, innermost first."""
    found, tb = [], exc.__traceback__
    while tb is not None:
        code = tb.tb_frame.f_code
        if not hidden(code.co_filename):
            column = None
            if hasattr(code, "co_positions"):  # Python 3.11: the failing expression's place
                positions = list(code.co_positions())
                if 0 <= tb.tb_lasti // 2 < len(positions):
                    column = positions[tb.tb_lasti // 2][2]
            found.append((tb.tb_frame, (tb.tb_lineno, column)))
        tb = tb.tb_next
    return found[::-1]


def _function(code):
    """The function's ast and where its source starts: (node, first line, indent)."""
    lines, first = inspect.getsourcelines(code)
    indent = len(lines[0]) - len(lines[0].lstrip())
    tree = ast.parse(textwrap.dedent("".join(lines)))
    return tree.body[0], first, indent


def _statement(func, line):
    """The innermost simple statement on `line` (a file's line, counted from 1)."""
    best = None
    for node in ast.walk(func):
        if isinstance(node, ast.stmt) and not hasattr(node, "body") and \
                node.lineno <= line <= (node.end_lineno or node.lineno):
            if best is None or node.lineno >= best.lineno:
                best = node
    return best


def _in_frame(frame, position, rows, inputs):
    func, first, indent = _function(frame.f_code)
    line, column = position
    line -= first - 1  # into the dedented source's numbering
    column = None if column is None else column - indent
    stmt = _statement(func, line)
    if stmt is None:
        return None
    found, container, local = _target(stmt, func, rows, inputs, column)
    if not found:
        return None
    given = {}
    if container is not None:  # grad["W1"] = …: what the dict held when the line raised
        built = frame.f_locals.get(container)
        if isinstance(built, dict):
            given = {k: v for k, v in built.items() if k in rows and k not in found}
    scope = collections.ChainMap(frame.f_locals, frame.f_globals)
    return Failure(found, given, _product(stmt, scope, column), local)


def _target(stmt, func, rows, inputs, column):
    """What `stmt` computes: (rows, the dict they are stored into or None, the local it
    assigns on the way or None)."""
    if isinstance(stmt, ast.Return) and stmt.value is not None:
        row = _returned(stmt.value, inputs, column)
        return ([row] if row else []), None, None
    if isinstance(stmt, (ast.Assign, ast.AugAssign, ast.AnnAssign)):
        targets = stmt.targets if isinstance(stmt, ast.Assign) else [stmt.target]
        for target in targets:
            row, container = _named(target, rows)
            if row is not None:
                return [row], container, None
            if isinstance(target, ast.Name):  # a local: where does it go later?
                found, container = _follow(target.id, func, rows, inputs, stmt)
                return found, container, target.id
    return [], None, None


def _named(target, rows):
    """self.dW, dW, grad["W1"] (and their subscripts: dx[mask] = 0) -> (row, dict)."""
    while isinstance(target, ast.Subscript) and not _key(target):
        target = target.value
    if isinstance(target, ast.Attribute) and target.attr in rows:
        return target.attr, None
    if isinstance(target, ast.Name) and target.id in rows:
        return target.id, None
    key = _key(target)
    if key in rows and isinstance(target.value, ast.Name):
        return key, target.value.id
    return None, None


def _key(node):
    if isinstance(node, ast.Subscript) and isinstance(node.slice, ast.Constant) and \
            isinstance(node.slice.value, str):
        return node.slice.value
    return None


def _returned(value, inputs, column):
    """The input row a returned expression gives (the element of a tuple that raised)."""
    if not isinstance(value, ast.Tuple):
        return inputs[0] if inputs else None
    for i, element in enumerate(value.elts[:len(inputs)]):
        if column is not None and element.col_offset <= column < element.end_col_offset:
            return inputs[i]
    return None


def _follow(name, func, rows, inputs, after):
    """The rows a local variable goes on to, through the locals computed from it:
    `delta1 = back * mask; grad["W1"] = np.dot(x.T, delta1)`, `return dx`; and the dict
    they are stored into."""
    names, found, container = {name}, [], None
    later = sorted((n for n in ast.walk(func) if isinstance(n, ast.stmt) and
                    not hasattr(n, "body") and n.lineno > after.lineno),
                   key=lambda n: (n.lineno, n.col_offset))
    for node in later:
        value = getattr(node, "value", None)
        if value is None or not any(_mentions(value, n) for n in names):
            continue
        if isinstance(node, ast.Return):
            elts = value.elts if isinstance(value, ast.Tuple) else [value]
            found += [inputs[i] for i, element in enumerate(elts[:len(inputs)])
                      if any(_mentions(element, n) for n in names)]
            continue
        targets = node.targets if isinstance(node, ast.Assign) else \
            [getattr(node, "target", None)]
        for target in targets:
            row, held = _named(target, rows)
            if row is not None:
                found.append(row)
                container = container or held
            elif isinstance(target, ast.Name):
                names.add(target.id)
    return list(dict.fromkeys(found)), container


def _mentions(node, name):
    return any(isinstance(n, ast.Name) and n.id == name for n in ast.walk(node))


# ----------------------------------------------------------------------------- products

def _product(stmt, scope, column):
    """(written, left, right, a, b) of the matrix product in `stmt` whose 2-D operands do
    not line up (the one at `column` first), or None."""
    found = []
    for node in ast.walk(stmt):
        pair = _operands(node)
        if pair is None:
            continue
        a, b = (_value(side, scope) for side in pair)
        if not (isinstance(a, np.ndarray) and isinstance(b, np.ndarray)
                and a.ndim == b.ndim == 2 and a.shape[1] != b.shape[0]):
            continue
        here = column is not None and node.col_offset <= column < node.end_col_offset
        found.append((not here, (ast.unparse(node), ast.unparse(pair[0]),
                                 ast.unparse(pair[1]), a, b, _style(node))))
    return min(found, key=lambda f: f[0])[1] if found else None


def _operands(node):
    """The two sides of `a @ b`, `np.dot(a, b)`, `np.matmul(a, b)`, `a.dot(b)`."""
    if isinstance(node, ast.BinOp) and isinstance(node.op, ast.MatMult):
        return node.left, node.right
    if isinstance(node, ast.Call) and isinstance(node.func, ast.Attribute) and \
            node.func.attr in ("dot", "matmul") and not node.keywords:
        if len(node.args) == 2:
            return node.args[0], node.args[1]
        if len(node.args) == 1 and node.func.attr == "dot":
            return node.func.value, node.args[0]
    return None


def _style(node):
    """How to write a product the way the learner wrote this one: '{} @ {}' or
    'np.dot({}, {})'."""
    if isinstance(node, ast.BinOp):
        return "{} @ {}"
    if len(node.args) == 2:
        return ast.unparse(node.func) + "({}, {})"
    return "{}.dot({})"


def _value(node, scope):
    """A name, an instance attribute of one, a dict's entry, `.T` of an array; else None."""
    if isinstance(node, ast.Name):
        return scope.get(node.id)
    if isinstance(node, ast.Attribute):
        base = _value(node.value, scope)
        if isinstance(base, np.ndarray):
            return base.T if node.attr == "T" else None
        attrs = getattr(base, "__dict__", None)
        return attrs.get(node.attr) if isinstance(attrs, dict) else None
    if isinstance(node, ast.Subscript) and isinstance(node.slice, ast.Constant):
        base = _value(node.value, scope)  # params["W2"]: a plain dict's entry
        return dict.get(base, node.slice.value) if type(base) is dict else None
    return None


def transposed(text):
    """The source of an operand transposed: x -> x.T, x.T -> x, (a + b) -> (a + b).T."""
    if text.endswith(".T"):
        return text[:-2]
    try:
        node = ast.parse(text, mode="eval").body
    except SyntaxError:
        return f"({text}).T"
    atom = isinstance(node, (ast.Name, ast.Attribute, ast.Subscript, ast.Call))
    return f"{text}.T" if atom else f"({text}).T"
