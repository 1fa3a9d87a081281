# Everything a fresh clone needs: `make demo` (main job on SQLite) and `make test` (whole suite).
PY ?= python3
VENV ?= .venv
BIN := $(VENV)/bin
DEMO_DB ?= demo.sqlite

.PHONY: install demo test lint bench clean

$(BIN)/lgtt: pyproject.toml
	$(PY) -m venv $(VENV)
	$(BIN)/pip install -q -U pip
	$(BIN)/pip install -q -e '.[dev]'
	touch $(BIN)/lgtt

install: $(BIN)/lgtt

demo: install
	rm -f $(DEMO_DB) $(DEMO_DB)-wal $(DEMO_DB)-shm
	$(BIN)/python -m sample_graphs.demo $(DEMO_DB)
	$(BIN)/lgtt --db $(DEMO_DB) threads
	$(BIN)/lgtt --db $(DEMO_DB) timeline steps-1
	@echo "Now try the interactive debugger: $(BIN)/lgtt --db $(DEMO_DB) ui   (keys: ?; add --graph sample_graphs/hitl.py:graph ui hitl-1 to answer an interrupt with r)"

lint: install
	$(BIN)/ruff check .

test: install lint
	PYTHON=$(BIN)/python bash scripts/redis-stack.sh install || echo "Redis Stack could not be installed: the Redis tests will skip (fail under CI=true)"
	$(BIN)/python -m pytest -q -n 2

bench: install
	$(BIN)/python bench/run_all.py

clean:
	rm -rf $(VENV) $(DEMO_DB) $(DEMO_DB)-wal $(DEMO_DB)-shm .pytest_cache
