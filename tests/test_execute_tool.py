"""tools/execute_notebooks.py: deterministic refresh of stored outputs."""

import subprocess
import sys

import nbformat
from nbformat.v4 import new_code_cell, new_notebook

from bookinfo import ROOT


def test_rerunning_an_unchanged_notebook_gives_no_diff(tmp_path):
    nb = new_notebook(cells=[
        new_code_cell("import sys\nprint('a')\nprint('b', file=sys.stdout)\nprint('c')"),
        new_code_cell("import numpy as np\nnp.random.RandomState(0).rand(3).round(3)"),
        new_code_cell("import os\nsorted(os.listdir('.'))"),  # runs in an empty temporary folder
        new_code_cell("import sys\nfor i in range(3):\n    print(f'\\rbar {i}', end='', file=sys.stderr)\nprint(file=sys.stderr)"),
    ])
    nb.metadata["kernelspec"] = {"name": "python3", "display_name": "Python 3", "language": "python"}
    path = tmp_path / "toy.ipynb"
    nbformat.write(nb, path)
    tool = [sys.executable, str(ROOT / "tools" / "execute_notebooks.py"), str(path)]
    first = subprocess.run(tool, capture_output=True, text=True)
    assert first.returncode == 0, first.stderr
    assert "toy.ipynb" in first.stdout and " s " in first.stdout  # prints the wall time
    after_first = path.read_bytes()
    assert subprocess.run(tool, capture_output=True, text=True).returncode == 0
    assert path.read_bytes() == after_first

    executed = nbformat.read(path, as_version=4)
    assert [out.text for out in executed.cells[0].outputs] == ["a\nb\nc\n"]  # streams merged
    assert executed.cells[2].outputs[0].data["text/plain"] == "[]"
    assert all("execution" not in cell.metadata for cell in executed.cells)
    assert executed.cells[3].outputs[0].text == "bar 2\n"  # progress-bar redraws collapsed


def test_a_failing_notebook_fails_the_tool(tmp_path):
    nb = new_notebook(cells=[new_code_cell("raise RuntimeError('boom')")])
    nb.metadata["kernelspec"] = {"name": "python3", "display_name": "Python 3", "language": "python"}
    path = tmp_path / "bad.ipynb"
    nbformat.write(nb, path)
    result = subprocess.run([sys.executable, str(ROOT / "tools" / "execute_notebooks.py"), str(path)],
                            capture_output=True, text=True)
    assert result.returncode == 1 and "FAILED" in result.stdout and "boom" in result.stderr
