"""Chapters survive being changed.

* Static: each chapter's claims cell asserts at exactly the defaults of its
  parameters cell (``Claims({...}, globals())`` names every parameter but
  ``seed``, with the same values), and every chapter has a ``seed`` parameter.
* Executed: each chapter runs top to bottom with papermill under its *quick
  parameters* (small, non-default values stored in the notebook's metadata,
  ``metadata.mnist1d.quick_parameters``, including ``seed=1`` and one
  structural change), and its claims cell reports instead of asserting.
  A quick run is budgeted at about 30 s (``pytest --durations`` shows it);
  budgets are measured by ``tools/execute_notebooks.py``, not asserted here.
"""

import ast

import nbformat
import papermill
import pytest

from bookinfo import chapter_files

CHAPTERS = chapter_files()
IDS = [path.stem for path in CHAPTERS]


def parameters_cell(nb):
    (cell,) = [c for c in nb.cells if "parameters" in c.metadata.get("tags", [])]
    return cell


def parameter_defaults(nb):
    """``{name: value}`` from the ``name: type = value  # meaning`` lines of the parameters cell."""
    tree = ast.parse(parameters_cell(nb).source)
    return {node.target.id: ast.literal_eval(node.value) for node in tree.body if isinstance(node, ast.AnnAssign)}


def claims_defaults(nb):
    """The literal ``defaults`` dict passed to ``Claims(...)`` in the chapter."""
    found = []
    for cell in nb.cells:
        if cell.cell_type != "code" or "Claims(" not in cell.source:
            continue
        for node in ast.walk(ast.parse(cell.source)):
            if isinstance(node, ast.Call) and getattr(node.func, "id", getattr(node.func, "attr", "")) == "Claims":
                found.append(ast.literal_eval(node.args[0]))
    assert len(found) == 1, f"expected one Claims(defaults, globals()) call, found {len(found)}"
    return found[0]


@pytest.fixture(params=CHAPTERS, ids=IDS)
def chapter(request):
    return request.param, nbformat.read(request.param, as_version=4)


def test_claims_are_asserted_at_the_parameters_cells_defaults(chapter):
    path, nb = chapter
    defaults = parameter_defaults(nb)
    assert defaults.get("seed") == 0, f"{path.name}: the parameters cell needs `seed: int = 0`"
    defaults.pop("seed")
    assert claims_defaults(nb) == defaults, f"{path.name}: Claims defaults differ from the parameters cell"


def test_quick_parameters_are_valid_and_not_the_defaults(chapter):
    path, nb = chapter
    quick = nb.metadata.get("mnist1d", {}).get("quick_parameters")
    assert quick, f"{path.name}: no metadata.mnist1d.quick_parameters"
    defaults = parameter_defaults(nb)
    unknown = sorted(set(quick) - set(defaults))
    assert not unknown, f"{path.name}: quick parameters {unknown} are not parameters of the chapter"
    assert quick.get("seed") == 1, f"{path.name}: the quick run must use another seed (seed=1)"
    assert any(quick[name] != defaults[name] for name in quick if name != "seed")


def test_chapter_runs_with_quick_parameters(chapter, tmp_path):
    path, nb = chapter
    quick = nb.metadata["mnist1d"]["quick_parameters"]
    out = papermill.execute_notebook(str(path), str(tmp_path / path.name), parameters=quick, kernel_name="python3",
                                     cwd=str(tmp_path), progress_bar=False)
    texts = [output.get("text", "") for cell in out.cells if cell.cell_type == "code" for output in cell.outputs]
    assert any("reported, not asserted" in text for text in texts), f"{path.name}: the claims cell did not report"
