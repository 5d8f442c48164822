"""The ten hand-drawn digit templates that every MNIST-1D sample starts from.

Each template is a 12-point 1-D stroke. :func:`get_templates` returns them
normalised the way the published dataset uses them: zero mean, unit
(population) standard deviation, shifted to start at 0, and divided by 6.

Example
-------
>>> from mnist1d.templates import get_templates
>>> templates = get_templates()
>>> templates["x"].shape, templates["t"].shape, templates["y"].tolist()
((10, 12), (12,), [0, 1, 2, 3, 4, 5, 6, 7, 8, 9])
>>> float(templates["x"][3, 0])  # every template starts at 0
0.0
"""

import numpy as np

#: Raw template values, one row per digit 0..9 (before normalisation).
RAW_TEMPLATES = np.array(
    [
        [5, 6, 6.5, 6.75, 7, 7, 7, 7, 6.75, 6.5, 6, 5],
        [5, 3, 3, 3.4, 3.8, 4.2, 4.6, 5, 5.4, 5.8, 5, 5],
        [5, 6, 6.5, 6.5, 6, 5.25, 4.75, 4, 3.5, 3.5, 4, 5],
        [5, 6, 6.5, 6.5, 6, 5, 5, 6, 6.5, 6.5, 6, 5],
        [5, 4.4, 3.8, 3.2, 2.6, 2.6, 5, 5, 5, 5, 5, 5],
        [5, 3, 3, 3, 3, 5, 6, 6.5, 6.5, 6, 4.5, 5],
        [5, 4, 3.5, 3.25, 3, 3, 3, 3, 3.25, 3.5, 4, 5],
        [5, 7, 7, 6.6, 6.2, 5.8, 5.4, 5, 4.6, 4.2, 5, 5],
        [5, 4, 3.5, 3.5, 4, 5, 5, 4, 3.5, 3.5, 4, 5],
        [5, 4, 3.5, 3.5, 4, 5, 5, 5, 5, 4.7, 4.3, 5],
    ],
    dtype=np.float64,
)


def normalise_templates(raw):
    """Normalise template rows: standardise, start each at 0, divide by 6.

    Parameters
    ----------
    raw : array_like of shape (n_classes, length)
        One template per row.

    Returns
    -------
    numpy.ndarray of shape (n_classes, length)

    Example
    -------
    >>> import numpy as np
    >>> normalise_templates(np.array([[1.0, 2.0, 3.0]])).round(3).tolist()
    [[0.0, 0.204, 0.408]]
    """
    x = np.asarray(raw, dtype=np.float64)
    x = x - x.mean(axis=1, keepdims=True)
    x = x / x.std(axis=1, keepdims=True)
    x = x - x[:, :1]
    return x / 6.0


def get_templates():
    """Return the normalised digit templates as a dict.

    Returns
    -------
    dict
        ``x``: float64 array (10, 12), one template per digit;
        ``t``: float64 array (12,), the coordinate of each point,
        ``linspace(-5, 5, 12) / 6``; ``y``: int64 array of the digits 0..9.

    Example
    -------
    >>> get_templates()["x"].shape
    (10, 12)
    """
    return {
        "x": normalise_templates(RAW_TEMPLATES),
        "t": np.linspace(-5, 5, RAW_TEMPLATES.shape[1]) / 6.0,
        "y": np.arange(len(RAW_TEMPLATES), dtype=np.int64),
    }
