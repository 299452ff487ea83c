"""Safe parsing of user-typed expressions for ``graphgrad draw "EXPR" --at x=1 y=2``.

The text is parsed with :func:`ast.parse` (``mode='eval'``) and then checked against a
strict whitelist; nothing is ever executed. Only these forms are accepted:

* int and float literals (no complex, bool, strings, None, ...);
* names, which are free variables;
* unary ``+``/``-`` and binary ``+ - * / **``, with the usual Python precedence;
* calls ``exp log reciprocal relu sigmoid tanh`` with exactly one positional argument.

A sign written directly in front of a number literal is part of the number, so
``x**-1`` gives ``ops.pow(x, ops.const(-1))`` (the engine only supports a plain number
as exponent); a sign in front of anything else becomes ``ops.neg`` / ``ops.pos``.

Every rejection is an :class:`ExprError` that points at the offending character.

Example::

    expr = parse("x*y + exp(x)")
    expr.variables                                  # ('x', 'y')
    expr.evaluate(parse_assignments(["x=1", "y=2"]), FLOAT_OPS)
"""

from __future__ import annotations

import ast
import keyword
import math
import re
import unicodedata
import warnings
from collections.abc import Iterable, Mapping
from typing import Any

__all__ = [
    "FLOAT_OPS",
    "FUNCTIONS",
    "MAX_DEPTH",
    "MAX_LENGTH",
    "Expr",
    "ExprError",
    "FloatOps",
    "parse",
    "parse_assignments",
]

FUNCTIONS = ("exp", "log", "reciprocal", "relu", "sigmoid", "tanh")
# Longer or deeper input is refused up front so that neither the CPython parser nor a
# recursive consumer of the built graph (e.g. a recursive backward pass) can blow the
# stack. A chain like a+b+c+... counts one level per operator.
MAX_LENGTH = 2000
MAX_DEPTH = 100

_ALLOWED_FUNCTIONS = ", ".join(FUNCTIONS)
_BINARY_OPS = {ast.Add: "add", ast.Sub: "sub", ast.Mult: "mul", ast.Div: "div", ast.Pow: "pow"}
_UNARY_OPS = {ast.USub: "neg", ast.UAdd: "pos"}
_OPERATOR_SYMBOLS = {
    ast.FloorDiv: "//",
    ast.Mod: "%",
    ast.MatMult: "@",
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
    ast.List: "lists are not allowed",
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
_VISIT, _CHECK_OPERATOR, _EMIT = range(3)

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
    """A checked expression; build it with :func:`parse`."""

    __slots__ = ("_code", "_var_offsets", "text", "variables")

    def __init__(self, text: str, code: tuple, var_offsets: dict[str, int]) -> None:
        self.text = text
        self.variables: tuple[str, ...] = tuple(var_offsets)
        # Postfix code, so evaluation is a flat loop whatever the nesting.
        self._code = code
        self._var_offsets = var_offsets

    def __repr__(self) -> str:
        return f"parse({self.text!r})"

    def evaluate(self, values: Mapping[str, Any], ops: Any) -> Any:
        """Compute the expression with ``ops`` (see :class:`FloatOps` for the interface).

        ``ops.var(name, values[name])`` is called exactly once per variable, in order of
        first appearance, and that one result is reused wherever the name occurs; each
        literal gets its own ``ops.const``. Names in ``values`` that the expression does
        not use are ignored. A missing value raises :class:`ExprError`; whatever ``ops``
        raises (e.g. ``ZeroDivisionError``) propagates unchanged.
        """
        for name in self.variables:
            if name not in values:
                raise ExprError(
                    f"no value for {name!r}: pass --at {name}=...",
                    self.text,
                    self._var_offsets[name],
                )
        nodes = {name: ops.var(name, values[name]) for name in self.variables}
        stack: list[Any] = []
        for kind, arg in self._code:
            if kind == _CONST:
                stack.append(ops.const(arg))
            elif kind == _VAR:
                stack.append(nodes[arg])
            elif kind == _UNARY:
                stack[-1] = getattr(ops, arg)(stack[-1])
            else:
                right = stack.pop()
                stack[-1] = getattr(ops, arg)(stack[-1], right)
        return stack.pop()


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
    code, var_offsets = _check(tree.body, source)
    return Expr(text, code, var_offsets)


def _check(root: ast.AST, source: _Source) -> tuple[tuple, dict[str, int]]:
    """Whitelist-check the tree and flatten it to postfix code, without recursion."""
    text = source.text
    code: list[tuple[int, Any]] = []
    var_offsets: dict[str, int] = {}
    stack: list[tuple[int, Any, int]] = [(_VISIT, root, 1)]
    while stack:
        task, item, depth = stack.pop()
        if task == _EMIT:
            code.append(item)
            continue
        if task == _CHECK_OPERATOR:
            # Checked between the operands so the leftmost problem is reported first.
            op_type = type(item.op)
            if op_type not in _BINARY_OPS:
                raise ExprError(
                    _operator_message(op_type), text, source.next_token(source.end_of(item.left))
                )
            continue
        node = item
        if depth > MAX_DEPTH:
            raise ExprError(
                f"expression is too deeply nested (the limit is {MAX_DEPTH} levels)",
                text,
                source.start_of(node),
            )
        if isinstance(node, ast.Constant):
            code.append((_CONST, _number(node, source)))
        elif isinstance(node, ast.Name):
            if node.id in FUNCTIONS:
                raise ExprError(
                    f"{node.id!r} is a function: call it like {node.id}(x)",
                    text,
                    source.start_of(node),
                )
            var_offsets.setdefault(node.id, source.start_of(node))
            code.append((_VAR, node.id))
        elif isinstance(node, ast.UnaryOp):
            op_type = type(node.op)
            if op_type not in _UNARY_OPS:
                raise ExprError(_operator_message(op_type), text, source.start_of(node))
            operand = node.operand
            if isinstance(operand, ast.Constant):
                number = _number(operand, source)
                code.append((_CONST, -number if op_type is ast.USub else number))
            else:
                stack.append((_EMIT, (_UNARY, _UNARY_OPS[op_type]), 0))
                stack.append((_VISIT, operand, depth + 1))
        elif isinstance(node, ast.BinOp):
            stack.append((_EMIT, (_BINARY, _BINARY_OPS.get(type(node.op))), 0))
            stack.append((_VISIT, node.right, depth + 1))
            stack.append((_CHECK_OPERATOR, node, 0))
            stack.append((_VISIT, node.left, depth + 1))
        elif isinstance(node, ast.Call):
            name = _check_call(node, source)
            stack.append((_EMIT, (_UNARY, name), 0))
            stack.append((_VISIT, node.args[0], depth + 1))
        else:
            raise ExprError(_describe(node), text, _position_of(node, source))
    return tuple(code), var_offsets


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
            f"keyword arguments are not allowed: write {func.id}(x)",
            text,
            source.start_of(node.keywords[0]),
        )
    if len(node.args) != 1:
        where = node.args[1] if node.args else node
        raise ExprError(
            f"{func.id}() takes exactly one argument ({len(node.args)} given)",
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
    return f"operator {symbol!r} is not allowed (allowed: + - * / **{hint})"


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


def parse_assignments(items: Iterable[str]) -> dict[str, float]:
    """Turn ``--at`` items like ``["x=1", "y=2.5"]`` into ``{"x": 1.0, "y": 2.5}``.

    Errors are :class:`ExprError` whose ``text`` is the offending item.
    """
    values: dict[str, float] = {}
    for item in items:
        if not isinstance(item, str):
            raise TypeError(f"assignment must be a str, not {type(item).__name__}")
        raw_name, equals, raw_value = item.partition("=")
        if not equals or not raw_name.strip() or not raw_value.strip():
            where = len(item) if not equals or raw_name.strip() else 0
            raise ExprError(f"expected NAME=NUMBER, got {item!r}", item, where)
        name_offset = len(raw_name) - len(raw_name.lstrip())
        # The parser NFKC-normalizes identifiers; do the same so e.g. 'ﬁ' matches 'fi'.
        name = unicodedata.normalize("NFKC", raw_name.strip())
        if not name.isidentifier() or keyword.iskeyword(name):
            raise ExprError(
                f"invalid variable name {raw_name.strip()!r} in {item!r}", item, name_offset
            )
        if name in FUNCTIONS:
            raise ExprError(
                f"{name!r} is a function name and cannot be given a value", item, name_offset
            )
        if name in values:
            raise ExprError(f"{name!r} is given more than once", item, name_offset)
        text_value = raw_value.strip()
        value_offset = len(raw_name) + 1 + len(raw_value) - len(raw_value.lstrip())
        try:
            value = float(text_value)
        except ValueError:
            raise ExprError(
                f"value for {name!r} is not a number: {text_value!r}", item, value_offset
            ) from None
        if not math.isfinite(value):
            raise ExprError(
                f"value for {name!r} must be a finite number, got {text_value!r}",
                item,
                value_offset,
            )
        values[name] = value
    return values


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


FLOAT_OPS = FloatOps()
