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
	@echo "The broker service (embedded NATS, demo directory, ops API) is not built yet."
	@echo "Until it is, this makes a demo authority keystore with the palermo CLI:"
	@printf 'demo passphrase for ng-naptip\n' > .venv/demo-passphrase
	$(BIN)/palermo keys new --authority ng-naptip --out .venv/demo/ng-naptip.keystore \
		--fast-kdf --force --passphrase-file .venv/demo-passphrase
	@echo "Try: make bench   (seal/open speed)   and   make test"

vectors: $(STAMP)
	$(BIN)/python tests/vectors/generate.py
	$(BIN)/python tests/vectors/generate_pseudonyms.py

jsonschema: $(STAMP)
	$(BIN)/python -m schemas.jsonschema

bench: $(STAMP)
	$(BIN)/python bench/seal_open.py

clean:
	rm -rf $(VENV) .pytest_cache .mypy_cache .ruff_cache
