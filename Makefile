PYTHON ?= python3
VENV := .venv
BIN := $(VENV)/bin
STAMP := $(VENV)/.installed

.PHONY: install run serve test test-pg bench lint format clean

install: $(STAMP)

$(STAMP): pyproject.toml
	@$(PYTHON) -c 'import sys; sys.exit(0 if sys.version_info >= (3, 11) else "spotcheck needs Python 3.11 or newer; set PYTHON=python3.11")'
	test -x $(BIN)/python || $(PYTHON) -m venv $(VENV)
	$(BIN)/python -m pip install --quiet --upgrade pip
	$(BIN)/python -m pip install --quiet -e '.[dev]'
	touch $(STAMP)

# A local development run: the demo (setup-demo, then the 2022 year played by demo-year; both
# idempotent, ~10 s the first time), debug pages and a fixed local key (settings refuse to start
# without SECRET_KEY otherwise). `make run DEBUG=0 SECRET_KEY=…` runs like production.
run: export DEBUG ?= 1
run: install
	$(BIN)/spotcheck migrate --noinput
	$(BIN)/spotcheck setup-demo
	$(BIN)/spotcheck demo-year
	@echo "spotcheck 正在 http://127.0.0.1:8000 提供服务（Ctrl-C 停止）"
	@echo "  公示网站（无需登录）：http://127.0.0.1:8000/  抽查结果公示：http://127.0.0.1:8000/public/results/"
	@echo "  工作人员登录：http://127.0.0.1:8000/accounts/login/（coordinator / spotcheck-demo）"
	$(BIN)/spotcheck runserver 127.0.0.1:8000

# Production-style serving: gunicorn (spotcheck/gunicorn_conf.py: workers from the CPU count)
# with WhiteNoise serving hashed static files, DEBUG off. SECRET_KEY must come from the
# environment (settings refuse to start without it); DATABASE_URL, ALLOWED_HOSTS, BIND,
# WEB_CONCURRENCY as needed. Migrates, collects static files and empties the portal's page cache
# (pages cached by an earlier release link static files collectstatic --clear removed) first.
serve: export DEBUG := 0
serve: export STATIC_ROOT ?= $(CURDIR)/var/static
serve: install
	@test -n "$$SECRET_KEY" || { echo "make serve: set SECRET_KEY (at least 50 random characters), e.g. SECRET_KEY=\$$(python3 -c 'import secrets; print(secrets.token_urlsafe(50))')" >&2; exit 2; }
	$(BIN)/spotcheck migrate --noinput
	$(BIN)/spotcheck collectstatic --noinput --clear -v 0
	$(BIN)/spotcheck clear-public-cache -v 0
	$(BIN)/gunicorn -c python:spotcheck.gunicorn_conf

# --dist loadfile: a module's tests run on one worker, so data a module builds once
# (module-scoped fixtures, tests/conftest.py module_transaction) is built once per run.
# Bytecode is cached (__pycache__, ignored by git) even where PYTHONDONTWRITEBYTECODE is set:
# without it every worker compiles spotcheck and assertion-rewrites the test modules and the
# pytest plugins (hypothesis, schemathesis) again, ~7 s of CPU per worker (docs/testing.md).
test: export PYTHONDONTWRITEBYTECODE :=
test: install
	$(BIN)/python -m pytest -n auto --dist loadfile

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
