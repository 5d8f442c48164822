"""The original package's ``mnist1d.utils``: seeding, pickles, args objects, a plot.

Part of the compatibility layer (see :mod:`mnist1d.data`): the names,
signatures and behaviour are the original's, so code written for it runs
unchanged. Two deliberate differences, both on the safe side:
:func:`to_pickle` writes atomically (a crash never leaves half a file), and
:func:`plot_signals` imports matplotlib only when it is called.

:func:`set_seed` changes global random state on purpose: that is what the
original does and what client code relies on. The modern API
(:func:`mnist1d.make_dataset` and friends) never touches global state.

Example
-------
>>> import random, numpy as np
>>> set_seed(0)
>>> first = (random.random(), np.random.rand())
>>> set_seed(0)
>>> first == (random.random(), np.random.rand())
True
>>> args = ObjectView({"seed": 3})
>>> args.seed, args["seed"]
(3, 3)
"""

import pickle
import random

import numpy as np

from .cache import write_atomically
from .transform import transform  # noqa: F401 - the original's utils exports it too

__all__ = ["set_seed", "to_pickle", "from_pickle", "ObjectView", "plot_signals"]

#: The pickle protocol the original writes with.
PICKLE_PROTOCOL = 3


def set_seed(seed):
    """Seed Python's ``random`` and NumPy's global generator with ``seed``.

    Exactly ``random.seed(seed); np.random.seed(seed)``; ``None`` seeds both
    from the operating system's entropy.
    """
    random.seed(seed)
    np.random.seed(seed)


def to_pickle(thing, path):
    """Pickle ``thing`` to ``path`` (protocol 3, like the original), atomically.

    The bytes go to a temporary file in the same folder, which then replaces
    ``path`` in one step: a reader never sees a half-written file.

    Example
    -------
    >>> import tempfile, os
    >>> path = os.path.join(tempfile.mkdtemp(), "thing.pkl")
    >>> to_pickle({"a": [1, 2]}, path)
    >>> from_pickle(path)
    {'a': [1, 2]}
    """
    write_atomically(pickle.dumps(thing, protocol=PICKLE_PROTOCOL), path)


def from_pickle(path):
    """Unpickle and return the object stored at ``path`` (like ``pickle.load``).

    As with ``pickle.load``, only call it on files you trust: unpickling can
    run arbitrary code. (:func:`mnist1d.data.get_dataset` never unpickles a
    file it cannot verify; this function does what its caller asks.)
    """
    with open(path, "rb") as handle:
        return pickle.load(handle)




class ObjectView:
    """A dict seen as an object: ``ObjectView(d).key`` is ``d["key"]``.

    The dict *is* the object's ``__dict__`` (changing one changes the other),
    as in the original. Item access (``view["key"]``) works too.

    Example
    -------
    >>> d = {"num_samples": 5000}
    >>> view = ObjectView(d)
    >>> view.num_samples = 10
    >>> d["num_samples"], vars(view) is d
    (10, True)
    """

    def __init__(self, d):
        self.__dict__ = d

    def __getitem__(self, key):
        return self.__dict__[key]

    def __setitem__(self, key, value):
        self.__dict__[key] = value


def plot_signals(xs, t, labels=None, args=None, ratio=2.6, do_transform=False, dark_mode=False, zoom=1):
    """Plot the first ten signals of ``xs`` side by side, as the original does.

    Each signal is drawn as a stroke (value across, coordinate ``t`` down);
    ``labels`` titles the panels; ``do_transform=True`` first applies
    :func:`mnist1d.transform.transform` with ``args`` (drawing from NumPy's
    global generator); ``dark_mode`` draws white dots on black. Calls
    ``plt.show()`` and returns the figure.

    Example
    -------
    >>> import matplotlib
    >>> matplotlib.use("Agg")
    >>> from mnist1d import get_templates
    >>> templates = get_templates()
    >>> len(plot_signals(templates["x"], templates["t"], labels=templates["y"]).axes)
    10
    """
    import matplotlib.pyplot as plt  # here, so that importing mnist1d never imports matplotlib

    if do_transform and args is None:
        raise ValueError("plot_signals(do_transform=True) needs args (e.g. mnist1d.data.get_dataset_args())")
    rows, cols = 1, 10
    fig = plt.figure(figsize=[cols * 1.5, rows * 1.5 * ratio], dpi=60)
    for ix in range(rows * cols):
        ax = plt.subplot(rows, cols, ix + 1)
        x, coords = xs[ix], t
        if do_transform:
            x, coords = transform(x, coords, args)
        if dark_mode:
            ax.plot(x, coords, "wo", linewidth=6)
            ax.set_facecolor("k")
        else:
            ax.plot(x, coords, "k-", linewidth=2)
        if labels is not None:
            ax.set_title(f"label={labels[ix]}", fontsize=22)
        ax.set_xlim(-zoom, zoom)
        ax.set_ylim(-zoom, zoom)
        ax.invert_yaxis()
        ax.set_xticks([])
        ax.set_yticks([])
    fig.subplots_adjust(wspace=0, hspace=0)
    fig.tight_layout()
    plt.show()
    return fig
