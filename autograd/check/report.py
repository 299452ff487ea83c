"""The report of a check: a Row per gradient, printed as a table or shown as HTML."""
import html
import unicodedata

from autograd.check.message import Message, english

__all__ = ["Report", "NetworkReport", "Row", "RTOL", "ATOL"]

RTOL, ATOL = 1e-5, 1e-8


class Row:
    """One gradient: `name` (dx, dW, a parameter's key), `ok`, `expected` (the engine's),
    `actual` (yours), `max_abs` (largest |yours − expected|), `max_rel` (max_abs over the
    largest |expected|), `hint` (what the difference looks like, when it is clear) and
    `error` (an exception of your backward, with your file:line), `reached` (False when
    your backward raised before giving it: neither right nor wrong, not reached)."""

    __slots__ = ("name", "ok", "expected", "actual", "max_abs", "max_rel", "hint", "error",
                 "reached")

    def __init__(self, name, ok, expected, actual, max_abs=None, max_rel=None, hint=None,
                 error=None, reached=True):
        self.name, self.ok, self.expected, self.actual = name, ok, expected, actual
        self.max_abs, self.max_rel, self.hint, self.error = max_abs, max_rel, hint, error
        self.reached = reached  # False: backward raised before it computed this gradient

    @property
    def mark(self):
        """✔ right, ✘ wrong, – not reached (backward raised before it)."""
        return "✔" if self.ok else "✘" if self.reached else "–"

    def __repr__(self):
        mark = "ok" if self.ok else "WRONG" if self.reached else "not reached"
        return f"<Row {self.name} {mark} max_abs={_fmt(self.max_abs)}>"


class Report:
    """What a check found: `ok`, `rows` (one Row per gradient), `method` ("engine": the
    exact gradient of your forward; "numerical": central differences, `reason` says why),
    `error` (your forward raised), `first_wrong` (the first wrong gradient or layer in
    backward order, where localisation applies).  `graph` is the output node of your forward
    recorded on Tensors and `leaves` maps row names to its leaves (for drawing), `dout` the
    upstream gradient used.  print() it, or let Jupyter show it as a table; viz draws it
    (viz.check.draw(report))."""

    def __init__(self, title, rows, method, *, reason=None, error=None, graph=None,
                 leaves=None, dout=None, rtol=RTOL, atol=ATOL):
        self.title, self.rows, self.method, self.reason = title, list(rows), method, reason
        self.error, self.graph, self.leaves, self.dout = error, graph, leaves or {}, dout
        self.rtol, self.atol = rtol, atol
        self.first_wrong = next((r.name for r in self.rows if not r.ok), None)
        self.localisation = None  # where the backward departs, in words
        self.departure = []  # ... and the nodes of the graph it names (for drawing)
        self.input_names = []  # the rows that are inputs' gradients, in input order

    @property
    def ok(self):
        return self.error is None and bool(self.rows) and all(r.ok for r in self.rows)

    def __getitem__(self, name):
        for r in self.rows:
            if r.name == name:
                return r
        raise KeyError(f"no row {name!r}; the rows are {[r.name for r in self.rows]}")

    def _summary(self, _):
        if self.method == "engine":
            how = _("exact gradient of your forward (the engine)")
        elif self.reason:
            how = _("central differences ({reason})").format(reason=_say(self.reason, _))
        else:
            how = _("central differences")
        return _("{title}: {verdict}; expected = {how}; pass when |yours − expected| <= "
                 "{atol} + {rtol}·|expected|").format(
                     title=self.title, verdict=_("OK") if self.ok else _("WRONG") if
                     self.rows or self.error else _("nothing checked"), how=how,
                     atol=f"{self.atol:g}", rtol=f"{self.rtol:g}")

    def _lines(self, _):
        lines = [self._summary(_)]
        if self.error:
            lines.append("  " + _say(self.error, _))
        # an error a row explains with a hint (the line that raised computes dW) is said
        # once here, the hint in the row
        for error in dict.fromkeys(r.error for r in self.rows if r.error and r.hint):
            lines.append("  " + _say(error, _))
        if self.localisation:
            lines.append("  " + _say(self.localisation, _))
        return lines

    def _tail(self, _):
        return []

    def _cells(self, _):
        return [(r.name, r.mark, _fmt(r.max_abs), _fmt(r.max_rel),
                 _say(r.hint or r.error or "", _)) for r in self.rows]

    def _head(self, _):
        return (_("gradient"), "", _("max abs error"), _("max rel error"), _("hint"))

    def text(self, _=english):
        """The report as a table of text, in the language of `_` (gettext's translator;
        viz.check.text(report, lang) passes one)."""
        head = self._head(_)
        cells = self._cells(_)
        widths = [max(_width(c[i]) for c in [head, *cells]) for i in range(4)]
        out = self._lines(_)
        for c in [head, *cells]:
            out.append("  " + "  ".join(x + " " * (w - _width(x)) for x, w in
                                        zip(c[:4], widths)) + "  " + c[4])
        out.extend(self._tail(_))
        return "\n".join(line.rstrip() for line in out)

    def __str__(self):
        return self.text()

    def __repr__(self):
        return f"<Report {self.title} {'OK' if self.ok else 'WRONG'}: " \
               f"{', '.join(r.name + ('' if r.ok else ' ✘') for r in self.rows)}>"

    def html(self, _=english):
        """The report as an HTML table (every text escaped), in the language of `_`."""
        esc = html.escape
        colour = {"✔": "#2a7", "✘": "#c33", "–": "#888"}
        rows = "".join(
            f"<tr><td><code>{esc(n)}</code></td>"
            f"<td style='color:{colour[mark]}'>{mark}</td>"
            f"<td>{esc(a)}</td><td>{esc(b)}</td><td>{esc(h)}</td></tr>"
            for n, mark, a, b, h in self._cells(_))
        notes = "".join(f"<div>{esc(line)}</div>" for line in self._lines(_))
        tail = "".join(f"<div>{esc(line)}</div>" for line in self._tail(_))
        head = "".join(f"<th style='white-space:nowrap'>{esc(h)}</th>" for h in self._head(_))
        return (f"<div class='graphgrad-check'>{notes}<table><thead><tr>{head}</tr></thead>"
                f"<tbody>{rows}</tbody></table>{tail}</div>")

    def _repr_html_(self):
        return self.html()


class NetworkReport(Report):
    """check_network's report: the parameter rows of the whole network, and `layers`, one
    Report per layer in backward order (lastLayer first), each checked with the input it
    saw in the forward pass and the exact gradient its upstream sends."""

    def __init__(self, title, rows, method, layers, **kwargs):
        super().__init__(title, rows, method, **kwargs)
        self.layers = layers
        wrong = [name for name, r in layers if not r.ok]
        self.first_wrong = wrong[0] if wrong else None
        self.inputs = []  # (layer name, the input it saw), forward order: every layer
        self.param_keys = {}  # layer name -> {its row (dW): the network's key (W1)}
        if wrong:
            self.localisation = Message("departs_layer", "backward departs first at {name} "
                                        "(layers checked from the loss down, each with the "
                                        "input it saw)", name=wrong[0])

    @property
    def ok(self):
        return super().ok and all(r.ok for _, r in self.layers)

    def _tail(self, _):
        lines = ["  " + _("layers, from the loss down:")]
        for name, r in self.layers:
            bad = [f"{row.name}: {_say(row.error or row.hint, _) or _('differs')}"
                   for row in r.rows if not row.ok]
            mark = "✔" if r.ok else "✘"
            lines.append(f"  {mark} {name}" + (f"  ({'; '.join(bad)})" if bad else "")
                         + (f"  {_say(r.error, _)}" if r.error else ""))
        return lines


def _fmt(x):
    return "" if x is None else f"{x:.1e}" if x else "0"


def _say(text, _):
    """A Message in the language of `_`; plain text (a learner's key) as it is."""
    return text.say(_) if isinstance(text, Message) else (text or "")


def _width(text):
    """Terminal cells: a kanji or kana takes two."""
    return sum(2 if unicodedata.east_asian_width(c) in "WF" else 1 for c in text)
