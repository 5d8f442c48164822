"""The original package's ``mnist1d.data``: a faithful stand-in, side effects included.

Code written for the original package (PyPI ``mnist1d==0.0.2.post1``), such
as the *Understanding Deep Learning* notebooks, runs unchanged::

    import mnist1d
    args = mnist1d.data.get_dataset_args()
    data = mnist1d.data.get_dataset(args, path="./mnist1d_data.pkl", download=False, regenerate=False)

and gets the same numbers: the same arrays, the same file at ``path`` (a
pickle any client can open), and the same **global random state** afterwards.
The original seeds Python's ``random`` and NumPy's global generator with
``args.seed`` whenever it generates the data, and draws the dataset from the
global NumPy stream; later client code (random label noise, a random choice
of samples) depends on that state. This module therefore changes global
random state *exactly as the original does, in the same situations*:

======================================================  ==========================================
situation                                               ``random`` and ``np.random`` afterwards
======================================================  ==========================================
:func:`make_dataset`, or ``get_dataset`` generating     seeded with ``args.seed``, then advanced by
(``regenerate=True``; no file at ``path`` with          the dataset's draws (as the original)
``download=False``; a file that is not a pickle)
the file at ``path`` is used (or would be by the        untouched (the original loads it)
original: any complete pickle); ``download=True``
with no file (the original downloads)
======================================================  ==========================================

This is the only part of the package that touches global random state: the
modern API (:func:`mnist1d.make_dataset`, :class:`~mnist1d.DatasetConfig`,
:func:`mnist1d.load_mnist1d`, :mod:`mnist1d.cache`) never reads or changes it.

Differences from the original, all on the safe side:

* nothing is ever downloaded: ``download=True`` generates the data locally
  (the original's download gave the published file, which differs from
  freshly generated data only by rounding, below 1e-15);
* a file at ``path`` is unpickled only if it is the published file (checked
  by SHA-256); a file written by this package (or the original, same NumPy)
  is recognised by its bytes without unpickling (see
  :mod:`mnist1d.legacy_file`); any other file is replaced by regenerated
  data with one warning, never an error;
* a file made with other arguments is not returned for new ones (the data
  are regenerated for the new arguments);
* files are written atomically; ``download=True`` with ``regenerate=True``
  raises a ``ValueError`` (the original: an ``AssertionError``).

Example
-------
>>> args = get_dataset_args()
>>> args.num_samples, args.padding, args.url.endswith("mnist1d_data.pkl")
(5000, [36, 60], True)
>>> make_dataset(args)["x"].shape
(4000, 40)
"""

import random
import warnings
from pathlib import Path

import numpy as np

from . import generate
from .cache import CacheWarning, load_published_pickle
from .config import DatasetConfig
from .legacy_args import read_args
from .legacy_file import classify, dataset_bytes, looks_like_a_pickle
from .templates import get_templates
from .transform import transform  # noqa: F401 - the original module exports it
from .utils import ObjectView, from_pickle, set_seed, to_pickle, write_atomically  # noqa: F401 - likewise

__all__ = ["get_dataset_args", "get_templates", "make_dataset", "get_dataset"]

#: Where the original's published file lived; kept on ``args`` for compatibility, never fetched.
URL = "https://github.com/greydanus/mnist1d/raw/master/mnist1d_data.pkl"
#: ``get_dataset``'s file when no ``path`` is given (relative to the working directory).
DEFAULT_PATH = "./mnist1d_data.pkl"


def get_dataset_args(as_dict=False):
    """The published dataset's generation arguments, as an ``ObjectView`` (or a dict).

    A fresh object each call: change its attributes to make a variant.
    ``padding`` is a list and ``url`` the original's download address
    (unused: nothing is downloaded).

    Example
    -------
    >>> args = get_dataset_args()
    >>> args.seed, args["train_split"], type(args).__name__
    (42, 0.8, 'ObjectView')
    >>> sorted(get_dataset_args(as_dict=True))[:3]
    ['corr_noise_scale', 'final_seq_length', 'iid_noise_scale']
    """
    values = DatasetConfig().to_dict()
    values["url"] = URL
    return values if as_dict else ObjectView(values)


def make_dataset(args=None, template=None):
    """Generate the dataset for ``args``, seeding global random state like the original.

    Parameters
    ----------
    args : ObjectView, object or dict, optional
        As returned by :func:`get_dataset_args` (default: those arguments).
    template : dict, optional
        Digit templates like :func:`get_templates` returns.

    Returns
    -------
    dict
        ``x``, ``x_test``, ``y``, ``y_test``, ``t`` and ``templates``, in the
        original's order.

    Side effect: ``random`` and ``np.random`` are left exactly as the
    original leaves them (seeded with ``args.seed``, NumPy's advanced by the
    dataset's draws). Use :func:`mnist1d.make_dataset` for the pure version.

    Example
    -------
    >>> data = make_dataset()
    >>> list(data)
    ['x', 'x_test', 'y', 'y_test', 't', 'templates']
    """
    legacy = read_args(args)
    data, rng = _generate(legacy, template)
    _seed_globals_like_the_original(legacy, rng)
    return data


def get_dataset(args, path=None, verbose=True, download=True, regenerate=False, **kwargs):
    """Return the dataset for ``args``, using or writing the pickle at ``path``.

    Parameters
    ----------
    args : ObjectView, object or dict
        As returned by :func:`get_dataset_args`. Extra attributes are ignored
        with a warning; ``seed=None`` is accepted (not reproducible; warned).
    path : str or Path, optional
        The pickle file (default ``./mnist1d_data.pkl``). If it holds the data
        for ``args`` (verified without unpickling, see
        :mod:`mnist1d.legacy_file`) or is the published file and ``args`` are
        the default ones, it is used. Otherwise the data are generated and
        written there (atomically, as the original's ``to_pickle`` would),
        with a warning if a file was replaced.
    verbose : bool
        Print where the data came from.
    download : bool
        Nothing is downloaded. With no file at ``path``, the data are
        generated locally (as the original's download would have, the global
        random state is left untouched) and written to ``path``.
    regenerate : bool
        Generate and rewrite ``path`` whatever it holds.
    **kwargs
        ``template``: digit templates passed to :func:`make_dataset`.

    Returns
    -------
    dict
        As :func:`make_dataset`.

    Raises
    ------
    TypeError
        For a keyword argument other than ``template``.
    ValueError
        For an invalid argument value, or ``download`` and ``regenerate``
        both true.

    Side effects on ``random`` and ``np.random``: exactly the original's,
    see the table in :mod:`mnist1d.data`.

    Example
    -------
    >>> import os, tempfile
    >>> path = os.path.join(tempfile.mkdtemp(), "mnist1d_data.pkl")
    >>> args = get_dataset_args()
    >>> args.num_samples = 500
    >>> data = get_dataset(args, path=path, download=False)  # doctest: +ELLIPSIS
    Generated MNIST-1D and saved it to ...mnist1d_data.pkl
    >>> data = get_dataset(args, path=path, download=False)  # doctest: +ELLIPSIS
    Loaded MNIST-1D from ...mnist1d_data.pkl
    >>> data["x"].shape
    (400, 40)
    """
    unknown = sorted(set(kwargs) - {"template"})
    if unknown:
        raise TypeError(f"get_dataset() got unexpected keyword argument(s) {unknown}; only 'template' is accepted")
    if download and regenerate:
        raise ValueError("download and regenerate cannot both be true: download=True uses the file at path "
                         "(or generates it), regenerate=True always generates; pass download=False")
    template = kwargs.get("template")
    say = print if verbose else (lambda *a: None)
    legacy = read_args(args)
    path = Path(DEFAULT_PATH if path is None else path)
    data, rng = _generate(legacy, template)
    expected = dataset_bytes(data)

    if regenerate or not path.exists():
        if regenerate or not download:  # the original generates here, seeding the globals
            _seed_globals_like_the_original(legacy, rng)
        _write(expected, path)
        say(f"Generated MNIST-1D and saved it to {path}")
        return data

    kind = classify(path, expected if legacy.seed is not None else None,
                    published_allowed=legacy.is_default and template is None)
    if kind == "ours":
        say(f"Loaded MNIST-1D from {path}")
        return data
    if kind == "published":
        say(f"Loaded the published MNIST-1D from {path}")
        return _in_original_order(load_published_pickle(path))
    if not looks_like_a_pickle(path):  # the original fails to load it, so it generates
        _seed_globals_like_the_original(legacy, rng)
    warnings.warn(f"{path} does not hold the MNIST-1D data for these arguments, or cannot be verified "
                  "without unpickling it (which could run arbitrary code); it is replaced by the data "
                  "generated from args (identical to what a valid file would hold)", CacheWarning, stacklevel=2)
    _write(expected, path)
    say(f"Generated MNIST-1D and saved it to {path}")
    return data


def _generate(legacy, template):
    """Generate purely from a local RandomState; return the data and the spent RandomState."""
    rng = np.random.RandomState(legacy.config.seed)
    x, y, t, templates = generate.generate_unsplit(legacy.config, rng, templates=template)
    split = int(len(y) * legacy.train_split)
    data = {"x": x[:split], "x_test": x[split:], "y": y[:split], "y_test": y[split:], "t": t,
            "templates": templates if template is None else template}
    return data, rng


def _seed_globals_like_the_original(legacy, rng):
    """Leave ``random`` and ``np.random`` as the original's generation does.

    The original seeds both with ``args.seed`` and then draws the dataset
    from ``np.random``; ``rng`` was seeded alike and made the same draws.
    """
    random.seed(legacy.seed)
    np.random.set_state(rng.get_state())


def _write(payload, path):
    path.parent.mkdir(parents=True, exist_ok=True)
    write_atomically(payload, path)


def _in_original_order(data):
    return {key: data[key] for key in ("x", "x_test", "y", "y_test", "t", "templates")}
