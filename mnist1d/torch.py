"""Deprecated alias of :mod:`mnist1d.dataset` (a module named ``torch`` inside the package shadows PyTorch's name).

Example
-------
>>> from mnist1d.torch import MNIST1D
>>> import mnist1d.dataset
>>> MNIST1D is mnist1d.dataset.MNIST1D
True
"""

from .dataset import CLASS_NAMES, MNIST1D

__all__ = ["MNIST1D", "CLASS_NAMES"]
