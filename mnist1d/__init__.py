"""MNIST-1D: a 40-dimensional, procedurally generated stand-in for MNIST.

Importing the package needs only NumPy and SciPy; PyTorch is imported only by
:mod:`mnist1d.dataset` (and the model/trainer modules), matplotlib only by
:mod:`mnist1d.plotting`.

Example
-------
>>> import mnist1d
>>> data = mnist1d.make_dataset()  # the published dataset, exactly
>>> data["x"].shape, data["y"][:5].tolist()
((4000, 40), [2, 6, 4, 5, 6])
"""

from .config import DatasetConfig
from .generate import make_dataset
from .loaders import load_mnist1d
from .templates import get_templates

__version__ = "0.1.0"
__all__ = ["DatasetConfig", "make_dataset", "load_mnist1d", "get_templates", "__version__"]
