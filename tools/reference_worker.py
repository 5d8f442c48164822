"""Runs inside the reference implementation's environment (see reference.py).

Reads one JSON request per line and answers ``ok <seconds>`` (or
``error <message>``) on one line. Requests:

* ``{"config": {...}, "out": "file.npz"}``: generate with the reference
  ``make_dataset`` and save the arrays;
* ``{"sequence": [...], "workdir": "folder", "out": "file.npz"}``: run a
  client-style call sequence (``client_calls.py``) and save its records;
* ``{"names": true, "out": "file.json"}``: the public names of the
  reference's modules, with their kinds and signatures.

Nothing is downloaded: the reference's ``requests.get`` is replaced by a
stand-in that serves what the original's download would, the published
dataset (the reference's own default dataset, pickled, generated without
disturbing the global random state).
"""

import contextlib
import io
import json
import pickle
import random
import sys
import time
import types

import numpy as np
import requests

import client_calls
import mnist1d.data as reference

if "reference-" not in reference.__file__:
    sys.exit(f"imported the wrong mnist1d package: {reference.__file__}")


def offline_download(url, **kwargs):
    """What ``requests.get(args.url)`` returns online: the published pickle."""
    numpy_state, python_state = np.random.get_state(), random.getstate()
    try:
        content = pickle.dumps(reference.make_dataset(reference.get_dataset_args()), protocol=3)
    finally:
        np.random.set_state(numpy_state)
        random.setstate(python_state)
    return types.SimpleNamespace(content=content, status_code=200, url=url)


requests.get = offline_download


def make_dataset(request):
    args = reference.get_dataset_args()
    for key, value in request["config"].items():
        setattr(args, key, value)
    data = reference.make_dataset(args)
    np.savez(request["out"], x=data["x"], y=data["y"], x_test=data["x_test"], y_test=data["y_test"],
             t=data["t"], templates_x=data["templates"]["x"], templates_t=data["templates"]["t"],
             templates_y=data["templates"]["y"])


def public_names(request):
    with open(request["out"], "w") as handle:
        json.dump(client_calls.public_names(), handle)


def sequence(request):
    records = client_calls.run_sequence(request["sequence"], request["workdir"])
    client_calls.save_records(records, request["out"])


for line in sys.stdin:
    request = json.loads(line)
    handler = make_dataset if "config" in request else public_names if "names" in request else sequence
    try:
        start = time.perf_counter()
        with contextlib.redirect_stdout(io.StringIO()):  # the reference prints; stdout is for replies
            handler(request)
        print(f"ok {time.perf_counter() - start}", flush=True)
    except Exception as err:  # report any failure of the reference to the caller
        print(f"error {type(err).__name__}: {err}".replace("\n", " "), flush=True)
