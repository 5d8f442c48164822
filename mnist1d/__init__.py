"""MNIST-1D: a 40-dimensional, procedurally generated stand-in for MNIST.

Importing the package needs only NumPy and SciPy; PyTorch is imported only by
:mod:`mnist1d.dataset` (and the model/trainer modules), matplotlib only by
:mod:`mnist1d.plotting` (and :func:`plot_signals` when called). Those
submodules load on first use (``mnist1d.models.CNN()`` works right after
``import mnist1d``).

Two APIs:

* the modern one, pure (it never reads or changes global random state):
  :func:`make_dataset`, :class:`DatasetConfig`, :func:`load_mnist1d`;
* the original package's (PyPI ``mnist1d==0.0.2.post1``), a faithful
  stand-in including its side effects on global random state:
  :mod:`mnist1d.data`, :mod:`mnist1d.utils`, :mod:`mnist1d.transform` and
  the top-level names :func:`get_dataset`, :func:`get_dataset_args`,
  :func:`get_templates`, :func:`set_seed`, :func:`to_pickle`,
  :func:`from_pickle`, :class:`ObjectView`, :func:`plot_signals` and
  :func:`transform` (as in the original, ``mnist1d.transform`` is the
  function; ``from mnist1d.transform import pad`` reaches the module).

Example
-------
>>> import mnist1d
>>> data = mnist1d.make_dataset()  # the published dataset, exactly
>>> data["x"].shape, data["y"][:5].tolist()
((4000, 40), [2, 6, 4, 5, 6])
>>> mnist1d.get_dataset_args().num_samples
5000
"""

import importlib

from . import data, utils
from .config import DatasetConfig
from .data import get_dataset, get_dataset_args
from .generate import make_dataset
from .loaders import load_mnist1d
from .templates import get_templates
from .transform import transform
from .utils import ObjectView, from_pickle, plot_signals, set_seed, to_pickle

__version__ = "0.5.4"
__all__ = [
    "DatasetConfig", "make_dataset", "load_mnist1d", "get_templates", "__version__",
    # the original package's names
    "get_dataset", "get_dataset_args", "set_seed", "to_pickle", "from_pickle", "ObjectView", "plot_signals",
    "transform",
]

#: Submodules loaded on first attribute access (they import torch or matplotlib).
LAZY_SUBMODULES = ("checks", "claims", "dataset", "ensemble", "functional", "history", "models", "plotting", "probes",
                   "torch", "train")


def __getattr__(name):
    """Import a heavy submodule on first use (PEP 562)."""
    if name in LAZY_SUBMODULES:
        return importlib.import_module(f"{__name__}.{name}")
    raise AttributeError(f"module {__name__!r} has no attribute {name!r}")


def __dir__():
    return sorted(set(globals()) | set(LAZY_SUBMODULES))
