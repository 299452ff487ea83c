"""micrograd's neural-network module on graphgrad's Value: Module, Neuron, Layer, MLP.

    from autograd.nn import MLP          # in place of: from micrograd.nn import MLP
    model = MLP(2, [16, 16, 1])          # micrograd's demo network, 337 parameters

The same `random.seed` gives micrograd 0.1.0's network, weight for weight: each weight is
one `random.uniform(-1, 1)` draw, layer by layer, neuron by neuron, input by input, and
every bias starts at 0 without a draw.  A neuron adds its terms in micrograd's order too
(b + w0·x0 + w1·x1 + …), so its forward values are micrograd's to the last bit.
"""
import numbers
import operator
import random

from autograd.value import Value

__all__ = ["Module", "Neuron", "Layer", "MLP"]


class Module:
    """Anything with parameters: `parameters()` lists them (Values), `zero_grad()` sets
    their gradients back to 0 before the next backward (which accumulates)."""

    def parameters(self):
        return []

    def zero_grad(self):
        for p in self.parameters():
            p.grad = 0.0


class Neuron(Module):
    """One neuron of `nin` inputs: relu(w·x + b), or w·x + b with `nonlin=False` (an MLP's
    last layer)."""

    def __init__(self, nin, nonlin=True):
        self.w = [Value(random.uniform(-1, 1)) for _ in range(_count("nin", nin))]
        self.b = Value(0.0)
        self.nonlin = nonlin

    def __call__(self, x):
        x = _inputs(x)
        if len(x) != len(self.w):  # zip would drop the extra inputs or weights silently
            raise ValueError(f"a neuron with {len(self.w)} weights was given {len(x)} inputs")
        act = sum(map(operator.mul, self.w, x), self.b)
        return act.relu() if self.nonlin else act

    def parameters(self):
        return self.w + [self.b]

    def __repr__(self):
        return f"{'ReLU' if self.nonlin else 'Linear'}Neuron({len(self.w)})"


class Layer(Module):
    """`nout` neurons reading the same `nin` inputs; keyword arguments go to each Neuron.
    Called, it gives a list of Values, or the bare Value when `nout` is 1."""

    def __init__(self, nin, nout, **kwargs):
        self.neurons = [Neuron(nin, **kwargs) for _ in range(_count("nout", nout))]

    def __call__(self, x):
        x = _inputs(x)  # once: a generator of inputs can be read only once
        out = [n(x) for n in self.neurons]
        return out[0] if len(out) == 1 else out

    def parameters(self):
        return [p for n in self.neurons for p in n.parameters()]

    def __repr__(self):
        return f"Layer of [{', '.join(map(repr, self.neurons))}]"


class MLP(Module):
    """Layers of `nouts[i]` neurons, the first reading `nin` inputs: ReLU neurons in every
    layer but the last, which is linear (its outputs are scores)."""

    def __init__(self, nin, nouts):
        sizes = [nin, *nouts]
        last = len(sizes) - 2
        self.layers = [Layer(sizes[i], sizes[i + 1], nonlin=i != last)
                       for i in range(len(sizes) - 1)]

    def __call__(self, x):
        for layer in self.layers:
            x = layer(x)
        return x

    def parameters(self):
        return [p for layer in self.layers for p in layer.parameters()]

    def __repr__(self):
        return f"MLP of [{', '.join(map(repr, self.layers))}]"


def _count(what, n):
    if not isinstance(n, numbers.Integral) or isinstance(n, bool) or n < 0:
        raise ValueError(f"{what} must be a whole number >= 0, got {n!r}")
    return n


def _inputs(x):
    """A neuron's inputs as a sized sequence.  A lone Value or number is one input: what a
    one-neuron layer hands the next layer."""
    if isinstance(x, (Value, numbers.Real)):
        return (x,)
    return x if hasattr(x, "__len__") else list(x)
