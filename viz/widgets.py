"""An interactive step-through of the backward pass for Jupyter.

    from viz.widgets import Stepper
    Stepper(loss)                      # a slider, ◀ prev / next ▶, the graph and the text
    Stepper(loss, collapse="sigmoid")  # options as viz.stepper.frames
    Stepper(viz.derive(loss))          # the frames of a derivation made already
    Stepper(loss, lang="ja")           # ステップ1 …, 順伝播, the buttons in Japanese

With ipywidgets the frames are shown in a live widget; the output also carries the
self-contained HTML player, so a notebook rendered without a kernel (nbconvert, a
notebook viewer) or without ipywidgets still steps, in the browser alone.
"""
from __future__ import annotations

import html

from viz.dot import printable
from viz.html import embed_html, inline_svg, player_html
from viz.i18n import language, translator
from viz.stepper import as_frames

__all__ = ["Stepper"]

# the explanation table's look, as in the HTML player (a widget has no page CSS)
_STYLE = ("<style>.gg-step .step-table{border-collapse:collapse}"
          ".gg-step .step-table th,.gg-step .step-table td{padding:2px 14px 2px 0;"
          "text-align:left;font-weight:normal}"
          ".gg-step td.num{font-family:monospace;color:#d62728}"
          ".gg-step td.sym{font-family:serif;font-style:italic}"
          ".gg-step .frame-title{font-size:1rem;margin:8px 0 4px}"
          ".gg-step p.book{border-left:3px solid #e8710a;padding-left:8px;"
          "font-style:italic}.gg-step tr.sum th,.gg-step tr.sum td{font-weight:bold;"
          "border-top:1px solid #1f6fb4}</style>")


def _ipywidgets():
    try:
        import ipywidgets
    except ImportError:
        return None
    return ipywidgets


class Stepper:
    """Step through `root`'s backward pass (a Value/Tensor, a viz.derivation.Derivation,
    or a list of Frames).

    Attributes: `frames`, `index` (the frame shown); with ipywidgets also `widget` (the
    VBox to display), `slider`, `prev_button`, `next_button`, `counter`, `heading` (the
    book's step shown: 'Step 3'), `view` (the HTML widget with the SVG and the
    explanation).  Methods: `show(k)`, `next()`,
    `prev()`.  `lang` ('en', 'ja'; None: $GRAPHGRAD_LANG, the locale's, English): the
    narration's and the controls' language.
    """

    def __init__(self, root, *, height=640, lang=None, **options):
        self.frames = as_frames(root, lang=lang, **options)
        self.lang = language(lang or self.frames[0].lang)
        self._ = translator(self.lang)
        self.index = 0
        self.height = height
        self._svg = {}
        self.widget = None
        w = _ipywidgets()
        if w is not None:
            self._build(w)
            self.show(0)

    def _build(self, w):
        n, _ = len(self.frames), self._
        self.prev_button = w.Button(description=_("◀ prev"), tooltip=_("previous frame"),
                                    layout=w.Layout(width="auto"))
        self.next_button = w.Button(description=_("next ▶"), tooltip=_("next frame"),
                                    layout=w.Layout(width="auto"))
        self.slider = w.IntSlider(value=0, min=0, max=n - 1, step=1, readout=False,
                                  continuous_update=True, description=_("frame"),
                                  layout=w.Layout(flex="1 1 auto"))
        self.counter = w.Label()
        self.heading = w.HTML()
        self.view = w.HTML()
        self.prev_button.on_click(lambda _: self.prev())
        self.next_button.on_click(lambda _: self.next())
        self.slider.observe(lambda change: self.show(change["new"]), names="value")
        controls = w.HBox([self.prev_button, self.next_button, self.slider, self.counter,
                           self.heading])
        self.widget = w.VBox([controls, self.view])

    def _frame_svg(self, k):
        if k not in self._svg:
            self._svg[k] = inline_svg(self.frames[k].svg())
        return self._svg[k]

    def show(self, k):
        """Show frame k (clamped to the first / last frame)."""
        k = max(0, min(len(self.frames) - 1, int(k)))
        self.index = k
        if self.widget is None:
            return
        if self.slider.value != k:
            self.slider.value = k  # its observer calls show(k) again, harmlessly
        f = self.frames[k]
        _ = self._
        self.counter.value = _("frame {k} / {n}").format(k=k + 1, n=len(self.frames))
        self.heading.value = f"<b>{html.escape(printable(f.heading))}</b>" if f.heading \
            else ""
        self.prev_button.disabled = k == 0
        self.next_button.disabled = k == len(self.frames) - 1
        # Japanese has no italics: the book's line upright, the text marked as Japanese
        style, lang = (_STYLE, "") if self.lang == "en" else (
            _STYLE + "<style>.gg-step p.book{font-style:normal}</style>",
            f' lang="{self.lang}"')
        self.view.value = (f'{style}<div class="gg-step"{lang}><div style="overflow:auto;'
                           f'max-width:100%">{self._frame_svg(k)}</div>{f.html}</div>')

    def next(self):
        self.show(self.index + 1)

    def prev(self):
        self.show(self.index - 1)

    def _repr_html_(self):
        return embed_html(player_html(self.frames, lang=self.lang), height=self.height)

    def _repr_mimebundle_(self, include=None, exclude=None):
        bundle = {"text/plain": repr(self), "text/html": self._repr_html_()}
        if self.widget is not None:
            # a live frontend shows the widget; a static one falls back to the HTML player
            bundle.update(self.widget._repr_mimebundle_(include=include, exclude=exclude)
                          or {})
        return bundle

    def __repr__(self):
        return f"<Stepper {len(self.frames)} frames, showing {self.index + 1}>"
