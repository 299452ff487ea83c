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
what is allowed: in English as its message, in the learner's language with ``said(_)``
(viz.refusal; each text is an ``N_`` template with its Japanese in the catalogue).

Example::

    expr = parse("x*y + exp(x)")
    expr.variables                                  # ('x', 'y')
    expr.evaluate({"x": 1.0, "y": 2.0}, FLOAT_OPS)  # viz.values.parse_assignments
"""

from __future__ import annotations

import ast
import math
import re
import warnings
from collections.abc import Mapping
from typing import Any

from viz.refusal import _LINE_BREAK, N_, ExprError

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
_TOO_DEEP = N_("expression is too deeply nested (the limit is {limit} levels)")

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
    ast.Attribute: N_("attribute access ('.name') is not allowed"),
    ast.Subscript: N_("indexing ('[...]') is not allowed"),
    ast.Compare: N_("comparisons are not allowed"),
    ast.BoolOp: N_("'and' / 'or' are not allowed"),
    ast.Lambda: N_("lambda expressions are not allowed"),
    ast.IfExp: N_("conditional expressions ('... if ... else ...') are not allowed"),
    ast.NamedExpr: N_("assignments (':=') are not allowed"),
    ast.Starred: N_("'*' unpacking is not allowed"),
    ast.Tuple: N_("tuples (commas) are not allowed"),
    ast.List: N_("lists are not allowed (a vector is a variable: a=1,2,3)"),
    ast.Set: N_("sets are not allowed"),
    ast.Dict: N_("dicts are not allowed"),
    ast.ListComp: N_("comprehensions are not allowed"),
    ast.SetComp: N_("comprehensions are not allowed"),
    ast.DictComp: N_("comprehensions are not allowed"),
    ast.GeneratorExp: N_("generator expressions are not allowed"),
    ast.JoinedStr: N_("strings are not allowed"),
    ast.FormattedValue: N_("strings are not allowed"),
    ast.Await: N_("'await' is not allowed"),
    ast.Yield: N_("'yield' is not allowed"),
    ast.YieldFrom: N_("'yield' is not allowed"),
    ast.Slice: N_("slices are not allowed"),
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
_WORD = re.compile(r"\w+|\S")
_NUMBER_THEN_NAME = re.compile(r"(\d[\d_.]*)([^\W\d]\w*)")


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
                raise ExprError(N_("no value for {name}: pass --at {bare}=..."), self.text,
                                self._var_offsets[name], name=repr(name), bare=name)
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
            raise ExprError(exc.template, self.text, offset, **exc.arguments) from None
        except Exception as exc:
            exc.expr_offset = offset
            raise


def parse(text: str) -> Expr:
    """Parse and check ``text``; raise :class:`ExprError` for anything not whitelisted."""
    if not isinstance(text, str):
        raise TypeError(f"expression must be a str, not {type(text).__name__}")
    if len(text) > MAX_LENGTH:
        raise ExprError(N_("expression is too long ({n} characters; the limit is {limit})"),
                        text, MAX_LENGTH, n=len(text), limit=MAX_LENGTH)
    bad = _UNPARSABLE_CHAR.search(text)
    if bad:
        raise ExprError(N_("invalid character {code}"), text, bad.start(),
                        code=f"U+{ord(bad.group()):04X}")
    body = text.lstrip(_LEADING_SPACE)
    if not body.strip():
        raise ExprError(N_("expression is empty"), text, 0)
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
        raise ExprError(_TOO_DEEP, text, 0, limit=MAX_DEPTH) from None
    except ValueError as exc:
        raise ExprError(N_("cannot parse expression: {reason}"), text, 0,
                        reason=str(exc)) from None
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
                    raise _operator_refused(type(item.op), self.text,
                                            self.operator_offset(item))
            else:
                self.visit(item, depth)
        return Expr(self.text, tuple(self.code), self.var_offsets, tuple(self.labels))

    def operator_offset(self, node: ast.BinOp) -> int:
        return self.source.next_token(self.source.end_of(node.left))

    def visit(self, node: ast.AST, depth: int, label_of: str | None = None) -> None:
        source, text, push = self.source, self.text, self.stack.append
        if depth > MAX_DEPTH:
            raise ExprError(_TOO_DEEP, text, source.start_of(node), limit=MAX_DEPTH)
        if isinstance(node, ast.Constant):
            self.code.append((_CONST, _number(node, source), source.start_of(node)))
        elif isinstance(node, ast.Name):
            self.name(node, label_of)
        elif isinstance(node, ast.UnaryOp):
            op_type = type(node.op)
            if op_type not in _UNARY_OPS:
                raise _operator_refused(op_type, text, source.start_of(node))
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
            raise _refused(node, text, _position_of(node, source))

    def name(self, node: ast.Name, label_of: str | None) -> None:
        offset, name = self.source.start_of(node), node.id
        if name in FUNCTIONS:
            raise ExprError(N_("{name} is a function: call it like {usage}"), self.text,
                            offset, name=repr(name), usage=_usage(name))
        if label_of is None and name in self.labels:
            raise ExprError(N_("{name} is the labels of a loss here, so it cannot also be a "
                               "variable: give the labels their own name"), self.text, offset,
                            name=repr(name))
        if label_of is not None and name in self.var_offsets and name not in self.labels:
            raise ExprError(N_("{name} is a variable here, so it cannot also be the labels "
                               "of {loss}(): give the labels their own name"),
                            self.text, offset, name=repr(name), loss=label_of)
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
                N_("the labels of {loss}() are data: a name given a one-hot vector (t=0,0,1) "
                   "or a class index (t=2), or a class index written here (2)"),
                self.text, self.source.start_of(labels), loss=name)
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
        raise ExprError(N_("only function names can be called (missing '*'?); allowed: "
                           "{allowed}"), text, source.next_token(source.end_of(func)),
                        allowed=_ALLOWED_FUNCTIONS)
    if func.id not in FUNCTIONS:
        raise ExprError(N_("unknown function {name} (allowed: {allowed})"), text,
                        source.start_of(func), name=repr(func.id), allowed=_ALLOWED_FUNCTIONS)
    for arg in node.args:
        if isinstance(arg, ast.Starred):
            raise ExprError(_REJECTIONS[ast.Starred], text, source.start_of(arg))
    if node.keywords:
        raise ExprError(N_("keyword arguments are not allowed: write {usage}"), text,
                        source.start_of(node.keywords[0]), usage=_usage(func.id))
    wanted = ARITY[func.id]
    if len(node.args) != wanted:
        where = node.args[wanted] if len(node.args) > wanted else node
        template = (N_("{name}() takes exactly one argument: {usage} ({n} given)")
                    if wanted == 1 else
                    N_("{name}() takes two arguments: {usage} ({n} given)"))
        raise ExprError(template, text, source.start_of(where), name=func.id,
                        usage=_usage(func.id), n=len(node.args))
    return func.id


def _number(node: ast.Constant, source: _Source) -> int | float:
    value = node.value
    offset = source.start_of(node)
    # bool is an int subclass, so compare exact types.
    if type(value) not in (int, float):
        raise _constant_refused(value, source.text, offset)
    try:
        finite = math.isfinite(float(value))
    except OverflowError:
        finite = False
    if not finite:
        raise ExprError(N_("number is too large"), source.text, offset)
    return value


def _constant_refused(value: object, text: str, offset: int) -> ExprError:
    if isinstance(value, bool):
        return ExprError(N_("True/False are not allowed; use 1 or 0"), text, offset)
    if isinstance(value, complex):
        return ExprError(N_("complex numbers are not allowed"), text, offset)
    if isinstance(value, (str, bytes)):
        return ExprError(_REJECTIONS[ast.JoinedStr], text, offset)
    if value is None:
        return ExprError(N_("None is not allowed"), text, offset)
    if value is Ellipsis:
        return ExprError(N_("'...' is not allowed"), text, offset)
    return ExprError(N_("{kind} literals are not allowed"), text, offset,
                     kind=type(value).__name__)


def _operator_refused(op_type: type, text: str, offset: int) -> ExprError:
    symbol = repr(_OPERATOR_SYMBOLS.get(op_type, op_type.__name__))
    template = (N_("operator {symbol} is not allowed (allowed: {allowed}; use ** for powers)")
                if op_type is ast.BitXor else
                N_("operator {symbol} is not allowed (allowed: {allowed})"))
    return ExprError(template, text, offset, symbol=symbol, allowed=OPERATORS)


def _refused(node: ast.AST, text: str, offset: int) -> ExprError:
    if type(node) in _REJECTIONS:
        return ExprError(_REJECTIONS[type(node)], text, offset)
    return ExprError(N_("{kind} expressions are not allowed"), text, offset,
                     kind=type(node).__name__)


def _position_of(node: ast.AST, source: _Source) -> int:
    field = _POINT_AFTER_FIRST_CHILD.get(type(node))
    if field is not None:
        return source.next_token(source.end_of(getattr(node, field)))
    if isinstance(node, ast.BoolOp):
        return source.next_token(source.end_of(node.values[0]))
    if isinstance(node, ast.Tuple) and node.elts:
        return source.next_token(source.end_of(node.elts[0]))
    return source.start_of(node)


# Python's syntax errors, said as a learner needs them: (its message, our template); the
# named groups fill the template, each quoted.
_SYNTAX_MESSAGES = [
    (r"'\(' was never closed", N_("unbalanced parentheses: '(' is never closed")),
    (r"'(?P<bracket>.)' was never closed", N_("unbalanced brackets: {bracket} is never closed")),
    (r"unmatched '\)'", N_("unbalanced parentheses: ')' has no matching '('")),
    (r"unmatched '(?P<bracket>.)'", N_("unbalanced brackets: {bracket} has no matching opening")),
    (r"closing parenthesis '(?P<closing>.)' does not match opening parenthesis "
     r"'(?P<opening>.)'.*", N_("mismatched brackets: {closing} does not match {opening}")),
    (r"invalid syntax\. Perhaps you forgot a comma\?", N_("missing operator (e.g. '*')")),
    (r"leading zeros in decimal integer literals.*", N_("invalid number: leading zero")),
    (r"invalid \w+ literal", N_("invalid number")),
    (r"invalid digit .*", N_("invalid number")),
    (r"unterminated (triple-quoted )?string literal.*", _REJECTIONS[ast.JoinedStr]),
    (r"f-string.*", _REJECTIONS[ast.JoinedStr]),
    (r"unexpected character after line continuation character",
     N_("'\\' is not an operator (use '/' to divide)")),
    (r"unexpected indent", N_("unexpected indentation after a line break")),
    (r"invalid character '(?P<char>.)' \((?P<code>U\+[0-9A-F]+)\)",
     N_("invalid character {char} ({code})")),
]
_SYNTAX_MESSAGES = [(re.compile(pattern), template) for pattern, template in _SYNTAX_MESSAGES]


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
    arguments: dict[str, str] = {}
    for pattern, template in _SYNTAX_MESSAGES:
        match = pattern.fullmatch(message)
        if match:
            message = template
            arguments = {k: v if k == "code" else f"'{v}'"
                         for k, v in match.groupdict().items()}
            break
    else:
        # a message we have no words for: Python's own, in every language
        message = re.sub(r"\s*\(detected at line \d+\)", "", message)
    if message == "invalid syntax":
        token = _WORD.match(text, offset)
        if offset >= len(text.rstrip()):
            message = N_("expression ends unexpectedly (missing operand?)")
            offset = len(text.rstrip())
        elif token:
            message = N_("invalid syntax: unexpected {token}")
            arguments = {"token": repr(token.group())}
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
            message = N_("invalid number {typed} (write {number}*{name} to multiply)")
            arguments = {"typed": repr(match.group()), "number": number, "name": name}
            offset = start
    return ExprError(message, text, offset, **arguments)


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
                raise ExprError(N_("{name} needs vectors or matrices; FloatOps computes "
                                   "with plain numbers"), name="@" if name == "matmul" else name)
            return refuse
        raise AttributeError(name)


FLOAT_OPS = FloatOps()
