"""What a wrong gradient looks like, in words: a transpose, a constant factor (the sign,
1/N, N), a mask, another row's formula."""
import numpy as np

__all__ = ["close", "cross_hints", "shape_hint", "value_hint"]


def close(a, b, rtol, atol):
    return a.shape == b.shape and bool(np.all(np.abs(a - b) <= atol + rtol * np.abs(b)))


def shape_hint(name, e, a, rtol, atol):
    base = f"shape {a.shape}, expected {e.shape}"
    if a.ndim == e.ndim == 2 and a.shape == e.shape[::-1]:
        if close(a.T, e, rtol, atol):
            return (f"transposed: {name} has the shape of what it differentiates, "
                    f"{e.shape}; yours is its transpose (e.g. dW = np.dot(x.T, dout), not "
                    "np.dot(dout.T, x))")
        return f"{base} (the transpose)"
    if a.size == e.size and close(a.reshape(e.shape), e, rtol, atol):
        return f"right values, wrong shape: {base} (reshape to the input's shape)"
    if a.ndim == e.ndim + 1 and a.shape[1:] == e.shape and close(a.sum(axis=0), e, rtol,
                                                                    atol):
        return (f"not summed over the batch: {base}; the bias is added to every row, so its "
                "gradient is np.sum(dout, axis=0)")
    return base


def value_hint(e, a, rtol, atol, batch):
    """What the difference looks like: a constant factor (sign, 1/N, N), a mask, zeros."""
    if not np.any(a):
        return "yours is 0 everywhere"
    if not np.any(e):
        return "the expected gradient is 0 everywhere (the output does not depend on it)"
    c = float(np.sum(a * e) / np.sum(e * e))  # the best constant factor a ≈ c·e
    if close(a, c * e, rtol, atol):
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

def cross_hints(rows, rtol, atol):
    """A wrong gradient equal to another row's expected one: the two swapped."""
    for r in rows:
        if r.ok or r.actual is None or r.hint and not r.hint.startswith("off by"):
            continue
        for other in rows:
            if other is not r and close(np.asarray(r.actual, dtype=np.float64),
                                         other.expected, rtol, atol):
                r.hint = (f"yours equals the expected {other.name}: {other.name}'s formula "
                          f"in {r.name}'s place (MulLayer swaps: dx = dout·y, dy = dout·x)"
                          if r.name in ("dx", "dy") else
                          f"yours equals the expected {other.name}: {other.name}'s formula "
                          f"in {r.name}'s place")
                break
