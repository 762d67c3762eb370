# safety-monitor: `make run` starts the embedded monitor on demo traffic; `make test` runs the
# test suite with every service it needs. Both create .venv and install what they need.
PYTHON ?= python3
VENV := .venv
PY := $(VENV)/bin/python
PIP := $(VENV)/bin/pip
STAMP := $(VENV)/.installed
OUT := out

# Services the tests run for real (Debian packages): Prometheus and Alertmanager, and Chromium
# for rendering the HTML report. Installed once; `make test` skips what is already there.
SYSTEM_TOOLS := prometheus:prometheus prometheus-alertmanager:prometheus-alertmanager \
	amtool:prometheus-alertmanager promtool:prometheus chromium:chromium
SUDO := $(shell [ "$$(id -u)" = 0 ] || echo sudo)

.PHONY: run test bench bench-drift soak eval lint format clean system-deps

$(STAMP): pyproject.toml
	@$(PYTHON) -c 'import sys; assert sys.version_info[:2] == (3, 11), "safety-monitor needs Python 3.11"'
	test -d $(VENV) || $(PYTHON) -m venv $(VENV)
	$(PIP) install --quiet --upgrade pip
	$(PIP) install --quiet -e '.[test]'
	touch $(STAMP)

run: $(STAMP)
	@mkdir -p $(OUT)
	$(VENV)/bin/safety-monitor run --source demo --rate 2000 --metrics-port 9108 \
		--alerts-out $(OUT)/alerts.jsonl

system-deps:
	@missing=""; for pair in $(SYSTEM_TOOLS); do \
		command -v $${pair%%:*} >/dev/null 2>&1 || missing="$$missing $${pair#*:}"; done; \
	if [ -n "$$missing" ]; then \
		echo "installing Debian packages:$$missing"; \
		$(SUDO) apt-get update -qq && \
		DEBIAN_FRONTEND=noninteractive $(SUDO) apt-get install -y -qq \
			$$(echo $$missing | tr ' ' '\n' | sort -u) >/dev/null; fi

test: $(STAMP) system-deps
	$(PY) -m pytest

bench: $(STAMP)
	$(PY) -m bench

bench-drift: $(STAMP)
	$(PY) -m bench.bench_drift

# Kill-and-restart of a Kafka worker, 20 times at random moments: lost and double-counted
# samples per run (both must be 0).
soak: $(STAMP)
	$(PY) -m bench.soak_kafka --runs 20

eval: $(STAMP)
	$(PY) -m bench.eval_classifiers

lint: $(STAMP)
	$(VENV)/bin/ruff check .
	$(VENV)/bin/ruff format --check .

format: $(STAMP)
	$(VENV)/bin/ruff check --fix .
	$(VENV)/bin/ruff format .

clean:
	rm -rf $(VENV) $(OUT) build *.egg-info .pytest_cache .ruff_cache
