# Two commands for a newcomer: `make run` and `make test`.
PYTHON ?= python3
VENV ?= .venv
BIN := $(VENV)/bin
FLASK := $(BIN)/flask --app wsgi
HOST ?= 127.0.0.1
PORT ?= 5000

.PHONY: run test test-lowest test-clocks install install-test chromium lint format audit security-report

$(BIN)/python:
	$(PYTHON) -m venv $(VENV)
	$(BIN)/pip install -q --upgrade pip

$(VENV)/.installed: pyproject.toml | $(BIN)/python
	$(BIN)/pip install -q -e .
	touch $@

$(VENV)/.installed-test: pyproject.toml | $(BIN)/python
	$(BIN)/pip install -q -e '.[test]'
	touch $(VENV)/.installed $@

install: $(VENV)/.installed

install-test: $(VENV)/.installed-test

## make run: install, migrate, seed the demo markets (first run only) and serve on http://127.0.0.1:5000
run: install
	$(FLASK) db upgrade
	$(FLASK) lgadmin demo-data
	@echo "lgadmin on http://$(HOST):$(PORT)/admin/"
	$(FLASK) run --host $(HOST) --port $(PORT)

## make test: the whole suite (SQLite; PostgreSQL + Redis when LGADMIN_TEST_* are set)
test: install-test chromium
	$(BIN)/pytest $(PYTEST_ARGS)

## make test-clocks: the suite (browser tests aside) at the instants where dates go wrong:
## just after midnight UTC while the markets' day is still the previous one, a month's last day,
## 29 February and a daylight-saving night in New York. Two at a time, one per core.
CLOCKS ?= 2026-12-01T00:36:00Z 2027-02-01T03:00:00Z 2028-03-01T02:30:00Z 2027-03-14T06:30:00Z
## make test-lowest: the plug-in's tests on the lowest Flask, Flask-Admin, Flask-Login,
## Flask-SQLAlchemy, SQLAlchemy and Flask-WTF pyproject.toml allows (constraints/lowest.txt)
LOWEST := .venv-lowest
test-lowest: chromium
	test -x $(LOWEST)/bin/python || $(PYTHON) -m venv $(LOWEST)
	$(LOWEST)/bin/pip install -q -e '.[test]' -c constraints/lowest.txt
	$(LOWEST)/bin/pytest -q -p no:cacheprovider tests/host tests/foundation \
		tests/security/test_csrf.py tests/customers/test_grid.py $(PYTEST_ARGS)

test-clocks: install-test
	@printf '%s\n' $(CLOCKS) | xargs -P 2 -I{} sh -c \
		'LGADMIN_TEST_NOW={} $(BIN)/pytest -q -p no:cacheprovider -m "not browser" $(PYTEST_ARGS) \
		> $(VENV)/clock-{}.log 2>&1 && echo "clock {}: $$(tail -n 1 $(VENV)/clock-{}.log)" \
		|| { echo "clock {} FAILED:"; tail -n 40 $(VENV)/clock-{}.log; exit 1; }'

# Browser tests drive Debian's Chromium; install it when this machine lets us.
chromium:
	@test -x /usr/bin/chromium || { [ "$$(id -u)" = 0 ] && command -v apt-get >/dev/null && \
		(apt-get update -qq && DEBIAN_FRONTEND=noninteractive apt-get install -y -qq chromium >/dev/null) \
		|| echo "Chromium is not installed: browser tests will be skipped"; }

## make audit: known-vulnerable dependencies (pip-audit) and risky code (bandit)
audit: install-test
	$(BIN)/bandit -q -c pyproject.toml -r lgadmin
	$(BIN)/pip-audit --progress-spinner off --skip-editable

## make security-report: rerun the authorisation matrix and CSRF battery, update docs/security.md
security-report: install-test
	rm -f $(VENV)/security-report.json
	LGADMIN_SECURITY_REPORT=$(VENV)/security-report.json $(BIN)/pytest -q tests/security/test_authorization_matrix.py tests/security/test_csrf.py
	$(BIN)/python tests/security/report.py $(VENV)/security-report.json docs/security.md

lint: install-test
	$(BIN)/ruff check .
	$(BIN)/ruff format --check .
	$(BIN)/lint-imports

format: install-test
	$(BIN)/ruff format .
	$(BIN)/ruff check --fix .
