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
- a parameter is a float array the layer holds (`W`, `b`, `gamma`) that forward reads (its
  output moves when the array does) and neither rebinds nor writes into, paired with the
  `d<name>` attribute backward sets (`dW`, `db`, `dgamma`): one backward never sets is a
  wrong row, and an attribute a typo away (`dB` for `db`) is named.

What a report says: per row ✔ right, ✘ wrong, – not reached (your backward raised before
computing it); a hint where the difference looks like a known slip (a transpose missing or
swapped, a sum over the wrong axis, 1/N missing or doubled, a mask from the wrong array,
the sign, a branch forgotten), and, when your code raised, which gradient its failing line
was computing and the transpose a matrix product there needs.  Every message is data
(autograd.check.message): viz.check says it in the reader's language.  The package, by
concern: report, compare, hints (values), slips (the recorded graph), source (your code,
read, never run), state (your objects, put back), layer and network (the drivers).

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
from autograd.check.compare import STEP
from autograd.check.layer import DOUT_SEED, check_layer
from autograd.check.message import Message
from autograd.check.network import check_gradients, check_network
from autograd.check.report import ATOL, RTOL, NetworkReport, Report, Row

__all__ = ["check_layer", "check_gradients", "check_network", "Report", "NetworkReport",
           "Row", "Message", "RTOL", "ATOL", "DOUT_SEED", "STEP"]
