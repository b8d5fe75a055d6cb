# 工会管理平台 — `make run` starts the portal with demo data; `make test` runs the whole suite.
PYTHON ?= python3
VENV   := .venv
BIN    := $(VENV)/bin
PORT   ?= 5000
PG_URL ?= postgresql+psycopg://postgres@127.0.0.1:5432/postgres

.PHONY: run test test-sqlite browser-deps print-deps clean

$(BIN)/portal: pyproject.toml
	$(PYTHON) -m venv $(VENV)
	$(BIN)/pip install --quiet --upgrade pip
	$(BIN)/pip install --quiet -e '.[test]'
	touch $@

run: $(BIN)/portal print-deps
	$(BIN)/portal db upgrade
	$(BIN)/portal demo
	$(BIN)/portal ensure-admin
	$(BIN)/portal run --port $(PORT)

# Debian's Chromium drives the browser tests (Playwright cannot download its own browser here).
browser-deps:
	@test -x /usr/bin/chromium || { \
	  echo "安装 chromium（浏览器测试需要）…"; \
	  (apt-get update -qq && DEBIAN_FRONTEND=noninteractive apt-get install -y -qq chromium fonts-noto-cjk) >/dev/null; }

# WeasyPrint (printable forms) draws with Debian's pango and the Noto CJK fonts; poppler-utils reads the PDFs back in tests.
PRINT_DEBS := libpango-1.0-0 libpangoft2-1.0-0 libharfbuzz-subset0 fonts-noto-cjk poppler-utils
print-deps:
	@dpkg -s $(PRINT_DEBS) >/dev/null 2>&1 || { \
	  echo "安装打印所需的 pango 与 Noto CJK 字体…"; \
	  (apt-get update -qq && DEBIAN_FRONTEND=noninteractive apt-get install -y -qq $(PRINT_DEBS)) >/dev/null; }

test: $(BIN)/portal browser-deps print-deps
	$(BIN)/ruff check .
	$(BIN)/mypy
	PORTAL_TEST_PG_ADMIN_URL=$(PG_URL) $(BIN)/python -m pytest

test-sqlite: $(BIN)/portal print-deps
	PORTAL_TEST_DATABASES=sqlite $(BIN)/python -m pytest -m "not browser"

clean:
	rm -rf $(VENV) instance .pytest_cache test-artifacts
