"""Facts about the book read from its own files (_config.yml, _toc.yml, chapters).

The repository URL is configured once, in _config.yml; everything that must
point at it (Colab badges, install cells, launch buttons) is checked against
the values computed here. The release tag that Colab installs is derived from
the package version in pyproject.toml. `tools/set_repository.py` writes all of
these places; these functions say independently what they must contain.
"""

import re
import tomllib
from pathlib import Path

import nbformat
import yaml

ROOT = Path(__file__).resolve().parent.parent
CONFIG = yaml.safe_load((ROOT / "_config.yml").read_text())
TOC = yaml.safe_load((ROOT / "_toc.yml").read_text())
PROJECT = tomllib.loads((ROOT / "pyproject.toml").read_text())["project"]


def repository():
    """(owner/name, branch) of the book's GitHub repository."""
    url = CONFIG["repository"]["url"].rstrip("/")
    match = re.fullmatch(r"https://github\.com/([^/]+/[^/]+)", url)
    assert match, f"_config.yml repository.url is not a GitHub repository URL: {url}"
    return match.group(1), CONFIG["repository"].get("branch", "main")


def chapter_files():
    """Chapter notebooks in book order, from _toc.yml."""
    entries = [entry["file"] for entry in TOC.get("chapters", [])]
    return [ROOT / f"{entry}.ipynb" for entry in entries if (ROOT / f"{entry}.ipynb").exists()]


def colab_url(notebook):
    """The Colab address that opens ``notebook`` from the book's repository."""
    repo, branch = repository()
    relative = Path(notebook).resolve().relative_to(ROOT).as_posix()
    return f"https://colab.research.google.com/github/{repo}/blob/{branch}/{relative}"


def release_tag():
    """The git tag of this package version: "v" + the version in pyproject.toml."""
    return "v" + PROJECT["version"]


def install_requirement():
    """What a chapter's Colab setup cell (and the README) must pip-install: the package at its release tag."""
    repo, _ = repository()
    return f"{PROJECT['name']} @ git+https://github.com/{repo}@{release_tag()}"


def chapter_title(notebook):
    """The chapter's title: the text of its first markdown heading."""
    nb = nbformat.read(notebook, as_version=4)
    for cell in nb.cells:
        if cell.cell_type == "markdown":
            match = re.search(r"^# (.+)$", cell.source, flags=re.M)
            if match:
                return match.group(1).strip()
    raise AssertionError(f"{notebook} has no '# title' heading")


def stored_claims(notebook):
    """Each claim a notebook's stored claims outputs carry, as (record, cells of its row in the stored table).

    Read here with nbformat, independently of ``mnist1d.claims.read_claims``, so tests can compare the
    scorecard with what the chapters store.
    """
    from mnist1d.claims import CLAIMS_MIME

    found = []
    for cell in nbformat.read(notebook, as_version=4).cells:
        for output in cell.get("outputs", []):
            data = output.get("data", {})
            if CLAIMS_MIME in data:
                rows = data["text/markdown"].splitlines()[2:]
                assert len(rows) == len(data[CLAIMS_MIME]["claims"]), f"{notebook}: table and data disagree"
                found += [(record, markdown_cells(row)) for record, row in zip(data[CLAIMS_MIME]["claims"], rows)]
    return found


def markdown_cells(row):
    """The cells of one Markdown table row (``\\|`` is a literal bar)."""
    cells = re.split(r"(?<!\\)\|", row.strip())[1:-1]
    return [cell.strip().replace("\\|", "|") for cell in cells]
