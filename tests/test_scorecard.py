"""The scorecard (scorecard.md, _ext/scorecard.py): every claim of every chapter, read from stored outputs.

Synthetic books (written here into temporary folders) check the reading, the table Sphinx renders and
scorecard.json; ``test_real_chapters_*`` checks the book's own chapters: every chapter stores claims and
the scorecard lists each of them with the chapter's stored values.
"""

import json
import subprocess
import sys

import nbformat
import pytest
from bs4 import BeautifulSoup
from nbformat.v4 import new_code_cell, new_markdown_cell, new_notebook, new_output

from bookinfo import ROOT, chapter_files, stored_claims
from mnist1d.claims import CLAIMS_MIME, Claim, Claims, read_claims

sys.path.insert(0, str(ROOT / "_ext"))
import scorecard as sc  # noqa: E402

RECORD_KEYS = ["claim", "paper", "mean", "std", "values", "low", "high", "holds", "margin", "sanity"]


def claims_output(claims, digits=True):
    """The output ``claims.report()`` stores; ``digits=False``: as stored before records carried digits."""
    records = claims.records()
    if not digits:
        records = [{key: value for key, value in record.items() if key != "digits"} for record in records]
    return new_output("display_data", data={"text/markdown": claims.table(),
                                            CLAIMS_MIME: {"asserting": claims.asserting, "claims": records}})


def chapter(title, *outputs):
    code = new_code_cell("claims.report()", execution_count=1, outputs=list(outputs))
    nb = new_notebook(cells=[new_markdown_cell(f"# {title}\n\nText."), code])
    nb.metadata.update(kernelspec={"name": "python3", "display_name": "Python 3", "language": "python"},
                       language_info={"name": "python"})
    return nb


def example_claims(seed=0, steps=10):
    claims = Claims({"steps": 10}, {"steps": steps, "seed": seed})
    claims.check("the CNN beats the MLP (points, |gap|)", [26.14, 25.02, 27.25], band=(10, None), paper="~26")
    claims.check("the loss fell", 0.4, band=(None, 1.0), sanity=True)
    claims.check("a fraction", 0.123456, band=(0.1, 0.2), digits=3)
    claims.check("a miss", [3.0, 5.0], band=(4.5, 6), paper="5 ± 1", digits=0)
    return claims


@pytest.fixture
def book(tmp_path):
    """A book of three chapters: claims with digits, claims stored without them (two outputs), no claims."""
    (tmp_path / "chapters").mkdir()
    first, second = example_claims(), example_claims(steps=5)
    other = Claims({}, {"seed": 0})
    other.check("one more, in a second output", 2.0, band=(1, 3))
    nbformat.write(chapter("1. First", claims_output(first)), tmp_path / "chapters" / "01_first.ipynb")
    nbformat.write(chapter("2. Second", claims_output(second, digits=False), claims_output(other, digits=False)),
                   tmp_path / "chapters" / "02_second.ipynb")
    nbformat.write(chapter("3. Third"), tmp_path / "chapters" / "03_third.ipynb")
    (tmp_path / "_toc.yml").write_text("format: jb-book\nroot: intro\nchapters:\n  - file: chapters/01_first\n"
                                       "  - file: chapters/02_second\n  - file: chapters/03_third\n"
                                       "  - file: scorecard\n")
    (tmp_path / "chapters" / "execution.json").write_text(json.dumps(
        {"01_first": {"seconds": 125.4, "peak_mb": 1234, "date": "2026-01-02", "machine": "test CPU"}}))
    return tmp_path, {"01_first": first.records(), "02_second": second.records() + other.records(), "03_third": []}


def test_read_claims_returns_every_stored_claim_and_recovers_digits(book):
    root, expected = book
    for stem, records in expected.items():
        read = read_claims(root / "chapters" / f"{stem}.ipynb")
        assert [{k: r[k] for k in RECORD_KEYS} for r in read] == [{k: r[k] for k in RECORD_KEYS} for r in records]
        assert [r["digits"] for r in read] == [r["digits"] for r in records]  # recovered from the stored table
    assert [r["asserting"] for r in read_claims(root / "chapters" / "02_second.ipynb")] == [False] * 4 + [True]


def test_claim_from_record_round_trips():
    for claim in example_claims().claims:
        again = Claim.from_record(json.loads(json.dumps(claim.record())))
        assert again.row() == claim.row() and again.record() == claim.record()


def test_scorecard_lists_every_claim_with_its_stored_values_and_costs(book):
    root, expected = book
    data = sc.scorecard(root)
    assert [c["chapter"] for c in data["chapters"]] == list(expected)  # toc order; scorecard.md is no chapter
    assert data["claims"] == 9 and data["hold"] == 7
    for entry in data["chapters"]:
        records = expected[entry["chapter"]]
        assert [{k: c[k] for k in RECORD_KEYS} for c in entry["claims"]] == [
            {k: r[k] for k in RECORD_KEYS} for r in records]
        for shown, record in zip(entry["claims"], records):
            claim = Claim.from_record(record)
            assert (shown["this_run"], shown["band_text"]) == (claim.measured(), claim.band())
    first, second, third = data["chapters"]
    assert (first["title"], first["path"], first["seconds"], first["peak_mb"]) == (
        "1. First", "chapters/01_first.ipynb", 125.4, 1234)
    assert second["seconds"] is None and third["claims"] == []
    assert sc.seconds_text(125.4) == "2 min 5 s" and sc.seconds_text(None) == "–"
    assert sc.memory_text(1234) == "1,234 MB"
    deps = {path.name for path in sc.dependencies(root)}
    assert deps == {"_toc.yml", "01_first.ipynb", "02_second.ipynb", "03_third.ipynb", "execution.json"}


def test_toc_files_walks_parts_and_sections():
    toc = {"root": "intro", "parts": [{"caption": "A", "chapters": [{"file": "a", "sections": [{"file": "b"}]}]},
                                      {"chapters": [{"file": "c"}, {"url": "https://example.org"}]}]}
    assert sc.toc_files(toc) == ["a", "b", "c"]


def test_sphinx_renders_the_table_and_writes_scorecard_json(book):
    """A real Sphinx build (myst-nb, execution off, -W -n) of the synthetic book."""
    root, expected = book
    (root / "conf.py").write_text(
        f"import sys\nsys.path.insert(0, {str(ROOT / '_ext')!r})\n"
        "extensions = ['myst_nb', 'scorecard']\nnb_execution_mode = 'off'\nroot_doc = 'intro'\n"
        "exclude_patterns = ['_build']\n")
    (root / "intro.md").write_text("# Intro\n\n```{toctree}\nchapters/01_first\nchapters/02_second\n"
                                   "chapters/03_third\nscorecard\n```\n")
    (root / "scorecard.md").write_text("# Scorecard\n\n```{scorecard}\n```\n")
    out = root / "_build" / "html"
    result = subprocess.run([sys.executable, "-m", "sphinx", "-b", "html", "-W", "-n", "-q", str(root), str(out)],
                            capture_output=True, text=True)
    assert result.returncode == 0, result.stdout + result.stderr

    assert json.loads((out / "scorecard.json").read_text()) == json.loads(json.dumps(sc.scorecard(root)))
    html = BeautifulSoup((out / "scorecard.html").read_text(), "html.parser")
    (table,) = html.select("table.scorecard")
    assert [th.get_text(strip=True) for th in table.select("thead th")] == sc.COLUMNS
    assert html.select_one("link[href*='scorecard.css']") and (out / "_static" / "scorecard.css").exists()
    rows = table.select("tbody tr")
    assert len(rows) == 9 + 1  # one per claim, one for the chapter without claims
    starts = [0, 4, 9]  # a chapter's first row holds its title, wall time and peak memory (rowspan)
    for start, (stem, records) in zip(starts, expected.items()):
        cells = rows[start].find_all("td")
        assert cells[0].a["href"] == f"chapters/{stem}.html"
        assert int(cells[0].get("rowspan", 1)) == int(cells[-2].get("rowspan", 1)) == max(len(records), 1)
        for offset, record in enumerate(records):
            claim_cells = rows[start + offset].find_all("td")
            claim_cells = claim_cells[1:6] if offset == 0 else claim_cells
            assert [td.get_text(strip=True) for td in claim_cells] == Claim.from_record(record).row()
    first, second = rows[0].find_all("td"), rows[4].find_all("td")
    assert [first[6].get_text(strip=True), first[7].get_text(strip=True)] == ["2 min 5 s", "1,234 MB"]
    assert [second[6].get_text(strip=True), second[7].get_text(strip=True)] == ["–", "–"]
    assert "reported, not asserted" in second[0].get_text() and "reported" not in first[0].get_text()
    assert "no claims stored" in rows[9].get_text()
    assert "7 of 9 claims hold" in html.get_text() and html.select_one("a[href='scorecard.json']")
    assert "measured on test CPU (2026-01-02)" in html.get_text()
    assert "|---|" not in html.get_text()


def test_real_chapters_every_claim_is_on_the_scorecard_with_its_stored_values():
    """Every chapter stores its claims (CLAIMS_MIME), and the scorecard lists each with the stored values.

    Read the chapters with nbformat (tests/bookinfo.py), independently of mnist1d.claims.read_claims.
    """
    data = sc.scorecard(ROOT)
    assert [c["path"] for c in data["chapters"]] == [p.relative_to(ROOT).as_posix() for p in chapter_files()]
    for entry, notebook in zip(data["chapters"], chapter_files()):
        stored = stored_claims(notebook)
        assert stored, f"{notebook.name} stores no claims output ({CLAIMS_MIME}): run its claims cell"
        assert len(entry["claims"]) == len(stored), notebook.name
        for shown, (record, cells) in zip(entry["claims"], stored):
            assert {k: shown[k] for k in RECORD_KEYS} == {k: record[k] for k in RECORD_KEYS}, notebook.name
            assert Claim.from_record(shown).row() == cells, f"{notebook.name}: scorecard row != the chapter's"
    assert data["claims"] == sum(len(stored_claims(p)) for p in chapter_files())
