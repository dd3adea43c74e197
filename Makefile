# The two commands: `make render` (offline preview + render of dev and prod with the policy pack)
# and `make test` (lint, types, tests with coverage). Both create .venv on first use.
PYTHON ?= python3
VENV ?= .venv
PY := $(VENV)/bin/python
RENDER_STACKS ?= dev prod
RENDER_DIR ?= build/rendered
REQUIREMENTS := requirements.txt requirements-dev.txt policies/requirements.txt app/requirements.txt

.PHONY: venv render test lint typecheck unit clean

$(VENV)/.installed: $(REQUIREMENTS)
	$(PYTHON) -c 'import sys; sys.exit(sys.version_info < (3, 11) and "Python 3.11+ is required")'
	test -x $(PY) || $(PYTHON) -m venv $(VENV)
	$(PY) -m pip install --quiet --disable-pip-version-check -r requirements-dev.txt
	touch $@

venv: $(VENV)/.installed

render: venv
	@for stack in $(RENDER_STACKS); do \
		echo "== offline preview: $$stack"; \
		$(PY) -m offline preview --stack $$stack --policy-pack policies \
			--policy-pack-config policies/config/$$stack.json --render $(RENDER_DIR)/$$stack || exit $$?; \
	done
	@echo "rendered to $(RENDER_DIR)/"

lint: venv
	$(PY) -m ruff check .
	$(PY) -m ruff format --check .

typecheck: venv
	$(PY) -m mypy components policies/greenlight_policies offline

unit: venv
	$(PY) -m pytest --cov --cov-report=term

test: lint typecheck unit

clean:
	rm -rf build .pytest_cache .mypy_cache .ruff_cache .coverage
