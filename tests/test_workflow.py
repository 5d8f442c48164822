"""The GitHub Actions workflow that tests and publishes the book (.github/workflows/book.yml).

`make test-workflows` lints it with actionlint; these tests check that the
linter really catches mistakes (so that target is no empty gate), and that the
workflow does what the README promises: `make test` on pull requests, and on
pushes to main a deployment of the tested site to GitHub Pages.
"""

import re
import subprocess
import sys
from pathlib import Path

import pytest
import yaml

from bookinfo import ROOT

WORKFLOW = ROOT / ".github" / "workflows" / "book.yml"
BIN = Path(sys.executable).parent
ON_MAIN = "github.event_name != 'pull_request' && github.ref == 'refs/heads/main'"


def load():
    workflow = yaml.safe_load(WORKFLOW.read_text())
    workflow["on"] = workflow.pop(True, workflow.get("on"))  # YAML 1.1 reads the key `on` as true
    return workflow


def actionlint(path):
    for tool in ("actionlint", "shellcheck"):
        if not (BIN / tool).exists():
            pytest.fail(f"{BIN / tool} is missing: install requirements.txt (make does)")
    return subprocess.run([str(BIN / "actionlint"), f"-shellcheck={BIN / 'shellcheck'}", "-oneline", str(path)],
                          capture_output=True, text=True, cwd=path.parent)


def test_workflow_passes_actionlint():
    result = actionlint(WORKFLOW)
    assert result.returncode == 0, result.stdout + result.stderr


@pytest.mark.parametrize("mistake, replace, message", [
    ("deploy needs a job that does not exist", ("needs: test", "needs: tests"), 'job "tests" which does not exist'),
    ("a misspelt input of a pinned action", ("path: _build/html", "paht: _build/html"), 'input "paht" is not defined'),
    ("an unquoted variable in a run: script", ('"refs/tags/$tag"', "refs/tags/$tag"), "SC2086"),
    ("a typo in an expression", ("github.event_name != 'pull_request'", "github.event_nam != 'pull_request'"),
     'property "event_nam" is not defined'),
])
def test_actionlint_catches_a_broken_workflow(tmp_path, mistake, replace, message):
    text = WORKFLOW.read_text()
    assert replace[0] in text, f"the workflow changed: update this test's {mistake!r} case"
    broken = tmp_path / ".github" / "workflows" / "book.yml"
    broken.parent.mkdir(parents=True)
    broken.write_text(text.replace(replace[0], replace[1], 1))
    result = actionlint(broken)
    assert result.returncode == 1 and message in result.stdout, (mistake, result.stdout, result.stderr)


def test_triggers_and_pinned_actions():
    workflow = load()
    assert "pull_request" in workflow["on"] and workflow["on"]["push"] == {"branches": ["main"]}
    assert workflow["permissions"] == {"contents": "read"}  # only the deploy job may write to Pages
    uses = [step["uses"] for job in workflow["jobs"].values() for step in job["steps"] if "uses" in step]
    assert uses and all(re.fullmatch(r"actions/[\w-]+@v\d+(\.\d+){0,2}", use) for use in uses), uses


def test_test_job_runs_make_test_as_ci_does():
    job = load()["jobs"]["test"]
    assert "bookworm" in job["container"] and "3.11" in job["container"]  # Debian, for apt's chromium
    runs = [step.get("run", "") for step in job["steps"]]
    assert "bash .ci/run" in runs
    assert "make test" in (ROOT / ".ci" / "run").read_text() and "apt-get install" in (ROOT / ".ci" / "run").read_text()
    cache = next(step for step in job["steps"] if step.get("uses", "").startswith("actions/cache@"))
    assert cache["with"]["path"] == "~/.cache/pip" and "hashFiles('requirements.txt'" in cache["with"]["key"]
    steps = [step.get("uses", step.get("run", "")) for step in job["steps"]]
    assert steps.index(cache["uses"]) < steps.index("bash .ci/run")  # restored before make installs
    upload = next(step for step in job["steps"] if step.get("uses", "").startswith("actions/upload-pages-artifact@"))
    assert upload["with"] == {"path": "_build/html"} and upload["if"] == ON_MAIN
    assert steps.index(upload["uses"]) > steps.index("bash .ci/run")  # only a site that passed the tests


def test_deploy_job_publishes_to_pages_on_main_only():
    job = load()["jobs"]["deploy"]
    assert job["needs"] == "test" and job["if"] == ON_MAIN
    assert job["permissions"] == {"pages": "write", "id-token": "write"}
    assert job["environment"]["name"] == "github-pages"
    assert job["concurrency"] == {"group": "pages", "cancel-in-progress": False}
    assert [step["uses"].split("@")[0] for step in job["steps"]] == ["actions/configure-pages", "actions/deploy-pages"]


def test_make_test_runs_actionlint():
    makefile = (ROOT / "Makefile").read_text()
    assert re.search(r"^test: test-workflows\b", makefile, flags=re.M)
    assert "$(BIN)/actionlint -shellcheck=$(BIN)/shellcheck .github/workflows/*.yml" in makefile
