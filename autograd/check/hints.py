"""What a wrong gradient looks like, in words: a transpose, a constant factor (the sign,
1/N, N), a mask, another row's formula.

Hints read the learner's numbers in every odd shape and value (0, nan, inf, empty, a
factor of 0), and a guess that fails costs only words: every hint runs under `safe`, so a
hint that raises is dropped, never the check."""
import functools

import numpy as np

from autograd.check.message import Message
from autograd.check.source import transposed

__all__ = ["close", "cross_hints", "product_hint", "safe", "shape_hint", "value_hint"]


def safe(default=None):
    """Decorator: the hint's result, or `default` when it raises (numpy's warnings off)."""
    def wrap(hint):
        @functools.wraps(hint)
        def run(*args, **kwargs):
            try:
                with np.errstate(all="ignore"):
                    return hint(*args, **kwargs)
            except Exception:  # any failure: no hint, the row stands as compared
                return default
        return run
    return wrap


def close(a, b, rtol, atol):
    return a.shape == b.shape and bool(np.all(np.abs(a - b) <= atol + rtol * np.abs(b)))


def _shape(shape):
    return str(tuple(int(n) for n in shape))


@safe()
def shape_hint(name, e, a, rtol, atol):
    shapes = {"yours": _shape(a.shape), "expected": _shape(e.shape)}
    if a.ndim == e.ndim == 2 and a.shape == e.shape[::-1]:
        if close(a.T, e, rtol, atol):
            return _transposed(name, e)
        return Message("shape_transposed", "shape {yours}, expected {expected} (the "
                       "transpose)", **shapes)
    if a.size == e.size and close(a.reshape(e.shape), e, rtol, atol):
        return Message("reshape", "right values, wrong shape: shape {yours}, expected "
                       "{expected} (reshape to the input's shape)", **shapes)
    if a.ndim == e.ndim + 1 and a.shape[1:] == e.shape and close(a.sum(axis=0), e, rtol,
                                                                    atol):
        return Message("batch_not_summed", "not summed over the batch: shape {yours}, "
                       "expected {expected}; the bias is added to every row, so its gradient "
                       "is np.sum(dout, axis=0)", **shapes)
    return Message("shape", "shape {yours}, expected {expected}", **shapes)


def _transposed(name, e):
    return Message("transposed", "transposed: {name} has the shape of what it "
                   "differentiates, {expected}; yours is its transpose (e.g. dW = "
                   "np.dot(x.T, dout), not np.dot(dout.T, x))", name=name,
                   expected=_shape(e.shape))


@safe()
def value_hint(e, a, rtol, atol, batch, name="dW"):
    """What the difference looks like: a constant factor (sign, 1/N, N), a mask, zeros, a
    square gradient transposed."""
    if not np.any(a):
        return Message("zero", "yours is 0 everywhere")
    if not np.any(e):
        return Message("expected_zero", "the expected gradient is 0 everywhere (the output "
                       "does not depend on it)")
    if close(a, np.zeros_like(e), rtol, atol):  # 0 up to the tolerance: no factor to name
        return Message("zero_rounding", "yours is 0 everywhere, to rounding (at most {m})",
                       m=f"{float(np.abs(a).max()):.1e}")
    if a.ndim == 2 and a.shape[0] == a.shape[1] and close(a.T, e, rtol, atol):
        return _transposed(name, e)  # square: the transpose has the right shape too
    c = float(np.sum(a * e) / np.sum(e * e))  # the best constant factor a ≈ c·e
    if np.isfinite(c) and c != 0 and close(a, c * e, rtol, atol):
        return _factor_hint(c, batch, max(rtol, 1e-6))
    return _mask_hint(e, a, rtol, atol)


def _factor_hint(c, batch, tol):
    """Name a constant factor: −1, 1/N or N (N the batch size, or any whole number)."""
    if abs(c + 1) <= tol:
        return Message("sign", "the sign is flipped")
    n_small, n_large = 1 / abs(c), abs(c)
    for n, small in ((n_small, True), (n_large, False)):
        k = round(n)
        if k >= 2 and abs(n - k) <= tol * k:
            size = Message("batch", "the batch size {n}", n=k) if batch == k else \
                Message("batch_guess", "{n} (the batch size?)", n=k)
            if small:
                hint = Message("over_n", "1/{n} of the expected, {size}: a mean where a sum "
                               "belongs (np.sum(dout, axis=0), not np.mean), or one division "
                               "by the batch size too many", n=k, size=size)
            else:
                hint = Message("times_n", "{n} times the expected, {size}: a division by the "
                               "batch size is missing (the loss is the mean over the batch)",
                               n=k, size=size)
            return Message("sign_and", "the sign is flipped, and {hint}", hint=hint) \
                if c < 0 else hint
    return Message("factor", "off by a constant factor: yours = {c} × expected", c=f"{c:.4g}")


def _mask_hint(e, a, rtol, atol):
    wrong = np.abs(a - e) > atol + rtol * np.abs(e)
    leaks = wrong & (e == 0)  # gradient where the expected one is blocked
    blocks = wrong & (a == 0)  # blocked where it should flow
    if not np.all(leaks | blocks | ~wrong):
        return None
    n, m = int(leaks.sum()), int(blocks.sum())
    if m == 0:
        return Message("mask_missing", "a mask missing: at {n} position(s) the expected "
                       "gradient is 0 (blocked by a mask: ReLU's x <= 0, Dropout's) and yours "
                       "lets it through", n=n)
    if np.array_equal(a != 0, e == 0):
        return Message("mask_inverted", "the mask is inverted: yours lets the gradient "
                       "through exactly where it is blocked (ReLU blocks where x <= 0) and "
                       "blocks it everywhere else")
    if n == 0:
        return Message("blocked", "blocked where the gradient should flow at {m} "
                       "position(s): a mask applied where it does not belong, or inverted",
                       m=m)
    return Message("mask_wrong_array", "the gradient flows at the wrong positions ({n} let "
                   "through, {m} blocked): a mask taken from the wrong array (it comes from "
                   "the forward's input, mask = (x <= 0))", n=n, m=m)

@safe()
def cross_hints(rows, rtol, atol):
    """A wrong gradient equal to another row's expected one: the two swapped."""
    for r in rows:
        if r.ok or r.actual is None or r.hint and r.hint.code != "factor":
            continue
        for other in rows:
            if other is not r and close(np.asarray(r.actual, dtype=np.float64),
                                         other.expected, rtol, atol):
                r.hint = Message("swapped_mul", "yours equals the expected {other}: "
                                 "{other}'s formula in {name}'s place (MulLayer swaps: dx = "
                                 "dout·y, dy = dout·x)", other=other.name, name=r.name) \
                    if r.name in ("dx", "dy") else \
                    Message("swapped", "yours equals the expected {other}: {other}'s formula "
                            "in {name}'s place", other=other.name, name=r.name)
                break


@safe()
def product_hint(row, failed, rtol, atol):
    """The gradient the line that raised was computing, and, when a matrix product on it
    cannot be formed, the transpose (or order) of its operands that has the gradient's
    shape: the commonest slip, dW = np.dot(x, dout) for np.dot(x.T, dout).  A line that
    computes a local on the way (back = np.dot(delta2, W2)) lists the products that can
    be formed."""
    product, local = failed.product, failed.local
    fields = {"name": row.name, "local": local or "", "rows": ", ".join(failed.rows)}
    if product is None:
        return Message("failing_line", "the line that raised computes {name}", **fields) \
            if local is None else Message("failing_local", "the line that raised computes "
                                          "{local}, on the way to {rows}", **fields)
    written, left, right, a, b, style = product
    e = np.asarray(row.expected, dtype=np.float64)
    fields.update(written=written, left=left, right=right, left_shape=_shape(a.shape),
                  right_shape=_shape(b.shape), shape=_shape(e.shape),
                  of=row.name[1:] if row.name.startswith("d") else row.name)
    variants = [(style.format(lt, rt), p, q) for lt, rt, p, q in (
        (transposed(left), right, a.T, b), (left, transposed(right), a, b.T),
        (right, left, b, a), (transposed(right), left, b.T, a),
        (right, transposed(left), b, a.T)) if p.shape[1] == q.shape[0]]
    if local is not None:
        return Message("product_options", "the line that raised computes {local}, on the "
                       "way to {rows}: {written} cannot be formed ({left} is {left_shape}, "
                       "{right} is {right_shape}); these can: {options}", options="; ".join(
                           f"{text} {_shape((p.shape[0], q.shape[1]))}"
                           for text, p, q in variants), **fields)
    for text, p, q in variants:
        if p.shape[0] * q.shape[1] != e.size or \
                (e.ndim == 2 and (p.shape[0], q.shape[1]) != e.shape):
            continue
        right_values = close((p @ q).reshape(e.shape), e, rtol, atol)
        return Message("product_fix", "the line that raised computes {name}: {written} cannot "
                       "be formed ({left} is {left_shape}, {right} is {right_shape}); "
                       "{fixed} has the shape of {of}, {shape}{values}", fixed=text,
                       values=Message("product_right", ", and the expected values")
                       if right_values else "", **fields)
    return Message("product_unformable", "the line that raised computes {name}: {written} "
                   "cannot be formed ({left} is {left_shape}, {right} is {right_shape}), nor "
                   "any transpose of it with the shape of {of}, {shape}", **fields)
