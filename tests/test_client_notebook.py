"""A notebook written for the original package prints the same numbers under this one.

``tests/client_notebook.ipynb`` does what client notebooks do: ``import
mnist1d``, ``get_dataset``, random label noise with ``random``, a random
choice of samples with ``np.random``, and a tiny seeded torch model. It is
executed twice with nbclient, in a fresh kernel and an empty working folder
each time: with ``PYTHONPATH`` on the original package (``tools/reference.py``)
and on this project. Every cell not tagged ``implementation-specific`` (the
import, which prints the package's path, and the ``get_dataset`` calls,
whose messages are worded differently) must print the same text.
"""

import os
from pathlib import Path

import nbformat
from nbclient import NotebookClient

from tools.reference import ROOT, install_reference

NOTEBOOK = Path(__file__).with_name("client_notebook.ipynb")
SPECIFIC = "implementation-specific"


def execute(pythonpath, workdir):
    nb = nbformat.read(NOTEBOOK, as_version=4)
    env = dict(os.environ, PYTHONPATH=str(pythonpath), PYTHONHASHSEED="0", OMP_NUM_THREADS="1",
               MPLBACKEND="Agg")
    NotebookClient(nb, timeout=120, kernel_name="python3",
                   resources={"metadata": {"path": str(workdir)}}).execute(env=env)
    return nb


def printed(nb):
    """The text each cell printed (stream outputs and results), one entry per code cell."""
    texts = []
    for cell in nb.cells:
        if cell.cell_type != "code":
            continue
        parts = [out.get("text", "") if out.output_type == "stream" else out.get("data", {}).get("text/plain", "")
                 for out in cell.outputs]
        assert all(out.output_type != "error" for out in cell.outputs), parts
        texts.append((SPECIFIC in cell.metadata.get("tags", []), "".join(parts)))
    return texts


def test_client_notebook_prints_the_same_under_both_implementations(tmp_path):
    (tmp_path / "reference").mkdir()
    (tmp_path / "ours").mkdir()
    theirs = printed(execute(install_reference(), tmp_path / "reference"))
    ours = printed(execute(ROOT, tmp_path / "ours"))
    assert "reference-mnist1d" in theirs[0][1] and theirs[0][0]  # each ran the package it should
    assert ours[0][1].strip() == str(ROOT / "mnist1d" / "__init__.py")
    compared = [(mine, ref) for (specific, mine), (_, ref) in zip(ours, theirs) if not specific]
    assert len(compared) == 6 and all(text for text, _ in compared)
    for mine, ref in compared:
        assert mine == ref
    assert "test accuracy" in compared[-2][0]
