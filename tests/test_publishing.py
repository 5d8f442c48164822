"""Publishing: the Colab install cells and the README install the package at its release tag,
and the README tells how to publish a copy of the book."""

import re
import tomllib

import nbformat
import pytest

from bookinfo import ROOT, chapter_files, install_requirement, release_tag, repository

README = (ROOT / "README.md").read_text()
VERSION = tomllib.loads((ROOT / "pyproject.toml").read_text())["project"]["version"]
REQUIREMENT = re.compile(r'"mnist1d-book @ git\+https://github\.com/([^/"]+/[^/@"]+)@([^"]+)"')


def test_release_tag_is_v_plus_the_package_version():
    assert release_tag() == f"v{VERSION}"


@pytest.mark.parametrize("path", chapter_files(), ids=lambda path: path.stem)
def test_chapter_installs_this_repository_at_the_release_tag(path):
    setup = nbformat.read(path, as_version=4).cells[1]
    found = REQUIREMENT.findall(setup.source)
    assert len(found) == 1, f"{path.name}: expected one pinned install requirement, found {found}"
    repo, ref = found[0]
    assert (repo, ref) == (repository()[0], f"v{VERSION}"), f"{path.name}: run tools/set_repository.py"


def test_readme_install_line_is_the_colab_one():
    assert f'pip install "{install_requirement()}"' in README


def test_readme_says_how_to_publish_a_copy():
    section = README.split("## Publish your own copy", 1)
    assert len(section) == 2, "README has no 'Publish your own copy' section"
    body = section[1].split("\n## ", 1)[0]
    steps = re.findall(r"^\d+\. \*\*(.+?)\*\*", body, flags=re.M)
    assert len(steps) == 3, steps
    assert "python tools/set_repository.py OWNER/NAME" in body
    assert "GitHub Actions" in body  # the Pages source to choose
    assert "git push origin main --tags" in body  # the release tag the install cells need is pushed too
