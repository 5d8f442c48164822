"""tools/execute_notebooks.py: deterministic refresh of stored outputs."""

import json
import subprocess
import sys

import nbformat
import pytest
from nbformat.v4 import new_code_cell, new_notebook

from bookinfo import ROOT

sys.path.insert(0, str(ROOT))
from tools.execute_notebooks import EXECUTION_FILE, record_execution  # noqa: E402


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
    assert path.read_bytes() == after_first  # the timings go to execution.json beside it, not into the notebook
    timings = json.loads((tmp_path / "execution.json").read_text())
    assert list(timings) == ["toy"] and timings["toy"]["seconds"] > 0 and timings["toy"]["peak_mb"] > 0

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


def test_record_execution_keeps_other_chapters_and_replaces_the_file_atomically(tmp_path):
    first, second = tmp_path / "01_a.ipynb", tmp_path / "02_b.ipynb"
    entry = record_execution(first, 12.345, 789.6, date="2026-01-02", host="test CPU")
    assert entry == {"seconds": 12.3, "peak_mb": 790, "date": "2026-01-02", "machine": "test CPU"}
    record_execution(second, 3, 100)
    record_execution(first, 20, 800, date="2026-01-03", host="test CPU")  # a re-run replaces its own entry
    stored = json.loads((tmp_path / EXECUTION_FILE).read_text())
    assert list(stored) == ["01_a", "02_b"]
    assert stored["01_a"] == {"seconds": 20.0, "peak_mb": 800, "date": "2026-01-03", "machine": "test CPU"}
    assert stored["02_b"]["seconds"] == 3.0 and "CPUs" in stored["02_b"]["machine"]
    assert sorted(p.name for p in tmp_path.iterdir()) == [EXECUTION_FILE]  # no temporary file left behind
    assert (tmp_path / EXECUTION_FILE).stat().st_mode & 0o777 == 0o644

    (tmp_path / EXECUTION_FILE).write_text("{not json")
    with pytest.raises(ValueError, match="not valid JSON"):
        record_execution(first, 1, 1)
    assert (tmp_path / EXECUTION_FILE).read_text() == "{not json"  # left as it was
