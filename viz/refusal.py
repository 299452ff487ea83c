"""A refusal of typed text (an expression, a value), said in the reader's language.

An ExprError keeps its English `message` (exceptions stay English, as Python libraries'
do) and also the gettext template it was made from, with the template's arguments, so
the command line and the playground can say it in the learner's language:

    e = ExprError(N_("unknown function {name}"), "foo(x)", 0, name="'foo'")
    str(e)                      # English, with the input and a caret under the 'f'
    e.said(translator("ja"))    # the same in Japanese, the caret in the same place

An argument that is itself an ExprError (the reason a value is refused) or a Reason (an
engine's error) is said in the same language.
"""
from __future__ import annotations

import functools
import re
import unicodedata

from autograd import DomainError

__all__ = ["ExprError", "N_", "Reason", "domain_said"]

_LINE_BREAK = re.compile(r"\r\n|\r|\n")
# the engine's DomainError begins "op(inputs): " or "backward of op(inputs): "
_DOMAIN = re.compile(r"(backward of )?(\w+)\(([^()]*)\): ")


def N_(template: str) -> str:
    """Marks `template` for the catalogue (tests/viz/test_i18n.py finds it); it is
    translated when the refusal is said."""
    return template


class ExprError(ValueError):
    """A user error in an expression or a ``--at`` item.

    ``text`` is the offending input, ``offset`` a 0-based index into it and ``message``
    the plain explanation (English); ``str()`` adds the input line with a caret under
    ``offset``.  ``template`` and ``arguments`` make ``message``; ``said(_)`` says it in
    the language of the translator ``_``.
    """

    def __init__(self, message: str, text: str = "", offset: int = 0, **arguments) -> None:
        self.template = message
        self.arguments = arguments
        self.message = self._render(lambda s: s)
        super().__init__(self.message)
        self.text = text
        self.offset = max(0, min(offset, len(text)))

    def _render(self, _) -> str:
        if not self.template:  # gettext's '' is the catalogue's header
            return ""
        if not self.arguments:
            return _(self.template)
        said = {k: v.said_message(_) if hasattr(v, "said_message") else v
                for k, v in self.arguments.items()}
        return _(self.template).format(**said)

    def __reduce__(self):
        return (functools.partial(type(self), **self.arguments),
                (self.template, self.text, self.offset))

    def __str__(self) -> str:
        return self.message + self.caret()

    def said(self, _) -> str:
        """The message in the language of gettext's `_`, with the same caret lines."""
        return self._render(_) + self.caret()

    def said_message(self, _) -> str:
        """The message alone in the language of `_` (the page draws its own caret)."""
        return self._render(_)

    def caret(self) -> str:
        """The input line and a caret under ``offset`` (each after a line break)."""
        if not self.text:
            return ""
        line, column = _display_line(self.text, self.offset)
        # Reusing the line's own tabs keeps the caret aligned whatever the tab width.
        padding = "".join("\t" if ch == "\t" else " " for ch in line[:column])
        return f"\n  {line}\n  {padding}^"


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


class Reason:
    """An engine's error (DomainError, ZeroDivisionError ...) as the argument of a refusal,
    said in the refusal's language; English is the engine's own message."""

    def __init__(self, error: Exception) -> None:
        self.error = error

    def __str__(self) -> str:
        return str(self.error)

    def said_message(self, _) -> str:
        if isinstance(self.error, DomainError):
            return domain_said(self.error, _)
        return str(self.error)


def _why(op, _):
    """Why an input is outside `op`'s domain, said in the language of `_`."""
    return {"log": _("log takes positive numbers only"),
            "reciprocal": _("it would divide by 0"),
            "pow": _("a negative number to a fractional power, or 0 to a negative one, is "
                     "not a real number")}.get(op)


_CANNOT = "{call} cannot be computed"


def domain_said(e: DomainError, _) -> str:
    """An engine's DomainError in the language of `_`: the engine's own English for
    English (a translator without these words), else the op and its inputs as the engine
    names them, and why."""
    m = _DOMAIN.match(str(e))
    if m is None or _(_CANNOT) == _CANNOT:
        return str(e)
    backward, op, inputs = m.groups()
    call = f"{op}({inputs})"
    if backward:
        return _("the derivative of {call} is infinite or undefined here").format(call=call)
    why = _why(op, _)
    if why is None:
        return _("{call} cannot be computed").format(call=call)
    return _("{call} is not defined: {why}").format(call=call, why=why)
