PYTHON ?= python3
VENV := .venv
BIN := $(VENV)/bin
STAMP := $(VENV)/.installed

.PHONY: install run test test-pg bench lint format clean

install: $(STAMP)

$(STAMP): pyproject.toml
	@$(PYTHON) -c 'import sys; sys.exit(0 if sys.version_info >= (3, 11) else "spotcheck needs Python 3.11 or newer; set PYTHON=python3.11")'
	test -x $(BIN)/python || $(PYTHON) -m venv $(VENV)
	$(BIN)/python -m pip install --quiet --upgrade pip
	$(BIN)/python -m pip install --quiet -e '.[dev]'
	touch $(STAMP)

# A local development run: debug pages and a fixed local key (settings refuse to start
# without SECRET_KEY otherwise). `make run DEBUG=0 SECRET_KEY=…` runs like production.
run: export DEBUG ?= 1
run: install
	$(BIN)/spotcheck migrate --noinput
	$(BIN)/spotcheck setup-demo
	@echo "spotcheck 正在 http://127.0.0.1:8000 提供服务（Ctrl-C 停止）"
	$(BIN)/spotcheck runserver 127.0.0.1:8000

test: install
	$(BIN)/python -m pytest -n auto

bench: install
	$(BIN)/python bench/draw.py --quick
	$(BIN)/python bench/import_entities.py --quick

lint: install
	$(BIN)/ruff check .
	$(BIN)/ruff format --check .
	$(BIN)/mypy

format: install
	$(BIN)/ruff check --fix .
	$(BIN)/ruff format .

clean:
	rm -rf $(VENV) var .pytest_cache .mypy_cache .ruff_cache
