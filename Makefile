# sitmap: the one entry point. `make serve` runs the service on the embedded store
# with the demo data; `make test` runs the suite. Both create .venv on first use.

PYTHON ?= python3
VENV   ?= .venv
BIN    := $(VENV)/bin
DB     ?= sitmap.gpkg
HOST   ?= 127.0.0.1
PORT   ?= 8000
STAMP  := $(VENV)/.installed

.PHONY: install serve demo test test-fast lint format bench fuzz load clean

$(STAMP): pyproject.toml
	@test -x $(BIN)/python || $(PYTHON) -m venv $(VENV)
	$(BIN)/python -m pip install --quiet --upgrade pip
	$(BIN)/python -m pip install --quiet -e '.[dev]'
	$(BIN)/python -m api.render.basemap
	$(BIN)/python -m api.routes.static
	@touch $(STAMP)

install: $(STAMP)

$(DB): | $(STAMP)
	$(BIN)/sitmap demo --db $(DB)

demo: $(STAMP)
	$(BIN)/sitmap demo --db $(DB)

serve: $(STAMP) $(DB)
	$(BIN)/sitmap serve --db $(DB) --host $(HOST) --port $(PORT)

test: $(STAMP)
	$(BIN)/python -m pytest -n 2 --dist loadgroup -q $(PYTEST_ARGS)

test-fast: $(STAMP)
	$(BIN)/python -m pytest -q -m "not browser and not postgis and not slow" $(PYTEST_ARGS)

lint: $(STAMP)
	$(BIN)/ruff check .
	$(BIN)/ruff format --check .
	$(BIN)/mypy

format: $(STAMP)
	$(BIN)/ruff format .
	$(BIN)/ruff check --fix .

bench: $(STAMP)
	@for f in bench/*.py; do case $$f in bench/fuzz.py|bench/load.py) continue;; esac; echo "== $$f"; $(BIN)/python $$f || exit 1; done

# Long runs (not in `make test`): schemathesis with a fixed seed over a live server
# (FUZZ_ARGS, e.g. --examples 1000), and 64 connections for 60 s against 2 workers.
fuzz: $(STAMP)
	$(BIN)/python bench/fuzz.py $(FUZZ_ARGS)

load: $(STAMP)
	$(BIN)/python bench/load.py $(LOAD_ARGS)

clean:
	rm -rf $(VENV) .pytest_cache .mypy_cache .ruff_cache build *.egg-info
