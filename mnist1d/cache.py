"""A safe on-disk cache for generated datasets.

* Files are ``.npz`` (loaded with ``allow_pickle=False``), never pickles.
* The file name carries a hash of the full config, and the file stores the
  config and a checksum of its arrays; a file that fails any check (corrupt,
  truncated, another config) is regenerated with a warning, never returned.
* Files are written atomically: to a temporary file in the same folder, then
  renamed over the target, so a crash never leaves a half-written cache.
* A pickle is unpickled only if it is byte-for-byte the published MNIST-1D
  file (checked by SHA-256), because unpickling runs arbitrary code.

Example
-------
>>> import tempfile, pathlib
>>> from mnist1d.cache import cached_dataset
>>> from mnist1d.config import DatasetConfig
>>> folder = pathlib.Path(tempfile.mkdtemp())
>>> data = cached_dataset(DatasetConfig(num_samples=100), folder / "mnist1d.npz")
>>> [p.suffix for p in folder.iterdir()]
['.npz']
"""

import hashlib
import io
import json
import os
import pickle
import tempfile
import warnings
import zipfile
from pathlib import Path

import numpy as np

from .config import DatasetConfig
from .generate import make_dataset

#: SHA-256 of the published ``mnist1d_data.pkl`` (the only pickle ever loaded).
PUBLISHED_PICKLE_SHA256 = "e95257676e9fb04568e46dda007da22cc8664ccba1451456afde55d7f6dd6aa5"
#: Bumped whenever the cache layout or the generator's output changes.
FORMAT_VERSION = 1
ARRAY_KEYS = ("x", "y", "x_test", "y_test", "t")
TEMPLATE_KEYS = ("x", "t", "y")


class CacheWarning(UserWarning):
    """A cache file was unusable and has been regenerated."""


def default_cache_dir():
    """``$MNIST1D_CACHE`` if set, else ``~/.cache/mnist1d``."""
    return Path(os.environ.get("MNIST1D_CACHE", Path.home() / ".cache" / "mnist1d"))


def cache_file(config, path=None):
    """The cache file for ``config``: ``<folder>/<stem>-<hash16>.npz``.

    ``path`` names the folder and stem (``data/mnist1d.npz`` ->
    ``data/mnist1d-<hash16>.npz``); default: the default cache folder.

    Example
    -------
    >>> cache_file(DatasetConfig(), "data/mnist1d_data.pkl").name
    'mnist1d_data-5c9c9f8289509c7b.npz'
    """
    path = default_cache_dir() / "mnist1d.npz" if path is None else Path(path)
    return path.with_name(f"{path.stem}-{config.digest()[:16]}.npz")


def cached_dataset(config, path=None, regenerate=False, verbose=False):
    """Return the dataset for ``config``, from the cache when it is valid.

    Parameters
    ----------
    config : DatasetConfig
    path : str or Path, optional
        Where the caller keeps the dataset. The cache file is
        :func:`cache_file`. If ``path`` itself exists it is used only if it
        is the published pickle (and ``config`` is the default one) or a
        valid cache file for ``config``; any other pickle is refused.
    regenerate : bool
        Ignore any cache and generate (the cache file is rewritten).
    verbose : bool
        Print where the data came from.
    """
    say = print if verbose else (lambda *a: None)
    if path is not None and Path(path).is_file() and not regenerate:
        data = _load_given_file(Path(path), config)
        if data is not None:
            say(f"Loaded MNIST-1D from {path}")
            return data
    target = cache_file(config, path)
    if target.exists() and not regenerate:
        try:
            data = load_npz(target, config)
        except ValueError as err:
            warnings.warn(f"regenerating unusable MNIST-1D cache {target}: {err}", CacheWarning, stacklevel=2)
        else:
            say(f"Loaded MNIST-1D from {target}")
            return data
    data = make_dataset(config)
    save_npz(data, config, target)
    say(f"Generated MNIST-1D and saved it to {target}")
    return data


def save_npz(data, config, target):
    """Write ``data`` to ``target`` atomically, with its config and checksum."""
    target = Path(target)
    target.parent.mkdir(parents=True, exist_ok=True)
    arrays = {key: np.asarray(data[key]) for key in ARRAY_KEYS}
    arrays.update({f"templates_{key}": np.asarray(data["templates"][key]) for key in TEMPLATE_KEYS})
    meta = {"format_version": FORMAT_VERSION, "config": config.to_dict(),
            "config_digest": config.digest(), "checksum": _checksum(arrays)}
    buffer = io.BytesIO()
    np.savez(buffer, meta=np.array(json.dumps(meta)), **arrays)
    write_atomically(buffer.getvalue(), target)


def write_atomically(payload, path):
    """Write ``payload`` (bytes) to ``path`` via a temporary file in the same folder and ``os.replace``,
    so a crash never leaves a half-written file."""
    path = Path(path)
    handle = tempfile.NamedTemporaryFile(dir=path.parent, prefix=f".{path.name}.", suffix=".tmp", delete=False)
    try:
        with handle:
            handle.write(payload)
            handle.flush()
            os.fsync(handle.fileno())
        os.chmod(handle.name, 0o644)  # a temporary file is private; the file it becomes is not
        os.replace(handle.name, path)
    except BaseException:
        Path(handle.name).unlink(missing_ok=True)
        raise


def load_npz(path, config):
    """Load a cache file, checking it belongs to ``config`` and is intact.

    Raises
    ------
    ValueError
        If the file is unreadable, for another config, or its checksum fails.
    """
    try:
        with np.load(path, allow_pickle=False) as npz:
            meta = json.loads(str(npz["meta"]))
            arrays = {key: np.array(npz[key]) for key in npz.files if key != "meta"}
    except (OSError, ValueError, KeyError, EOFError, zipfile.BadZipFile, json.JSONDecodeError) as err:
        raise ValueError(f"not a readable MNIST-1D cache file ({type(err).__name__}: {err})") from None
    if meta.get("format_version") != FORMAT_VERSION:
        raise ValueError(f"cache format {meta.get('format_version')} != {FORMAT_VERSION}")
    if meta.get("config_digest") != config.digest():
        raise ValueError(f"cache holds another config: {meta.get('config')}")
    if meta.get("checksum") != _checksum(arrays):
        raise ValueError("checksum mismatch (the file is corrupted)")
    data = {key: arrays[key] for key in ARRAY_KEYS}
    data["templates"] = {key: arrays[f"templates_{key}"] for key in TEMPLATE_KEYS}
    return data


def file_sha256(path):
    """Hex SHA-256 of a file's bytes."""
    digest = hashlib.sha256()
    with open(path, "rb") as handle:
        for chunk in iter(lambda: handle.read(1 << 20), b""):
            digest.update(chunk)
    return digest.hexdigest()


def load_published_pickle(path):
    """Load the published ``mnist1d_data.pkl`` after verifying its SHA-256.

    Raises
    ------
    ValueError
        If the file is not byte-for-byte the published one (it is then never
        unpickled).
    """
    sha = file_sha256(path)
    if sha != PUBLISHED_PICKLE_SHA256:
        raise ValueError(
            f"refusing to unpickle {path}: its SHA-256 is {sha}, not the published MNIST-1D file's "
            f"({PUBLISHED_PICKLE_SHA256}). Unpickling can run arbitrary code. Delete the file or pass "
            "another path; MNIST-1D is regenerated locally, identically, without it.")
    with open(path, "rb") as handle:
        raw = pickle.load(handle)  # safe: the bytes are exactly the published file's
    data = {key: np.asarray(raw[key]) for key in ARRAY_KEYS}
    data["templates"] = {key: np.asarray(raw["templates"][key]) for key in TEMPLATE_KEYS}
    return data


def _load_given_file(path, config):
    """Use a file the caller named, if it is safe and right for ``config``; else None."""
    if zipfile.is_zipfile(path):
        try:
            return load_npz(path, config)
        except ValueError:
            return None  # another config's cache or a damaged one: fall back to the keyed cache
    if file_sha256(path) == PUBLISHED_PICKLE_SHA256:
        return load_published_pickle(path) if config == DatasetConfig() else None
    return load_published_pickle(path)  # raises the refusal with its explanation


def _checksum(arrays):
    digest = hashlib.sha256()
    for key in sorted(arrays):
        array = np.ascontiguousarray(arrays[key])
        digest.update(f"{key}|{array.dtype.str}|{array.shape}|".encode())
        digest.update(array.tobytes())
    return digest.hexdigest()
