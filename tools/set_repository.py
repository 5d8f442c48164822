"""Set the book's GitHub repository address everywhere it is written.

    python tools/set_repository.py OWNER/NAME [BRANCH]      # BRANCH defaults to main
    python tools/set_repository.py alice/mnist1d-book --root /tmp/copy

Whoever publishes the book under their own account changes one address, with
this command. It rewrites exactly these places, and nothing else:

- ``_config.yml``: ``repository.url`` and ``repository.branch`` (the site's
  repository button and Colab launch buttons);
- every chapter listed in ``_toc.yml``: the Colab badge in the first cell, which
  opens the chapter's notebook from BRANCH, and the pip requirement in the
  second (setup) cell, which installs the package from the repository at the
  release tag, "v" + the version in ``pyproject.toml`` (so a chapter opened on
  Colab runs the code it was written for, not whatever BRANCH is now);
- the README's install line (the same requirement).

Rerun it after a version bump and the install cells follow the new tag.
It is idempotent: with the address already set it changes no byte. Every
edit is planned before any file is written, so a chapter whose badge or
install cell is missing stops the command with nothing changed. It prints
what it changed, file by file.

Exit status: 0 done, 1 an expected place was not found, 2 bad arguments.
"""

import argparse
import re
import sys
import tomllib
from pathlib import Path

import nbformat
import yaml

ROOT = Path(__file__).resolve().parent.parent

# GitHub's rules: an owner is 1-39 letters, digits or single inner hyphens; a
# repository name is 1-100 letters, digits, '.', '-' or '_', but not "." or "..".
OWNER = re.compile(r"[A-Za-z0-9](?:-?[A-Za-z0-9]){0,38}")
NAME = re.compile(r"[A-Za-z0-9._-]{1,100}")
# A branch: what `git check-ref-format --branch` accepts, restricted to
# characters that need no escaping in a URL or in YAML.
BRANCH_CHARS = re.compile(r"[A-Za-z0-9._/-]+")
BADGE = re.compile(r'href="(https://colab\.research\.google\.com/github/[^"]+)"')


class PlaceNotFound(Exception):
    """A file lacks a place the address must be written in."""


def parse_repository(value):
    """Validate OWNER/NAME and return it; raise ValueError naming the bad value."""
    owner, slash, name = value.partition("/")
    if not slash or "/" in name:
        raise ValueError(f"repository {value!r} is not of the form OWNER/NAME (e.g. alice/mnist1d-book)")
    if not OWNER.fullmatch(owner):
        raise ValueError(f"repository {value!r}: owner {owner!r} is not a GitHub account name "
                         "(1-39 letters, digits or single inner hyphens)")
    if not NAME.fullmatch(name) or name in (".", "..") or name.lower().endswith(".git"):
        raise ValueError(f"repository {value!r}: name {name!r} is not a GitHub repository name "
                         "(1-100 letters, digits, '.', '-' or '_'; not '.', '..', or ending in .git)")
    return value


def parse_branch(value):
    """Validate a branch name and return it; raise ValueError naming the bad value."""
    problems = []
    if not BRANCH_CHARS.fullmatch(value):
        problems.append("only letters, digits, '.', '_', '-' and '/' are allowed")
    if value.startswith(("-", "/", ".")) or value.endswith(("/", ".", ".lock")):
        problems.append("it may not start with '-', '/' or '.', nor end with '/', '.' or '.lock'")
    if ".." in value or "//" in value or "/." in value:
        problems.append("it may not contain '..', '//' or '/.'")
    if problems:
        raise ValueError(f"branch {value!r} is not a valid branch name: {'; '.join(problems)}")
    return value


class Book:
    """The files of the book under ``root`` that hold the repository address."""

    def __init__(self, root):
        self.root = Path(root)
        project = tomllib.loads(self.read("pyproject.toml"))["project"]
        self.package = project["name"]
        self.tag = "v" + project["version"]
        # The requirement as written anywhere: PACKAGE @ git+https://github.com/OWNER/NAME[@REF]
        self.requirement = re.compile(re.escape(self.package) + r' @ git\+https://github\.com/[^"\'\s`]+')

    def read(self, relative):
        path = self.root / relative
        if not path.is_file():
            raise PlaceNotFound(f"{path} does not exist (is --root the book's root?)")
        return path.read_text(encoding="utf-8")

    def chapters(self):
        """The notebooks that _toc.yml lists, in book order, as paths relative to the root."""
        found = []

        def walk(node):
            if isinstance(node, dict):
                if isinstance(node.get("file"), str) and (self.root / f"{node['file']}.ipynb").is_file():
                    found.append(f"{node['file']}.ipynb")
                for value in node.values():
                    walk(value)
            elif isinstance(node, list):
                for item in node:
                    walk(item)

        walk(yaml.safe_load(self.read("_toc.yml")))
        return found

    def install_requirement(self, repo):
        return f"{self.package} @ git+https://github.com/{repo}@{self.tag}"

    def plan(self, repo, branch):
        """Every edit to make, as [(relative path, new text, what changed)], computed before writing."""
        edits = [self.plan_config(repo, branch)]
        edits += [self.plan_chapter(chapter, repo, branch) for chapter in self.chapters()]
        edits.append(self.plan_readme(repo))
        return [edit for edit in edits if edit[2]]

    def plan_config(self, repo, branch):
        text = self.read("_config.yml")
        block = re.search(r"(?m)^repository:[ \t]*\n((?:[ \t]+\S.*\n?)+)", text)
        if not block or not re.search(r"(?m)^[ \t]+url:", block.group(1)):
            raise PlaceNotFound("_config.yml has no repository.url")
        body = block.group(1)
        changed = []
        url = f"https://github.com/{repo}"
        new_body, _ = re.subn(r"(?m)^([ \t]+url:[ \t]*)\S+", lambda m: m.group(1) + url, body, count=1)
        if new_body != body:
            changed.append(f"repository.url = {url}")
        if re.search(r"(?m)^[ \t]+branch:", new_body):
            newer, _ = re.subn(r"(?m)^([ \t]+branch:[ \t]*)\S+", lambda m: m.group(1) + branch, new_body, count=1)
        else:  # no branch line: add one under url, with the same indentation
            newer = re.sub(r"(?m)^([ \t]+)url:.*$", lambda m: f"{m.group(0)}\n{m.group(1)}branch: {branch}",
                           new_body, count=1)
        if newer != new_body:
            changed.append(f"repository.branch = {branch}")
        return "_config.yml", text[:block.start(1)] + newer + text[block.end(1):], ", ".join(changed)

    def plan_chapter(self, chapter, repo, branch):
        nb = nbformat.reads(self.read(chapter), as_version=4)
        if len(nb.cells) < 2 or nb.cells[0].cell_type != "markdown" or nb.cells[1].cell_type != "code":
            raise PlaceNotFound(f"{chapter}: cell 1 must be the title (markdown) and cell 2 the setup (code)")
        badge, setup = nb.cells[0], nb.cells[1]
        changed = []
        links = BADGE.findall(badge.source)
        if len(links) != 1:
            raise PlaceNotFound(f"{chapter}: the first cell has {len(links)} Colab badge links, expected 1")
        colab = f"https://colab.research.google.com/github/{repo}/blob/{branch}/{chapter}"
        if links[0] != colab:
            badge.source = badge.source.replace(f'href="{links[0]}"', f'href="{colab}"')
            changed.append("Colab badge")
        found = self.requirement.findall(setup.source)
        if len(found) != 1:
            raise PlaceNotFound(f"{chapter}: the setup cell has {len(found)} '{self.package} @ git+https://github.com/...' "
                                "requirements, expected 1")
        requirement = self.install_requirement(repo)
        if found[0] != requirement:
            setup.source = setup.source.replace(found[0], requirement)
            changed.append("install cell")
        return chapter, nbformat.writes(nb) + "\n", " and ".join(changed)

    def plan_readme(self, repo):
        text = self.read("README.md")
        found = self.requirement.findall(text)
        if not found:
            raise PlaceNotFound(f"README.md has no '{self.package} @ git+https://github.com/...' install line")
        requirement = self.install_requirement(repo)
        new = self.requirement.sub(requirement, text)
        return "README.md", new, "install line" if new != text else ""

    def write(self, edits):
        for relative, text, _ in edits:
            (self.root / relative).write_text(text, encoding="utf-8")


def main(argv=None):
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0],
                                     formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("repository", metavar="OWNER/NAME", help="the GitHub repository, e.g. alice/mnist1d-book")
    parser.add_argument("branch", metavar="BRANCH", nargs="?", default="main",
                        help="the branch Colab badges open notebooks from (default: main, the branch the "
                             "workflow deploys)")
    parser.add_argument("--root", type=Path, default=ROOT, help="the book's root folder (default: this repository)")
    args = parser.parse_args(argv)
    try:
        repo, branch = parse_repository(args.repository), parse_branch(args.branch)
    except ValueError as error:
        parser.error(str(error))  # exit status 2
    try:
        book = Book(args.root)
        edits = book.plan(repo, branch)
    except PlaceNotFound as error:
        print(f"error: {error}; nothing was changed", file=sys.stderr)
        return 1
    book.write(edits)
    for relative, _, changed in edits:
        print(f"{relative}: {changed}")
    summary = f"https://github.com/{repo} (branch {branch}; Colab installs {book.package} at tag {book.tag})"
    print(f"{len(edits)} file(s) updated for {summary}" if edits else f"already set to {summary}: nothing changed")
    return 0


if __name__ == "__main__":
    sys.exit(main())
