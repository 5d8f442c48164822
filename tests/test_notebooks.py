"""Static checks of the committed chapters (nbval re-runs them separately).

Every chapter follows the template of CONTRIBUTING.md ("Adding a chapter"), has stored
outputs for every code cell, and points at the book's own repository.
"""

import re

import nbformat
import pytest

from bookinfo import chapter_files, chapter_title, colab_url, install_requirement

CHAPTERS = chapter_files()
IDS = [path.stem for path in CHAPTERS]


def test_toc_lists_chapters():
    assert CHAPTERS, "_toc.yml lists no chapter notebooks"


@pytest.fixture(params=CHAPTERS, ids=IDS)
def chapter(request):
    return request.param, nbformat.read(request.param, as_version=4)


def code_cells(nb):
    return [cell for cell in nb.cells if cell.cell_type == "code" and cell.source.strip()]


def test_every_code_cell_ran_without_error(chapter):
    path, nb = chapter
    unrun = [i for i, cell in enumerate(code_cells(nb)) if cell.execution_count is None]
    assert not unrun, f"{path.name}: code cells {unrun} have no stored output; run `make execute`"
    errors = [i for i, cell in enumerate(code_cells(nb)) for out in cell.outputs if out.output_type == "error"]
    assert not errors, f"{path.name}: code cells {errors} stored an error"
    counts = [cell.execution_count for cell in code_cells(nb)]
    assert counts == list(range(1, len(counts) + 1)), "outputs must come from one top-to-bottom run"


def test_colab_badge_targets_this_chapter(chapter):
    path, nb = chapter
    first = nb.cells[0]
    assert first.cell_type == "markdown" and first.source.startswith("# "), "cell 1 must be the title"
    links = re.findall(r'href="(https://colab\.research\.google\.com/[^"]+)"', first.source)
    assert links == [colab_url(path)], f"{path.name}: Colab badge {links} != {colab_url(path)}"
    assert "colab-badge.svg" in first.source


def test_setup_cell_installs_from_this_repository_on_colab_only(chapter):
    path, nb = chapter
    setup = nb.cells[1]
    assert setup.cell_type == "code" and "remove-cell" in setup.metadata.get("tags", [])
    assert install_requirement() in setup.source
    assert 'if "google.colab" in sys.modules' in setup.source


def test_parameters_cell(chapter):
    path, nb = chapter
    tagged = [cell for cell in nb.cells if "parameters" in cell.metadata.get("tags", [])]
    assert len(tagged) == 1, f"{path.name}: exactly one cell must be tagged 'parameters'"
    for line in tagged[0].source.splitlines():
        assert re.fullmatch(r"\w+: [\w\[\], ]+ = .+  # .+", line), f"{path.name}: parameter line {line!r}"


def test_ends_with_exercises_and_has_claims(chapter):
    path, nb = chapter
    assert nb.cells[-1].cell_type == "markdown" and nb.cells[-1].source.startswith("## Exercises")
    exercises = re.findall(r"^\d+\. ", nb.cells[-1].source, flags=re.M)
    assert 3 <= len(exercises) <= 6, f"{path.name}: {len(exercises)} exercises"
    assert any(re.search(r"^## Claims", cell.source, flags=re.M) for cell in nb.cells if cell.cell_type == "markdown")
    assert any("Claims(" in cell.source and ".report()" in cell.source for cell in code_cells(nb)), \
        "no claims cell (mnist1d.claims.Claims(...) ... claims.report())"


def test_title_is_numbered(chapter):
    path, _ = chapter
    assert re.match(r"\d+\. ", chapter_title(path)), chapter_title(path)
