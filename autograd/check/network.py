"""The network level: check_gradients (a loss and your gradients, as the E資格 exercise
writes them) and check_network (a book-style network, then each of its layers)."""
import numpy as np

from autograd.check.compare import (
    STEP,
    OffGraph,
    check_output,
    check_reached,
    compare,
    compare_all,
    depths,
    localise,
)
from autograd.check.hints import cross_hints, product_hint
from autograd.check.layer import check_layer
from autograd.check.message import Message
from autograd.check.report import ATOL, RTOL, NetworkReport, Report
from autograd.check.slips import slip_hints
from autograd.check.source import failure
from autograd.check.state import State, Swapped, copy_of, describe, near_misses, parameters
from autograd.gradcheck import numerical_gradient
from autograd.tensor import Tensor, strict_numbers
from autograd.walk import grad

__all__ = ["check_gradients", "check_network"]


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
        failed = None
        try:
            mine, error = grads(params), None
            # copies: the loss runs next, and a backward may hand out its own buffers
            mine = {k: copy_of(v) for k, v in mine.items()} if isinstance(mine, dict) else {}
        except Exception as e:  # what grads had built, what its failing line computes
            error, failed = describe(e, Message("part", "grads")), failure(e, keys)
            mine = {k: copy_of(v) for k, v in failed.given.items()}
        restore()
        try:
            reference = loss(params)
        except Exception as e:  # the loss itself is broken: nothing to compare against
            return Report("check_gradients", [], "engine", rtol=rtol, atol=atol,
                          error=describe(e, Message("part", "loss")))
        restore()
        found = _expected_loss(loss, params, keys, reference, restore)
    finally:
        restore()
    rows = compare_all({k: found["grads"][k] for k in found["order"]}, mine, found, None, rtol,
                       atol, error=error, failed=failed)
    others = [k for k in mine if k not in params]
    for row in rows:
        if failed is not None and row.name in failed.rows:
            row.hint = product_hint(row, failed, rtol, atol)
        near = near_misses(str(row.name), [str(k) for k in others])
        if row.actual is None and row.error is None and near:
            row.hint = _near_key(row, near[0], mine[near[0]], rtol, atol)
    if found["graph"] is not None:
        slip_hints(found["graph"], found["leaves"], None, rows, rtol, atol)
    cross_hints(rows, rtol, atol)
    report = Report("check_gradients", rows, found["method"], reason=found["reason"],
                    graph=found["graph"], leaves=found["leaves"], rtol=rtol, atol=atol)
    given = [r for r in rows if r.actual is not None]  # one never given departs nowhere
    if found["graph"] is not None:
        report.localisation, report.departure = localise(found["graph"], found["leaves"],
                                                          given)
    return report


def _near_key(row, key, value, rtol, atol):
    """grads() gave no `row.name` but a key a typo away from it (w1 for W1)."""
    right = compare(row.name, row.expected, value, rtol, atol).ok
    return Message("key_near_miss", "grads gave no {name} but gave {near}{right}: the keys "
                   "are the parameters' names", name=row.name, near=key,
                   right=Message("near_right", " (its values are right)") if right else "")


def _expected_loss(loss, params, keys, reference, restore):
    try:
        return _engine_loss(loss, params, keys, reference, restore)
    except Exception as e:
        reason = e.args[0] if isinstance(e, OffGraph) else describe(
            e, Message("part", "loss on Tensors"))
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
    check_output(out, reference, Message("the_loss", "the loss"))
    if out.size != 1:
        raise OffGraph(Message("loss_shape", "the loss has shape {shape}; one number is "
                               "needed", shape=str(out.shape)))
    check_reached(out, leaves)
    gs = grad(out, list(leaves.values()))
    depth = depths(out)  # backward order, as the book's: the loss's neighbours first
    order = sorted(keys, key=lambda k: depth.get(leaves[k], len(depth)))
    return {"method": "engine", "reason": None, "grads": {k: g.data for k, g in
                                                          zip(leaves, gs)},
            "graph": out, "leaves": leaves, "order": order}

def check_network(network, x, t, *, rtol=RTOL, atol=ATOL):
    """A book-style network (`params`, `layers`, `lastLayer`, `loss(x, t)`,
    `gradient(x, t)`, as TwoLayerNet): the parameter rows of `gradient()` against the exact
    gradient of `loss()`, then every layer checked on its own, from the loss down, with the
    input it saw in the forward pass and the exact gradient its upstream sends it: the first
    wrong layer (`first_wrong`) is where your backward departs.  Returns a NetworkReport."""
    layers = list(network.layers.items()) + [("lastLayer", network.lastLayer)]
    states = [State(layer) for _, layer in layers] + [State(network)]
    keys = {name: {f"d{attr}": str(k) for attr, held in vars(layer).items()
                   for k, p in getattr(network, "params", {}).items() if held is p}
            for name, layer in layers}
    try:
        params = network.params
        # the book's MultiLayerNetExtend: gradient() runs loss(x, t, train_flg=True)
        train = {"train_flg": True} if "train_flg" in parameters(network.loss) else {}

        def loss(p):
            with Swapped(network, layers, p):
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
        h = layer.forward(copy_of(h))
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
