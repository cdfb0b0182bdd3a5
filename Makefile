# Two commands a newcomer types: `make run` and `make test`.
PYTHON ?= python3
VENV   := .venv
BIN    := $(VENV)/bin
STAMP  := $(VENV)/.installed

.PHONY: run test lint format vectors jsonschema bench clean

$(BIN)/python:
	$(PYTHON) -m venv $(VENV)
	$(BIN)/python -m pip install --quiet --upgrade pip

$(STAMP): $(BIN)/python pyproject.toml
	$(BIN)/python -m pip install --quiet -e '.[test]'
	touch $(STAMP)

lint: $(STAMP)
	$(BIN)/ruff check .
	$(BIN)/ruff format --check .
	$(BIN)/mypy

format: $(STAMP)
	$(BIN)/ruff format .
	$(BIN)/ruff check --fix .

test: lint
	$(BIN)/pytest

run: $(STAMP)
	$(BIN)/palermo up --demo --data-dir data

vectors: $(STAMP)
	$(BIN)/python tests/vectors/generate.py
	$(BIN)/python tests/vectors/generate_pseudonyms.py

jsonschema: $(STAMP)
	$(BIN)/python -m schemas.jsonschema

bench: $(STAMP)
	$(BIN)/python bench/seal_open.py
	$(BIN)/python bench/broker_relay.py --messages 5000

clean:
	rm -rf $(VENV) .pytest_cache .mypy_cache .ruff_cache
