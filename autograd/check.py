"""Check my backward: a learner's hand-written gradients against the engine's exact ones.

    from autograd.check import check_layer, check_gradients, check_network
    report = check_layer(Affine(W, b), x)    # your book-style layer: forward, backward
    print(report)                            # a row per gradient: ✔/✘, errors, a hint
    report.ok, report["dW"].expected, report["dW"].actual

The expected gradient is exact, not numerical: your own forward runs once more on Tensors
(numpy's functions dispatch to the engine, see autograd.tensor), which records its graph,
and the engine's walk gives the gradient of sum(forward(x) · dout).  Where your forward
cannot run on Tensors (a numpy function the engine does not differentiate, a value taken off
the graph), central differences stand in, and the report says so and why.

Which gradients are compared, as the book names them:
- `backward(dout)` returns the gradients of the first k inputs (one array, or a tuple):
  rows `d<name>` after forward's parameter names (`dx`, `dy`; `dx1`, `dx2` … without names);
  later inputs (the labels t of SoftmaxWithLoss) are not differentiated, nor are integer or
  boolean arrays anywhere (labels, masks);
- a parameter is an array attribute the layer holds (`W`, `b`, `gamma`) and forward does not
  rebind, paired with the `d<name>` attribute backward sets (`dW`, `db`, `dgamma`).

dout: a random array of the output's shape (a fixed seed, DOUT_SEED, other than 0: a
dout equal to your input would hide a mask taken from the wrong array), or 1 for a
one-element output (the loss: the book's `backward(dout=1)`); pass `dout=` for another.

Tolerances: a gradient passes when |yours − expected| <= atol + rtol·|expected| everywhere,
by default rtol = 1e-5, atol = 1e-8.  In float64 your formula and the engine's chain rule
agree to rounding (1e-12 or better); central differences (step 1e-5) to about 1e-9 on
smooth functions.  A real mistake (a transpose, a missing mask, a mean for a sum) is off by
far more.  Run checks in float64.  One exception is made: the book's forward guards log(0)
with log(y + 1e-7) and its backward returns (y − t)/N, the gradient without the guard
(they part where y nears 1e-7); a gradient that matches the recorded forward with such
guards set to 0 passes, and its hint says so.

Nothing of yours is changed: the layer's attributes (and the contents of its arrays), your
inputs and numpy's global random state are restored afterwards, so a forward that draws
random numbers (the book's Dropout) sees the same draws in every run of the check.
"""
import html
import inspect
import numbers
import os
import traceback
import warnings

import numpy as np

from autograd.gradcheck import numerical_gradient
from autograd.graph import apply, postorder
from autograd.tensor import Tensor, strict_numbers
from autograd.walk import grad

__all__ = ["check_layer", "check_gradients", "check_network", "Report", "Row",
           "RTOL", "ATOL"]

RTOL, ATOL = 1e-5, 1e-8
DOUT_SEED = 0x67726164  # "grad": no seed a learner's own inputs are likely drawn with
STEP = 1e-5  # the central difference's step in float64 (error ~ STEP² f''' and eps f / STEP)
_HIDDEN = (os.path.dirname(np.__file__), os.path.dirname(os.path.abspath(__file__)))


class _OffGraph(Exception):
    """The forward ran on Tensors but its result did not come out of the graph."""


# ============================================================================ the report

class Row:
    """One gradient: `name` (dx, dW, a parameter's key), `ok`, `expected` (the engine's),
    `actual` (yours), `max_abs` (largest |yours − expected|), `max_rel` (max_abs over the
    largest |expected|), `hint` (what the difference looks like, when it is clear) and
    `error` (an exception of your backward, with your file:line)."""

    __slots__ = ("name", "ok", "expected", "actual", "max_abs", "max_rel", "hint", "error")

    def __init__(self, name, ok, expected, actual, max_abs=None, max_rel=None, hint=None,
                 error=None):
        self.name, self.ok, self.expected, self.actual = name, ok, expected, actual
        self.max_abs, self.max_rel, self.hint, self.error = max_abs, max_rel, hint, error

    def __repr__(self):
        mark = "ok" if self.ok else "WRONG"
        return f"<Row {self.name} {mark} max_abs={_fmt(self.max_abs)}>"


class Report:
    """What a check found: `ok`, `rows` (one Row per gradient), `method` ("engine": the
    exact gradient of your forward; "numerical": central differences, `reason` says why),
    `error` (your forward raised), `first_wrong` (the first wrong gradient or layer in
    backward order, where localisation applies).  `graph` is the output node of your forward
    recorded on Tensors and `leaves` maps row names to its leaves (for drawing), `dout` the
    upstream gradient used.  print() it, or let Jupyter show it as a table."""

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

    def draw(self, **options):
        """The forward graph with the expected gradient on every edge (red) and yours under
        it where they differ (purple); the steps where your backward departs outlined.
        A graphviz.Digraph (Jupyter shows it; .source is DOT).  Options: see
        viz.check.draw_report."""
        # the one import of viz in the engine, on demand: viz imports autograd, and
        # `import autograd` must never pull in viz or graphviz (tests/test_imports.py)
        from viz.check import draw_report
        return draw_report(self, **options)

    def _summary(self):
        if self.method == "engine":
            how = "exact gradient of your forward (the engine)"
        else:
            how = f"central differences ({self.reason})" if self.reason else \
                "central differences"
        return (f"{self.title}: {'OK' if self.ok else 'WRONG'}; expected = {how}; pass "
                f"when |yours − expected| <= {self.atol:g} + {self.rtol:g}·|expected|")

    def _lines(self):
        lines = [self._summary()]
        if self.error:
            lines.append(f"  {self.error}")
        if self.localisation:
            lines.append(f"  {self.localisation}")
        return lines

    def _tail(self):
        return []

    def _cells(self):
        return [(r.name, r.ok, _fmt(r.max_abs), _fmt(r.max_rel), r.error or r.hint or "")
                for r in self.rows]

    def __str__(self):
        head = ("gradient", "", "max abs error", "max rel error", "hint")
        cells = [(n, "✔" if ok else "✘", a, b, h) for n, ok, a, b, h in self._cells()]
        widths = [max(len(c[i]) for c in [head, *cells]) for i in range(4)]
        out = self._lines()
        for c in [head, *cells]:
            out.append("  " + "  ".join(x.ljust(w) for x, w in zip(c[:4], widths))
                       + "  " + c[4])
        out.extend(self._tail())
        return "\n".join(line.rstrip() for line in out)

    def __repr__(self):
        return f"<Report {self.title} {'OK' if self.ok else 'WRONG'}: " \
               f"{', '.join(r.name + ('' if r.ok else ' ✘') for r in self.rows)}>"

    def _repr_html_(self):
        esc = html.escape
        rows = "".join(
            f"<tr><td><code>{esc(n)}</code></td>"
            f"<td style='color:{'#2a7' if ok else '#c33'}'>{'✔' if ok else '✘'}</td>"
            f"<td>{esc(a)}</td><td>{esc(b)}</td><td>{esc(h)}</td></tr>"
            for n, ok, a, b, h in self._cells())
        notes = "".join(f"<div>{esc(line)}</div>" for line in self._lines())
        tail = "".join(f"<div>{esc(line)}</div>" for line in self._tail())
        return (f"<div class='graphgrad-check'>{notes}<table><thead><tr><th>gradient</th>"
                "<th></th><th>max abs error</th><th>max rel error</th><th>hint</th></tr>"
                f"</thead><tbody>{rows}</tbody></table>{tail}</div>")


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
            self.localisation = (f"backward departs first at {wrong[0]} (layers checked "
                                 "from the loss down, each with the input it saw)")

    @property
    def ok(self):
        return super().ok and all(r.ok for _, r in self.layers)

    def _tail(self):
        lines = ["  layers, from the loss down:"]
        for name, r in self.layers:
            bad = [f"{row.name}: {row.error or row.hint or 'differs'}" for row in r.rows
                   if not row.ok]
            mark = "✔" if r.ok else "✘"
            lines.append(f"  {mark} {name}" + (f"  ({'; '.join(bad)})" if bad else "")
                         + (f"  {r.error}" if r.error else ""))
        return lines


def _fmt(x):
    return "" if x is None else f"{x:.1e}" if x else "0"


# ============================================================================ comparing

def _compare(name, expected, actual, rtol, atol, batch=None):
    """A Row for one gradient: yours against the expected, with a hint where clear."""
    e = np.asarray(expected, dtype=np.float64)
    if actual is None:
        return Row(name, False, e, None, hint=f"backward did not give {name}")
    try:
        a = np.asarray(actual, dtype=np.float64)
    except (TypeError, ValueError):
        return Row(name, False, e, actual, hint=f"{name} is a {type(actual).__name__}, "
                   "not an array")
    if a.shape != e.shape:
        if a.size == e.size == 1:
            a = a.reshape(e.shape)  # a float for a 0-d array (MulLayer on numbers)
        else:
            return Row(name, False, e, a, hint=_shape_hint(name, e, a, rtol, atol))
    diff = np.abs(a - e)
    max_abs = float(diff.max()) if diff.size else 0.0
    scale = float(np.abs(e).max()) if e.size else 0.0
    max_rel = max_abs / scale if scale else (0.0 if max_abs == 0 else float("inf"))
    ok = bool(np.all(diff <= atol + rtol * np.abs(e)))
    hint = None if ok else _value_hint(e, a, rtol, atol, batch)
    return Row(name, ok, e, a, max_abs, max_rel, hint)


def _close(a, b, rtol, atol):
    return a.shape == b.shape and bool(np.all(np.abs(a - b) <= atol + rtol * np.abs(b)))


def _shape_hint(name, e, a, rtol, atol):
    base = f"shape {a.shape}, expected {e.shape}"
    if a.ndim == e.ndim == 2 and a.shape == e.shape[::-1]:
        if _close(a.T, e, rtol, atol):
            return (f"transposed: {name} has the shape of what it differentiates, "
                    f"{e.shape}; yours is its transpose (e.g. dW = np.dot(x.T, dout), not "
                    "np.dot(dout.T, x))")
        return f"{base} (the transpose)"
    if a.size == e.size and _close(a.reshape(e.shape), e, rtol, atol):
        return f"right values, wrong shape: {base} (reshape to the input's shape)"
    if a.ndim == e.ndim + 1 and a.shape[1:] == e.shape and _close(a.sum(axis=0), e, rtol,
                                                                    atol):
        return (f"not summed over the batch: {base}; the bias is added to every row, so its "
                "gradient is np.sum(dout, axis=0)")
    return base


def _value_hint(e, a, rtol, atol, batch):
    """What the difference looks like: a constant factor (sign, 1/N, N), a mask, zeros."""
    if not np.any(a):
        return "yours is 0 everywhere"
    if not np.any(e):
        return "the expected gradient is 0 everywhere (the output does not depend on it)"
    c = float(np.sum(a * e) / np.sum(e * e))  # the best constant factor a ≈ c·e
    if _close(a, c * e, rtol, atol):
        return _factor_hint(c, batch, max(rtol, 1e-6))
    return _mask_hint(e, a, rtol, atol)


def _factor_hint(c, batch, tol):
    """Name a constant factor: −1, 1/N or N (N the batch size, or any whole number)."""
    if abs(c + 1) <= tol:
        return "the sign is flipped"
    sign = "the sign is flipped, and " if c < 0 else ""
    n_small, n_large = 1 / abs(c), abs(c)
    what = f"the batch size {batch}" if batch else None
    for n, small in ((n_small, True), (n_large, False)):
        k = round(n)
        if k >= 2 and abs(n - k) <= tol * k:
            size = what if batch == k else f"{k} (the batch size?)"
            if small:
                return (f"{sign}1/{k} of the expected, {size}: a mean where a sum belongs "
                        "(np.sum(dout, axis=0), not np.mean), or one division by the batch "
                        "size too many")
            return (f"{sign}{k} times the expected, {size}: a division by the batch size is "
                    "missing (the loss is the mean over the batch)")
    return f"off by a constant factor: yours = {c:.4g} × expected"


def _mask_hint(e, a, rtol, atol):
    wrong = np.abs(a - e) > atol + rtol * np.abs(e)
    leaks = wrong & (e == 0)  # gradient where the expected one is blocked
    blocks = wrong & (a == 0)  # blocked where it should flow
    if not np.all(leaks | blocks | ~wrong):
        return None
    n, m = int(leaks.sum()), int(blocks.sum())
    if m == 0:
        return (f"a mask missing: at {n} position(s) the expected gradient is 0 (blocked "
                "by a mask: ReLU's x <= 0, Dropout's) and yours lets it through")
    if np.array_equal(a != 0, e == 0):
        return ("the mask is inverted: yours lets the gradient through exactly where it "
                "is blocked (ReLU blocks where x <= 0) and blocks it everywhere else")
    if n == 0:
        return (f"blocked where the gradient should flow at {m} position(s): a mask applied "
                "where it does not belong, or inverted")
    return (f"the gradient flows at the wrong positions ({n} let through, {m} blocked): a "
            "mask taken from the wrong array (it comes from the forward's input, "
            "mask = (x <= 0))")


def _guards(root):
    """The constants δ of the log(y + δ) in the graph, δ small (the book's 1e-7 against
    log(0)): the book's backward, (y − t)/N, is the gradient without them."""
    found = set()
    for n in postorder(root):
        if n.op is None or n.op.name != "log" or n.parents[0].op is None \
                or n.parents[0].op.name != "add":
            continue
        for q in n.parents[0].parents:
            d = np.abs(q.data)
            if not q.requires_grad and d.size and 0 < d.max() <= 1e-4:
                found.add(q)
    return found


def _unguarded(root, leaves, dout):
    """The gradients of the recorded forward replayed with every log guard δ set to 0,
    {row: array}, or None when the forward has no such guard."""
    guards = _guards(root)
    if not guards:
        return None
    new = {}
    with warnings.catch_warnings():
        warnings.simplefilter("ignore")  # log(0) where a probability underflowed
        for n in postorder(root):
            if n in guards:
                new[n] = n._like(np.zeros_like(n.data))
            elif n.op is None:
                new[n] = n
            else:
                new[n] = apply(n.op, *[new[p] for p in n.parents], **(n.params or {}))
        gs = grad(new[root], list(leaves.values()), grad_outputs=dout)
    delta = max(float(np.abs(q.data).max()) for q in guards)
    return {"delta": delta, **{k: g.data for k, g in zip(leaves, gs)}}


def _rows(grads, mine, found, dout, rtol, atol, batch=None, error=None):
    """A row per expected gradient; a wrong one that matches the gradient without the
    forward's log guard passes, saying so (the book's backward leaves the guard out)."""
    rows, free = [], None
    for name, expected in grads.items():
        if error is not None:
            rows.append(Row(name, False, np.asarray(expected), None, error=error))
            continue
        row = _compare(name, expected, mine.get(name), rtol, atol, batch)
        if not row.ok and found["graph"] is not None and row.max_abs is not None:
            if free is None:
                free = _unguarded(found["graph"], found["leaves"], dout) or {}
            if name in free:
                other = _compare(name, free[name], mine.get(name), rtol, atol, batch)
                if other.ok:
                    other.hint = (f"matches the gradient without your forward's guard "
                                  f"log(y + {free['delta']:g}), as the book's backward "
                                  f"(y − t)/N does; against the exact gradient with the "
                                  f"guard the max rel error is {row.max_rel:.1e} (the "
                                  f"guard matters where y nears {free['delta']:g})")
                    row = other
        rows.append(row)
    return rows


def _cross_hints(rows, rtol, atol):
    """A wrong gradient equal to another row's expected one: the two swapped."""
    for r in rows:
        if r.ok or r.actual is None or r.hint and not r.hint.startswith("off by"):
            continue
        for other in rows:
            if other is not r and _close(np.asarray(r.actual, dtype=np.float64),
                                         other.expected, rtol, atol):
                r.hint = (f"yours equals the expected {other.name}: {other.name}'s formula "
                          f"in {r.name}'s place (MulLayer swaps: dx = dout·y, dy = dout·x)"
                          if r.name in ("dx", "dy") else
                          f"yours equals the expected {other.name}: {other.name}'s formula "
                          f"in {r.name}'s place")
                break


# ============================================================================ the layer's state

class _State:
    """A layer's attributes, the contents of its arrays and numpy's random state, to put
    back after each run of its forward (so runs see the same state and draws)."""

    def __init__(self, obj):
        if not hasattr(obj, "__dict__"):
            raise TypeError(f"check: {type(obj).__name__} keeps no attributes in __dict__; "
                            "a book-style layer object is needed")
        self.obj = obj
        self.attrs = dict(vars(obj))
        self.arrays = {k: v.copy() for k, v in self.attrs.items()
                       if isinstance(v, np.ndarray)}
        self.random = np.random.get_state()

    def restore(self):
        d = vars(self.obj)
        d.clear()
        d.update(self.attrs)
        for k, saved in self.arrays.items():
            cur = self.attrs[k]
            if cur.flags.writeable and not np.array_equal(cur, saved, equal_nan=True):
                cur[...] = saved  # the forward wrote into it: put its values back
        np.random.set_state(self.random)


def _copy(x):
    return x.copy() if isinstance(x, np.ndarray) else x


def _is_label(x):
    """Integer and boolean arrays (labels, masks) are data: never differentiated."""
    if isinstance(x, (bool, np.bool_, np.integer)):
        return True
    return isinstance(x, np.ndarray) and x.dtype.kind in "biu"


def _is_number_like(x):
    if isinstance(x, np.ndarray):
        return x.dtype.kind == "f"
    return isinstance(x, numbers.Real)


def _where(exc):
    """The learner's file:line an exception came from (numpy's and our frames skipped)."""
    frames = traceback.extract_tb(exc.__traceback__)
    for f in reversed(frames):
        if not f.filename.startswith(_HIDDEN):
            return f"{f.filename}:{f.lineno} in {f.name}"
    return "<unknown>"


def _describe(exc, what):
    return f"{what} raised {type(exc).__name__}: {exc} (at {_where(exc)})"


def _parameters(fn):
    try:
        return inspect.signature(fn).parameters
    except (TypeError, ValueError):
        return {}


def _input_names(layer, n):
    """d<name> after forward's parameters (dx, dy); dx1, dx2 … where it has no names."""
    params = list(_parameters(layer.forward).values())
    names = [p.name for p in params if p.kind in (p.POSITIONAL_ONLY, p.POSITIONAL_OR_KEYWORD)]
    if len(names) >= n:
        return [f"d{name}" for name in names[:n]]
    return ["dx"] if n == 1 else [f"dx{i}" for i in range(1, n + 1)]


# ============================================================================ check_layer

def check_layer(layer, *inputs, dout=None, rtol=RTOL, atol=ATOL):
    """Check a book-style layer's backward (see the module docstring): its forward runs on
    Tensors for the exact gradient of sum(forward(*inputs) · dout) (central differences
    where it cannot), its backward(dout) runs as you wrote it, and every gradient it gives
    (returned dx …, attributes dW, db …) is compared.  Returns a Report."""
    title = f"check_layer({type(layer).__name__})"
    state = _State(layer)
    try:
        mine = _learner_pass(layer, inputs, dout, state)
        if mine["error"] is not None and mine["out"] is None:
            return Report(title, [], "engine", error=mine["error"], rtol=rtol, atol=atol)
        names = _input_names(layer, len(inputs))
        # what backward gave a gradient for (None: "not differentiated", as for labels)
        wrt = [i for i in range(mine["k"]) if not _is_label(inputs[i])
               and _is_number_like(inputs[i]) and not (
                   names[i] in mine["grads"] and mine["grads"][names[i]] is None)]
        wanted = {names[i]: ("input", i) for i in wrt}
        wanted.update({f"d{p}": ("param", p) for p in mine["params"]})
        found = _expected(layer, inputs, wanted, mine, state)
    finally:
        state.restore()
    dout = None if mine["dout"] is None else np.broadcast_to(
        np.asarray(mine["dout"], dtype=np.float64), np.shape(mine["out"]))
    rows = _rows(found["grads"], mine["grads"], found, dout, rtol, atol, _batch(inputs),
                 mine["error"])
    rows.extend(mine["extra"])
    _cross_hints(rows, rtol, atol)
    report = Report(title, rows, found["method"], reason=found["reason"],
                    error=found.get("error"), graph=found["graph"], leaves=found["leaves"],
                    dout=mine["dout"], rtol=rtol, atol=atol)
    report.input_names = [n for n in found["grads"] if wanted[n][0] == "input"]
    leaf_rows = [r.ok for r in rows if r.name in report.leaves]
    if any(leaf_rows) and not all(leaf_rows):  # a right gradient bounds the wrong one
        report.localisation, report.departure = _localise(report.graph, report.leaves, rows)
    return report


def _batch(inputs):
    for x in inputs:
        if isinstance(x, np.ndarray) and x.ndim >= 2 and x.dtype.kind == "f":
            return x.shape[0]
    return None


def _default_dout(out):
    size = np.size(out)
    if size == 1:
        return 1.0  # the loss: the book's backward(dout=1)
    # not seed 0: a learner's x = default_rng(0).normal(size=...) of the output's shape
    # would be this very dout, and ReLU's mask taken from dout x's own (seen)
    return np.random.default_rng(DOUT_SEED).normal(size=np.shape(out))


def _learner_pass(layer, inputs, dout, state):
    """Your forward and backward as written, on copies: what backward gives."""
    mine = {"out": None, "error": None, "k": len(inputs), "params": [], "grads": {},
            "extra": [], "dout": dout}
    state.restore()
    before = set(vars(layer))
    try:
        out = layer.forward(*[_copy(x) for x in inputs])
    except Exception as e:  # your forward's own bug: nothing to compare yet
        mine["error"] = _describe(e, "forward")
        return mine
    mine["out"] = out
    if dout is None:
        dout = _default_dout(out)
    elif np.shape(dout) != np.shape(out):
        raise ValueError(f"check_layer: dout has shape {np.shape(dout)}, the forward's "
                         f"output {np.shape(out)}")
    mine["dout"] = dout
    # parameters: arrays the layer held before and forward did not rebind, with a d<name>
    params = [k for k, v in state.attrs.items() if isinstance(v, np.ndarray)
              and v.dtype.kind == "f" and vars(layer).get(k) is v]
    try:
        returned = layer.backward(_copy(dout))
    except Exception as e:
        mine["error"] = _describe(e, "backward")
        mine["params"] = [p for p in params if f"d{p}" in before]
        return mine
    mine["params"] = [p for p in params if f"d{p}" in vars(layer)]
    if returned is None:
        returned = ()
    elif not isinstance(returned, (tuple, list)):
        returned = (returned,)
    if len(returned) > len(inputs):
        mine["extra"].append(Row("backward", False, None, returned, hint=(
            f"backward returned {len(returned)} gradients for {len(inputs)} inputs")))
        returned = returned[:len(inputs)]
    mine["k"] = len(returned)
    names = _input_names(layer, len(inputs))
    mine["grads"] = {names[i]: _copy(g) for i, g in enumerate(returned)}
    mine["grads"].update({f"d{p}": _copy(getattr(layer, f"d{p}")) for p in mine["params"]})
    return mine


def _expected(layer, inputs, wanted, mine, state):
    """The engine's gradients of `wanted` ({row: (kind, index or attribute)}), or central
    differences where the forward does not run on Tensors."""
    try:
        return _engine_layer(layer, inputs, wanted, mine, state)
    except Exception as e:  # any failure on Tensors: the numbers stand in
        reason = str(e) if isinstance(e, _OffGraph) else _describe(e, "forward on Tensors")
    try:
        grads = _numerical_layer(layer, inputs, wanted, mine["dout"], state)
    except Exception as e:  # a forward that ran once, then failed on nearby inputs
        return {"method": "numerical", "reason": reason, "error": _describe(
            e, "forward (central differences)"), "grads": {}, "graph": None, "leaves": {}}
    return {"method": "numerical", "reason": reason, "grads": grads, "graph": None,
            "leaves": {}}


def _engine_layer(layer, inputs, wanted, mine, state):
    state.restore()
    leaves, args = {}, [_copy(x) for x in inputs]
    for name, (kind, key) in wanted.items():
        if kind == "input":
            args[key] = leaves[name] = Tensor(np.array(inputs[key], dtype=np.float64),
                                              requires_grad=True, name=name[1:])
        else:  # named as the layer names them (x, W, b): a drawing labels them so
            leaves[name] = Tensor(np.array(state.attrs[key], dtype=np.float64),
                                  requires_grad=True, name=key)
            setattr(layer, key, leaves[name])
    with strict_numbers():
        out = layer.forward(*args)
    _check_output(out, mine["out"])
    _check_reached(out, leaves)
    dout = np.asarray(mine["dout"], dtype=np.float64)
    gs = grad(out, list(leaves.values()), grad_outputs=np.broadcast_to(dout, out.shape))
    return {"method": "engine", "reason": None, "grads": {n: g.data for n, g in
                                                          zip(leaves, gs)},
            "graph": out, "leaves": leaves}


def _check_reached(out, leaves):
    """Every Tensor handed to the forward must be in its graph.  One that is not was either
    unused or copied off the graph (Tensor(W) of a Tensor W takes its values): the engine
    would say 0 either way, so the numbers decide."""
    reached = set(postorder(out)) if out.requires_grad else set()
    missing = [n for n, t in leaves.items() if t not in reached]
    if missing:
        raise _OffGraph(f"what {', '.join(missing)} differentiates did not reach the output "
                        "through the graph (unused, or its values copied off the graph)")


def _check_output(out, reference, what="your forward"):
    """The Tensor run must be the graph of the very numbers your numpy forward gave."""
    if not isinstance(out, Tensor):
        raise _OffGraph(f"{what} returned a {type(out).__name__}, not a Tensor, when run on "
                        "Tensors: it left the graph on the way, or reads the parameters "
                        "from elsewhere")
    ref = np.asarray(reference, dtype=np.float64)
    if out.shape != ref.shape and out.size != ref.size:
        raise _OffGraph(f"on Tensors {what} gave shape {out.shape}, in numpy {ref.shape}")
    if not np.allclose(out.data.reshape(ref.shape), ref, rtol=1e-6, atol=1e-9,
                       equal_nan=True):
        raise _OffGraph(f"on Tensors {what} computed other values than in numpy (is it "
                        "random, or does it depend on state it changes?)")


def _numerical_layer(layer, inputs, wanted, dout, state):
    """Central differences of sum(forward · dout) for each wanted gradient, every
    evaluation from the layer's original state, on float64 copies."""
    dout = np.asarray(dout, dtype=np.float64)
    values = {}
    for name, (kind, key) in wanted.items():
        source = inputs[key] if kind == "input" else state.attrs[key]
        values[name] = np.array(source, dtype=np.float64)

    def f(_=None):
        state.restore()
        args = [_copy(x) for x in inputs]
        for name, (kind, key) in wanted.items():
            if kind == "input":
                args[key] = values[name].copy() if values[name].ndim else float(values[name])
            else:
                setattr(layer, key, values[name].copy())
        out = layer.forward(*args)
        return float(np.sum(np.asarray(out, dtype=np.float64) * dout))

    return {name: numerical_gradient(f, values[name], h=STEP) for name in wanted}


# ============================================================================ check_gradients

def check_gradients(loss, grads, params, *, rtol=RTOL, atol=ATOL):
    """The network level (the E資格 / TwoLayerNet style): `loss(params) -> float` in numpy,
    `grads(params) -> {name: array}` your backpropagation, `params` {name: array}.  One row
    per parameter, in the order backward reaches them; where the loss runs on Tensors,
    `localisation` says between which steps the first wrong gradient departs.

    The loss runs on a dict of Tensors for the exact gradient; if it cannot (or ignores its
    argument and reads the arrays through shared state, as the book's
    `lambda W: net.loss(x, t)`), central differences perturb your arrays in place, one
    element at a time as the book's numerical_gradient does, and put every value back."""
    keys = [k for k, v in params.items() if isinstance(v, np.ndarray) and v.dtype.kind == "f"]
    saved = {k: v.copy() for k, v in params.items() if isinstance(v, np.ndarray)}
    random = np.random.get_state()

    def restore():
        for k, v in saved.items():
            if not np.array_equal(params[k], v, equal_nan=True):
                params[k][...] = v
        np.random.set_state(random)

    try:
        try:
            mine, error = grads(params), None
            # copies: the loss runs next, and a backward may hand out its own buffers
            mine = {k: _copy(v) for k, v in mine.items()} if isinstance(mine, dict) else {}
        except Exception as e:
            mine, error = {}, _describe(e, "grads")
        restore()
        try:
            reference = loss(params)
        except Exception as e:  # the loss itself is broken: nothing to compare against
            return Report("check_gradients", [], "engine", error=_describe(e, "loss"),
                          rtol=rtol, atol=atol)
        restore()
        found = _expected_loss(loss, params, keys, reference, restore)
    finally:
        restore()
    rows = _rows({k: found["grads"][k] for k in found["order"]}, mine, found, None, rtol,
                 atol, error=error)
    _cross_hints(rows, rtol, atol)
    report = Report("check_gradients", rows, found["method"], reason=found["reason"],
                    graph=found["graph"], leaves=found["leaves"], rtol=rtol, atol=atol)
    if found["graph"] is not None:
        report.localisation, report.departure = _localise(found["graph"], found["leaves"],
                                                          rows)
    return report


def _expected_loss(loss, params, keys, reference, restore):
    try:
        return _engine_loss(loss, params, keys, reference, restore)
    except Exception as e:
        reason = str(e) if isinstance(e, _OffGraph) else _describe(e, "loss on Tensors")
    restore()
    random = np.random.get_state()

    def value(_):
        np.random.set_state(random)  # the same draws in every evaluation
        return float(np.asarray(loss(params), dtype=np.float64))

    # in place, as the book: the loss may read the arrays from elsewhere
    grads = {k: numerical_gradient(value, params[k], h=STEP) for k in keys}
    return {"method": "numerical", "reason": reason, "grads": grads, "graph": None,
            "leaves": {}, "order": keys}


def _engine_loss(loss, params, keys, reference, restore):
    leaves = {k: Tensor(np.array(params[k], dtype=np.float64), requires_grad=True,
                        name=str(k)) for k in keys}
    with strict_numbers():
        out = loss({**params, **leaves})
    _check_output(out, reference, "the loss")
    if out.size != 1:
        raise _OffGraph(f"the loss has shape {out.shape}; one number is needed")
    _check_reached(out, leaves)
    gs = grad(out, list(leaves.values()))
    depth = _depths(out)  # backward order, as the book's: the loss's neighbours first
    order = sorted(keys, key=lambda k: depth.get(leaves[k], len(depth)))
    return {"method": "engine", "reason": None, "grads": {k: g.data for k, g in
                                                          zip(leaves, gs)},
            "graph": out, "leaves": leaves, "order": order}


def _depths(root):
    """Each node's distance from `root` in edges (breadth first, iterative)."""
    depth, frontier = {root: 0}, [root]
    while frontier:
        nxt = []
        for n in frontier:
            for p in n.parents:
                if p not in depth:
                    depth[p] = depth[n] + 1
                    nxt.append(p)
        frontier = nxt
    return depth


def _localise(root, leaves, rows):
    """Between which steps the first wrong gradient (in backward order) departs: the
    gradient at every node computed from a right parameter is confirmed by it, so the
    mistake lies on the way from the last confirmed nodes down to the wrong parameter."""
    ok = {leaves[r.name] for r in rows if r.ok and r.name in leaves}
    wrong = [r.name for r in rows if not r.ok and r.name in leaves]
    if not wrong:
        return None, []
    nodes = postorder(root)
    confirmed, below = set(ok), {leaves[wrong[0]]}
    for n in nodes:
        if any(p in confirmed for p in n.parents):
            confirmed.add(n)
        if any(p in below for p in n.parents):
            below.add(n)
    open_ = [n for n in nodes if n in below and n not in confirmed and n.op is not None]
    edge = [n for n in nodes if n in confirmed and n.op is not None
            and any(p in below and p not in confirmed for p in n.parents)]
    right = [r.name for r in rows if r.ok and r.name in leaves]
    steps = [_step_name(n) for n in edge + open_[::-1]]
    if not ok:
        text = f"{wrong[0]} is the first wrong gradient backward reaches"
    else:
        text = (f"{', '.join(right)} {'is' if len(right) == 1 else 'are'} right, so the "
                f"gradient arriving at {' / '.join(_step_name(n) for n in edge)} is right "
                f"too; {wrong[0]} departs on the way from there down: "
                f"{' → '.join(steps)} → {wrong[0]}")
    return text, edge + open_[::-1]


def _step_name(node):
    return node.name or node.op.label


# ============================================================================ check_network

def check_network(network, x, t, *, rtol=RTOL, atol=ATOL):
    """A book-style network (`params`, `layers`, `lastLayer`, `loss(x, t)`,
    `gradient(x, t)`, as TwoLayerNet): the parameter rows of `gradient()` against the exact
    gradient of `loss()`, then every layer checked on its own, from the loss down, with the
    input it saw in the forward pass and the exact gradient its upstream sends it: the first
    wrong layer (`first_wrong`) is where your backward departs.  Returns a NetworkReport."""
    layers = list(network.layers.items()) + [("lastLayer", network.lastLayer)]
    states = [_State(layer) for _, layer in layers] + [_State(network)]
    keys = {name: {f"d{attr}": str(k) for attr, held in vars(layer).items()
                   for k, p in getattr(network, "params", {}).items() if held is p}
            for name, layer in layers}
    try:
        params = network.params
        # the book's MultiLayerNetExtend: gradient() runs loss(x, t, train_flg=True)
        train = {"train_flg": True} if "train_flg" in _parameters(network.loss) else {}

        def loss(p):
            with _Swapped(network, layers, p):
                return network.loss(x, t, **train)

        whole = check_gradients(loss, lambda p: network.gradient(x, t), params, rtol=rtol,
                                atol=atol)
        for s in states:
            s.restore()
        inputs = _layer_inputs(layers, x)
        for s in states:
            s.restore()
        checked = _check_layers(layers, inputs, t, rtol, atol)
    finally:
        for s in states:
            s.restore()
    report = NetworkReport(f"check_network({type(network).__name__})", whole.rows,
                           whole.method, checked, reason=whole.reason, graph=whole.graph,
                           leaves=whole.leaves, rtol=rtol, atol=atol)
    report.inputs = [(name, xin) for (name, _), xin in zip(layers, inputs)]
    report.param_keys = keys  # for drawing: the layers' parameters by the network's names
    return report


def _layer_inputs(layers, x):
    """What each layer received in a forward pass (the last one gets the scores)."""
    inputs, h = [], x
    for _, layer in layers[:-1]:
        inputs.append(h)
        h = layer.forward(_copy(h))
    inputs.append(h)
    return inputs


def _check_layers(layers, inputs, t, rtol, atol):
    checked, dout = [], None
    for (name, layer), xin in reversed(list(zip(layers, inputs))):
        args = (xin, t) if name == "lastLayer" else (xin,)
        r = check_layer(layer, *args, dout=dout, rtol=rtol, atol=atol)
        r.title = f"{name}: {r.title}"
        checked.append((name, r))
        if not r.input_names:
            break  # no exact upstream for the layers below
        dout = r[r.input_names[0]].expected
    return checked


class _Swapped:
    """Inside: every reference the network and its layers hold to a parameter array
    points to the Tensor standing for it, so the network's own loss() records it."""

    def __init__(self, network, layers, values):
        self.objects = [network] + [layer for _, layer in layers]
        self.params, self.values = network.params, values
        self.undo = []

    def __enter__(self):
        for k, v in self.values.items():
            orig = self.params[k]
            if v is orig:
                continue
            for obj in self.objects:
                for attr, held in list(vars(obj).items()):
                    if held is orig:
                        self.undo.append((obj, attr, orig))
                        setattr(obj, attr, v)
            self.undo.append((self.params, k, orig))
            self.params[k] = v

    def __exit__(self, *exc):
        for obj, attr, orig in reversed(self.undo):
            if isinstance(obj, dict):
                obj[attr] = orig
            else:
                setattr(obj, attr, orig)
