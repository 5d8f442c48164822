"""`DatasetConfig`: every knob of MNIST-1D generation, validated.

The defaults are those of the published dataset. Each field is checked when
the config is made, and a bad value raises a ``ValueError`` that names the
field and the allowed range.

Example
-------
>>> from mnist1d.config import DatasetConfig
>>> DatasetConfig().num_samples
5000
>>> DatasetConfig(num_samples=100_000, seed=0).seed
0
>>> DatasetConfig(train_split=1.5)
Traceback (most recent call last):
...
ValueError: train_split must be a real number in the open interval (0, 1), got 1.5
"""

import dataclasses
import hashlib
import json
import numbers

from .checks import integer, real

FIELDS = (
    "num_samples",
    "train_split",
    "template_len",
    "padding",
    "scale_coeff",
    "max_translation",
    "corr_noise_scale",
    "iid_noise_scale",
    "shear_scale",
    "shuffle_seq",
    "final_seq_length",
    "seed",
)


@dataclasses.dataclass(frozen=True)
class DatasetConfig:
    """Parameters of an MNIST-1D dataset (defaults: the published one).

    Parameters
    ----------
    num_samples : int
        Total samples, train and test together; ``num_samples // 10`` are
        made per digit, so at least 10.
    train_split : float
        Fraction of samples in the training set, in (0, 1).
    template_len : int
        Nominal template length; a padded template is dilated to
        ``template_len + padding[1]`` points.
    padding : tuple of two ints
        ``(low, high)``: number of zeros appended to a template is drawn
        uniformly from ``low..high``.
    scale_coeff : float
        Amplitude is multiplied by ``1 + scale_coeff * (U - 0.5)``; in [0, 2).
    max_translation : int
        Circular shift drawn from ``0..max_translation - 1``; at most the
        dilated length ``template_len + padding[1]``.
    corr_noise_scale : float
        Scale of the smoothed (correlated) noise that fills the padding.
    iid_noise_scale : float
        Scale of the white noise added everywhere.
    shear_scale : float
        Scale of the random linear trend subtracted from each sample.
    shuffle_seq : bool
        If true, permute the 40 spatial positions with one fixed permutation
        (destroys spatial structure; used for the "shuffled" benchmark).
    final_seq_length : int
        Length of each sample after the final resampling (>= 2).
    seed : int
        Seed of the local ``numpy.random.RandomState``; 0 <= seed < 2**32.

    Example
    -------
    >>> DatasetConfig(shuffle_seq=True).replace(seed=1).seed
    1
    """

    num_samples: int = 5000
    train_split: float = 0.8
    template_len: int = 12
    padding: tuple = (36, 60)
    scale_coeff: float = 0.4
    max_translation: int = 48
    corr_noise_scale: float = 0.25
    iid_noise_scale: float = 2e-2
    shear_scale: float = 0.75
    shuffle_seq: bool = False
    final_seq_length: int = 40
    seed: int = 42

    def __post_init__(self):
        set_ = object.__setattr__
        set_(self, "num_samples", integer("num_samples", self.num_samples, low=10))
        set_(self, "template_len", integer("template_len", self.template_len, low=1))
        set_(self, "max_translation", integer("max_translation", self.max_translation, low=1))
        set_(self, "final_seq_length", integer("final_seq_length", self.final_seq_length, low=2))
        set_(self, "seed", integer("seed", self.seed, low=0, high=2**32 - 1))
        set_(self, "padding", _padding(self.padding))
        for name in ("corr_noise_scale", "iid_noise_scale", "shear_scale"):
            set_(self, name, real(name, getattr(self, name), low=0))
        set_(self, "scale_coeff", real("scale_coeff", self.scale_coeff, 0, 2, high_open=True))
        set_(self, "train_split", real("train_split", self.train_split, 0, 1, low_open=True, high_open=True))
        if not isinstance(self.shuffle_seq, (bool, numbers.Integral)) or self.shuffle_seq not in (0, 1):
            raise ValueError(f"shuffle_seq must be True or False, got {self.shuffle_seq!r}")
        set_(self, "shuffle_seq", bool(self.shuffle_seq))
        if self.template_len + self.padding[1] < 2:
            raise ValueError("template_len + padding[1] must be at least 2 (the dilated length), "
                             f"got {self.template_len} + {self.padding[1]}")
        if self.max_translation > self.dilated_len:
            raise ValueError(
                f"max_translation must be in [1, template_len + padding[1]] = [1, {self.dilated_len}] "
                f"(a circular shift by the signal's length or more is not a new shift), got {self.max_translation}")
        n_train = self.num_train
        if n_train == 0 or n_train == self.num_total:
            raise ValueError(
                f"train_split={self.train_split} with num_samples={self.num_samples} leaves "
                f"{n_train} training and {self.num_total - n_train} test samples; both must be non-empty")

    @property
    def num_total(self):
        """Samples actually made: ``10 * (num_samples // 10)``."""
        return 10 * (self.num_samples // 10)

    @property
    def num_train(self):
        """Size of the training split: ``int(num_total * train_split)``."""
        return int(self.num_total * self.train_split)

    @property
    def dilated_len(self):
        """Length of a sample between dilation and final resampling (72 by default)."""
        return self.template_len + self.padding[1]

    def replace(self, **changes):
        """Return a copy with some fields changed (validated again)."""
        return dataclasses.replace(self, **changes)

    def to_dict(self):
        """Plain dict of the fields, JSON-serialisable."""
        d = dataclasses.asdict(self)
        d["padding"] = list(self.padding)
        return d

    def digest(self):
        """A stable hex hash of every field, used to key caches.

        Example
        -------
        >>> DatasetConfig().digest() == DatasetConfig().digest() != DatasetConfig(seed=0).digest()
        True
        """
        text = json.dumps(self.to_dict(), sort_keys=True)
        return hashlib.sha256(text.encode()).hexdigest()

    @classmethod
    def from_args(cls, args=None, **overrides):
        """Make a config from a dict, an argparse/`get_dataset_args()` object, or a config.

        Unknown keys are rejected so that a typo cannot silently fall back to
        a default.
        """
        values = {**args_as_dict(args), **overrides}
        unknown = sorted(set(values) - set(FIELDS))
        if unknown:
            raise ValueError(f"unknown dataset parameter(s) {unknown}; allowed: {list(FIELDS)}")
        return cls(**values)


def args_as_dict(args):
    """The arguments in ``args`` (None, a dict, a config, or an object with attributes) as a new dict.

    Example
    -------
    >>> import types
    >>> args_as_dict(types.SimpleNamespace(seed=3, _private=1))
    {'seed': 3}
    """
    if args is None:
        return {}
    if isinstance(args, DatasetConfig):
        return args.to_dict()
    if isinstance(args, dict):
        return dict(args)
    return {key: value for key, value in vars(args).items() if not key.startswith("_")}


def _padding(value):
    try:
        low, high = value
    except (TypeError, ValueError):
        raise ValueError(f"padding must be a pair (low, high) of integers, got {value!r}") from None
    low = integer("padding[0]", low, low=0)
    high = integer("padding[1]", high, low=0)
    if low > high:
        raise ValueError(f"padding must satisfy padding[0] <= padding[1], got ({low}, {high})")
    return (low, high)
