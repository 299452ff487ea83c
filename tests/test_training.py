"""autograd.training.train: the book's train_neuralnet.py loop as a function."""
import numpy as np
import pytest

from autograd.datasets import xor
from autograd.models import TwoLayerNet
from autograd.optimizers import SGD, Adam
from autograd.training import History, train

DATA = (xor(300, seed=0), xor(300, seed=1))


def net():
    return TwoLayerNet(2, 30, 2, weight_init_std=0.7, seed=0)


def test_the_books_loop_written_out_gives_the_same_network():
    # train_neuralnet.py, with the book's np.random.choice drawn from default_rng(seed)
    ours, theirs = net(), net()
    history = train(ours, SGD(lr=1.0), DATA, iters=120, batch_size=30, seed=4)
    (x_train, t_train), (x_test, t_test) = DATA
    rng, optimizer = np.random.default_rng(4), SGD(lr=1.0)
    iter_per_epoch = max(len(x_train) / 30, 1)
    losses, test_acc = [], []
    for i in range(120):
        batch_mask = rng.choice(len(x_train), 30)
        x_batch, t_batch = x_train[batch_mask], t_train[batch_mask]
        grads = theirs.gradient(x_batch, t_batch)
        losses.append(theirs.loss(x_batch, t_batch))  # before the update, as ours
        optimizer.update(theirs.params, grads)
        if i % iter_per_epoch == 0:
            test_acc.append(theirs.accuracy(x_test, t_test))
    for key in ours.params:
        np.testing.assert_array_equal(ours.params[key], theirs.params[key])
    # ours is the loss gradient()'s forward pass measured: no second forward pass
    np.testing.assert_allclose(history.loss, losses, rtol=1e-12)
    assert history.test_acc[:-1] == test_acc  # 12 epochs, then the last iteration
    assert len(history.test_acc) == 13 and history.iteration[-1] == 119


def test_history_counts_and_accuracy():
    history = train(net(), SGD(lr=1.0), DATA, iters=400, batch_size=30)
    assert history.iterations == 400 and len(history.loss) == 400
    assert history.iter_per_epoch == 10.0
    assert history.epoch[:3] == [0.0, 1.0, 2.0] and history.epoch[-1] == 39.9
    assert len(history.train_acc) == len(history.test_acc) == 41
    assert history.test_acc[-1] > 0.85 and all(isinstance(v, float) for v in history.loss)
    assert list(history.as_dict()) == ["loss", "epoch", "train_acc", "test_acc"]


def test_the_callback_runs_once_per_evaluation_and_can_save():
    seen, saved = [], []
    network = net()

    def callback(h):
        seen.append((h.iterations, h.test_acc[-1]))
        saved.append(network.params["W1"].copy())

    history = train(network, Adam(lr=0.01), DATA, iters=35, batch_size=30,
                    callback=callback, on_iteration=lambda h: None)
    assert [i for i, _ in seen] == [1, 11, 21, 31, 35]
    assert [a for _, a in seen] == history.test_acc
    np.testing.assert_array_equal(saved[-1], network.params["W1"])


def test_an_interrupt_leaves_the_history_so_far():
    history = History()

    def stop(h):
        if h.iterations == 25:
            raise KeyboardInterrupt

    with pytest.raises(KeyboardInterrupt):
        train(net(), SGD(lr=1.0), DATA, iters=1000, batch_size=30, on_iteration=stop,
              history=history)
    assert history.iterations == 25 and len(history.loss) == 25
    assert history.iteration == [0, 10, 20]


def test_same_seed_same_run_and_the_batch_is_at_most_the_data():
    a = train(net(), SGD(lr=1.0), DATA, iters=20, batch_size=1000, seed=1)
    b = train(net(), SGD(lr=1.0), DATA, iters=20, batch_size=1000, seed=1)
    assert a.loss == b.loss and a.iter_per_epoch == 1


@pytest.mark.parametrize("option", [dict(iters=0), dict(batch_size=-1), dict(iters=2.5),
                                    dict(batch_size=True)])
def test_bad_counts(option):
    with pytest.raises(ValueError, match="must be a positive integer"):
        train(net(), SGD(), DATA, **option)


def test_batch_norm_test_is_the_books_experiment():
    """batch_norm_test (ch06/batch_norm_test.py): the two networks on the same batches,
    one accuracy per epoch each, the first after one iteration; at a tiny weight scale
    the signals vanish without Batch Norm (chance: 1/3 on three spirals) and not with it."""
    from autograd.datasets import spiral
    from autograd.training import WEIGHT_SCALES, batch_norm_test
    assert len(WEIGHT_SCALES) == 16 and WEIGHT_SCALES[0] == 1.0
    assert WEIGHT_SCALES[-1] == pytest.approx(1e-4)
    x, t = spiral(100, 3, seed=0)
    seen = []
    r = batch_norm_test(x, t, (1e-3,), epochs=10, batch_size=30, lr=0.1, hidden=(20,) * 5,
                        callback=lambda *a: seen.append(a))
    assert r["weight_scales"] == [1e-3] and len(seen) == 1
    bn, plain = r["batchnorm"][0], r["plain"][0]
    assert len(bn) == len(plain) == 10 and seen[0][2:] == (bn, plain)
    assert plain == [pytest.approx(1 / 3)] * 10
    assert bn[-1] > 0.8
