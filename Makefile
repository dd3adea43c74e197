# The two commands: `make render` (offline preview + render of dev and prod with the policy pack)
# and `make test` (lint, types, tests with coverage). Both create .venv on first use.
PYTHON ?= python3
VENV ?= .venv
PY := $(VENV)/bin/python
RENDER_STACKS ?= dev prod
RENDER_DIR ?= build/rendered
REQUIREMENTS := requirements.txt requirements-dev.txt policies/requirements.txt app/requirements.txt

CHECKOV_VENV ?= .venv-checkov

SCAN_STACKS ?= dev staging prod
# pip-audit asks PyPI's JSON API for advisories; GitHub CI passes --strict so an unauditable package fails.
PIP_AUDIT_FLAGS ?=

.PHONY: venv checkov-venv render test lint typecheck unit scan clean

$(VENV)/.installed: $(REQUIREMENTS)
	$(PYTHON) -c 'import sys; sys.exit(sys.version_info < (3, 11) and "Python 3.11+ is required")'
	test -x $(PY) || $(PYTHON) -m venv $(VENV)
	$(PY) -m pip install --quiet --disable-pip-version-check -r requirements-dev.txt
	touch $@

# checkov pins `packaging` below what pulumi needs, so it lives in a virtualenv of its own.
$(CHECKOV_VENV)/.installed: requirements-checkov.txt
	test -x $(CHECKOV_VENV)/bin/python || $(PYTHON) -m venv $(CHECKOV_VENV)
	$(CHECKOV_VENV)/bin/python -m pip install --quiet --disable-pip-version-check -r requirements-checkov.txt
	touch $@

checkov-venv: $(CHECKOV_VENV)/.installed

venv: $(VENV)/.installed $(CHECKOV_VENV)/.installed

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
	$(PY) -m mypy components policies/greenlight_policies offline app/greenlight_app

unit: venv
	$(PY) -m pytest --cov --cov-report=term

test: lint typecheck unit

# Security scans, as .github/workflows/security.yml runs them.
scan: venv
	$(MAKE) render RENDER_STACKS="$(SCAN_STACKS)"
	BC_SKIP_MAPPING=TRUE $(CHECKOV_VENV)/bin/checkov --framework kubernetes -d $(RENDER_DIR) --skip-download --compact --quiet
	$(PY) -m scripts.sast
	$(VENV)/bin/pip-audit --progress-spinner off $(PIP_AUDIT_FLAGS) $(addprefix -r ,$(REQUIREMENTS))
	$(VENV)/bin/zizmor --offline .github
	$(VENV)/bin/check-jsonschema --builtin-schema vendor.github-workflows .github/workflows/*.yml
	$(VENV)/bin/check-jsonschema --builtin-schema vendor.dependabot .github/dependabot.yml

clean:
	rm -rf build .pytest_cache .mypy_cache .ruff_cache .coverage
