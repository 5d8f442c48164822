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
