# The two set-up commands of the README: `make demo` and `make test`. Both install what they need.
PYTHON ?= python3
VENV := .venv
BIN := $(VENV)/bin
STAMP := $(VENV)/.installed-$(shell sha256sum pyproject.toml | cut -c1-12)

.PHONY: demo test lint system-deps install stack-up stack-down clean

$(STAMP): pyproject.toml
	$(PYTHON) -m venv $(VENV)
	$(BIN)/pip install --quiet --upgrade pip
	$(BIN)/pip install --quiet -e '.[dev]'
	rm -f $(VENV)/.installed-*
	touch $(STAMP)

install: $(STAMP)

# Java, Maven and unzip run the local Kafka and Elasticsearch (deploy/local); fetched from Debian if missing.
system-deps:
	@bash deploy/local/system-deps.sh

lint: install
	$(BIN)/ruff check .
	$(BIN)/mypy
	$(BIN)/python -m kansa_schemas.jsonschema --check
	$(BIN)/python -m kansa_investigate.openapi --check
	$(BIN)/kansa rules lint
	$(BIN)/kansa rules lock --check
	$(BIN)/kansa rules test

stack-up: install system-deps
	$(BIN)/kansa stack up

stack-down: install
	$(BIN)/kansa stack down

test: lint stack-up
	$(BIN)/pytest -q

demo: stack-up
	$(BIN)/kansa demo

clean:
	rm -rf $(VENV) out .mypy_cache .ruff_cache .pytest_cache
