"""`graphgrad train --batchnorm` (viz.cli.batchnorm_test): the book's batch_norm_test.py
and its figure 6-19."""
import json

import numpy as np
import pytest

from tests.viz.cli.helpers import run
from viz.cli import batchnorm_test


def test_the_plot_is_the_books_grid(tmp_path):
    """Figure 6-19's shape: a 4 × 4 grid of panels, accuracy 0 to 1 over 20 epochs."""
    pytest.importorskip("matplotlib")
    from PIL import Image
    rng = np.random.default_rng(0)
    result = {"weight_scales": [float(w) for w in np.logspace(0, -4, 16)],
              "batchnorm": rng.uniform(0, 1, (16, 20)).tolist(),
              "plain": rng.uniform(0, 1, (16, 20)).tolist()}
    path = batchnorm_test.plot(tmp_path / "batchnorm.png", result)
    with Image.open(path) as im:
        assert im.size == (1000, 920)


def test_the_scales_are_the_books_spread_from_1_to_1e_4():
    assert batchnorm_test._scales(16)[0] == 1.0 and len(batchnorm_test._scales(16)) == 16
    assert batchnorm_test._scales(16)[-1] == pytest.approx(1e-4)
    two = batchnorm_test._scales(2)
    assert two == [1.0, pytest.approx(1e-4)]


def test_train_batchnorm_on_mnist(capsys, tmp_path, mnist_dir):
    """Two of the book's scales, end to end: at W = 1e-4 the network without Batch Norm
    does not learn (its signals vanish), the one with it does."""
    pytest.importorskip("matplotlib")
    out = tmp_path / "bn"
    code, text, _ = run(capsys, "train", "--batchnorm", "--scales", "2", "--data-dir",
                        str(mnist_dir), "--out", str(out))
    assert code == 0, text
    assert "2 weight scales, 1000 training images, 5 hidden layers of 100, SGD lr=0.01" in text
    result = json.loads((out / "batchnorm.json").read_text(encoding="utf-8"))
    assert result["weight_scales"] == [1.0, pytest.approx(1e-4)]
    assert all(len(a) == 20 for a in result["batchnorm"] + result["plain"])
    assert result["batchnorm"][1][-1] > 0.3 > result["plain"][1][-1]
    assert (out / "batchnorm.png").stat().st_size > 10_000


def test_an_empty_data_dir_is_said_as_train_says_it(capsys, tmp_path, monkeypatch):
    """The experiment loads MNIST through train's own loader: a --data-dir without the
    files is named, never answered with 'pass --data-dir DIR'."""
    monkeypatch.delenv("GRAPHGRAD_MNIST_DIR", raising=False)
    (tmp_path / "empty").mkdir()
    args = ["--data-dir", str(tmp_path / "empty"), "--out", str(tmp_path / "out")]
    _, _, bn = run(capsys, "train", "--batchnorm", *args)
    _, _, plain = run(capsys, "train", "--no-progress", *args)
    assert "pass --data-dir" not in bn
    assert bn.split(": error: ")[1] == plain.split(": error: ")[1]


def test_the_threads_option_limits_blas_for_the_experiment(capsys, tmp_path, monkeypatch):
    """--threads is taken and used as train uses it (it was accepted and ignored)."""
    import contextlib

    import autograd.training
    import viz.cli.train
    seen = []

    def blas_threads(n):
        seen.append(n)
        return contextlib.nullcontext()

    def experiment(x, t, scales, **options):
        seen.append("ran")
        return {"weight_scales": scales, "batchnorm": [[0.5] * 20] * len(scales),
                "plain": [[0.1] * 20] * len(scales)}

    monkeypatch.setattr(viz.cli.train, "blas_threads", blas_threads)
    monkeypatch.setattr(autograd.training, "batch_norm_test", experiment)
    monkeypatch.setattr(batchnorm_test, "_load", lambda args, log: (np.zeros((4, 784)),
                                                                    np.zeros(4, int)))
    monkeypatch.setattr(batchnorm_test, "plot", lambda path, result: path)
    code, text, err = run(capsys, "train", "--batchnorm", "--scales", "1", "--threads",
                          "2", "--out", str(tmp_path / "out"))
    assert code == 0, err
    assert seen == [2, "ran"]
