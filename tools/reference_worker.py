"""Runs inside the reference implementation's environment (see reference.py).

Reads one JSON request per line: ``{"config": {...}, "out": "file.npz"}``,
generates with the reference ``make_dataset``, saves the arrays, and answers
``ok <seconds>`` (or ``error <message>``) on one line.
"""

import json
import sys
import time

import numpy as np

import mnist1d.data as reference

if "reference-" not in reference.__file__:
    sys.exit(f"imported the wrong mnist1d package: {reference.__file__}")

for line in sys.stdin:
    request = json.loads(line)
    try:
        args = reference.get_dataset_args()
        for key, value in request["config"].items():
            setattr(args, key, value)
        start = time.perf_counter()
        data = reference.make_dataset(args)
        seconds = time.perf_counter() - start
        np.savez(request["out"], x=data["x"], y=data["y"], x_test=data["x_test"], y_test=data["y_test"],
                 t=data["t"], templates_x=data["templates"]["x"], templates_t=data["templates"]["t"],
                 templates_y=data["templates"]["y"])
        print(f"ok {seconds}", flush=True)
    except Exception as err:  # report any failure of the reference to the caller
        print(f"error {type(err).__name__}: {err}".replace("\n", " "), flush=True)
