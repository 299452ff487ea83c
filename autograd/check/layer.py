"""check_layer: a book-style layer's backward against the exact gradient of its forward."""
import numpy as np

from autograd.check.compare import (
    STEP,
    OffGraph,
    check_output,
    check_reached,
    compare,
    compare_all,
    localise,
)
from autograd.check.hints import cross_hints, product_hint
from autograd.check.message import Message
from autograd.check.report import ATOL, RTOL, Report, Row
from autograd.check.slips import slip_hints
from autograd.check.source import failure
from autograd.check.state import (
    State,
    copy_of,
    describe,
    gave,
    input_names,
    is_label,
    is_number_like,
    near_misses,
    set_by,
)
from autograd.gradcheck import numerical_gradient
from autograd.tensor import Tensor, strict_numbers
from autograd.walk import grad

__all__ = ["DOUT_SEED", "check_layer"]

DOUT_SEED = 0x67726164  # "grad": no seed a learner's own inputs are likely drawn with


def check_layer(layer, *inputs, dout=None, rtol=RTOL, atol=ATOL):
    """Check a book-style layer's backward (see the module docstring): its forward runs on
    Tensors for the exact gradient of sum(forward(*inputs) · dout) (central differences
    where it cannot), its backward(dout) runs as you wrote it, and every gradient it gives
    (returned dx …, attributes dW, db …) is compared.  Returns a Report."""
    title = f"check_layer({type(layer).__name__})"
    state = State(layer)
    try:
        mine = _learner_pass(layer, inputs, dout, state)
        if mine["error"] is not None and mine["out"] is None:
            return Report(title, [], "engine", error=mine["error"], rtol=rtol, atol=atol)
        names = input_names(layer, len(inputs))
        # what backward gave a gradient for (None: "not differentiated", as for labels)
        wrt = [i for i in range(mine["k"]) if not is_label(inputs[i])
               and is_number_like(inputs[i]) and not (
                   names[i] in mine["grads"] and mine["grads"][names[i]] is None)]
        wanted = {names[i]: ("input", i) for i in wrt}
        wanted.update({f"d{p}": ("param", p) for p in mine["params"]})
        unset = {f"d{p}": mine["near"][f"d{p}"] for p in mine["unset"]
                 if _reads(layer, inputs, p, mine["out"], state)}
        wanted.update({name: ("param", name[1:]) for name in unset})
        found = _expected(layer, inputs, wanted, mine, state)
    finally:
        state.restore()
    dout = None if mine["dout"] is None else np.broadcast_to(
        np.asarray(mine["dout"], dtype=np.float64), np.shape(mine["out"]))
    rows = compare_all(found["grads"], mine["grads"], found, dout, rtol, atol, _batch(inputs),
                       mine["error"], mine["failed"])
    for row in rows:
        if row.name in unset and row.error is None and row.reached:
            row.hint = _unset_hint(row, unset[row.name], rtol, atol)
        elif mine["failed"] is not None and row.name in mine["failed"].rows:
            row.hint = product_hint(row, mine["failed"], rtol, atol)
    if found["graph"] is not None:
        slip_hints(found["graph"], found["leaves"], dout, rows, rtol, atol,
                   found.get("names"))
    rows.extend(mine["extra"])
    cross_hints(rows, rtol, atol)
    report = Report(title, rows, found["method"], reason=found["reason"],
                    error=found.get("error"), graph=found["graph"], leaves=found["leaves"],
                    dout=mine["dout"], rtol=rtol, atol=atol)
    report.input_names = [n for n in found["grads"] if wanted[n][0] == "input"]
    # a right gradient bounds where a wrong one departs (one never given departs nowhere)
    given = [r for r in rows if r.name in report.leaves and r.actual is not None]
    if any(r.ok for r in given) and not all(r.ok for r in given):
        report.localisation, report.departure = localise(report.graph, report.leaves, given)
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
            "extra": [], "dout": dout, "unset": {}, "near": {}, "failed": None}
    state.restore()
    try:
        out = layer.forward(*[copy_of(x) for x in inputs])
    except Exception as e:  # your forward's own bug: nothing to compare yet
        mine["error"] = describe(e, Message("part", "forward"))
        return mine
    mine["out"] = copy_of(out)  # a backward writing into its cache must not change it
    if dout is None:
        dout = _default_dout(out)
    elif np.shape(dout) != np.shape(out):
        raise ValueError(f"check_layer: dout has shape {np.shape(dout)}, the forward's "
                         f"output {np.shape(out)}")
    mine["dout"] = dout
    kept = state.kept_arrays()  # the parameters, where forward reads them
    before = dict(vars(layer))
    try:
        returned = layer.backward(copy_of(dout))
    except Exception as e:  # what it set before, what the failing line computes
        mine["error"] = describe(e, Message("part", "backward"))
        names = input_names(layer, len(inputs))
        mine["failed"] = failure(e, names + [f"d{p}" for p in kept], names)
        mine["params"] = [p for p in kept if gave(layer, f"d{p}", before)
                          and f"d{p}" not in mine["failed"].rows]
        mine["grads"] = {f"d{p}": copy_of(getattr(layer, f"d{p}")) for p in mine["params"]}
        mine["unset"] = {p: [] for p in kept if p not in mine["params"]}
        mine["near"] = {f"d{p}": {} for p in mine["unset"]}
        return mine
    mine["params"] = [p for p in kept if gave(layer, f"d{p}", before)]
    new = set_by(layer, before)
    mine["unset"] = {p: near_misses(f"d{p}", new) for p in kept if p not in mine["params"]}
    if returned is None:
        returned = ()
    elif not isinstance(returned, (tuple, list)):
        returned = (returned,)
    if len(returned) > len(inputs):
        mine["extra"].append(Row("backward", False, None, returned, hint=Message(
            "too_many", "backward returned {n} gradients for {k} inputs", n=len(returned),
            k=len(inputs))))
        returned = returned[:len(inputs)]
    mine["k"] = len(returned)
    names = input_names(layer, len(inputs))
    mine["grads"] = {names[i]: copy_of(g) for i, g in enumerate(returned)}
    mine["grads"].update({f"d{p}": copy_of(getattr(layer, f"d{p}")) for p in mine["params"]})
    mine["near"] = {f"d{p}": {n: copy_of(getattr(layer, n)) for n in near}
                    for p, near in mine["unset"].items()}
    return mine


def _reads(layer, inputs, name, out, state):
    """Whether the forward's output moves when the array `name` does: a parameter the
    forward reads, whose gradient backward must then give."""
    state.restore()
    value = state.attrs[name]
    setattr(layer, name, value * (1 + 1e-3) + 1e-3)
    try:
        moved = layer.forward(*[copy_of(x) for x in inputs])
    except Exception:  # it failed on other values of the array: it reads it
        return True
    finally:
        state.restore()
    try:
        return not np.array_equal(np.asarray(moved, dtype=np.float64),
                                  np.asarray(out, dtype=np.float64), equal_nan=True)
    except (TypeError, ValueError):
        return True


def _unset_hint(row, near, rtol, atol):
    """A parameter's gradient backward did not set: say so, and name a near miss (dB for
    db), saying whether its values would be right."""
    param = row.name[1:]
    if not near:
        return Message("param_not_set", "backward did not set self.{name}: forward reads "
                       "self.{param}, so its gradient {name} is checked (the update "
                       "{param} -= lr * {name} uses it)", name=row.name, param=param)
    typo, value = next(iter(near.items()))
    right = compare(row.name, row.expected, value, rtol, atol).ok
    return Message("param_near_miss", "backward did not set self.{name} but set self.{near}"
                   "{right}: the gradient of {param} is named d + its name, {name}",
                   name=row.name, near=typo, param=param,
                   right=Message("near_right", " (its values are right)") if right else "")


def _expected(layer, inputs, wanted, mine, state):
    """The engine's gradients of `wanted` ({row: (kind, index or attribute)}), or central
    differences where the forward does not run on Tensors."""
    try:
        return _engine_layer(layer, inputs, wanted, mine, state)
    except Exception as e:  # any failure on Tensors: the numbers stand in
        reason = e.args[0] if isinstance(e, OffGraph) else describe(
            e, Message("part", "forward on Tensors"))
    try:
        grads = _numerical_layer(layer, inputs, wanted, mine["dout"], state)
    except Exception as e:  # a forward that ran once, then failed on nearby inputs
        error = describe(e, Message("part", "forward (central differences)"))
        return {"method": "numerical", "reason": reason, "error": error, "grads": {},
                "graph": None, "leaves": {}}
    return {"method": "numerical", "reason": reason, "grads": grads, "graph": None,
            "leaves": {}}


def _engine_layer(layer, inputs, wanted, mine, state):
    state.restore()
    leaves, args = {}, [copy_of(x) for x in inputs]
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
    check_output(out, mine["out"])
    check_reached(out, leaves)
    dout = np.asarray(mine["dout"], dtype=np.float64)
    gs = grad(out, list(leaves.values()), grad_outputs=np.broadcast_to(dout, out.shape))
    # what the forward kept on the layer names its steps (self.xc) in a hint
    kept = {v: f"self.{k}" for k, v in vars(layer).items()
            if isinstance(v, Tensor) and v.op is not None}
    return {"method": "engine", "reason": None, "grads": {n: g.data for n, g in
                                                          zip(leaves, gs)},
            "graph": out, "leaves": leaves, "names": kept}


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
        args = [copy_of(x) for x in inputs]
        for name, (kind, key) in wanted.items():
            if kind == "input":
                args[key] = values[name].copy() if values[name].ndim else float(values[name])
            else:
                setattr(layer, key, values[name].copy())
        out = layer.forward(*args)
        return float(np.sum(np.asarray(out, dtype=np.float64) * dout))

    return {name: numerical_gradient(f, values[name], h=STEP) for name in wanted}
