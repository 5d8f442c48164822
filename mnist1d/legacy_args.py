"""Reading the original package's ``args`` objects, as leniently as the original.

The original's functions take an ``ObjectView`` of generation arguments and
accept some values that :class:`~mnist1d.config.DatasetConfig` (the modern,
strict API) rejects. :func:`read_args` turns such an object into a
:class:`LegacyArgs`: a valid ``DatasetConfig`` for everything that shapes the
samples, plus the two values the compatibility layer handles itself:

* ``train_split`` may be any number in [0, 1]: ``1.0`` gives an empty test
  set, ``0.0`` an empty training set, as in the original.
* ``seed`` may be ``None``: the data are then not reproducible (a warning
  says so), as in the original.

Extra attributes (say ``args.device`` set by a notebook) are ignored with a
warning; ``url`` (the original's download address) is ignored silently,
since nothing is downloaded. Invalid values raise the ``ValueError`` of
``DatasetConfig``, which names the parameter and its allowed range.

Example
-------
>>> from mnist1d.data import get_dataset_args
>>> args = get_dataset_args()
>>> args.train_split = 1.0
>>> legacy = read_args(args)
>>> legacy.train_split, legacy.seed, legacy.config.num_samples
(1.0, 42, 5000)
"""

import dataclasses
import math
import numbers
import secrets
import warnings

from .config import FIELDS, DatasetConfig, args_as_dict

#: Attributes of the original's args that play no part here.
IGNORED_SILENTLY = ("url",)
#: Used for the ``DatasetConfig`` when ``train_split`` is outside what it accepts
#: (the split is then made by the compatibility layer, not by the config).
PLACEHOLDER_SPLIT = 0.5


class NotReproducibleWarning(UserWarning):
    """``seed=None``: the data differ from run to run."""


@dataclasses.dataclass(frozen=True)
class LegacyArgs:
    """Generation arguments read from an original-style ``args`` object.

    Attributes
    ----------
    config : DatasetConfig
        Everything that shapes the samples. Its ``seed`` is the one to
        generate with (drawn from the OS's entropy when ``seed`` is None).
    train_split : float
        Fraction of samples in the training set, in [0, 1].
    seed : int or None
        The seed as given; None means "not reproducible".
    """

    config: DatasetConfig
    train_split: float
    seed: object

    @property
    def is_default(self):
        """True if these are the published dataset's arguments."""
        default = DatasetConfig()
        return (self.seed == default.seed and self.train_split == default.train_split
                and self.config.replace(train_split=default.train_split) == default)


def read_args(args=None):
    """Read ``args`` (an ``ObjectView``, any object with attributes, a dict, or None).

    Missing attributes take the published dataset's defaults.

    Raises
    ------
    ValueError
        If a value is invalid (the message names it and the allowed range).

    Example
    -------
    >>> read_args({"num_samples": 300, "padding": [30, 50]}).config.padding
    (30, 50)
    >>> read_args({"num_samples": 0})
    Traceback (most recent call last):
    ...
    ValueError: num_samples must be an integer >= 10, got 0
    """
    values = args_as_dict(args)
    extra = sorted(key for key in values
                   if key not in FIELDS and key not in IGNORED_SILENTLY and not str(key).startswith("_"))
    if extra:
        warnings.warn(f"ignoring argument(s) {extra}: MNIST-1D generation uses only {list(FIELDS)}",
                      UserWarning, stacklevel=3)
    fields = {key: values[key] for key in FIELDS if key in values}
    train_split = _train_split(fields.pop("train_split", DatasetConfig.train_split))
    seed = fields.pop("seed", DatasetConfig.seed)
    if seed is None:
        warnings.warn("seed=None: this MNIST-1D dataset is not reproducible (it changes from run to run); "
                      "set args.seed to an integer to make it so", NotReproducibleWarning, stacklevel=3)
        generation_seed = secrets.randbits(32)
    else:
        generation_seed = seed
    try:
        config = DatasetConfig(train_split=train_split, seed=generation_seed, **fields)
    except ValueError as err:
        if "train_split" not in str(err):
            raise
        config = DatasetConfig(train_split=PLACEHOLDER_SPLIT, seed=generation_seed, **fields)
    return LegacyArgs(config=config, train_split=train_split, seed=config.seed if seed is not None else None)


def _train_split(value):
    if isinstance(value, bool) or not isinstance(value, numbers.Real) or not math.isfinite(value) \
            or not 0 <= value <= 1:
        raise ValueError(f"train_split must be a number in [0, 1], got {value!r}")
    return float(value)
