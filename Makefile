# Two commands a newcomer types: `make run` and `make test`.
#
# Every install comes from requirements.lock: each package of the tree (runtime, the test
# and server extras, the build backend and pip itself) pinned to one version with the
# hashes of its files, so every machine gets the same bytes. Only `make lock` and
# `make upgrade` resolve versions; they need the lock tool, nothing else does.
PYTHON ?= python3
VENV   := .venv
BIN    := $(VENV)/bin
LOCK   := requirements.lock
LOCKED := $(VENV)/.locked
STAMP  := $(VENV)/.installed
# The lock tool lives outside the venv, which holds exactly what the lock lists.
TOOLS  := .lock-tool
UV     := $(TOOLS)/bin/uv

.PHONY: run cluster test test-cluster lint format lock upgrade vectors jsonschema bench screenshots clean

# A changed lock rebuilds the venv from nothing: installing over an old venv would keep
# packages the new lock no longer lists.
$(LOCKED): $(LOCK)
	rm -rf $(VENV)
	$(PYTHON) -m venv $(VENV)
	$(BIN)/python -m pip install --quiet --require-hashes --no-deps -r $(LOCK)
	touch $(LOCKED)

# --no-build-isolation: build with the locked setuptools instead of fetching the newest.
# An old palermo.egg-info in the tree would shadow the installed metadata (entry points
# included) for anything run from here, so it goes first.
$(STAMP): $(LOCKED) pyproject.toml
	rm -rf palermo.egg-info
	$(BIN)/python -m pip install --quiet --no-deps --no-build-isolation -e .
	$(BIN)/python -m pip check
	touch $(STAMP)

lint: $(STAMP)
	$(BIN)/ruff check .
	$(BIN)/ruff format --check .
	$(BIN)/mypy

format: $(STAMP)
	$(BIN)/ruff format .
	$(BIN)/ruff check --fix .

# tests/cluster (three nats-servers per test: node loss, partitions, leaf nodes over TLS)
# is left out of `make test` and run by `make test-cluster`; .ci/run runs both.
test: lint
	$(BIN)/pytest

test-cluster: $(STAMP)
	$(BIN)/pytest tests/cluster

run: $(STAMP)
	$(BIN)/palermo up --demo --data-dir data

# The same demo on a hub of three nats-servers (one JetStream cluster, streams at R3),
# in its own data directory.
cluster: $(STAMP)
	$(BIN)/palermo up --demo --cluster 3 --data-dir data-cluster

$(UV): requirements-uv.txt
	rm -rf $(TOOLS)
	$(PYTHON) -m pip install --quiet --require-hashes --no-deps --target $(TOOLS) -r requirements-uv.txt

# The lock's inputs: the project with its extras, the build backend as pyproject.toml
# names it, and pip. `lock` keeps the pinned versions that still satisfy pyproject.toml
# (run it after changing dependencies); `upgrade` moves everything to the newest release.
# $(RUNTIME_LOCK) is the subset the container image installs (no extras), held to the
# very versions of $(LOCK).
RUNTIME_LOCK := requirements-runtime.lock
LOCK_INPUTS = { echo pip; $(PYTHON) -c 'import tomllib; print(*tomllib.load(open("pyproject.toml", "rb"))["build-system"]["requires"], sep="\n")'; }
COMPILE = $(UV) pip compile pyproject.toml - --universal --python-version 3.11 \
	--generate-hashes --custom-compile-command 'make lock' --quiet

# uv keeps the pins it finds in the output file, so each lock is compiled over a copy of
# itself; the copy replaces the lock only if it changed (a lock whose date moved would
# rebuild .venv for nothing).
define compile_lock
	cp $(2) $(2).new 2>/dev/null || true
	$(LOCK_INPUTS) | $(COMPILE) $(1) -o $(2).new
	if cmp -s $(2).new $(2); then rm $(2).new; else mv $(2).new $(2); fi
endef

lock: $(UV)
	$(call compile_lock,--extra test --extra server --extra bench,$(LOCK))
	$(call compile_lock,-c $(LOCK),$(RUNTIME_LOCK))

upgrade: $(UV)
	$(call compile_lock,--extra test --extra server --extra bench --upgrade,$(LOCK))
	$(call compile_lock,-c $(LOCK),$(RUNTIME_LOCK))

vectors: $(STAMP)
	$(BIN)/python tests/vectors/generate.py
	$(BIN)/python tests/vectors/generate_pseudonyms.py
	$(BIN)/python tests/vectors/generate_witness.py

jsonschema: $(STAMP)
	$(BIN)/python -m schemas.jsonschema

# Every benchmark with --json, then bench/report/README.md (the tables, each figure beside
# its baseline) and bench/report/latency.png; `make bench BENCH_ARGS=--quick` for a short run.
bench: $(STAMP)
	$(BIN)/python bench/report.py $(BENCH_ARGS)

# Registering 100, 1,000 and 5,000 authorities on a 3-node cluster: time per registration,
# server memory, idle CPU, first message (bench/scale.py); the tables are printed, the
# JSON and scale.png go to bench/report/. `make bench-scale SCALE_ARGS=--quick` is short.
# Then 100, 1,000 and 5,000 authority accounts pushed in operator mode, beside bare
# accounts (bench/accounts.py; ACCOUNTS_ARGS=--quick is short).
.PHONY: bench-scale
bench-scale: $(STAMP)
	$(BIN)/python bench/scale.py --json bench/report/scale.json --plot bench/report $(SCALE_ARGS)
	$(BIN)/python bench/accounts.py --json bench/report/accounts.json $(ACCOUNTS_ARGS)

# The dashboard in the six UN languages, for docs/operator-guide.md: a real broker with
# real traffic, shot in headless chromium (Chinese needs a CJK font: fonts-wqy-microhei).
screenshots: $(STAMP)
	$(BIN)/python -m tests.dashboard_screenshots docs/img

clean:
	rm -rf $(VENV) $(TOOLS) .pytest_cache .mypy_cache .ruff_cache
