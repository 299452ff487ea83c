"""The playground in Jupyter: `viz.playground()`, the page's box, fields, drawing and
stepper as an ipywidgets widget, answered by this kernel through viz.play.build.

    viz.playground("sigmoid(x*w + b)", x=1, w=2, b=-1)
    viz.playground("softmax_with_loss(a, t)", a=[0.3, 2.9, 4.0], t=[0, 0, 1],
                   labels="symbols", lang="ja")

Typing redraws after a short pause; the menu under the drawing shows a node's local
derivative (the page shows it on a click); the stepper is the exported page's player.
Without ipywidgets, or in a notebook shown without a kernel, the output is the drawing
and the player as plain HTML (they step in the browser alone).
"""
from __future__ import annotations

import html
import threading

import numpy as np

from viz.i18n import language, translator
from viz.play import build
from viz.play.examples import EXAMPLES
from viz.play.page import words
from viz.values import format_value

__all__ = ["Playground", "playground"]

DEBOUNCE = 0.35  # seconds of quiet typing before the drawing is redone
LABELS = ("numbers", "symbols", "both")


def _text(value):
    """A value given from Python (a number, a list, an array) as the field's text."""
    if isinstance(value, str):
        return value
    array = np.asarray(value, dtype=float)
    return format_value(float(array) if array.ndim == 0 else array)


def _ipywidgets():
    try:
        import ipywidgets
    except ImportError:
        return None
    return ipywidgets


class Playground:
    """The playground's state and its widget.

    `expr`, `values` ({name: text}), `labels`, `lang`, `collapse`; `payload` is the last
    drawing (viz.play.build.drawing), `steps` the last player page (or None).  `update()`
    redraws now; `set(expr=..., **values)` changes the state and redraws.  With ipywidgets,
    `widget` is the VBox to display and `box`, `fields`, `drawing`, `stepper` its parts.
    """

    def __init__(self, expr="", *, labels="numbers", lang=None, collapse=False,
                 debounce=DEBOUNCE, **values):
        if labels not in LABELS:
            raise ValueError(f"labels must be one of {LABELS}, got {labels!r}")
        self.expr = expr or "sigmoid(x*w + b)"
        self.values = {k: _text(v) for k, v in values.items()}
        if not expr and not values:
            self.values = {"x": "1", "w": "2", "b": "-1"}
        self.labels, self.lang, self.collapse = labels, language(lang), bool(collapse)
        self.debounce = debounce
        self.payload, self.steps, self.widget = None, None, None
        self._timer = None
        self._lock = threading.Lock()
        w = _ipywidgets()
        if w is not None:
            self._build(w)
        self.update()

    # ---------------------------------------------------------------- computing
    def update(self):
        """Redraw for the current state (drawing, then the stepper)."""
        with self._lock:
            options = {"labels": self.labels, "lang": self.lang, "collapse": self.collapse}
            self.payload = build.drawing(self.expr, self.values, **options)
            for v in self.payload["variables"]:
                self.values.setdefault(v["name"], v["value"])
            self.steps = None
            if self.payload["ok"] and self.payload["steppable"]:
                try:
                    self.steps = build.steps_page(self.expr, self.values, **options)
                except build.PlayError:
                    self.steps = None
            if self.widget is not None:
                self._show()
        return self

    def set(self, expr=None, **values):
        if expr is not None:
            self.expr = expr
            if self.widget is not None and self.box.value != expr:
                self.box.value = expr  # its observer schedules a redraw; redraw now instead
        self.values.update({k: _text(v) for k, v in values.items()})
        self._cancel()
        return self.update()

    def _cancel(self):
        if self._timer is not None:
            self._timer.cancel()
            self._timer = None

    def _later(self):
        self._cancel()
        if self.debounce <= 0:
            self.update()
            return
        self._timer = threading.Timer(self.debounce, self.update)
        self._timer.daemon = True
        self._timer.start()

    # ---------------------------------------------------------------- the widget
    def _build(self, w):
        _ = translator(self.lang)
        self.box = w.Text(value=self.expr, placeholder="sigmoid(x*w + b)",
                          description=_("Expression"), continuous_update=True,
                          layout=w.Layout(flex="1 1 auto", width="auto"))
        self.examples = w.Dropdown(options=[(_("Examples…"), "")] + [
            (_(e.title), e.key) for e in EXAMPLES], value="", layout=w.Layout(width="auto"))
        self.error = w.HTML()
        self.fields = w.Box(layout=w.Layout(flex_flow="row wrap"))
        self.labels_buttons = w.ToggleButtons(
            options=[(_("numbers"), "numbers"), (_("symbols"), "symbols"),
                     (_("both"), "both")], value=self.labels,
            description=_("On the edges:"), style={"button_width": "auto"})
        self.boxes = w.Checkbox(value=self.collapse, description=_("composites as boxes"),
                                indent=False)
        self.result = w.HTML()
        self.drawing = w.HTML()
        self.node = w.Dropdown(description=_("local derivative"), options=[("", "")])
        self.local = w.HTML()
        self.stepper = w.HTML()
        self._inputs = {}
        self.box.observe(self._typed, names="value")
        self.examples.observe(self._example, names="value")
        self.labels_buttons.observe(self._option, names="value")
        self.boxes.observe(self._option, names="value")
        self.node.observe(lambda change: self._show_local(change["new"]), names="value")
        self.widget = w.VBox([
            w.HBox([self.box, self.examples]), self.error, self.fields,
            w.HBox([self.labels_buttons, self.boxes]), self.result, self.drawing,
            w.HBox([self.node]), self.local, self.stepper])
        self._w = w

    def _typed(self, change):
        self.expr = change["new"]
        self._later()

    def _example(self, change):
        example = next((e for e in EXAMPLES if e.key == change["new"]), None)
        if example is None:
            return
        self.values.update(example.values)
        self.labels = self.labels_buttons.value = example.labels
        self.collapse = self.boxes.value = example.collapse
        self.examples.value = ""
        self.set(example.expr)

    def _option(self, _change):
        self.labels = self.labels_buttons.value
        self.collapse = self.boxes.value
        self._cancel()
        self.update()

    def _field(self, v):
        w, _ = self._w, translator(self.lang)
        hint = _("labels (data: a one-hot vector such as 0,0,1, or a class index)") \
            if v["labels"] else ""
        text = w.Text(value=self.values[v["name"]], description=f"{v['name']} =",
                      tooltip=hint, continuous_update=True,
                      style={"description_width": "initial"},
                      layout=w.Layout(width="15em", margin="2px 16px 2px 0"))

        def typed(change, name=v["name"]):
            self.values[name] = change["new"]
            self._later()
        text.observe(typed, names="value")
        return text

    def _show(self):
        p = self.payload
        names = [v["name"] for v in p["variables"]]
        if p["ok"] or names:
            for v in p["variables"]:
                if v["name"] not in self._inputs:
                    self._inputs[v["name"]] = self._field(v)
            self.fields.children = [self._inputs[n] for n in names]
        if not p["ok"]:
            self.error.value = _error_html(p["error"], self.lang)
            return
        self.error.value = ""
        note = f"<p style='color:#e8710a'>{html.escape(p['note'])}</p>" if p["note"] else ""
        self.result.value = note + f"<pre>{html.escape(chr(10).join(p['result']))}</pre>"
        self.drawing.value = f'<div style="overflow-x:auto;max-width:100%">{p["svg"]}</div>'
        self.node.options = [("", "")] + [
            (f"{info['title']} ({k})", key) for k, (key, info) in
            enumerate(p["nodes"].items(), 1)]
        self.local.value = ""
        from viz.html import embed_html
        self.stepper.value = embed_html(self.steps, height=560) if self.steps else ""

    def _show_local(self, key):
        info = (self.payload or {}).get("nodes", {}).get(key)
        self.local.value = _local_html(info, self.lang) if info else ""

    # ---------------------------------------------------------------- display
    def _static_html(self):
        p = self.payload
        if not p["ok"]:
            return _error_html(p["error"], self.lang)
        from viz.html import embed_html
        player = embed_html(self.steps, height=560) if self.steps else ""
        return (f'<pre>{html.escape(chr(10).join(p["result"]))}</pre>'
                f'<div style="overflow-x:auto">{p["svg"]}</div>{player}')

    def _repr_mimebundle_(self, include=None, exclude=None):
        bundle = {"text/plain": repr(self), "text/html": self._static_html()}
        if self.widget is not None:
            bundle.update(self.widget._repr_mimebundle_(include=include, exclude=exclude)
                          or {})
        return bundle

    def __repr__(self):
        return f"<Playground {self.expr!r}>"


def _error_html(error, lang):
    lead = html.escape(words(lang)["cannot"])
    where = ""
    if error.get("text"):
        caret = " " * error["offset"] + "^"
        where = f"<pre>{html.escape(error['text'])}\n{caret}</pre>"
    return (f'<div style="border-left:4px solid #d62728;padding:2px 8px"><b>{lead}</b> '
            f'{html.escape(error["message"])}{where}</div>')


def _local_html(info, lang):
    t = words(lang)
    rows = "".join(
        f"<tr><th>{html.escape(i['name'] or t['input'].format(k=k))}</th>"
        f"<td>{html.escape(i['value'])}</td><td>{html.escape(i['local'])}</td>"
        f"<td style='color:#d62728'>{html.escape(i['sent'])}</td></tr>"
        for k, i in enumerate(info["inputs"], 1))
    head = "".join(f"<th>{html.escape(h)}</th>" for h in ("", t["value"], t["local"],
                                                          t["sent"]))
    return (f"<p><b>{html.escape(info['title'])}</b> — {html.escape(info['formula'])}<br>"
            f"{html.escape(t['upstream'])}: {html.escape(info['upstream'])}</p>"
            f"<table><tr>{head}</tr>{rows}</table>")


def playground(expr="", *, labels="numbers", lang=None, collapse=False, **values):
    """The playground in a notebook: `expr` at `values` (numbers, lists or arrays; a
    variable not given takes 1, labels class 0), drawn with `labels` in `lang`."""
    return Playground(expr, labels=labels, lang=lang, collapse=collapse, **values)
