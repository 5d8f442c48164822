"""Checking the pickle at ``get_dataset(..., path=...)`` without unpickling it.

Unpickling runs arbitrary code, so :func:`mnist1d.data.get_dataset` never
unpickles a file it cannot verify. It verifies a file by its bytes:

* a file is **ours** when its bytes are exactly those :func:`mnist1d.utils.to_pickle`
  writes for the requested arguments. Generation is deterministic and fast
  (0.1 s for the default 5,000 samples), so the data are generated and
  pickled in memory and compared byte for byte; the file is then never read
  as a pickle at all (its content *is* the data just generated). A file the
  original package wrote with the same NumPy passes this check too, since
  both write the same bytes.
* a file is **published** when its SHA-256 is the published
  ``mnist1d_data.pkl``'s (:data:`mnist1d.cache.PUBLISHED_PICKLE_SHA256`); it
  is then loaded (safe: the bytes are known).

Anything else is unverified. :func:`looks_like_a_pickle` tells whether the
original package would have managed to load it (a complete pickle stream),
which decides the global random state the compatibility layer leaves; it
only disassembles the opcodes (:func:`pickletools.genops`), which imports
and calls nothing.

Example
-------
>>> import os, tempfile
>>> import numpy as np
>>> folder = tempfile.mkdtemp()
>>> path = os.path.join(folder, "d.pkl")
>>> payload = dataset_bytes({"x": np.zeros(3)})
>>> with open(path, "wb") as handle:
...     _ = handle.write(payload)
>>> classify(path, payload, published_allowed=False), looks_like_a_pickle(path)
('ours', True)
>>> classify(path, dataset_bytes({"x": np.ones(3)}), published_allowed=False)
'unverified'
"""

import os
import pickle
import pickletools

from .cache import PUBLISHED_PICKLE_SHA256, file_sha256
from .utils import PICKLE_PROTOCOL

__all__ = ["dataset_bytes", "classify", "looks_like_a_pickle"]


def dataset_bytes(data):
    """The bytes ``to_pickle(data, path)`` writes (the original's protocol, 3)."""
    return pickle.dumps(data, protocol=PICKLE_PROTOCOL)


def classify(path, expected, published_allowed):
    """Say what the file at ``path`` is: ``"ours"``, ``"published"`` or ``"unverified"``.

    Parameters
    ----------
    path : str or Path
        An existing file.
    expected : bytes
        What this package would write for the requested arguments.
    published_allowed : bool
        Whether the published file is right for the requested arguments
        (the default ones).
    """
    size = os.path.getsize(path)
    if expected is not None and size == len(expected):
        with open(path, "rb") as handle:
            if handle.read() == expected:
                return "ours"
    if published_allowed and file_sha256(path) == PUBLISHED_PICKLE_SHA256:
        return "published"
    return "unverified"


def looks_like_a_pickle(path):
    """True if the file holds a complete pickle stream (read as opcodes, never unpickled)."""
    try:
        with open(path, "rb") as handle:
            last = None
            for last, _, _ in pickletools.genops(handle):
                pass
    except Exception:  # noqa: BLE001 - any parse failure of arbitrary bytes means "not a pickle"
        return False
    return last is not None and last.name == "STOP"
