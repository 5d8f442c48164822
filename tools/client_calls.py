"""Client-style call sequences, run the same way under either ``mnist1d``.

The differential tests describe what a client does as a list of JSON steps
and run it twice: under the original package (in the reference worker, see
``reference.py``) and under this project's. :func:`run_sequence` imports
whichever ``mnist1d`` comes first on ``sys.path``, so this file must not
import it at module level.

Steps (dicts with an ``"op"``):

* ``{"op": "get_dataset", "args": {...}, "path": "name.pkl" | None, "kwargs": {...},
  "template": "scaled" | None}``: ``mnist1d.data.get_dataset`` on a fresh
  ``get_dataset_args()`` with those changes (``"device": "cpu"`` and the like
  are set too); ``path`` is relative to the work folder (None: the default,
  in the work folder, which is the working directory meanwhile);
* ``{"op": "make_dataset", "args": {...}}``: ``mnist1d.data.make_dataset``;
* ``{"op": "write", "path": "name", "content": "empty" | "garbage" | "other_pickle" | "truncate"}``:
  put an odd file at ``path`` (``truncate`` halves the file already there);
* ``{"op": "client_draws"}``: what client code does next (label noise with
  ``random``, a sample choice with ``np.random``); the numbers are recorded;
* ``{"op": "transforms", "seed": s}``: ``set_seed(s)`` then every function of
  ``mnist1d.transform`` on a template, 1-D and 2-D.

Before the first step both global generators are seeded with
:data:`CLIENT_SEED`, so a step that leaves them untouched is visible. After
every step the record holds the returned arrays and keys, the states of
``random`` and ``np.random``, the file at the step's path (SHA-256 and its
arrays loaded with plain ``pickle``) and the warnings and error raised.
:func:`save_records` / :func:`load_records` carry records between processes
as ``.npz`` + JSON (no pickles).
"""

import contextlib
import hashlib
import importlib
import json
import os
import pickle
import random
import warnings
from pathlib import Path

import numpy as np

CLIENT_SEED = 2024
DEFAULT_FILE = "mnist1d_data.pkl"
DATA_KEYS = ("x", "x_test", "y", "y_test", "t")


def run_sequence(steps, workdir):
    """Run ``steps`` with ``workdir`` as the working directory; return one record per step."""
    import mnist1d  # whichever implementation this process has

    workdir = Path(workdir)
    records = []
    random.seed(CLIENT_SEED)
    np.random.seed(CLIENT_SEED)
    with _working_directory(workdir):
        for step in steps:
            record = {"op": step["op"], "arrays": {}, "keys": None, "error": None, "file": None}
            with warnings.catch_warnings(record=True) as caught:
                warnings.simplefilter("always")
                try:
                    _run_step(mnist1d, step, workdir, record)
                except Exception as err:  # the record says which error; the caller compares
                    record["error"] = type(err).__name__
            record["warnings"] = sorted({type(w.message).__name__ for w in caught
                                         if not issubclass(w.category, DeprecationWarning)})
            record["random_state"] = _python_state()
            record["numpy_state"] = np.random.get_state()
            records.append(record)
    return records


def _run_step(mnist1d, step, workdir, record):
    op = step["op"]
    if op in ("get_dataset", "make_dataset"):
        args = mnist1d.data.get_dataset_args()
        for key, value in step.get("args", {}).items():
            setattr(args, key, value)
        kwargs = dict(step.get("kwargs", {}))
        if step.get("template") == "scaled":
            templates = mnist1d.data.get_templates()
            templates["x"] = templates["x"] * 1.5
            kwargs["template"] = templates
        if op == "make_dataset":
            data = mnist1d.data.make_dataset(args, **kwargs)
        else:
            path = step.get("path")
            data = mnist1d.data.get_dataset(args, path=None if path is None else str(workdir / path), **kwargs)
        record["keys"] = list(data)
        record["arrays"] = _dataset_arrays(data)
        record["file"] = _file_record(workdir / (step.get("path") or DEFAULT_FILE))
    elif op == "write":
        target = workdir / step["path"]
        content = step["content"]
        if content == "truncate":
            target.write_bytes(target.read_bytes()[: target.stat().st_size // 2])
        else:
            target.write_bytes({"empty": b"", "garbage": b"this is not a pickle\n",
                                "other_pickle": pickle.dumps({"x": [1, 2, 3]}, protocol=2)}[content])
    elif op == "client_draws":
        noise = [random.random() < 0.1 for _ in range(50)]  # label noise, as in the UDL notebooks
        record["arrays"] = {"label_noise": np.array(noise), "label": np.array([random.randint(0, 9)]),
                            "choice": np.random.choice(1000, size=8, replace=False),
                            "normal": np.random.randn(3)}
    elif op == "transforms":
        record["arrays"] = _transform_outputs(mnist1d, step["seed"])
    else:
        raise ValueError(f"unknown step {op!r}")


def public_names(modules=("mnist1d", "mnist1d.data", "mnist1d.utils", "mnist1d.transform")):
    """``{module: {name: "function (signature)" or "class (signature)"}}`` for the public
    functions and classes of each module (submodules and imported modules left out)."""
    import inspect

    names = {}
    for module_name in modules:
        module = importlib.import_module(module_name)
        entries = {}
        for name, value in vars(module).items():
            if name.startswith("_") or not (inspect.isfunction(value) or inspect.isclass(value)):
                continue
            if not getattr(value, "__module__", "").startswith("mnist1d"):
                continue  # imported from elsewhere (numpy, scipy...)
            kind = "class" if inspect.isclass(value) else "function"
            try:
                entries[name] = f"{kind} {inspect.signature(value)}"
            except ValueError:  # a class without an inspectable signature (an exception type)
                entries[name] = kind
        names[module_name] = entries
    return names


def _transform_outputs(mnist1d, seed):
    T = importlib.import_module("mnist1d.transform")  # noqa: N806 - the module; mnist1d.transform is the function

    mnist1d.utils.set_seed(seed)
    templates = mnist1d.data.get_templates()
    x, t = templates["x"][4], templates["t"]
    args = mnist1d.data.get_dataset_args()
    grid = np.stack([x, x[::-1], 2 * x])
    out = {}
    out["transform_x"], out["transform_t"] = mnist1d.transform(x, t, args)
    out["pad"], out["pad_2d"] = T.pad(x, (3, 9)), T.pad(grid, (1, 4))
    out["shear"], out["shear_default"] = T.shear(x, 0.75), T.shear(x)
    out["translate"], out["translate_long"] = T.translate(x, 5), T.translate(x, 40)
    out["translate_2d"] = T.translate(grid.T, 3)
    out["corr"], out["corr_2d"] = T.corr_noise_like(x, 0.25), T.corr_noise_like(grid, 0.5)
    out["iid"], out["iid_2d"] = T.iid_noise_like(x, 0.1), T.iid_noise_like(grid, 0.1)
    out["interpolate"], out["interpolate_2d"] = T.interpolate(x, 40), T.interpolate(grid.T, 7)
    out["transform_eps"] = T.transform(x, t, args, eps=1e-3)[0]
    return out


def _dataset_arrays(data):
    arrays = {key: np.asarray(data[key]) for key in DATA_KEYS}
    arrays.update({f"templates_{key}": np.asarray(data["templates"][key]) for key in ("x", "t", "y")})
    return arrays


def _file_record(path):
    if not path.is_file():
        return None
    payload = path.read_bytes()
    record = {"sha256": hashlib.sha256(payload).hexdigest(), "keys": None}
    try:
        loaded = pickle.loads(payload)  # a file this test's own run just wrote
        record["keys"] = list(loaded)
        record["arrays"] = _dataset_arrays(loaded)
    except Exception as err:  # an odd file the sequence wrote on purpose
        record["error"] = type(err).__name__
    return record


def _python_state():
    version, internal, gauss = random.getstate()
    return [version, list(internal), gauss]


@contextlib.contextmanager
def _working_directory(folder):
    previous = os.getcwd()
    os.chdir(folder)
    try:
        yield
    finally:
        os.chdir(previous)


def save_records(records, path):
    """Write records to ``path`` (an ``.npz``: arrays, plus the rest as JSON)."""
    arrays, meta = {}, []
    for i, record in enumerate(records):
        entry = {key: value for key, value in record.items() if key not in ("arrays", "numpy_state", "file")}
        for name, array in record["arrays"].items():
            arrays[f"{i}/{name}"] = array
        name, keys, pos, has_gauss, cached = record["numpy_state"]
        arrays[f"{i}/_numpy_keys"] = keys
        entry["numpy_state"] = [name, int(pos), int(has_gauss), float(cached)]
        entry["file"] = None
        if record["file"] is not None:
            entry["file"] = {key: value for key, value in record["file"].items() if key != "arrays"}
            for name, array in record["file"].get("arrays", {}).items():
                arrays[f"{i}/_file/{name}"] = array
        meta.append(entry)
    np.savez(path, _meta=np.array(json.dumps(meta)), **arrays)


def load_records(path):
    """Read what :func:`save_records` wrote (the same structure, JSON-normalised)."""
    with np.load(path, allow_pickle=False) as npz:
        meta = json.loads(str(npz["_meta"]))
        stored = {key: npz[key] for key in npz.files if key != "_meta"}
    for i, entry in enumerate(meta):
        prefix = f"{i}/"
        mine = {key[len(prefix):]: value for key, value in stored.items() if key.startswith(prefix)}
        entry["arrays"] = {key: value for key, value in mine.items() if not key.startswith("_")}
        name, pos, has_gauss, cached = entry["numpy_state"]
        entry["numpy_state"] = (name, mine["_numpy_keys"], pos, has_gauss, cached)
        if entry.get("file") is not None:
            entry["file"]["arrays"] = {key[len("_file/"):]: value for key, value in mine.items()
                                       if key.startswith("_file/")}
    return meta


def normalise(records):
    """Records as :func:`load_records` returns them, for in-process results."""
    import tempfile

    with tempfile.TemporaryDirectory() as folder:
        path = Path(folder) / "records.npz"
        save_records(records, path)
        return load_records(path)
