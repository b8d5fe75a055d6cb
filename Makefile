# 工会管理平台 — `make run` starts the portal with demo data; `make test` runs the whole suite.
PYTHON ?= python3
VENV   := .venv
BIN    := $(VENV)/bin
PORT   ?= 5000
PG_URL ?= postgresql+psycopg://postgres@127.0.0.1:5432/postgres

.PHONY: run test test-sqlite browser-deps clean

$(BIN)/portal: pyproject.toml
	$(PYTHON) -m venv $(VENV)
	$(BIN)/pip install --quiet --upgrade pip
	$(BIN)/pip install --quiet -e '.[test]'
	touch $@

run: $(BIN)/portal
	$(BIN)/portal db upgrade
	$(BIN)/portal demo
	$(BIN)/portal ensure-admin
	$(BIN)/portal run --port $(PORT)

# Debian's Chromium drives the browser tests (Playwright cannot download its own browser here).
browser-deps:
	@test -x /usr/bin/chromium || { \
	  echo "安装 chromium（浏览器测试需要）…"; \
	  (apt-get update -qq && DEBIAN_FRONTEND=noninteractive apt-get install -y -qq chromium fonts-noto-cjk) >/dev/null; }

test: $(BIN)/portal browser-deps
	$(BIN)/ruff check .
	$(BIN)/mypy
	PORTAL_TEST_PG_ADMIN_URL=$(PG_URL) $(BIN)/python -m pytest

test-sqlite: $(BIN)/portal
	PORTAL_TEST_DATABASES=sqlite $(BIN)/python -m pytest -m "not browser"

clean:
	rm -rf $(VENV) instance .pytest_cache test-artifacts
