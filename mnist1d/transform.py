"""The original package's ``mnist1d.transform``: one sample at a time, global RNG.

Part of the compatibility layer (see :mod:`mnist1d.data`). Each function
has the original's name and signature and draws its random numbers from
NumPy's *global* generator (``np.random``), in the original's order, so that
after ``np.random.seed(s)`` it returns the same numbers and leaves the same
global state. :func:`transform` applies every step to one template.

The dataset generator itself does not use this module: :mod:`mnist1d.generate`
draws from a local ``RandomState`` and transforms whole blocks at once with
:mod:`mnist1d.transforms` (plural), which gives the same numbers.

Example
-------
>>> import numpy as np
>>> from mnist1d import get_templates
>>> from mnist1d.data import get_dataset_args
>>> templates = get_templates()
>>> np.random.seed(0)
>>> x, t = transform(templates["x"][3], templates["t"], get_dataset_args())
>>> x.shape, t.shape
((40,), (40,))
>>> interpolate(np.array([0.0, 2.0]), 3).tolist()
[0.0, 1.0, 2.0]
"""

import numpy as np
from scipy.ndimage import gaussian_filter

from . import transforms

__all__ = ["pad", "shear", "translate", "corr_noise_like", "iid_noise_like", "interpolate", "transform"]


def pad(x, padding: tuple):
    """Append a random number of zeros, drawn uniformly from ``low..high``.

    Parameters
    ----------
    x : ndarray (length,) or (rows, length)
        Padded along its last axis.
    padding : (int, int)
        ``(low, high)``, both included. Draws one ``np.random.rand()``.

    Example
    -------
    >>> np.random.seed(0)
    >>> pad(np.ones(2), (1, 3)).tolist()
    [1.0, 1.0, 0.0, 0.0]
    """
    low, high = padding
    count = low + int(np.random.rand() * (high - low + 1))
    x = np.asarray(x)
    return np.concatenate([x, np.zeros(x.shape[:-1] + (count,))], axis=-1)


def shear(x, scale=10):
    """Subtract a random linear trend ``c * linspace(-0.5, 0.5, len(x))``.

    ``c = scale * (U - 0.5)`` with one ``np.random.rand()``.
    """
    slope = scale * (np.random.rand() - 0.5)
    return x - slope * np.linspace(-0.5, 0.5, len(x))


def translate(x, max_translation):
    """Shift ``x`` circularly along its first axis by ``k = np.random.choice(max_translation)``.

    As in the original, a draw ``k >= len(x)`` leaves ``x`` unshifted.

    Example
    -------
    >>> np.random.seed(1)
    >>> translate(np.array([1.0, 2.0, 3.0]), 3).tolist()
    [3.0, 1.0, 2.0]
    """
    k = np.random.choice(max_translation)
    x = np.asarray(x)
    return np.roll(x, k if k < len(x) else 0, axis=0)


def corr_noise_like(x, scale):
    """Smooth Gaussian noise shaped like ``x``: ``scale * randn``, Gaussian filter (sigma 2)."""
    noise = scale * np.random.randn(*np.shape(x))
    return gaussian_filter(noise, transforms.NOISE_SMOOTHING_SIGMA)


def iid_noise_like(x, scale):
    """White Gaussian noise shaped like ``x``: ``scale * np.random.randn(*x.shape)``."""
    return scale * np.random.randn(*np.shape(x))


def interpolate(x, N):
    """Resample ``x`` linearly to ``N`` points along its first axis (grids uniform on [0, 1]).

    The same numbers as SciPy's linear ``interp1d``; draws nothing.
    """
    x = np.asarray(x, dtype=np.float64)
    return np.moveaxis(transforms.resample(np.moveaxis(x, 0, -1), N), -1, 0)


def transform(x, y, args, eps=1e-8):
    """Turn template ``x`` with coordinates ``y`` into one MNIST-1D sample.

    Pad, dilate, scale, translate, fill the padding with correlated noise,
    add white noise, shear, and resample to ``args.final_seq_length``. The
    random draws come from ``np.random`` in the original's order.

    Returns
    -------
    new_x, new_y : ndarray (final_seq_length,)
        The sample and its (resampled) coordinates.
    """
    length = args.template_len + args.padding[-1]
    new_x = interpolate(pad(x + eps, args.padding), length)
    new_y = interpolate(y, length)
    new_x = new_x * (1 + args.scale_coeff * (np.random.rand() - 0.5))
    new_x = translate(new_x, args.max_translation)
    new_x = transforms.fill_padding(new_x, corr_noise_like(new_x, args.corr_noise_scale))
    new_x = new_x + iid_noise_like(new_x, args.iid_noise_scale)
    new_x = shear(new_x, args.shear_scale)
    return interpolate(new_x, args.final_seq_length), interpolate(new_y, args.final_seq_length)
