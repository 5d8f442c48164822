"""The original MNIST-1D implementation, installed aside, for comparisons.

The PyPI package ``mnist1d`` is the original reference implementation and
has the same import name as this project's package, so it is never installed
into the project environment: it is installed with ``pip --target`` into
``.cache/`` and run in a subprocess whose ``PYTHONPATH`` puts it first.
The differential test and ``benchmarks/bench_generate.py`` use it.

Example (needs the package registry the first time)::

    with ReferenceWorker() as reference:
        data = reference.make_dataset({"num_samples": 1000, "seed": 3})
"""

import json
import os
import shutil
import subprocess
import sys
import tempfile
from pathlib import Path

import numpy as np

from . import client_calls

REFERENCE_SPEC = "mnist1d==0.0.2.post1"
ROOT = Path(__file__).resolve().parent.parent
WORKER = Path(__file__).with_name("reference_worker.py")


def reference_dir():
    """Where the reference package is installed (``.cache/reference-<version>``)."""
    return ROOT / ".cache" / ("reference-" + REFERENCE_SPEC.replace("==", "-"))


def install_reference():
    """Install the reference package (once) and return its folder.

    Raises ``RuntimeError`` with pip's output if it cannot be installed.
    """
    target = reference_dir()
    if (target / "mnist1d" / "data.py").is_file():
        return target
    target.parent.mkdir(parents=True, exist_ok=True)
    staging = Path(tempfile.mkdtemp(dir=target.parent, prefix=".staging-"))
    try:
        result = subprocess.run(
            [sys.executable, "-m", "pip", "install", "--quiet", "--no-deps", "--no-compile",
             "--target", str(staging), REFERENCE_SPEC],
            capture_output=True, text=True)
        if result.returncode != 0:
            raise RuntimeError(f"could not install {REFERENCE_SPEC}:\n{result.stdout}\n{result.stderr}")
        os.replace(staging, target)
    finally:
        shutil.rmtree(staging, ignore_errors=True)
    return target


class ReferenceWorker:
    """A subprocess running the reference implementation: its ``make_dataset``, client-style
    call sequences, and a listing of its public names."""

    def __init__(self):
        self.folder = install_reference()
        self.process = None
        self.scratch = None

    def __enter__(self):
        env = dict(os.environ, PYTHONPATH=str(self.folder), MPLBACKEND="Agg")
        self.process = subprocess.Popen([sys.executable, str(WORKER)], cwd=self.folder, env=env,
                                        stdin=subprocess.PIPE, stdout=subprocess.PIPE, text=True)
        self.scratch = tempfile.mkdtemp(prefix="mnist1d-reference-")
        return self

    def __exit__(self, *exc):
        self.process.stdin.close()
        self.process.wait(timeout=30)
        shutil.rmtree(self.scratch, ignore_errors=True)

    def _ask(self, request):
        self.process.stdin.write(json.dumps(request) + "\n")
        self.process.stdin.flush()
        reply = self.process.stdout.readline()
        if not reply.startswith("ok "):
            raise RuntimeError(f"reference worker failed on {request}: {reply or 'no reply'}")
        return float(reply.split()[1])

    def run_sequence(self, steps):
        """Run a client-style call sequence (see ``client_calls.py``) under the reference,
        in a fresh work folder; return its records."""
        workdir = tempfile.mkdtemp(dir=self.scratch, prefix="work-")
        out = os.path.join(self.scratch, "records.npz")
        self._ask({"sequence": steps, "workdir": workdir, "out": out})
        return client_calls.load_records(out)

    def public_names(self):
        """The reference's public functions and classes with their signatures (see
        ``client_calls.public_names``)."""
        out = os.path.join(self.scratch, "names.json")
        self._ask({"names": True, "out": out})
        with open(out) as handle:
            return json.load(handle)

    def make_dataset(self, config):
        """Run the reference on ``config`` (a dict of dataset arguments); return its arrays
        and the seconds it took."""
        out = os.path.join(self.scratch, "out.npz")
        seconds = self._ask({"config": config, "out": out})
        with np.load(out) as npz:
            data = {key: npz[key] for key in npz.files}
        return data, seconds
