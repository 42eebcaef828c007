# Two commands on a fresh machine: `make run` and `make test`. Both install what they need.
PYTHON ?= python3
VENV   := .venv
PY     := $(VENV)/bin/python
STAMP  := $(VENV)/.installed-dev
STAGE  ?= prod
ROLE   ?= merchant
SUB    ?= m1

.PHONY: install run test lint token package bench jobs clean fuzz

# Install progress goes to stderr, so `TOKEN=$$(make -s token ...)` captures only the token.
# pip stays below 26.3, which chalice 1.34 does not accept.
$(STAMP): requirements.txt requirements-dev.txt
	@echo "==> creating $(VENV) and installing requirements-dev.txt" >&2
	@test -x $(PY) || $(PYTHON) -m venv $(VENV)
	@$(PY) -m pip install --quiet --disable-pip-version-check --progress-bar off "pip<26.3" >&2
	@$(PY) -m pip install --disable-pip-version-check --progress-bar off -r requirements-dev.txt \
		| grep -E "^(Collecting|Successfully)" >&2 || true
	@$(PY) -c "import chalice, pynamodb, moto, pytest"  # fail here, not later, if install broke
	@touch $@

install: $(STAMP)

run: install  ## moto DynamoDB + tables + demo data + chalice local on 127.0.0.1:8000
	@$(PY) -m local.run

jobs: install  ## each scheduled job once, now: against a running `make run`, else its own moto
	@$(PY) -m local.jobs

# The fuzz runs (tests/fuzz): one worker (chalice local shares app.current_request across its
# threads), with schemathesis' plugin, which pyproject.toml leaves out of the suite's runs.
FUZZ := HYPOTHESIS_STORAGE_DIRECTORY=build/hypothesis $(PY) -m pytest tests/fuzz -p schemathesis -p no:xdist -p no:cacheprovider

# CI's pass injects DynamoDB faults at 10 %; `make faults` runs them at 10 % and 30 %.
test: install  ## lint, the whole suite, a bounded fuzz pass (tests/fuzz), the template scans
	@echo "==> ruff"
	@$(VENV)/bin/ruff check .
	@echo "==> pytest"
	@SHELF_FAULT_RATES=$${SHELF_FAULT_RATES:-0.1} $(PY) -m pytest -n 2 -q
	@echo "==> fuzz, bounded: every operation, on its own make run (ports 8300/8301)"
	@SHELF_FUZZ=bounded $(FUZZ) -q
	@$(MAKE) --no-print-directory scan

fuzz: install  ## schemathesis on every operation and role, on its own make run (8300/8301)
	@SHELF_FUZZ=full $(FUZZ) -v $(FUZZ_ARGS)

lint: install
	@$(VENV)/bin/ruff check .
	@$(VENV)/bin/ruff format --check . || true

token: install  ## make token ROLE=merchant SUB=m1
	@$(PY) -m local.token --role $(ROLE) --sub $(SUB)

package: install  ## build/packaged/sam.json: chalice package merged with infra/resources.json
	@$(PY) -m infra.build --check
	@AWS_DEFAULT_REGION=$${AWS_DEFAULT_REGION:-us-east-1} $(VENV)/bin/chalice package \
		--stage $(STAGE) --merge-template infra/resources.json build/packaged
	@echo "==> wrote build/packaged/sam.json"

# checkov pins boto3 1.35 and the app pins 1.44, so it gets a venv of its own, inside .venv.
SCAN_VENV  := $(VENV)/scan
SCAN_STAMP := $(SCAN_VENV)/.installed

$(SCAN_STAMP): requirements-scan.txt
	@echo "==> creating $(SCAN_VENV) and installing requirements-scan.txt (checkov)" >&2
	@test -x $(SCAN_VENV)/bin/python || $(PYTHON) -m venv $(SCAN_VENV)
	@$(SCAN_VENV)/bin/python -m pip install --disable-pip-version-check --progress-bar off \
		-r requirements-scan.txt | grep -E "^Successfully" >&2 || true
	@$(SCAN_VENV)/bin/checkov --version >/dev/null  # fail here, not later, if install broke
	@touch $@

.PHONY: scan
scan: package $(SCAN_STAMP)  ## cfn-lint, then checkov on build/packaged/sam.json; lists suppressions
	@$(PY) -m infra.scan --checkov $(SCAN_VENV)/bin/checkov

.PHONY: faults
faults: install  ## the DynamoDB fault tests at 10 % and 30 %: what each injected, then failures
	@SHELF_FAULT_RATES=0.1,0.3 $(PY) -m pytest -p no:cacheprovider -v -rf \
		tests/integration/test_faults.py

.PHONY: openapi
openapi: install  ## docs/openapi.json: the OpenAPI 3.1 document generated from the routes
	@$(PY) -m chalicelib.openapi

bench: install  ## round trips, import time and memory figures
	@$(PY) -m bench.run

clean:
	rm -rf build .pytest_cache
