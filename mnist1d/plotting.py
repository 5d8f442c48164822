"""Figures of MNIST-1D signals (imports matplotlib; the data modules do not).

A signal is drawn the way the paper draws it, as a pen stroke: its value on
the horizontal axis and its coordinate running down the vertical axis, so a
template looks like a handwritten digit.

Example
-------
>>> import matplotlib
>>> matplotlib.use("Agg")
>>> from mnist1d import get_templates
>>> from mnist1d.plotting import plot_templates
>>> fig = plot_templates(get_templates())
>>> len(fig.axes)
10
"""

import matplotlib.pyplot as plt
import numpy as np

#: One colour per digit, reused by every chapter's figures.
DIGIT_COLORS = plt.get_cmap("tab10").colors


def plot_stroke(ax, x, t, label=None, color="black", **style):
    """Draw one signal ``x`` at coordinates ``t`` as a vertical stroke on ``ax``.

    The coordinate axis is inverted so the stroke runs top to bottom.
    """
    style = {"linewidth": 2, **style}
    ax.plot(x, t, color=color, **style)
    if not ax.yaxis_inverted():
        ax.invert_yaxis()
    if label is not None:
        ax.set_title(str(label))
    ax.set_xticks([])
    ax.set_yticks([])
    return ax


def plot_templates(templates, axes=None):
    """One stroke per digit template, in a row.

    Parameters
    ----------
    templates : dict
        As returned by :func:`mnist1d.get_templates` (``x``, ``t``, ``y``).
    """
    n = len(templates["x"])
    if axes is None:
        fig, axes = plt.subplots(1, n, figsize=(1.3 * n, 2.6), sharex=True, sharey=True)
    for ax, x, y in zip(np.ravel(axes), templates["x"], templates["y"]):
        plot_stroke(ax, x, templates["t"], label=y, color=DIGIT_COLORS[int(y) % 10], marker=".")
    fig = np.ravel(axes)[0].figure
    fig.tight_layout()
    return fig


def plot_examples(x, y, t, per_class=4, classes=range(10)):
    """A grid of samples: one column per class, ``per_class`` rows.

    Samples are the first ``per_class`` of each class in ``x`` (the data are
    already shuffled, so these are random examples).
    """
    classes = list(classes)
    fig, axes = plt.subplots(per_class, len(classes), figsize=(1.1 * len(classes), 1.5 * per_class),
                             sharex=True, sharey=True, squeeze=False)
    for col, label in enumerate(classes):
        rows = np.flatnonzero(np.asarray(y) == label)[:per_class]
        for row, index in enumerate(rows):
            plot_stroke(axes[row, col], x[index], t, color=DIGIT_COLORS[label % 10],
                        label=label if row == 0 else None)
    fig.tight_layout()
    return fig


def plot_band(ax, x, values, label=None, color=None, alpha=0.2, **style):
    """Draw the mean over seeds as a line and mean ± one standard deviation as a shaded band.

    Parameters
    ----------
    ax : matplotlib Axes
    x : array (points,)
        Horizontal positions.
    values : array (points, seeds)
        One column per seed (a 1-D array is one seed: no band width).
    label, color : optional
        Of the line (and the band's colour); ``style`` goes to ``ax.plot``.
    alpha : float
        Opacity of the band.

    Returns the line. The standard deviation is the population one
    (``ddof=0``), as ``np.std``.

    Example
    -------
    >>> import matplotlib
    >>> matplotlib.use("Agg")
    >>> fig, ax = plt.subplots()
    >>> line = plot_band(ax, [1, 2, 3], [[0.5, 0.7], [0.6, 0.8], [0.7, 0.9]], label="CNN", color="C0")
    >>> line.get_ydata().tolist(), line.get_label()
    ([0.6, 0.7, 0.8], 'CNN')
    """
    x, values = np.asarray(x, dtype=float), np.asarray(values, dtype=float)
    values = values[:, None] if values.ndim == 1 else values
    if x.ndim != 1 or values.ndim != 2 or len(values) != len(x):
        raise ValueError(f"values must have shape (points, seeds) with points = len(x) = {len(x)}, "
                         f"got shape {values.shape}")
    mean, std = values.mean(axis=1), values.std(axis=1)
    (line,) = ax.plot(x, mean, label=label, color=color, **style)
    ax.fill_between(x, mean - std, mean + std, color=line.get_color(), alpha=alpha, linewidth=0)
    return line
