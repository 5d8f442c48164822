"""The transformation steps of MNIST-1D, vectorised over samples.

Every function takes a batch of signals of shape ``(n, length)`` (or one
signal of shape ``(length,)``) and returns a new array; none draws random
numbers. The random draws are made by :mod:`mnist1d.generate`, which passes
them in, so that each step can be shown and tested on its own.

Example
-------
>>> import numpy as np
>>> from mnist1d.transforms import resample, translate
>>> resample(np.array([0.0, 1.0]), 3).tolist()
[0.0, 0.5, 1.0]
>>> translate(np.array([[1.0, 2.0, 3.0]]), np.array([1])).tolist()
[[3.0, 1.0, 2.0]]
"""

import numpy as np
from scipy.ndimage import gaussian_filter1d

#: Value added to a template before padding, so that only padding is exactly 0.
TEMPLATE_OFFSET = 1e-8
#: Width (in points) of the Gaussian that smooths the correlated noise.
NOISE_SMOOTHING_SIGMA = 2


def resample(signal, new_length):
    """Linearly resample along the last axis; both grids uniform on [0, 1].

    Uses the same arithmetic as SciPy's linear ``interp1d``, so results agree
    with it to the last bit.

    Example
    -------
    >>> resample(np.array([[0.0, 2.0, 4.0]]), 5).tolist()
    [[0.0, 1.0, 2.0, 3.0, 4.0]]
    """
    signal = np.asarray(signal, dtype=np.float64)
    old = np.linspace(0, 1, signal.shape[-1])
    new = np.linspace(0, 1, new_length)
    lo = (np.searchsorted(old, new, side="right") - 1).clip(0, len(old) - 2)
    hi = lo + 1
    slope = (signal[..., hi] - signal[..., lo]) / (old[hi] - old[lo])
    out = slope * (new - old[lo]) + signal[..., lo]
    out[..., -1] = signal[..., -1]
    return out


def pad(template, num_zeros):
    """Append ``num_zeros`` zeros to a template (offset by 1e-8 so it is never 0).

    Example
    -------
    >>> pad(np.array([0.0, 1.0]), 2).tolist()
    [1e-08, 1.00000001, 0.0, 0.0]
    """
    template = np.asarray(template, dtype=np.float64)
    return np.concatenate([template + TEMPLATE_OFFSET, np.zeros(num_zeros)])


def dilate(signal, length):
    """Stretch a padded template to ``length`` points (a linear resampling).

    Example
    -------
    >>> dilate(np.array([1.0, 0.0]), 3).tolist()
    [1.0, 0.5, 0.0]
    """
    return resample(signal, length)


def padded_and_dilated(templates, labels, num_zeros, length):
    """Pad and dilate the template of every sample, sharing equal rows.

    A sample's dilated signal depends only on its ``(label, num_zeros)``
    pair, and there are few pairs (at most 10 x 25 by default), so each pair
    is computed once.

    Parameters
    ----------
    templates : ndarray (n_classes, template_points)
    labels, num_zeros : int arrays (n,)
        The template row of each sample and how many zeros to append to it.
    length : int
        Length after dilation.

    Returns
    -------
    rows : ndarray (n_pairs, length)
        The distinct dilated signals.
    index : int ndarray (n,)
        Sample ``i`` is ``rows[index[i]]``.

    Example
    -------
    >>> rows, index = padded_and_dilated(np.array([[0.0, 1.0]]), np.array([0, 0, 0]),
    ...                                  np.array([2, 0, 2]), 4)
    >>> rows.shape, index.tolist()
    ((2, 4), [1, 0, 1])
    """
    labels = np.asarray(labels, dtype=np.int64)
    num_zeros = np.asarray(num_zeros, dtype=np.int64)
    keys, index = np.unique(labels * (num_zeros.max() + 1) + num_zeros, return_inverse=True)
    pair_labels, pair_zeros = np.divmod(keys, num_zeros.max() + 1)
    rows = np.empty((len(keys), length))
    for zeros in np.unique(pair_zeros):
        same = np.flatnonzero(pair_zeros == zeros)
        padded = np.stack([pad(templates[label], zeros) for label in pair_labels[same]])
        rows[same] = dilate(padded, length)
    return rows, index.ravel()


def scale(signals, factors):
    """Multiply each signal by its amplitude factor (shape (n,))."""
    return signals * np.asarray(factors)[:, None]


def translate(signals, shifts, rows=None):
    """Circularly shift each signal right by its own shift, like ``np.roll``.

    Parameters
    ----------
    signals : ndarray (m, length)
    shifts : int array (n,)
    rows : int array (n,), optional
        Output ``i`` is ``signals[rows[i]]`` shifted by ``shifts[i]`` (a
        gather and a shift in one step); default ``rows = arange(m)``.

    Example
    -------
    >>> translate(np.array([[1.0, 2.0, 3.0]]), np.array([2, 0]), rows=np.array([0, 0])).tolist()
    [[2.0, 3.0, 1.0], [1.0, 2.0, 3.0]]
    """
    signals = np.asarray(signals)
    length = signals.shape[-1]
    rows = np.arange(len(signals)) if rows is None else np.asarray(rows)
    doubled = np.concatenate([signals, signals], axis=-1)
    windows = np.lib.stride_tricks.sliding_window_view(doubled, length, axis=-1)
    return windows[rows, length - np.asarray(shifts) % length]


def smooth_noise(noise, sigma=NOISE_SMOOTHING_SIGMA):
    """Smooth white noise into correlated noise (Gaussian filter per row)."""
    return gaussian_filter1d(noise, sigma, axis=-1)


def fill_padding(signals, fill):
    """Replace the padding (points exactly equal to 0) by ``fill``."""
    return np.where(signals == 0, fill, signals)


def shear(signals, slopes):
    """Subtract a linear trend ``slope * linspace(-0.5, 0.5, length)`` per signal."""
    ramp = np.linspace(-0.5, 0.5, signals.shape[-1])
    return signals - np.asarray(slopes)[:, None] * ramp
