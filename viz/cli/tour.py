"""`graphgrad tour`: the book's chapter 5 in one command.

Prints the apple-and-orange shopping graph's price (715) and every gradient, then draws
the book's graphs into a folder: the shopping graph, sigmoid opened up and as one box,
appendix A's Softmax-with-Loss, and the appendix-A backward pass as a step-by-step HTML
player: the Cross Entropy Error layer, then the book's Steps 1 to 6 with the branches summed
at 1/S and at each exp(a_k), ending in ∂L/∂a_k = y_k − t_k, in numbers and in symbols;
and Batch Normalization's backward pass (figure 6-17) in Kratzert's steps 9 to 1, ending in
its closed form.
The symbols need sympy (`./run demo` installs it): without it the tour stops at once,
saying so, rather than write a stepper without them.  The last line says how to run
`graphgrad` from here on.  `--lang ja`: the printout, the drawings (リンゴ, 消費税 ...) and
the stepper (ステップ1 … ステップ6) in Japanese.
"""
from __future__ import annotations

import hashlib
import json
import os
import shutil
import sys
from importlib import metadata
from pathlib import Path

from viz.cli.files import EXIT_FAILED, CommandError, atomic_path, output_dir
from viz.cli.lang import _, current, pad

# the inputs as the book lists them, then the intermediate prices
NAMES = ["apple", "apple_num", "orange", "orange_num", "tax", "apple_price", "orange_price",
         "all_price"]
# (figure, what it shows, how it is drawn), in the order the tour presents them; the
# files are named after the figure, with "-symbols" for the book's algebra on the edges
DRAWINGS = [
    ("apple-orange", "the shopping graph above: values in black, gradients in red", {}),
    ("sigmoid", "sigmoid opened up into ×(−1), exp, +1, / (figures 5-19, 5-20)", {}),
    ("sigmoid-collapsed", "the same sigmoid as one node (figures 5-21, 5-22)", {}),
    ("appendix-a", "Softmax-with-Loss node by node (appendix A)", {}),
    ("appendix-a", "the same with the book's expressions on every edge (figure A-5)",
     {"labels": "symbols"}),  # left to right, as the book lays figure A-5 out
]


def _stem(name, options):
    return f"{name}-symbols" if options.get("labels") == "symbols" else name
STEPPER = "appendix-a-steps.html"
BN_STEPPER = "batchnorm-steps.html"
# set by ./run to the path the user typed for it, so the tour can say how to get back
RUN_VAR = "GRAPHGRAD_RUN"
# where the tour keeps the files it made, to copy them next time instead of deriving
# appendix A's algebra again (most of the tour's time); GRAPHGRAD_CACHE moves it
CACHE_VAR = "GRAPHGRAD_CACHE"


def add_parser(sub):
    p = sub.add_parser("tour", help=_("a short tour: the book's graphs, drawn and stepped"))
    p.add_argument("-o", "--out", default="graphgrad-out", help=_("output folder"))
    return p


def apple_orange():
    """Figure 5-17 with every intermediate named: (price, [leaves and intermediates])."""
    from autograd import examples, toposort
    price = examples.apple_orange()
    by_name = {n.name: n for n in toposort(price)}
    return price, [by_name[name] for name in NAMES]


def how_to_run():
    """The command that runs graphgrad for the user: `./run graphgrad` after ./run, the
    bare name when it is on PATH, else the virtualenv's script and how to activate it."""
    run = os.environ.get(RUN_VAR)
    if run:
        return f"{run} graphgrad", None
    if shutil.which("graphgrad"):
        return "graphgrad", None
    script = Path(sys.prefix) / "bin" / "graphgrad"
    return str(script), _("or activate the virtualenv first: source {path}").format(
        path=f"{sys.prefix}/bin/activate")


def _intermediate_names():
    """The intermediate prices, which the book's figures 5-16 and 5-17 write as numbers
    only: by the names of its code in English (apple_price, section 5.4.2), as a
    shopper says them in Japanese (リンゴの代金, みかんの代金, 税抜きの合計)."""
    return {"apple_price": _("apple_price"), "orange_price": _("orange_price"),
            "all_price": _("all_price")}


def _print_price():
    from viz.figures import book_names
    price, nodes = apple_orange()
    # the book's names (リンゴ, 消費税) where its figures give them
    names = {**book_names(current()), **_intermediate_names()}
    print(_("Apples and oranges (figure 5-17): price = (100 × 2 + 150 × 3) × 1.1"))
    print(_("price: {value}").format(value=f"{price.data:g}"))
    for n in nodes:
        print(_("  d price / d {name} = {grad}").format(
            name=pad(names.get(n.name, n.name), 13), grad=f"{n.grad:g}"))
    print()


def _draw_all(out, have_dot):
    """[(files, what they show)] of the drawings and the stepper written into `out`:
    copied from the cache when the same code made them before (appendix A's algebra is
    most of the tour's time), else made, and kept there."""
    key = tour_key(have_dot)
    written = _from_cache(key, out)
    if written is not None:
        return written
    from viz.cli.figure import write_figure
    from viz.figures import DPI
    formats = ("svg", "png") if have_dot else ("dot",)
    written = []
    for name, about, options in DRAWINGS:
        paths = write_figure(name, out, formats, DPI, stem=_stem(name, options), **options)
        written.append((" ".join(p.name for p in paths), _(about)))
    if have_dot:
        written.append(_stepper(out))
        written.append(_batch_norm_stepper(out))
    _to_cache(key, out, written)
    return written


def _from_cache(key, out):
    folder = cache_dir() / key
    try:
        written = json.loads((folder / "written.json").read_text(encoding="utf-8"))
        files = {n: (folder / n).read_bytes() for files, _about in written
                 for n in files.split()}
    except (OSError, ValueError, TypeError, AttributeError):
        return None  # not there, or damaged: made again
    for name, data in files.items():
        with atomic_path(out / name) as tmp:
            tmp.write_bytes(data)
    return [tuple(w) for w in written]


def _to_cache(key, out, written):
    folder = cache_dir() / key
    for files, _about in written:
        for name in files.split():
            _keep(folder / name, (out / name).read_bytes())
    # the listing last: a cache entry without it is never read
    _keep(folder / "written.json", json.dumps(written, ensure_ascii=False).encode("utf-8"))


def need_sympy():
    """The tour's stepper writes the book's algebra: refuse to start without sympy
    (looked for, not imported: a tour copied from the cache never needs it)."""
    import importlib.util
    if importlib.util.find_spec("sympy") is None:
        raise CommandError(_(
            "the appendix-A stepper writes the book's algebra (−t1/y1, 1/S, y1 − t1) with "
            "sympy, which is not installed; install it with: pip install 'graphgrad[symbolic]' "
            "(./run demo does this)"), EXIT_FAILED)


def run(args):
    from viz.render import INSTALL_HINT, dot_available
    need_sympy()
    out = Path(args.out or "graphgrad-out")
    output_dir(out, "-o", [f"{_stem(n, o)}.{f}" for n, _about, o in DRAWINGS
                           for f in ("svg", "png", "dot")] + [STEPPER, BN_STEPPER])
    _print_price()
    have_dot = dot_available()
    written = _draw_all(out, have_dot)
    print(_("Drawings in {folder}/:").format(folder=out))
    width = max(len(files) for files, _about in written)
    for files, about in written:
        print(f"  {files:<{width}}  {about}")
    if not have_dot:
        print("\n" + _(INSTALL_HINT), file=sys.stderr)
        print(_("(the .dot files above are the graphs as text; with dot installed the tour "
                "writes SVG, PNG and the HTML stepper)"), file=sys.stderr)
        sys.stderr.flush()
    command, activate = how_to_run()
    print("\n" + _("More: {more}").format(
        more=f'{command} figure --list; {command} draw "sigmoid(w*x + b)" --at w=2 x=1 '
             "b=-1 -o graph.svg"))
    if activate:
        print(_("({activate}; then: graphgrad figure --list)").format(activate=activate))
    return 0


def stepper_frames():
    """Appendix A's backward pass as the tour shows it: the labels t1, t2, t3 named (the
    book's symbols; constants, so nothing is sent to them), the algebra on, whatever else
    is installed."""
    from autograd import examples
    from viz.stepper import frames
    return frames(examples.appendix_a(labels="constants"), symbolic=True, lang=current())


def cache_dir():
    base = os.environ.get(CACHE_VAR) or os.path.join(
        os.environ.get("XDG_CACHE_HOME") or os.path.join(os.path.expanduser("~"), ".cache"),
        "graphgrad")
    return Path(base) / "tour"


def _dot_version():
    import subprocess
    try:
        return subprocess.run(["dot", "-V"], capture_output=True, text=True,
                              timeout=30).stderr.strip()
    except (OSError, subprocess.SubprocessError):
        return ""


def tour_key(have_dot):
    """What the tour's files are made from: the package's own files (code, template,
    catalogues), sympy's, graphviz's and dot's versions, the language.  Any change in
    them is a new key, so files made by other code are never copied."""
    import autograd
    import viz
    digest = hashlib.sha256()
    for package in (viz, autograd):
        root = Path(package.__file__).parent
        for path in sorted(p for p in root.rglob("*") if p.suffix in (".py", ".html", ".js", ".po")
                           and "__pycache__" not in p.parts):
            digest.update(path.relative_to(root).as_posix().encode())
            digest.update(path.read_bytes())
    for dist in ("sympy", "graphviz"):
        try:
            digest.update(f"{dist} {metadata.version(dist)}".encode())
        except metadata.PackageNotFoundError:
            digest.update(dist.encode())
    digest.update(f"{_dot_version() if have_dot else 'no dot'} {current()}".encode())
    return digest.hexdigest()[:32]


def _made(out):
    """What the stepper made into `out` is; the frames' algebra is most of its cost."""
    from viz.html import export_html, heading_groups
    fs = stepper_frames()
    with atomic_path(out / STEPPER) as tmp:
        export_html(fs, tmp, title=_("Appendix A: Softmax-with-Loss, backward step by step"))
    step = _("Step {n}").split("{n}")[0]  # 'Step ', 'ステップ'
    steps = [h for h, _first, _last in heading_groups(fs) if h.startswith(step)]
    result = fs[-1].title.removeprefix(_("Result: {statement}").format(statement=""))
    return _("its backward pass in the book's {first} … {last}, ending in {result} "
             "(open in a browser)").format(first=steps[0], last=steps[-1], result=result)


def _stepper(out):
    """The appendix-A backward pass as an HTML player."""
    return STEPPER, _made(out)


def _keep(path, data):
    """Write `path` in the cache whole or not at all; a cache that cannot be written is
    no error (the tour made its file already)."""
    tmp = path.with_name(f"{path.name}.{os.getpid()}.tmp")
    try:
        path.parent.mkdir(parents=True, exist_ok=True)
        tmp.write_bytes(data)
        os.replace(tmp, path)
    except OSError:
        try:
            tmp.unlink(missing_ok=True)
        except OSError:
            pass


def batch_norm_frames():
    """Batch Normalization's backward pass (autograd.examples.batch_norm_example, figure
    6-17 over a batch of four), left to right as the book draws it, which also fills a
    screen's width when the player fits the drawing; numbers only: the closed form it ends
    in is the composite's declared result, and the algebra of every step takes sympy long."""
    from autograd import examples
    from viz.stepper import frames
    return frames(examples.batch_norm_example(), symbolic=False, rankdir="LR",
                  lang=current())


def _batch_norm_stepper(out):
    from viz.html import export_html
    fs = batch_norm_frames()
    with atomic_path(out / BN_STEPPER) as tmp:
        export_html(fs, tmp, title=_("Batch Normalization (figure 6-17), backward step by "
                                     "step"))
    result = fs[-1].title.removeprefix(_("Result: {statement}").format(statement=""))
    return BN_STEPPER, _("Batch Normalization's backward pass in Kratzert's {first} … "
                         "{last}, ending in {result} (open in a browser)").format(
        first=fs[2].heading, last=fs[-2].heading, result=result)


__all__ = ["BN_STEPPER", "DRAWINGS", "NAMES", "apple_orange", "batch_norm_frames",
           "cache_dir", "how_to_run", "need_sympy", "run", "stepper_frames", "tour_key"]
