"""The playground's page: `assets/index.html` filled in with the page's words in one
language (escaped for HTML, or as JSON safe inside a script element), the examples menu
and the addresses of its script and style, which the package serves itself."""
from __future__ import annotations

import hashlib
import html
import re
from functools import cache
from pathlib import Path

from viz.html import ZOOM_SCRIPT, script_json
from viz.i18n import language, translator
from viz.play.examples import EXAMPLES

__all__ = ["ASSETS", "page_html", "words"]

ASSETS = Path(__file__).with_name("assets")
_SLOT = re.compile(r"\{\{([A-Z_]+)\}\}")


def words(lang):
    """The page's words that its script writes, in `lang`."""
    _ = translator(lang)
    return {
        "drawing": _("drawing…"), "cannot": _("Cannot draw this:"),
        "offline": _("The playground did not answer: is graphgrad serve still running?"),
        "labels_of": _("labels (data: a one-hot vector such as 0,0,1, or a class index)"),
        "number": _("number"), "vector": _("{n}-vector"), "matrix": _("{r}×{c} matrix"),
        "local": _("local derivative"), "upstream": _("from above (upstream)"),
        "sent": _("sent on (upstream × local)"), "value": _("value"), "input": _("input {k}"),
        "click": _("Click a node of the drawing to see its local derivative here."),
        "elements": _("Vectors are drawn element by element, as appendix A draws them."),
        "arrays": _("Each vector and matrix is one node (a vector is a row, 1×n), as the "
                    "book draws the Affine layer."),
        "copied": _("link copied"), "title": _("graphgrad playground"),
        "nosteps": _("No backward pass to step through: the expression has no variables."),
    }


def _examples(lang):
    _ = translator(lang)
    return [{"key": e.key, "title": _(e.title), "expr": e.expr, "values": e.values,
             "labels": e.labels, "collapse": e.collapse} for e in EXAMPLES]


@cache
def _version():
    """A hash of the assets, so a browser never keeps an old script after an upgrade."""
    digest = hashlib.sha256()
    for path in [*sorted(ASSETS.iterdir()), ZOOM_SCRIPT]:
        digest.update(path.read_bytes())
    return digest.hexdigest()[:12]


def page_html(lang=None):
    """The page in `lang` ('en', 'ja')."""
    lang = language(lang)
    _, esc = translator(lang), html.escape
    texts = {
        "TITLE": _("graphgrad playground"),
        "INTRO": _("Type an expression: its graph is drawn as the book draws it, values "
                   "above the edges and gradients below, and its backward pass can be "
                   "stepped through underneath."),
        "EXPR_LABEL": _("Expression"), "EXAMPLES": _("Examples…"),
        "VALUES": _("Values"), "EDGES": _("On the edges:"), "NUMBERS": _("numbers"),
        "SYMBOLS": _("symbols"), "BOTH": _("both"), "BOXES": _("composites as boxes"),
        "DOWNLOAD": _("Download:"), "SVG": _("drawing (SVG)"), "PNG": _("drawing (PNG)"),
        "STEPS_FILE": _("stepper page (HTML)"), "LINK": _("Link to this state"),
        "COPY": _("copy"), "STEPS": _("The backward pass, step by step"),
        "KEYS": _("← / → step (click the page first); Home / End jump to the ends."),
        "HELP": _("Operators {operators}; functions {functions}. A value is a number (1.5), "
                  "a vector (0.3,2.9,4.0) or a matrix (1,2;3,4: rows split by ;)."),
        "NOSCRIPT": _("The playground needs JavaScript."),
        "HELP_TITLE": _("What can I type?"),
        # the zoom of the drawing: the stepper's words, but for what + does here
        "ZOOM": _("zoom"), "ZOOM_FIT": _("fit"), "ZOOM_OUT_TIP": _("zoom out (−)"),
        "ZOOM_FIT_TIP": _("the whole drawing, fitted to the window (0)"),
        "ZOOM_IN_TIP": _("zoom in (+): larger, scrolled inside its box"),
    }
    from viz.expr import FUNCTIONS, OPERATORS
    texts = {k: esc(v) for k, v in texts.items()}
    texts["HELP"] = texts["HELP"].format(operators=f"<code>{esc(OPERATORS)}</code>",
                                         functions=", ".join(f"<code>{f}</code>"
                                                             for f in FUNCTIONS))
    page = (ASSETS / "index.html").read_text(encoding="utf-8")
    values = {**texts, "LANG": lang, "VERSION": _version(),
              "CONFIG_JSON": script_json({"lang": lang, "words": words(lang),
                                          "examples": _examples(lang)})}
    return _SLOT.sub(lambda m: values[m.group(1)], page)
