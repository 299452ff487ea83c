"""The reference for bench_batchnorm: a fully connected network with Batch Normalization
(the book's MultiLayerNetExtend with use_batchnorm=True: Affine → BatchNorm → ReLU per
hidden layer, then Affine and softmax with cross entropy) written by hand in numpy, every
derivative by hand.  Batch Normalization's backward is its closed form,
dx = (1/N)·γ·(1/σ)·(N·dout − Σdout − x̂·Σ(dout·x̂)), σ = √(var + ε): the fastest way to
write it in numpy, so the engine is measured against the best a learner could do.

Its parameters are the engine network's own arrays (params=net.params), so the two start
from the same point; `gradient` returns the same keys (W1, b1, gamma1, beta1, ...).
"""
import numpy as np

EPS = 10e-7  # the book's ε


class BatchNormNet:
    def __init__(self, params, hidden_layers):
        self.params = params
        self.n = hidden_layers

    def gradient(self, x, t):
        p, cache, h = self.params, [], x
        for i in range(1, self.n + 1):
            a = h @ p[f"W{i}"] + p[f"b{i}"]
            mu = a.mean(axis=0)
            xc = a - mu
            inv = 1.0 / np.sqrt((xc * xc).mean(axis=0) + EPS)
            xhat = xc * inv
            y = p[f"gamma{i}"] * xhat + p[f"beta{i}"]
            h_in, h = h, np.maximum(y, 0)
            cache.append((h_in, xhat, inv, y > 0))
        last = self.n + 1
        scores = h @ p[f"W{last}"] + p[f"b{last}"]
        e = np.exp(scores - scores.max(axis=1, keepdims=True))
        prob = e / e.sum(axis=1, keepdims=True)
        n = len(x)
        self.loss = -np.log(prob[np.arange(n), t] + 1e-7).mean()
        d = prob
        d[np.arange(n), t] -= 1
        d /= n
        grads = {f"W{last}": h.T @ d, f"b{last}": d.sum(axis=0)}
        d = d @ p[f"W{last}"].T
        for i in range(self.n, 0, -1):
            h_in, xhat, inv, mask = cache[i - 1]
            dy = d * mask
            grads[f"beta{i}"] = dy.sum(axis=0)
            grads[f"gamma{i}"] = (dy * xhat).sum(axis=0)
            dxhat = dy * p[f"gamma{i}"]
            da = inv / n * (n * dxhat - dxhat.sum(axis=0)
                            - xhat * (dxhat * xhat).sum(axis=0))
            grads[f"W{i}"] = h_in.T @ da
            grads[f"b{i}"] = da.sum(axis=0)
            d = da @ p[f"W{i}"].T  # the book's Affine1 computes dx too
        return grads
