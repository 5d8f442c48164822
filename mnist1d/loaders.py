"""A scikit-learn style loader: ``load_mnist1d``.

Example
-------
>>> from mnist1d import load_mnist1d
>>> X, y = load_mnist1d(return_X_y=True)
>>> X.shape, y.shape
((4000, 40), (4000,))
>>> bunch = load_mnist1d(split="test")
>>> bunch.data.shape, bunch.target_names[:3]
((1000, 40), ['0', '1', '2'])
"""

import numpy as np

from .config import DatasetConfig
from .generate import make_dataset

SPLITS = ("train", "test", "all")


class Bunch(dict):
    """A dict whose keys are also attributes (like ``sklearn.utils.Bunch``)."""

    def __getattr__(self, key):
        try:
            return self[key]
        except KeyError:
            raise AttributeError(key) from None


def load_mnist1d(*, split="train", return_X_y=False, config=None, **overrides):
    """Load MNIST-1D as arrays, scikit-learn style.

    Parameters
    ----------
    split : {"train", "test", "all"}
        Which part; ``"all"`` stacks train then test.
    return_X_y : bool
        Return ``(X, y)`` instead of a :class:`Bunch`.
    config : DatasetConfig or dict, optional
        Generation parameters (default: the published dataset).
    **overrides
        Any :class:`~mnist1d.DatasetConfig` field, e.g. ``shuffle_seq=True``.

    Returns
    -------
    Bunch with ``data`` (n, 40) float64, ``target`` (n,) int64, ``t``,
    ``feature_names``, ``target_names``, ``config`` and ``DESCR``; or ``(X, y)``.
    """
    if split not in SPLITS:
        raise ValueError(f"split must be one of {SPLITS}, got {split!r}")
    cfg = DatasetConfig.from_args(config, **overrides)
    data = make_dataset(cfg)
    if split == "train":
        X, y = data["x"], data["y"]
    elif split == "test":
        X, y = data["x_test"], data["y_test"]
    else:
        X, y = np.concatenate([data["x"], data["x_test"]]), np.concatenate([data["y"], data["y_test"]])
    if return_X_y:
        return X, y
    return Bunch(
        data=X,
        target=y,
        t=data["t"],
        feature_names=[f"x{i}" for i in range(X.shape[1])],
        target_names=[str(label) for label in data["templates"]["y"]],
        config=cfg,
        DESCR=f"MNIST-1D ({split} split): {len(y)} samples of length {X.shape[1]}, 10 digit classes.",
    )
