"""Drop-in compatibility with the original ``mnist1d.data`` module.

Code written for the original package keeps working::

    from mnist1d.data import get_dataset_args, get_dataset
    args = get_dataset_args()
    args.num_samples = 10_000
    data = get_dataset(args, path="./mnist1d_data.pkl", download=False, regenerate=False)

Differences, all on the safe side: nothing is ever downloaded
(``download=True`` regenerates the canonical data locally, identical to the
published file); the cache is an ``.npz`` keyed by the config's hash (see
:mod:`mnist1d.cache`); a pickle is loaded only if it is the published file;
and no global random state is touched.

Example
-------
>>> args = get_dataset_args()
>>> args.num_samples, args.padding
(5000, (36, 60))
>>> make_dataset(args)["x"].shape
(4000, 40)
"""

import dataclasses
import types

from . import generate
from .cache import cached_dataset
from .config import DatasetConfig
from .templates import get_templates

__all__ = ["get_dataset_args", "make_dataset", "get_templates", "get_dataset"]


def get_dataset_args(as_dict=False):
    """The default generation arguments, as a mutable object (or a dict).

    Example
    -------
    >>> get_dataset_args(as_dict=True)["seed"]
    42
    """
    values = dataclasses.asdict(DatasetConfig())
    return values if as_dict else types.SimpleNamespace(**values)


def make_dataset(args=None, template=None):
    """Generate the dataset for ``args`` (default arguments if None).

    ``template`` optionally replaces the digit templates (a dict like
    :func:`get_templates` returns).
    """
    return generate.make_dataset(_config(args), templates=template)


def get_dataset(args=None, path=None, verbose=False, download=True, regenerate=False, **kwargs):
    """Load the dataset for ``args`` from the cache, generating it if needed.

    Parameters
    ----------
    args : object or dict, optional
        As returned by :func:`get_dataset_args` (default arguments if None).
    path : str, optional
        Where to keep it; the cache file is ``<path stem>-<config hash>.npz``
        beside it. An existing file at ``path`` is used only if it is the
        published ``mnist1d_data.pkl`` (verified by SHA-256) or a valid cache.
    verbose : bool
        Print where the data came from.
    download : bool
        Accepted for compatibility. Nothing is downloaded: the canonical
        data is regenerated locally and is identical to the published file.
    regenerate : bool
        Regenerate even if a valid cache exists.
    """
    unknown = sorted(kwargs)
    if unknown:
        raise TypeError(f"get_dataset() got unexpected keyword argument(s) {unknown}")
    return cached_dataset(_config(args), path=path, regenerate=regenerate, verbose=verbose)


def _config(args):
    if isinstance(args, DatasetConfig) or args is None:
        return DatasetConfig() if args is None else args
    values = dict(args) if isinstance(args, dict) else dict(vars(args))
    values.pop("url", None)  # the original's download address; nothing is downloaded here
    return DatasetConfig.from_args(values)
