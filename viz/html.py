"""Exports of the backward-pass replay: one self-contained HTML player, an animated GIF,
numbered SVG/PNG files.

The HTML file needs nothing at view time (no network, no files beside it): the picture,
the explanations, the CSS and the script are inline.  The frames of one replay share one
SVG, drawn once; each frame carries only what changes on it (edge states, the node
highlighted, the notes), which the script applies, so the page grows with the frames.
Controls: previous / next buttons, a slider, ← / → (Home / End), play; "frame k / n" (a
frame, never called a step: the book's Steps are the headings) and the frame's
explanation under the graph (`explanation_html`: the frame's lines, its rows as a
table); where a composite declares the book's steps, a row of their headings (Step 1 …
Step 6) above it, the current one marked.  `#step=k` in the URL opens frame k.  The
whole drawing is fitted to the window (never above 1.5 times dot's size); + / −
(buttons and keys, 0 fits again) zoom in and out, stopping once where the smallest text
is 11 px, and a drawing larger than its panel scrolls to the current step's nodes.  The
page speaks the frames' language (`lang=` of viz.stepper.frames, or of the exports
here): its buttons, hints and `<html lang>` follow.

    export_steps(loss, "steps.html")    # .html / .gif / a folder (numbered .svg or .png)
"""
from __future__ import annotations

import html
import json
import re
from pathlib import Path

from viz.dot import draws_forks, fork_state, printable, svg_id, to_digraph
from viz.frame import ROWS
from viz.i18n import font_family, language, translator
from viz.render import inline_svg, pipe
from viz.stepper import as_frames

__all__ = ["ZOOM_SCRIPT", "embed_html", "explanation_html", "export_frames", "export_gif",
           "export_html", "export_steps", "heading_groups", "headings_html", "inline_svg",
           "player_html", "script_json"]

_TEMPLATE = Path(__file__).with_name("templates") / "stepper.html"
# the drawing's fit and zoom, inlined in the player and served by the playground
ZOOM_SCRIPT = _TEMPLATE.with_name("zoom.js")

# GIF timing: the first and last frames are read longest
DURATION_MS = 2200
FIRST_MS = 2500
LAST_MS = 5000

_SLOT = re.compile(r"\{\{([A-Z_]+)\}\}")
# inside <script> the HTML parser ends the element at "</script", and "<!--" changes how
# it reads on: no "<" may appear there, nor ">" and "&", nor the two JavaScript line
# separators; JSON lets each be written as a \u escape inside its strings
_SCRIPT_UNSAFE = {"<": "\\u003c", ">": "\\u003e", "&": "\\u0026", "\u2028": "\\u2028",
                  "\u2029": "\\u2029"}


def script_json(data):
    """`data` as JSON safe to put inside a <script> element."""
    text = json.dumps(data, ensure_ascii=False)
    return re.sub("[<>&\u2028\u2029]", lambda m: _SCRIPT_UNSAFE[m.group()], text)


def _fill(template, values):
    """Every {{NAME}} of the template replaced in one pass: a value is never read again,
    so text inside it that looks like a slot stays text."""
    return _SLOT.sub(lambda m: values[m.group(1)], template)


def _css_fonts(lang):
    return ", ".join(f'"{f}"' if " " in f else f for f in font_family(lang).split(","))


def _chrome(lang, count):
    """The page's own words (buttons, tooltips, the hint), escaped for HTML."""
    _, esc = translator(lang), html.escape
    colours = {state: f'<b class="{state}">{esc(word)}</b>' for state, word in (
        ("active", _("orange")), ("summing", _("blue")), ("done", _("red")),
        ("pending", _("grey")))}
    hint = esc(_("← / → step through the backward pass. Under each edge its gradient: "
                 "{active} being sent in this step, {summing} the branches this step adds "
                 "up, {done} already sent, {pending} still to come."))
    return {
        "LANG": lang, "FONTS": _css_fonts(lang),
        "FIRST_TIP": esc(_("first frame (Home)")), "LAST_TIP": esc(_("last frame (End)")),
        "PREV_TIP": esc(_("previous frame (←)")), "NEXT_TIP": esc(_("next frame (→)")),
        "PLAY_TIP": esc(_("play / pause")), "PREV": esc(_("◀ prev")),
        "NEXT": esc(_("next ▶")), "PLAY": esc(_("▶ play")), "SLIDER": esc(_("frame")),
        "COUNTER": esc(_("frame {k} / {n}").format(k=1, n=count)),
        "HINT": hint.format(**colours),
        "NOSCRIPT": esc(_("JavaScript is off: only the first frame is shown.")),
        "ZOOM": esc(_("zoom")), "ZOOM_FIT": esc(_("fit")),
        "ZOOM_IN_TIP": esc(_("zoom in (+): larger, scrolled to what this frame shows")),
        "ZOOM_OUT_TIP": esc(_("zoom out (−)")),
        "ZOOM_FIT_TIP": esc(_("the whole drawing, fitted to the window (0)")),
        "UI_JSON": script_json({"play": _("▶ play"), "pause": _("⏸ pause"),
                                "counter": _("frame {k} / {n}")}),
    }




def _esc(text):
    """Text for HTML: control and bidirectional-control characters shown as U+FFFD (as
    the drawings show them), then the markup characters escaped."""
    return html.escape(printable(text))


def explanation_html(frame):
    """A frame's explanation (its `lines`) as HTML: its title, the book's line, the
    paragraphs, and the rows as a table (label, numeric, symbolic where the algebra
    wrote any); every string escaped."""
    esc = _esc
    lines = frame.lines
    has_sym = any(c[2] for k, c in lines if k in ROWS)
    parts = [f'<h3 class="frame-title">{esc(frame.title)}</h3>']
    table = []
    for kind, c in lines:
        if kind in ROWS:
            table.append((kind, c))
            continue
        if table:
            parts.append(_table(table, has_sym, frame.lang))
            table = []
        cls = ' class="book"' if kind == "book" else ""
        parts.append(f"<p{cls}>{esc(c)}</p>")
    if table:
        parts.append(_table(table, has_sym, frame.lang))
    return "\n".join(parts)


def _table(rows, has_sym, lang):
    esc, _ = _esc, translator(lang)
    head = f"<tr><th></th><th>{esc(_('numeric'))}</th>" + (
        f"<th>{esc(_('symbolic'))}</th>" if has_sym else "")
    body = [head + "</tr>"]
    for kind, (label, numeric, sym) in rows:
        cls = ' class="sum"' if kind == "sum" else ""
        cells = f'<th scope="row">{esc(label)}</th><td class="num">{esc(numeric)}</td>'
        if has_sym:
            cells += f'<td class="sym">{esc(sym or "")}</td>'
        body.append(f"<tr{cls}>{cells}</tr>")
    return '<table class="step-table">' + "".join(body) + "</table>"


def player_html(frames, *, title=None, lang=None):
    """The HTML player of `frames` (a list of viz.stepper.Frame) as one string; `lang`:
    the page's language (None: the frames').

    Frames of one replay share one picture: it is drawn once, every edge pending, and
    each frame says only what changes (the edges whose state moved, the node to
    highlight, the notes beside nodes); the page's script restyles the picture.  The page
    grows with the frames, not with frames × drawing (a 180-operation graph wrote 79 MB,
    one SVG per frame).  Frames of different drawings (a list put together by hand) keep
    a picture each."""
    lang = language(lang or frames[0].lang)
    data = [{"title": printable(f.title), "heading": printable(f.heading), "html": f.html,
             "focus": f.svg_ids()} for f in frames]
    if _one_picture(frames):
        first_svg = _base_svg(frames[0])
        for item, paint in zip(data, _paints(frames)):
            item.update(paint)
    else:
        for item, f in zip(data, frames):
            item["svg"] = inline_svg(f.svg())
        first_svg = data[0]["svg"]
    _ = translator(lang)
    title = title or _("graphgrad: the backward pass, step by step")
    return _fill(_TEMPLATE.read_text(encoding="utf-8"), {
        "TITLE": _esc(title),
        "COUNT": str(len(data)),
        "MAX": str(len(data) - 1),
        "HEADINGS": headings_html(frames, lang),
        "FIRST_SVG": first_svg,  # dot's SVG: its text is escaped by dot
        "FIRST_HTML": data[0]["html"],  # built with every string escaped (viz.stepper)
        "FRAMES_JSON": script_json(data),
        "ZOOM_JS": ZOOM_SCRIPT.read_text(encoding="utf-8"),
        **_chrome(lang, len(data)),
    })


def _one_picture(frames):
    """True when every frame draws the same view the same way, only its states differ."""
    first = frames[0]
    return first.view is not None and all(
        f.view is first.view and f.draw_options == first.draw_options and not f.edge_grads
        for f in frames)


def _base_svg(frame):
    """The frames' one picture: the view with every edge pending (frame 0 of a replay),
    no node highlighted, no note."""
    view = frame.view
    pending = {e.key: "pending" for e in view.edges}
    return inline_svg(pipe(to_digraph(view, edge_states=pending, line_ids=True,
                                      **frame.draw_options), "svg").decode("utf-8"))


def _paints(frames):
    """Per frame, what the script changes on the one picture: `states` (svg key ->
    state, only the edges, and drawn trunks, whose state differs from the frame before;
    the picture starts all pending), `highlight` (a node's SVG id or None) and `notes`
    (node SVG id -> text written beside it)."""
    view, options = frames[0].view, frames[0].draw_options
    prefix = options.get("prefix", "")
    forks = {f.key: f for f in view.forks} if draws_forks(view, options.get("forks")) \
        else {}
    keys = [e.key for e in view.edges] + list(forks)
    shown = dict.fromkeys(keys, "pending")
    out = []
    for f in frames:
        now = {k: fork_state(forks[k], f.edge_states) if k in forks else
               f.edge_states.get(k, "done") for k in keys}
        out.append({
            "states": {svg_id(prefix + k): s for k, s in now.items() if shown[k] != s},
            "highlight": f"node-{svg_id(prefix + f.node_id)}" if f.node_id else None,
            "notes": {f"node-{svg_id(prefix + n)}": printable(t)
                      for n, t in (f.notes or {}).items()}})
        shown = now
    return out


def heading_groups(frames):
    """[(heading, first frame index, last frame index), ...]: the runs of frames under one
    heading of the book ('Step 3'), when some composite declared its steps; else []."""
    groups = []
    for f in frames:
        if groups and groups[-1][0] == f.heading:
            groups[-1][2] = f.index
        else:
            groups.append([f.heading, f.index, f.index])
    # a step's heading (in any language) is the book's; the forward and result frames'
    # ('Forward pass', 'Result') only frame them
    declared = any(f.kind == "step" and f.heading for f in frames)
    return [tuple(g) for g in groups if g[0]] if declared else []


def headings_html(frames, lang=None):
    """The player's row of the book's steps, one button per heading (empty when none)."""
    _ = translator(lang or (frames[0].lang if frames else None))
    buttons = "".join(
        f'<button type="button" data-frame="{a}" data-last="{b}" '
        f'title="{html.escape(_("frames {first}–{last}").format(first=a + 1, last=b + 1))}"'
        f'>{_esc(h)}</button>'
        for h, a, b in heading_groups(frames))
    label = html.escape(_("the steps of the book"))
    return f'<nav id="headings" aria-label="{label}">{buttons}</nav>' if buttons else ""


def embed_html(page, *, height=640):
    """An <iframe> holding a whole player page: its script and ids stay apart from the
    notebook's own (Jupyter displays HTML inline)."""
    return (f'<iframe srcdoc="{html.escape(page, quote=True)}" style="width:100%;'
            f'height:{int(height)}px;border:1px solid #ddd" '
            'sandbox="allow-scripts"></iframe>')


def export_html(root, path, *, title=None, lang=None, **options):
    """Write the self-contained HTML player of `root`'s backward pass (`root`: a node, a
    viz.derivation.Derivation, or a list of frames) to `path`; `options` go to
    viz.stepper.frames.  `lang` ('en', 'ja'): the
    narration's and the page's language (None: $GRAPHGRAD_LANG, the locale's, English;
    frames made already keep their narration, the page takes `lang`).  Returns the path."""
    path = Path(path)
    page = player_html(as_frames(root, lang=lang, **options), title=title, lang=lang)
    path.parent.mkdir(parents=True, exist_ok=True)
    path.write_text(page, encoding="utf-8")
    return path


def _png_images(frames, dpi, caption):
    from io import BytesIO

    from PIL import Image
    images = [Image.open(BytesIO(f.render("png", dpi=dpi, caption=caption))).convert("RGB")
              for f in frames]
    # captions differ in width, so frames may too: pad every frame to the largest one
    width = max(im.width for im in images)
    height = max(im.height for im in images)
    out = []
    for im in images:
        if im.size != (width, height):
            canvas = Image.new("RGB", (width, height), "white")
            canvas.paste(im, ((width - im.width) // 2, 0))
            im = canvas
        out.append(im)
    return out


def export_gif(root, path, *, duration=DURATION_MS, dpi=96, caption=True, loop=0,
               lang=None, **options):
    """Write an animated GIF of the backward pass (one frame per Frame, each rendered to
    PNG by dot, captioned) to `path`.  `duration` is ms per step; the first and last
    frames stay longer; `lang` as export_html.  Returns the path."""
    frames = as_frames(root, lang=lang, **options)
    images = _png_images(frames, dpi, caption)
    durations = [duration] * len(images)
    durations[0] = max(duration, FIRST_MS)
    durations[-1] = max(duration, LAST_MS)
    path = Path(path)
    path.parent.mkdir(parents=True, exist_ok=True)
    # an adaptive palette per frame keeps the red gradients red after quantizing
    images = [im.quantize(colors=255, method=2, dither=0) for im in images]
    images[0].save(path, save_all=True, append_images=images[1:], duration=durations,
                   loop=loop, optimize=False, disposal=1)
    return path


def export_frames(root, directory, fmt="svg", *, dpi=96, caption=None, lang=None,
                  **options):
    """Write every frame as a numbered file, step-00.svg, step-01.svg ... (fmt 'svg' or
    'png') in `directory`.  PNGs carry the caption by default; `lang` as export_html.
    Returns the paths."""
    if fmt not in ("svg", "png"):
        raise ValueError(f"fmt must be 'svg' or 'png', got {fmt!r}")
    frames = as_frames(root, lang=lang, **options)
    directory = Path(directory)
    directory.mkdir(parents=True, exist_ok=True)
    if caption is None:
        caption = fmt == "png"
    width = max(2, len(str(len(frames) - 1)))
    paths = []
    for f in frames:
        p = directory / f"step-{f.index:0{width}d}.{fmt}"
        p.write_bytes(f.render(fmt, dpi=dpi if fmt == "png" else None, caption=caption))
        paths.append(p)
    return paths


def export_steps(root, path, **options):
    """`graphgrad draw --steps PATH`: .html / .htm -> the HTML player, .gif -> an
    animation, a folder (no suffix, or ending in /) -> numbered SVG files (fmt='png'
    for PNGs); lang='ja' (an option like the others) speaks Japanese.  Returns the path
    (the list of files for a folder)."""
    path = Path(path)
    suffix = path.suffix.lower()
    if suffix in (".html", ".htm"):
        return export_html(root, path, **options)
    if suffix == ".gif":
        return export_gif(root, path, **options)
    if suffix == "" or path.is_dir():
        return export_frames(root, path, **options)
    raise ValueError(f"cannot tell what to write from {path.name!r}: use .html, .gif, or "
                     "a folder for numbered .svg/.png frames")
