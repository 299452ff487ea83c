"""Safe parsing of user-typed expressions, for ``graphgrad draw "EXPR" --at x=1 y=2`` and
the playground: the book's expressions, as the learner types them.

The text is parsed with :func:`ast.parse` (``mode='eval'``) and then checked against a
strict whitelist; nothing is ever executed. Only these forms are accepted:

* int and float literals (no complex, bool, strings, None, ...);
* names, which are free variables (their values: numbers, vectors or matrices, see
  viz.values);
* unary ``+``/``-`` and binary ``+ - * / ** @``, with the usual Python precedence;
* calls of FUNCTIONS with positional arguments: one each, except
  ``cross_entropy_error(y, t)`` and ``softmax_with_loss(a, t)``, whose second argument
  is the labels: a name (a one-hot vector, or a class index) or an integer.  Labels are
  data, not variables: ``Expr.labels`` lists their names, and ``evaluate`` makes them
  with ``ops.label`` (a constant), never ``ops.var``.

A sign written directly in front of a number literal is part of the number, so
``x**-1`` gives ``ops.pow(x, ops.const(-1))``; a sign in front of anything else becomes
``ops.neg`` / ``ops.pos``.

Every rejection is an :class:`ExprError` that points at the offending character and says
what is allowed.

Example::

    expr = parse("x*y + exp(x)")
    expr.variables                                  # ('x', 'y')
    expr.evaluate({"x": 1.0, "y": 2.0}, FLOAT_OPS)  # viz.values.parse_assignments
"""

from __future__ import annotations

import ast
import math
import re
import unicodedata
import warnings
from collections.abc import Mapping
from typing import Any

__all__ = [
    "FLOAT_OPS",
    "FUNCTIONS",
    "MAX_DEPTH",
    "MAX_LENGTH",
    "Expr",
    "ExprError",
    "FloatOps",
    "LOSSES",
    "OPERATORS",
    "parse",
]

# the functions a learner may call, each with its number of arguments
ARITY = {"exp": 1, "log": 1, "sqrt": 1, "reciprocal": 1, "relu": 1, "sigmoid": 1, "tanh": 1,
         "softmax": 1, "sum": 1, "mean": 1, "max": 1, "cross_entropy_error": 2,
         "softmax_with_loss": 2}
FUNCTIONS = tuple(ARITY)
# the functions whose second argument is the labels t (data: a constant, never a variable)
LOSSES = ("cross_entropy_error", "softmax_with_loss")
OPERATORS = "+ - * / ** @"
# Longer or deeper input is refused up front so that neither the CPython parser nor a
# recursive consumer of the built graph (e.g. a recursive backward pass) can blow the
# stack. A chain like a+b+c+... counts one level per operator.
MAX_LENGTH = 2000
MAX_DEPTH = 100

_ALLOWED_FUNCTIONS = ", ".join(FUNCTIONS)
_BINARY_OPS = {ast.Add: "add", ast.Sub: "sub", ast.Mult: "mul", ast.Div: "div", ast.Pow: "pow",
               ast.MatMult: "matmul"}
_UNARY_OPS = {ast.USub: "neg", ast.UAdd: "pos"}
_OPERATOR_SYMBOLS = {
    ast.FloorDiv: "//",
    ast.Mod: "%",
    ast.LShift: "<<",
    ast.RShift: ">>",
    ast.BitOr: "|",
    ast.BitXor: "^",
    ast.BitAnd: "&",
    ast.Invert: "~",
    ast.Not: "not",
}
_REJECTIONS = {
    ast.Attribute: "attribute access ('.name') is not allowed",
    ast.Subscript: "indexing ('[...]') is not allowed",
    ast.Compare: "comparisons are not allowed",
    ast.BoolOp: "'and' / 'or' are not allowed",
    ast.Lambda: "lambda expressions are not allowed",
    ast.IfExp: "conditional expressions ('... if ... else ...') are not allowed",
    ast.NamedExpr: "assignments (':=') are not allowed",
    ast.Starred: "'*' unpacking is not allowed",
    ast.Tuple: "tuples (commas) are not allowed",
    ast.List: "lists are not allowed (a vector is a variable: a=1,2,3)",
    ast.Set: "sets are not allowed",
    ast.Dict: "dicts are not allowed",
    ast.ListComp: "comprehensions are not allowed",
    ast.SetComp: "comprehensions are not allowed",
    ast.DictComp: "comprehensions are not allowed",
    ast.GeneratorExp: "generator expressions are not allowed",
    ast.JoinedStr: "strings are not allowed",
    ast.FormattedValue: "strings are not allowed",
    ast.Await: "'await' is not allowed",
    ast.Yield: "'yield' is not allowed",
    ast.YieldFrom: "'yield' is not allowed",
    ast.Slice: "slices are not allowed",
}
# Forms whose offending part comes after their first child (e.g. the '.' of "x.y"), so
# the caret is put on the first token after that child instead of at the node start.
_POINT_AFTER_FIRST_CHILD = {
    ast.Attribute: "value",
    ast.Subscript: "value",
    ast.Compare: "left",
    ast.IfExp: "body",
    ast.NamedExpr: "target",
}

_CONST, _VAR, _UNARY, _BINARY = range(4)
_VISIT, _CHECK_OPERATOR, _EMIT, _LABEL = range(4)

_LEADING_SPACE = " \t\f\r\n"
# A lone surrogate (possible in sys.argv via surrogateescape) cannot even be encoded for
# the parser, and NUL is refused by it with an unhelpful error; catch both ourselves.
_UNPARSABLE_CHAR = re.compile("[\x00\ud800-\udfff]")
_LINE_BREAK = re.compile(r"\r\n|\r|\n")
_WORD = re.compile(r"\w+|\S")
_NUMBER_THEN_NAME = re.compile(r"(\d[\d_.]*)([^\W\d]\w*)")


class ExprError(ValueError):
    """A user error in an expression or a ``--at`` item.

    ``text`` is the offending input, ``offset`` a 0-based index into it and ``message``
    the plain explanation; ``str()`` adds the input line with a caret under ``offset``.
    """

    def __init__(self, message: str, text: str = "", offset: int = 0) -> None:
        super().__init__(message)
        self.message = message
        self.text = text
        self.offset = max(0, min(offset, len(text)))

    def __reduce__(self):
        return (type(self), (self.message, self.text, self.offset))

    def __str__(self) -> str:
        if not self.text:
            return self.message
        line, column = _display_line(self.text, self.offset)
        # Reusing the line's own tabs keeps the caret aligned whatever the tab width.
        padding = "".join("\t" if ch == "\t" else " " for ch in line[:column])
        return f"{self.message}\n  {line}\n  {padding}^"


def _display_line(text: str, offset: int, width: int = 76) -> tuple[str, int]:
    """The line of ``text`` holding ``offset``, cut to ``width`` around it, and the column."""
    starts = [0] + [m.end() for m in _LINE_BREAK.finditer(text)]
    start = max(s for s in starts if s <= offset)
    following = [s for s in starts if s > start]
    end = following[0] if following else len(text)
    line = text[start:end].rstrip("\r\n")
    column = min(offset - start, len(line))
    if len(line) > width:
        left = max(0, min(column - width // 2, len(line) - width))
        right = left + width
        shown = line[left:right]
        column -= left
        if left:
            shown = "..." + shown[3:]
        if right < len(line):
            shown = shown[:-3] + "..."
        line = shown
    # Control characters would garble the terminal and lone surrogates cannot even be
    # printed, so each is shown as one '?' to keep the caret column right.
    line = "".join(
        "?" if ch != "\t" and unicodedata.category(ch) in ("Cc", "Cs") else ch for ch in line
    )
    return line, column


class _Source:
    """Maps parser positions (line + UTF-8 byte column) back to indices into the text."""

    def __init__(self, text: str, start: int) -> None:
        self.text = text
        self.start = start
        self.source = text[start:]
        self.line_starts = [0] + [m.end() for m in _LINE_BREAK.finditer(self.source)]

    def _line(self, lineno: int) -> tuple[int, str]:
        index = max(0, min(lineno - 1, len(self.line_starts) - 1))
        begin = self.line_starts[index]
        end = (
            self.line_starts[index + 1] if index + 1 < len(self.line_starts) else len(self.source)
        )
        return begin, self.source[begin:end]

    def _clamp(self, index: int) -> int:
        return max(0, min(index, len(self.text)))

    def char_index(self, lineno: int, column: int) -> int:
        begin, _ = self._line(lineno)
        return self._clamp(self.start + begin + column)

    def byte_index(self, lineno: int, byte_column: int) -> int:
        begin, line = self._line(lineno)
        column = len(line.encode("utf-8")[:byte_column].decode("utf-8", "ignore"))
        return self._clamp(self.start + begin + column)

    def start_of(self, node: ast.AST) -> int:
        return self.byte_index(node.lineno, node.col_offset)

    def end_of(self, node: ast.AST) -> int:
        return self.byte_index(node.end_lineno, node.end_col_offset)

    def next_token(self, index: int) -> int:
        """Index of the first token at or after ``index``, skipping ')' and comments.

        Used to find an operator between two sub-expressions: only blanks, closing
        parentheses, comments and line continuations can separate them from it.
        """
        text = self.text
        while index < len(text):
            ch = text[index]
            if ch in " \t\f\r\n)":
                index += 1
            elif ch == "\\" and text[index + 1 : index + 2] in ("\n", "\r"):
                index += 2
            elif ch == "#":
                match = _LINE_BREAK.search(text, index)
                index = match.start() if match else len(text)
            else:
                break
        return self._clamp(index)


class Expr:
    """A checked expression; build it with :func:`parse`.

    ``variables``: every name, in order of first appearance (labels too: each needs a
    value); ``labels``: the names used as the labels ``t`` of a loss."""

    __slots__ = ("_code", "_var_offsets", "labels", "text", "variables")

    def __init__(self, text: str, code: tuple, var_offsets: dict[str, int],
                 labels: tuple[str, ...] = ()) -> None:
        self.text = text
        self.variables: tuple[str, ...] = tuple(var_offsets)
        self.labels: tuple[str, ...] = labels
        # Postfix code, so evaluation is a flat loop whatever the nesting; each
        # instruction keeps the offset of its operator or function name.
        self._code = code
        self._var_offsets = var_offsets

    def __repr__(self) -> str:
        return f"parse({self.text!r})"

    def offset_of(self, name: str) -> int:
        """Where variable ``name`` first appears in the text."""
        return self._var_offsets[name]

    def number(self) -> float | None:
        """The number, when the expression is one literal (``-2.5``), else None."""
        if len(self._code) == 1 and self._code[0][0] == _CONST:
            return float(self._code[0][1])
        return None

    def uses(self, op: str) -> bool:
        """Whether the expression applies operation ``op`` ('matmul', 'max', 'pow' ...)."""
        return any(kind in (_UNARY, _BINARY) and arg == op for kind, arg, _ in self._code)

    def evaluate(self, values: Mapping[str, Any], ops: Any) -> Any:
        """Compute the expression with ``ops`` (see :class:`FloatOps` for the interface).

        ``ops.var(name, values[name])`` (``ops.label`` for a label) is called exactly once
        per name, in order of first appearance, and that one result is reused wherever
        the name occurs; each literal gets its own ``ops.const``. Names in ``values``
        that the expression does not use are ignored. A missing value raises
        :class:`ExprError`; so does an ExprError of ``ops`` without a position, given
        the position of the operation that raised it. Whatever else ``ops`` raises
        (e.g. ``ZeroDivisionError``) propagates unchanged, carrying that position as its
        ``expr_offset`` attribute.
        """
        for name in self.variables:
            if name not in values:
                raise ExprError(
                    f"no value for {name!r}: pass --at {name}=...",
                    self.text,
                    self._var_offsets[name],
                )
        nodes = {}
        for name in self.variables:
            make = ops.label if name in self.labels else ops.var
            nodes[name] = self._run(make, (name, values[name]), self._var_offsets[name])
        stack: list[Any] = []
        for kind, arg, offset in self._code:
            if kind == _CONST:
                stack.append(ops.const(arg))
            elif kind == _VAR:
                stack.append(nodes[arg])
            elif kind == _UNARY:
                stack[-1] = self._run(getattr(ops, arg), (stack[-1],), offset)
            else:
                right = stack.pop()
                stack[-1] = self._run(getattr(ops, arg), (stack[-1], right), offset)
        return stack.pop()

    def _run(self, fn: Any, args: tuple, offset: int) -> Any:
        try:
            return fn(*args)
        except ExprError as exc:
            if exc.text:
                raise
            raise ExprError(exc.message, self.text, offset) from None
        except Exception as exc:
            exc.expr_offset = offset
            raise


def parse(text: str) -> Expr:
    """Parse and check ``text``; raise :class:`ExprError` for anything not whitelisted."""
    if not isinstance(text, str):
        raise TypeError(f"expression must be a str, not {type(text).__name__}")
    if len(text) > MAX_LENGTH:
        raise ExprError(
            f"expression is too long ({len(text)} characters; the limit is {MAX_LENGTH})",
            text,
            MAX_LENGTH,
        )
    bad = _UNPARSABLE_CHAR.search(text)
    if bad:
        raise ExprError(f"invalid character U+{ord(bad.group()):04X}", text, bad.start())
    body = text.lstrip(_LEADING_SPACE)
    if not body.strip():
        raise ExprError("expression is empty", text, 0)
    # mode='eval' refuses leading indentation, which is harmless here: drop it and shift
    # every reported position by the amount dropped.
    source = _Source(text, len(text) - len(body))
    try:
        with warnings.catch_warnings():
            # Escape-sequence warnings in string literals would become SyntaxErrors under
            # -W error; strings are rejected below anyway.
            warnings.simplefilter("ignore")
            tree = ast.parse(body, mode="eval")
    except SyntaxError as exc:
        raise _from_syntax_error(exc, source) from None
    except (RecursionError, MemoryError):
        raise ExprError(
            f"expression is too deeply nested (the limit is {MAX_DEPTH} levels)", text, 0
        ) from None
    except ValueError as exc:
        raise ExprError(f"cannot parse expression: {exc}", text, 0) from None
    return _check(tree.body, source)


class _Checker:
    """Whitelist-checks a tree and flattens it to postfix code, without recursion."""

    def __init__(self, source: _Source) -> None:
        self.source = source
        self.text = source.text
        self.code: list[tuple[int, Any, int]] = []
        self.var_offsets: dict[str, int] = {}
        self.labels: dict[str, int] = {}  # label name -> offset of its first use
        self.stack: list[tuple[int, Any, int]] = []

    def run(self, root: ast.AST) -> Expr:
        self.stack.append((_VISIT, root, 1))
        while self.stack:
            task, item, depth = self.stack.pop()
            if task == _EMIT:
                self.code.append(item)
            elif task == _LABEL:
                self.name(*item)
            elif task == _CHECK_OPERATOR:
                # Checked between the operands so the leftmost problem is reported first.
                if type(item.op) not in _BINARY_OPS:
                    raise ExprError(_operator_message(type(item.op)), self.text,
                                    self.operator_offset(item))
            else:
                self.visit(item, depth)
        return Expr(self.text, tuple(self.code), self.var_offsets, tuple(self.labels))

    def operator_offset(self, node: ast.BinOp) -> int:
        return self.source.next_token(self.source.end_of(node.left))

    def visit(self, node: ast.AST, depth: int, label_of: str | None = None) -> None:
        source, text, push = self.source, self.text, self.stack.append
        if depth > MAX_DEPTH:
            raise ExprError(
                f"expression is too deeply nested (the limit is {MAX_DEPTH} levels)",
                text,
                source.start_of(node),
            )
        if isinstance(node, ast.Constant):
            self.code.append((_CONST, _number(node, source), source.start_of(node)))
        elif isinstance(node, ast.Name):
            self.name(node, label_of)
        elif isinstance(node, ast.UnaryOp):
            op_type = type(node.op)
            if op_type not in _UNARY_OPS:
                raise ExprError(_operator_message(op_type), text, source.start_of(node))
            operand = node.operand
            if isinstance(operand, ast.Constant):
                number = _number(operand, source)
                self.code.append((_CONST, -number if op_type is ast.USub else number,
                                  source.start_of(node)))
            else:
                push((_EMIT, (_UNARY, _UNARY_OPS[op_type], source.start_of(node)), 0))
                push((_VISIT, operand, depth + 1))
        elif isinstance(node, ast.BinOp):
            offset = self.operator_offset(node)
            push((_EMIT, (_BINARY, _BINARY_OPS.get(type(node.op)), offset), 0))
            push((_VISIT, node.right, depth + 1))
            push((_CHECK_OPERATOR, node, 0))
            push((_VISIT, node.left, depth + 1))
        elif isinstance(node, ast.Call):
            self.call(node, depth)
        else:
            raise ExprError(_describe(node), text, _position_of(node, source))

    def name(self, node: ast.Name, label_of: str | None) -> None:
        offset, name = self.source.start_of(node), node.id
        if name in FUNCTIONS:
            raise ExprError(f"{name!r} is a function: call it like {_usage(name)}",
                            self.text, offset)
        if label_of is None and name in self.labels:
            raise ExprError(f"{name!r} is the labels of a loss here, so it cannot also be a "
                            "variable: give the labels their own name", self.text, offset)
        if label_of is not None and name in self.var_offsets and name not in self.labels:
            raise ExprError(f"{name!r} is a variable here, so it cannot also be the labels "
                            f"of {label_of}(): give the labels their own name",
                            self.text, offset)
        if label_of is not None:
            self.labels.setdefault(name, offset)
        self.var_offsets.setdefault(name, offset)
        self.code.append((_VAR, name, offset))

    def call(self, node: ast.Call, depth: int) -> None:
        name = _check_call(node, self.source)
        offset = self.source.start_of(node.func)
        if ARITY[name] == 1:
            self.stack.append((_EMIT, (_UNARY, name, offset), 0))
            self.stack.append((_VISIT, node.args[0], depth + 1))
            return
        labels = node.args[1]
        self.stack.append((_EMIT, (_BINARY, name, offset), 0))
        if isinstance(labels, ast.Name):
            self.stack.append((_LABEL, (labels, name), depth + 1))
        elif isinstance(labels, ast.Constant) and type(labels.value) is int \
                and labels.value >= 0:
            self.stack.append((_VISIT, labels, depth + 1))
        else:
            raise ExprError(
                f"the labels of {name}() are data: a name given a one-hot vector (t=0,0,1) "
                "or a class index (t=2), or a class index written here (2)",
                self.text, self.source.start_of(labels))
        self.stack.append((_VISIT, node.args[0], depth + 1))


def _usage(name: str) -> str:
    return f"{name}(a, t)" if ARITY[name] == 2 else f"{name}(x)"


def _check(root: ast.AST, source: _Source) -> Expr:
    return _Checker(source).run(root)


def _check_call(node: ast.Call, source: _Source) -> str:
    text = source.text
    func = node.func
    if not isinstance(func, ast.Name):
        # "2(x+1)" or "(x+1)(x-1)" usually means a forgotten '*'.
        raise ExprError(
            f"only function names can be called (missing '*'?); allowed: {_ALLOWED_FUNCTIONS}",
            text,
            source.next_token(source.end_of(func)),
        )
    if func.id not in FUNCTIONS:
        raise ExprError(
            f"unknown function {func.id!r} (allowed: {_ALLOWED_FUNCTIONS})",
            text,
            source.start_of(func),
        )
    for arg in node.args:
        if isinstance(arg, ast.Starred):
            raise ExprError("'*' unpacking is not allowed", text, source.start_of(arg))
    if node.keywords:
        raise ExprError(
            f"keyword arguments are not allowed: write {_usage(func.id)}",
            text,
            source.start_of(node.keywords[0]),
        )
    wanted = ARITY[func.id]
    if len(node.args) != wanted:
        where = node.args[wanted] if len(node.args) > wanted else node
        count = "exactly one argument" if wanted == 1 else "two arguments"
        raise ExprError(
            f"{func.id}() takes {count}: {_usage(func.id)} ({len(node.args)} given)",
            text,
            source.start_of(where),
        )
    return func.id


def _number(node: ast.Constant, source: _Source) -> int | float:
    value = node.value
    offset = source.start_of(node)
    # bool is an int subclass, so compare exact types.
    if type(value) not in (int, float):
        raise ExprError(_describe_constant(value), source.text, offset)
    try:
        finite = math.isfinite(float(value))
    except OverflowError:
        finite = False
    if not finite:
        raise ExprError("number is too large", source.text, offset)
    return value


def _describe_constant(value: object) -> str:
    if isinstance(value, bool):
        return "True/False are not allowed; use 1 or 0"
    if isinstance(value, complex):
        return "complex numbers are not allowed"
    if isinstance(value, (str, bytes)):
        return "strings are not allowed"
    if value is None:
        return "None is not allowed"
    if value is Ellipsis:
        return "'...' is not allowed"
    return f"{type(value).__name__} literals are not allowed"


def _operator_message(op_type: type) -> str:
    symbol = _OPERATOR_SYMBOLS.get(op_type, op_type.__name__)
    hint = "; use ** for powers" if op_type is ast.BitXor else ""
    return f"operator {symbol!r} is not allowed (allowed: {OPERATORS}{hint})"


def _describe(node: ast.AST) -> str:
    return _REJECTIONS.get(type(node), f"{type(node).__name__} expressions are not allowed")


def _position_of(node: ast.AST, source: _Source) -> int:
    field = _POINT_AFTER_FIRST_CHILD.get(type(node))
    if field is not None:
        return source.next_token(source.end_of(getattr(node, field)))
    if isinstance(node, ast.BoolOp):
        return source.next_token(source.end_of(node.values[0]))
    if isinstance(node, ast.Tuple) and node.elts:
        return source.next_token(source.end_of(node.elts[0]))
    return source.start_of(node)


_SYNTAX_MESSAGES = [
    (re.compile(r"'\(' was never closed"), "unbalanced parentheses: '(' is never closed"),
    (re.compile(r"'(.)' was never closed"), r"unbalanced brackets: '\1' is never closed"),
    (re.compile(r"unmatched '\)'"), "unbalanced parentheses: ')' has no matching '('"),
    (re.compile(r"unmatched '(.)'"), r"unbalanced brackets: '\1' has no matching opening"),
    (
        re.compile(r"closing parenthesis '(.)' does not match opening parenthesis '(.)'.*"),
        r"mismatched brackets: '\1' does not match '\2'",
    ),
    (re.compile(r"invalid syntax\. Perhaps you forgot a comma\?"), "missing operator (e.g. '*')"),
    (re.compile(r"leading zeros in decimal integer literals.*"), "invalid number: leading zero"),
    (re.compile(r"invalid \w+ literal"), "invalid number"),
    (re.compile(r"invalid digit .*"), "invalid number"),
    (re.compile(r"unterminated (triple-quoted )?string literal.*"), "strings are not allowed"),
    (re.compile(r"f-string.*"), "strings are not allowed"),
    (
        re.compile(r"unexpected character after line continuation character"),
        "'\\' is not an operator (use '/' to divide)",
    ),
    (re.compile(r"unexpected indent"), "unexpected indentation after a line break"),
]


def _from_syntax_error(exc: SyntaxError, source: _Source) -> ExprError:
    text = source.text
    message = exc.msg or "invalid syntax"
    # Only "2x"-style mistakes get the "write 2*x" hint, not e.g. "0b2".
    decimal = message == "invalid decimal literal"
    if exc.lineno and exc.offset and exc.offset > 0:
        # SyntaxError columns are 1-based and in characters (not bytes) since 3.10.
        offset = source.char_index(exc.lineno, exc.offset - 1)
    else:
        # The parser reports a bare "x +" with no column: it ran out of input.
        offset = len(text.rstrip())
    for pattern, replacement in _SYNTAX_MESSAGES:
        if pattern.fullmatch(message):
            message = pattern.sub(replacement, message)
            break
    else:
        message = re.sub(r"\s*\(detected at line \d+\)", "", message)
    if message == "invalid syntax":
        token = _WORD.match(text, offset)
        if offset >= len(text.rstrip()):
            message = "expression ends unexpectedly (missing operand?)"
            offset = len(text.rstrip())
        elif token:
            message = f"invalid syntax: unexpected {token.group()!r}"
    elif message.startswith("'\\' is not"):
        # The parser points just past the backslash.
        backslash = text.rfind("\\", 0, offset + 1)
        offset = backslash if backslash >= 0 else offset
    elif decimal:
        start = offset
        while start > 0 and (text[start - 1].isalnum() or text[start - 1] in "._"):
            start -= 1
        match = _NUMBER_THEN_NAME.match(text, start)
        # "1e" followed by a sign is an unfinished exponent, not a product.
        exponent = (
            match
            and match.group(2) in ("e", "E")
            and text[match.end() : match.end() + 1] in ("+", "-")
        )
        if match and match.end() >= offset and not exponent:
            number, name = match.groups()
            message = f"invalid number {match.group()!r} (write {number}*{name} to multiply)"
            offset = start
    return ExprError(message, text, offset)


class FloatOps:
    """Reference ``ops`` for :meth:`Expr.evaluate`, computing plain floats.

    This is also the interface a graph-building ops object must provide. Arithmetic
    follows Python floats (``*`` and ``+`` may give inf/nan); division by zero raises
    ``ZeroDivisionError``; ``pow``, ``log`` and ``exp`` use :mod:`math` and so raise
    ``ValueError`` (domain) or ``OverflowError`` rather than returning complex or inf.
    """

    def const(self, number: float) -> float:
        return float(number)

    def var(self, name: str, value: float) -> float:
        return float(value)

    def add(self, a: float, b: float) -> float:
        return a + b

    def sub(self, a: float, b: float) -> float:
        return a - b

    def mul(self, a: float, b: float) -> float:
        return a * b

    def div(self, a: float, b: float) -> float:
        return a / b

    def pow(self, a: float, b: float) -> float:
        return math.pow(a, b)

    def neg(self, a: float) -> float:
        return -a

    def pos(self, a: float) -> float:
        return +a

    def exp(self, a: float) -> float:
        return math.exp(a)

    def log(self, a: float) -> float:
        return math.log(a)

    def reciprocal(self, a: float) -> float:
        return 1.0 / a

    def relu(self, a: float) -> float:
        return a if a > 0 else 0.0

    def sigmoid(self, a: float) -> float:
        # Split by sign so exp() only ever sees a non-positive argument.
        if a >= 0:
            return 1.0 / (1.0 + math.exp(-a))
        z = math.exp(a)
        return z / (1.0 + z)

    def tanh(self, a: float) -> float:
        return math.tanh(a)

    def sqrt(self, a: float) -> float:
        return math.sqrt(a)

    def label(self, name: str, value: float) -> float:
        return float(value)

    def __getattr__(self, name: str) -> Any:
        # @, softmax, sum, mean, max and the losses need vectors: plain floats have none
        if name in ARITY or name == "matmul":
            def refuse(*args: Any) -> Any:
                raise ExprError(f"{'@' if name == 'matmul' else name} needs vectors or "
                                "matrices; FloatOps computes with plain numbers")
            return refuse
        raise AttributeError(name)


FLOAT_OPS = FloatOps()
