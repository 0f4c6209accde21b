# The two commands a new user runs: `make golive` and `make test` (see README.md).
PYTHON ?= python3
VENV ?= .venv
BIN := $(VENV)/bin
ENV ?= sandbox
ARGS ?=

.PHONY: golive test lint install clean allure

$(BIN)/python:
	$(PYTHON) -m venv $(VENV)
	$(BIN)/python -m pip install --quiet --upgrade pip

$(VENV)/.installed: pyproject.toml | $(BIN)/python
	$(BIN)/python -m pip install --quiet -e '.[dev]'
	touch $@

install: $(VENV)/.installed

## The allure command line (npm's allure-commandline; needs Java) under .golive/allure, for the allure test and
## `.golive/allure/node_modules/.bin/allure generate reports/<env>/<run-id>/allure-results`.
allure:
	npm install --prefix .golive/allure --no-audit --no-fund --silent allure-commandline@2

## Run the go-live checklist against the sandbox (or ENV=name) and write the report.
golive: install
	$(BIN)/golive run --env $(ENV) $(ARGS)

## Run the project's own tests (unit, plugin, integration), then lint and type-check the package.
test: install
	$(BIN)/python -m pytest tests $(ARGS)
	$(BIN)/ruff check golive checks loadtests tests benchmarks conftest.py
	$(BIN)/ruff format --check golive checks loadtests tests benchmarks conftest.py
	$(BIN)/mypy

lint: install
	$(BIN)/ruff check golive checks loadtests tests benchmarks conftest.py
	$(BIN)/ruff format --check golive checks loadtests tests benchmarks conftest.py
	$(BIN)/mypy

clean:
	rm -rf $(VENV) .golive build *.egg-info
