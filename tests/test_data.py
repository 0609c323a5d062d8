"""Data pipelines: mixtures through tf.data, MNIST through tfds' manual-download path, clear errors."""
import numpy as np
import pytest

from zoo import data


def test_mixture_pipeline_batches_and_is_reproducible():
    a = next(iter(data.mixture_dataset("grid25", 64, num_examples=1000, seed=3))).numpy()
    b = next(iter(data.mixture_dataset("grid25", 64, num_examples=1000, seed=3))).numpy()
    assert a.shape == (64, 2) and np.array_equal(a, b)


def test_unknown_dataset_lists_known_ones():
    with pytest.raises(data.DataError, match="known datasets: .*ring8"):
        data.dataset("svhn", 8)


def test_unreachable_dataset_says_how_to_provide_it(tmp_path, monkeypatch):
    monkeypatch.setenv("MODE_ZOO_MANUAL_DIR", str(tmp_path / "nothing"))
    monkeypatch.setenv("MODE_ZOO_DATA_DIR", str(tmp_path / "tfds"))
    monkeypatch.setenv("MODE_ZOO_OFFLINE", "1")
    with pytest.raises(data.DataError, match="MODE_ZOO_MANUAL_DIR/mnist"):
        data.load_images("mnist")


def test_mnist_loads_offline_through_tfds():
    mdir = data.manual_dir()
    if mdir is None or not (mdir / "mnist").is_dir():
        pytest.skip("no MNIST manual-download folder (set MODE_ZOO_MANUAL_DIR)")
    images, labels = next(iter(data.load_images("mnist", "test", with_labels=True).batch(500)))
    images, labels = images.numpy(), labels.numpy()
    assert images.shape == (500, 28, 28, 1) and images.dtype == np.float32
    assert images.min() == -1.0 and images.max() == 1.0
    assert set(np.unique(labels)) == set(range(10))
