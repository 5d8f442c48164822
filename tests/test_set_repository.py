"""tools/set_repository.py: one command sets the repository address everywhere.

Every test runs the tool on a copy of the files it touches (--root), never on
the real tree.
"""

import difflib
import shutil
import subprocess
import sys
import tomllib

import nbformat
import pytest
import yaml

from bookinfo import ROOT, chapter_files, repository

TOOL = ROOT / "tools" / "set_repository.py"
FILES = ["_config.yml", "_toc.yml", "pyproject.toml", "README.md"]


@pytest.fixture
def book(tmp_path):
    """A copy of the book's files that hold the address; returns its root."""
    for name in FILES:
        shutil.copy(ROOT / name, tmp_path / name)
    (tmp_path / "chapters").mkdir()
    for path in chapter_files():
        shutil.copy(path, tmp_path / "chapters" / path.name)
    return tmp_path


def snapshot(root):
    return {path.relative_to(root).as_posix(): path.read_bytes() for path in root.rglob("*") if path.is_file()}


def run(root, *args):
    """Run the tool on ``root``; "--" lets a bad value such as "-main" reach its validation."""
    return subprocess.run([sys.executable, str(TOOL), "--root", str(root), "--", *args], capture_output=True, text=True)


def version(root):
    return tomllib.loads((root / "pyproject.toml").read_text())["project"]["version"]


def test_sets_the_address_everywhere(book):
    result = run(book, "alice/my-book", "dev")
    assert result.returncode == 0, result.stderr
    requirement = f"mnist1d-book @ git+https://github.com/alice/my-book@v{version(book)}"

    config = yaml.safe_load((book / "_config.yml").read_text())
    assert config["repository"] == {"url": "https://github.com/alice/my-book", "branch": "dev"}
    for path in sorted((book / "chapters").glob("*.ipynb")):
        nb = nbformat.read(path, as_version=4)
        badge = f'href="https://colab.research.google.com/github/alice/my-book/blob/dev/chapters/{path.name}"'
        assert badge in nb.cells[0].source, path.name
        assert f'"{requirement}"' in nb.cells[1].source, path.name
        assert f"chapters/{path.name}: Colab badge and install cell" in result.stdout
    assert f'pip install "{requirement}"' in (book / "README.md").read_text()
    assert "_config.yml: repository.url = https://github.com/alice/my-book, repository.branch = dev" in result.stdout
    assert "README.md: install line" in result.stdout
    old = f"github.com/{repository()[0]}".encode()
    stale = [name for name, data in snapshot(book).items() if old in data]
    assert not stale, f"{stale} still name {old.decode()}: a place tools/set_repository.py does not rewrite"


def test_edits_only_the_badge_and_install_lines(book):
    before = snapshot(book)
    assert run(book, "alice/my-book").returncode == 0
    after = snapshot(book)
    assert after.keys() == before.keys()
    for name in before:
        old, new = before[name].decode().splitlines(), after[name].decode().splitlines()
        removed = [line for line in difflib.ndiff(old, new) if line.startswith("- ")]
        added = [line for line in difflib.ndiff(old, new) if line.startswith("+ ")]
        expected = {"_config.yml": 1, "README.md": 1, "_toc.yml": 0, "pyproject.toml": 0}.get(name, 2)
        assert len(removed) == len(added) == expected, (name, removed, added)
        assert all("alice/my-book" in line for line in added), (name, added)
    for path in sorted((book / "chapters").glob("*.ipynb")):  # only cells 1 and 2 differ
        old = nbformat.reads(before[f"chapters/{path.name}"].decode(), as_version=4)
        new = nbformat.read(path, as_version=4)
        assert old.metadata == new.metadata and old.cells[2:] == new.cells[2:]


def test_is_idempotent_and_reversible(book):
    original = snapshot(book)
    repo, branch = repository()
    assert run(book, "alice/my-book", "dev").returncode == 0
    changed = snapshot(book)
    again = run(book, "alice/my-book", "dev")
    assert again.returncode == 0 and "nothing changed" in again.stdout
    assert snapshot(book) == changed
    back = run(book, repo, branch)  # setting the committed address back restores every byte
    assert back.returncode == 0, back.stderr
    assert snapshot(book) == original


def test_the_install_ref_follows_the_package_version(book):
    pyproject = book / "pyproject.toml"
    pyproject.write_text(pyproject.read_text().replace(f'version = "{version(book)}"', 'version = "7.8.9"'))
    result = run(book, *repository())
    assert result.returncode == 0, result.stderr
    assert "install cell" in result.stdout and "Colab badge" not in result.stdout  # the badge follows the branch
    for path in sorted((book / "chapters").glob("*.ipynb")):
        assert "mnist1d-book@v7.8.9\"" in nbformat.read(path, as_version=4).cells[1].source
    assert "mnist1d-book@v7.8.9\"" in (book / "README.md").read_text()


@pytest.mark.parametrize("repo", ["alice", "alice/my-book/extra", "/my-book", "alice/", "-alice/my-book",
                                  "al--ice/my-book", "ali ce/my-book", "alice/my book", "alice/..",
                                  "alice/my-book.git", "https://github.com/alice/my-book"])
def test_rejects_an_invalid_repository_by_name(book, repo):
    before = snapshot(book)
    result = run(book, repo)
    assert result.returncode == 2
    assert f"repository {repo!r}" in result.stderr
    assert snapshot(book) == before


@pytest.mark.parametrize("branch", ["", "has space", "-main", "feature..x", "x.lock", "a~1", "main/", "x//y"])
def test_rejects_an_invalid_branch_by_name(book, branch):
    before = snapshot(book)
    result = run(book, "alice/my-book", branch)
    assert result.returncode == 2
    assert f"branch {branch!r}" in result.stderr
    assert snapshot(book) == before


def test_a_missing_place_changes_nothing(book):
    chapter = sorted((book / "chapters").glob("*.ipynb"))[-1]
    nb = nbformat.read(chapter, as_version=4)
    nb.cells[1].source = "import sys"  # a setup cell without the install line
    nbformat.write(nb, chapter)
    before = snapshot(book)
    result = run(book, "alice/my-book")
    assert result.returncode == 1
    assert chapter.name in result.stderr and "nothing was changed" in result.stderr
    assert snapshot(book) == before
