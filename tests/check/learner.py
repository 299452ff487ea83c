"""A learner's code for the checker's tests: the book's chapter-5 layers and the E資格 2-3-2
exercise, written as a reader writes them (numpy only, the book's names), each right one
followed by its typical mistakes, and the table of which gradient each mistake breaks.
Nothing here knows about graphgrad."""
import numpy as np

# ============================================================================ a learner's layers

def softmax(x):
    x = x - np.max(x, axis=-1, keepdims=True)  # the book's overflow guard
    return np.exp(x) / np.sum(np.exp(x), axis=-1, keepdims=True)


def cross_entropy_error(y, t):
    if y.ndim == 1:
        t = t.reshape(1, t.size)
        y = y.reshape(1, y.size)
    if t.size == y.size:  # one-hot -> labels
        t = t.argmax(axis=1)
    batch_size = y.shape[0]
    return -np.sum(np.log(y[np.arange(batch_size), t] + 1e-7)) / batch_size


class MulLayer:
    def __init__(self):
        self.x = None
        self.y = None

    def forward(self, x, y):
        self.x = x
        self.y = y
        return x * y

    def backward(self, dout):
        dx = dout * self.y
        dy = dout * self.x
        return dx, dy


class AddLayer:
    def forward(self, x, y):
        return x + y

    def backward(self, dout):
        return dout * 1, dout * 1


class Relu:
    def __init__(self):
        self.mask = None

    def forward(self, x):
        self.mask = (x <= 0)
        out = x.copy()
        out[self.mask] = 0
        return out

    def backward(self, dout):
        dout[self.mask] = 0
        dx = dout
        return dx


class Sigmoid:
    def __init__(self):
        self.out = None

    def forward(self, x):
        out = 1 / (1 + np.exp(-x))
        self.out = out
        return out

    def backward(self, dout):
        return dout * (1.0 - self.out) * self.out


class Affine:
    def __init__(self, W, b):
        self.W = W
        self.b = b
        self.x = None
        self.original_x_shape = None
        self.dW = None
        self.db = None

    def forward(self, x):
        self.original_x_shape = x.shape
        x = x.reshape(x.shape[0], -1)
        self.x = x
        return np.dot(self.x, self.W) + self.b

    def backward(self, dout):
        dx = np.dot(dout, self.W.T)
        self.dW = np.dot(self.x.T, dout)
        self.db = np.sum(dout, axis=0)
        return dx.reshape(*self.original_x_shape)


class SoftmaxWithLoss:
    def __init__(self):
        self.loss = None
        self.y = None
        self.t = None

    def forward(self, x, t):
        self.t = t
        self.y = softmax(x)
        self.loss = cross_entropy_error(self.y, self.t)
        return self.loss

    def backward(self, dout=1):
        batch_size = self.t.shape[0]
        if self.t.size == self.y.size:
            dx = (self.y - self.t) / batch_size
        else:
            dx = self.y.copy()
            dx[np.arange(batch_size), self.t] -= 1
            dx = dx / batch_size
        return dx


class BatchNormalization:
    def __init__(self, gamma, beta, momentum=0.9):
        self.gamma = gamma
        self.beta = beta
        self.momentum = momentum
        self.running_mean = None
        self.running_var = None
        self.batch_size = None
        self.xc = None
        self.std = None
        self.dgamma = None
        self.dbeta = None

    def forward(self, x, train_flg=True):
        if self.running_mean is None:
            N, D = x.shape
            self.running_mean = np.zeros(D)
            self.running_var = np.zeros(D)
        mu = x.mean(axis=0)
        xc = x - mu
        var = np.mean(xc ** 2, axis=0)
        std = np.sqrt(var + 10e-7)
        xn = xc / std
        self.batch_size = x.shape[0]
        self.xc = xc
        self.xn = xn
        self.std = std
        self.running_mean = self.momentum * self.running_mean + (1 - self.momentum) * mu
        self.running_var = self.momentum * self.running_var + (1 - self.momentum) * var
        return self.gamma * xn + self.beta

    def backward(self, dout):
        dbeta = dout.sum(axis=0)
        dgamma = np.sum(self.xn * dout, axis=0)
        dxn = self.gamma * dout
        dxc = dxn / self.std
        dstd = -np.sum((dxn * self.xc) / (self.std * self.std), axis=0)
        dvar = 0.5 * dstd / self.std
        dxc += (2.0 / self.batch_size) * self.xc * dvar
        dmu = np.sum(dxc, axis=0)
        dx = dxc - dmu / self.batch_size
        self.dgamma = dgamma
        self.dbeta = dbeta
        return dx


class Dropout:
    def __init__(self, dropout_ratio=0.5):
        self.dropout_ratio = dropout_ratio
        self.mask = None

    def forward(self, x, train_flg=True):
        self.mask = np.random.rand(*x.shape) > self.dropout_ratio
        return x * self.mask

    def backward(self, dout):
        return dout * self.mask


# ----------------------------------------------------------------------------- the mistakes

class MulNotSwapped(MulLayer):
    def backward(self, dout):
        return dout * self.x, dout * self.x  # dx should take y


class MulNoDout(MulLayer):
    def backward(self, dout):
        return self.y, dout * self.x  # dx forgot the upstream


class AddSignOfY(AddLayer):
    def backward(self, dout):
        return dout, -dout


class ReluNoMask(Relu):
    def backward(self, dout):
        return dout


class ReluInverted(Relu):
    def backward(self, dout):
        dout[~self.mask] = 0
        return dout


class ReluMaskFromDout(Relu):
    def backward(self, dout):
        dout[dout <= 0] = 0  # the mask of the wrong array
        return dout


class SigmoidForgotOneMinus(Sigmoid):
    def backward(self, dout):
        return dout * self.out


class SigmoidSign(Sigmoid):
    def backward(self, dout):
        return -dout * (1.0 - self.out) * self.out


class AffineWTransposed(Affine):
    def backward(self, dout):
        dx = super().backward(dout)
        self.dW = np.dot(dout.T, self.x)
        return dx


class AffineDbMean(Affine):
    def backward(self, dout):
        dx = super().backward(dout)
        self.db = np.mean(dout, axis=0)
        return dx


class AffineDxWithW(Affine):
    def backward(self, dout):
        super().backward(dout)
        return np.dot(dout, self.W)  # W square here: the shape fits, the values do not


class AffineDxFlat(Affine):
    def backward(self, dout):
        super().backward(dout)
        return np.dot(dout, self.W.T)  # not reshaped back to the image's shape


class SoftmaxNoBatch(SoftmaxWithLoss):
    def backward(self, dout=1):
        return super().backward(dout) * self.t.shape[0]


class SoftmaxSign(SoftmaxWithLoss):
    def backward(self, dout=1):
        return -super().backward(dout)


class BatchNormDbetaMean(BatchNormalization):
    def backward(self, dout):
        dx = super().backward(dout)
        self.dbeta = dout.mean(axis=0)
        return dx


class BatchNormDgammaNoXn(BatchNormalization):
    def backward(self, dout):
        dx = super().backward(dout)
        self.dgamma = np.sum(dout, axis=0)
        return dx


class BatchNormNoDmu(BatchNormalization):
    def backward(self, dout):
        super().backward(dout)
        dxn = self.gamma * dout
        dxc = dxn / self.std
        dstd = -np.sum((dxn * self.xc) / (self.std * self.std), axis=0)
        dvar = 0.5 * dstd / self.std
        return dxc + (2.0 / self.batch_size) * self.xc * dvar  # the mean's path left out


class DropoutNoMask(Dropout):
    def backward(self, dout):
        return dout


# ----------------------------------------------------------------------------- the table

def _inputs(kind, rng):
    if kind == "pair":
        return rng.normal(size=(4, 3)), rng.normal(size=(4, 3))
    if kind == "x":
        x = rng.normal(size=(4, 3))
        return (np.where(np.abs(x) < 0.05, 0.5, x),)  # no input at ReLU's kink
    if kind == "images":
        return (rng.normal(size=(4, 1, 2, 2)),)
    if kind == "labels":
        return rng.normal(size=(4, 3)), np.array([0, 2, 1, 2])
    if kind == "onehot":
        return rng.normal(size=(4, 3)), np.eye(3)[[1, 0, 2, 2]]
    return (rng.normal(size=(5, 3)),)


def _affine(cls, square=False):
    def make(rng):
        return cls(rng.normal(size=(4, 4) if square else (3, 4)), rng.normal(size=4))
    return make


def _bn(cls):
    return lambda rng: cls(rng.uniform(0.5, 1.5, 3), rng.normal(size=3))


def _plain(cls):
    return lambda rng: cls()


CASES = [  # (layer, inputs, the wrong rows, a phrase of the hint)
    (_plain(MulLayer), "pair", set(), None),
    (_plain(MulNotSwapped), "pair", {"dx"}, "MulLayer swaps"),
    (_plain(MulNoDout), "pair", {"dx"}, None),
    (_plain(AddLayer), "pair", set(), None),
    (_plain(AddSignOfY), "pair", {"dy"}, "sign"),
    (_plain(Relu), "x", set(), None),
    (_plain(ReluNoMask), "x", {"dx"}, "mask missing"),
    (_plain(ReluInverted), "x", {"dx"}, "inverted"),
    (_plain(ReluMaskFromDout), "x", {"dx"}, "wrong array"),
    (_plain(Sigmoid), "x", set(), None),
    (_plain(SigmoidForgotOneMinus), "x", {"dx"}, None),
    (_plain(SigmoidSign), "x", {"dx"}, "sign"),
    (_affine(Affine), "x", set(), None),
    (_affine(Affine, square=True), "images", set(), None),
    (_affine(AffineWTransposed), "x", {"dW"}, "transposed"),
    (_affine(AffineDbMean), "x", {"db"}, "a mean where a sum belongs"),
    (_affine(AffineDxWithW, square=True), "images", {"dx"}, "a transpose missing"),
    (_affine(AffineDxFlat, square=True), "images", {"dx"}, "wrong shape"),
    (_plain(SoftmaxWithLoss), "labels", set(), None),
    (_plain(SoftmaxWithLoss), "onehot", set(), None),
    (_plain(SoftmaxNoBatch), "labels", {"dx"}, "division by the batch size is missing"),
    (_plain(SoftmaxSign), "onehot", {"dx"}, "sign"),
    (_bn(BatchNormalization), "batch", set(), None),
    (_bn(BatchNormDbetaMean), "batch", {"dbeta"}, "mean where a sum"),
    (_bn(BatchNormDgammaNoXn), "batch", {"dgamma"}, "dbeta's formula"),
    (_bn(BatchNormNoDmu), "batch", {"dx"}, "through np.mean"),
    (_plain(Dropout), "x", set(), None),
    (_plain(DropoutNoMask), "x", {"dx"}, "mask missing"),
]


def _case_id(case):
    make, kind, wrong, _ = case
    return f"{make(np.random.default_rng(0)).__class__.__name__}-{kind}"


# ============================================================================ the exercise

def _exercise(n=3, seed=0):
    """The E資格 2-3-2 network, functional style, with a batch of n."""
    rng = np.random.default_rng(seed)
    params = {"W1": np.array([[0.1, 0.3, 0.5], [0.2, 0.4, 0.6]]),
              "b1": np.array([0.1, 0.2, 0.3]),
              "W2": np.array([[0.1, 0.4], [0.2, 0.5], [0.3, 0.6]]),
              "b2": np.array([0.1, 0.2])}
    x = rng.normal(size=(n, 2))
    d = np.eye(2)[rng.integers(0, 2, n)]
    return params, x, d


def _forward(p, x):
    z1 = np.maximum(0, np.dot(x, p["W1"]) + p["b1"])
    return z1, softmax(np.dot(z1, p["W2"]) + p["b2"])


def _backward(p, x, d, mistake=None):
    z1, y = _forward(p, x)
    grad = {}
    delta2 = (y - d) / x.shape[0]
    grad["b2"] = np.mean(delta2, axis=0) if mistake == "mean" else np.sum(delta2, axis=0)
    grad["W2"] = np.dot(delta2.T, z1) if mistake == "T" else np.dot(z1.T, delta2)
    back = np.dot(delta2, p["W2"].T)
    delta1 = back * np.where((back if mistake == "mask" else z1) > 0, 1, 0)
    grad["b1"] = np.sum(delta1, axis=0)
    grad["W1"] = np.dot(x.T, delta1)
    return grad


# ============================================================================ the network

class TwoLayerNet:
    """The book's TwoLayerNet, built from the layers above."""

    def __init__(self, sizes, rng, relu=Relu):
        i, h, o = sizes
        self.params = {"W1": 0.5 * rng.normal(size=(i, h)), "b1": 0.1 * rng.normal(size=h),
                       "W2": 0.5 * rng.normal(size=(h, o)), "b2": 0.1 * rng.normal(size=o)}
        self.layers = {"Affine1": Affine(self.params["W1"], self.params["b1"]),
                       "Relu1": relu(),
                       "Affine2": Affine(self.params["W2"], self.params["b2"])}
        self.lastLayer = SoftmaxWithLoss()

    def predict(self, x):
        for layer in self.layers.values():
            x = layer.forward(x)
        return x

    def loss(self, x, t):
        return self.lastLayer.forward(self.predict(x), t)

    def gradient(self, x, t):
        self.loss(x, t)
        dout = self.lastLayer.backward(1)
        for layer in reversed(list(self.layers.values())):
            dout = layer.backward(dout)
        return {"W1": self.layers["Affine1"].dW, "b1": self.layers["Affine1"].db,
                "W2": self.layers["Affine2"].dW, "b2": self.layers["Affine2"].db}
