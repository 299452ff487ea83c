"""The learner's objects, left as they were: a layer's state put back after each run, a
network's parameters swapped for Tensors and back; and the learner's names and lines."""
import difflib
import inspect
import numbers
import traceback

import numpy as np

from autograd.check.message import Message
from autograd.check.source import hidden

__all__ = ["State", "Swapped", "copy_of", "describe", "gave", "input_names", "is_label",
           "is_number_like", "near_misses", "parameters", "set_by"]

_ABSENT = object()



class State:
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

    def kept_arrays(self):
        """The float arrays the object held before a forward and still holds after it, as
        they were: neither rebound by it (its caches: x, out) nor written into (a running
        mean updated in place is state), nor a gradient d<name> of another attribute.
        Those the forward reads are its parameters (W, b, gamma)."""
        now = vars(self.obj)
        return [k for k, v in self.attrs.items()
                if isinstance(v, np.ndarray) and v.dtype.kind == "f" and now.get(k) is v
                and np.array_equal(v, self.arrays[k], equal_nan=True)
                and not (k.startswith("d") and k[1:] in self.attrs)]


def gave(obj, name, before):
    """Whether a backward gave the attribute `name`: set or rebound it (`before`: the
    attributes before it ran), or holds an array it may have written into."""
    now = vars(obj)
    if name not in now:
        return False
    return now[name] is not before.get(name, _ABSENT) or isinstance(now[name], np.ndarray)


def set_by(obj, before):
    """The attributes set or rebound since `before`."""
    return [k for k, v in vars(obj).items() if v is not before.get(k, _ABSENT)]


def near_misses(name, names):
    """The names in `names` a typo away from `name`: dB or dw for db and dW, d_W, grad_W."""
    lower = {n.lower(): n for n in names if n != name}
    found = [lower[n] for n in difflib.get_close_matches(name.lower(), lower, n=3,
                                                         cutoff=0.75)]
    base = name[1:] if name.startswith("d") else name
    found += [n for n in names if n not in found and n != name and base and base in n
              and "grad" in n.lower()]
    return found


def copy_of(x):
    return x.copy() if isinstance(x, np.ndarray) else x


def is_label(x):
    """Integer and boolean arrays (labels, masks) are data: never differentiated."""
    if isinstance(x, (bool, np.bool_, np.integer)):
        return True
    return isinstance(x, np.ndarray) and x.dtype.kind in "biu"


def is_number_like(x):
    if isinstance(x, np.ndarray):
        return x.dtype.kind == "f"
    return isinstance(x, numbers.Real)


def _where(exc):
    """The learner's file:line an exception came from (numpy's and our frames skipped)."""
    frames = traceback.extract_tb(exc.__traceback__)
    for f in reversed(frames):
        if not hidden(f.filename):
            return Message("location", "{path}:{line} in {function}", path=f.filename,
                           line=f.lineno, function=f.name)
    return "<unknown>"


def describe(exc, what):
    """`what` (a Message: "backward", "the loss on Tensors") raised `exc`: a Message naming
    the learner's line (the exception's own text stays as Python wrote it)."""
    return Message("raised", "{what} raised {kind}: {detail} (at {where})", what=what,
                   kind=type(exc).__name__, detail=str(exc), where=_where(exc))


def parameters(fn):
    try:
        return inspect.signature(fn).parameters
    except (TypeError, ValueError):
        return {}


def input_names(layer, n):
    """d<name> after forward's parameters (dx, dy); dx1, dx2 … where it has no names."""
    params = list(parameters(layer.forward).values())
    names = [p.name for p in params if p.kind in (p.POSITIONAL_ONLY, p.POSITIONAL_OR_KEYWORD)]
    if len(names) >= n:
        return [f"d{name}" for name in names[:n]]
    return ["dx"] if n == 1 else [f"dx{i}" for i in range(1, n + 1)]


class Swapped:
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
