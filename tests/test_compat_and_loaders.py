"""The original package's API, the sklearn-style loader and the torch Dataset."""

import inspect

import numpy as np
import pytest
import torch

import mnist1d
from mnist1d import data as compat
from mnist1d.dataset import MNIST1D


def test_compat_functions_return_the_original_structure():
    args = compat.get_dataset_args()
    assert compat.get_dataset_args(as_dict=True)["num_samples"] == args.num_samples == 5000
    args.num_samples = 1000
    data = compat.make_dataset(args)
    assert list(data) == ["x", "x_test", "y", "y_test", "t", "templates"]  # the original's order
    assert data["x"].shape == (800, 40) and data["x"].dtype == np.float64 and data["y"].dtype == np.int64
    assert sorted(compat.get_templates()) == ["t", "x", "y"]
    assert str(inspect.signature(compat.get_dataset)) == \
        "(args, path=None, verbose=True, download=True, regenerate=False, **kwargs)"


def test_compat_accepts_the_originals_url_field():
    args = compat.get_dataset_args()
    args.url = "https://example.invalid/mnist1d_data.pkl"  # the original's args carry a URL
    assert compat.make_dataset(args)["x"].shape == (4000, 40)


def test_load_mnist1d():
    X, y = mnist1d.load_mnist1d(return_X_y=True)
    assert X.shape == (4000, 40) and y.shape == (4000,)
    bunch = mnist1d.load_mnist1d(split="all", num_samples=500)
    assert bunch.data.shape == (500, 40) and bunch.feature_names[0] == "x0"
    assert bunch.config.num_samples == 500
    with pytest.raises(ValueError, match=r"split must be one of \('train', 'test', 'all'\), got 'val'"):
        mnist1d.load_mnist1d(split="val")


def test_torch_dataset():
    train, test = MNIST1D(train=True), MNIST1D(train=False)
    assert len(train) == 4000 and len(test) == 1000
    x, y = train[0]
    assert x.dtype == torch.float32 and x.shape == (40,) and y == 2
    assert train.classes[0] == "0 - zero" and len(train.classes) == 10
    assert np.allclose(train.data.numpy(), mnist1d.make_dataset()["x"].astype(np.float32))
    assert "Number of datapoints: 4000" in repr(train)


def test_torch_dataset_transforms_and_cache(tmp_path):
    ds = MNIST1D(root=tmp_path, train=False, config={"num_samples": 300, "seed": 1},
                 transform=lambda x: x * 2, target_transform=lambda y: y + 100)
    x, y = ds[3]
    assert torch.allclose(x, ds.data[3] * 2) and y == int(ds.targets[3]) + 100
    assert len(list(tmp_path.glob("mnist1d-*.npz"))) == 1
    assert "Config changes" in repr(ds)


def test_mnist1d_torch_is_an_alias_of_mnist1d_dataset():
    import mnist1d.dataset
    import mnist1d.torch
    assert mnist1d.torch.MNIST1D is mnist1d.dataset.MNIST1D
