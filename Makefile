# meemaken: `make run` starts the whole system, `make test` proves it. Both install what they need.
SHELL := /bin/bash
PYTHON ?= python3
VENV := .venv
PY := $(VENV)/bin/python
PIP := $(VENV)/bin/pip
SERVICES := proposals challenges panels notifications gateway
PACKAGES := libs/events libs/kit libs/testkit $(addprefix services/,$(SERVICES))
STAMP := $(VENV)/.installed

.PHONY: help install system-deps frontend images run stop test lint typecheck openapi openapi-check event-schemas event-schemas-check monitoring-check helm-check unit bench kafka-up kafka-down clean

help:
	@echo "make run      start Kafka and every service (API + worker) on this machine (MEEMAKEN_DATABASE=postgres: on PostgreSQL)"
	@echo "make stop     stop the local Kafka, Keycloak, Zipkin and PostgreSQL that a killed make run left running"
	@echo "make test     lint, type-check, OpenAPI and event-schema drift checks, then all tests on real Kafka and PostgreSQL"
	@echo "make images   the services' container images (podman/buildah); compose file: infra/compose.yaml"
	@echo "make bench    throughput and latency benchmarks (figures in bench/README.md)"

install: $(STAMP)

$(STAMP): $(foreach p,$(PACKAGES),$(p)/pyproject.toml) requirements-dev.txt
	@test -x $(PY) || $(PYTHON) -m venv $(VENV)
	$(PIP) install -q --upgrade pip
	$(PIP) install -q -r requirements-dev.txt $(foreach p,$(PACKAGES),-e $(p))
	@touch $@

system-deps:
	@bash infra/system-deps.sh

# The portal's NL Design System CSS, from the pinned npm packages (services/gateway/package-lock.json).
GATEWAY_CSS := services/gateway/src/gateway/static/vendor/nlds.css

frontend: $(GATEWAY_CSS)

$(GATEWAY_CSS): services/gateway/package.json services/gateway/package-lock.json services/gateway/tools/build_frontend.py
	cd services/gateway && npm ci --no-audit --no-fund --ignore-scripts
	$(PYTHON) services/gateway/tools/build_frontend.py

# One container image per service (buildah and podman, no Docker engine): infra/images.sh, infra/README.md.
images: frontend
	bash infra/images.sh build

run: install system-deps frontend
	$(PY) infra/run_local.py

# What `make run` started, stopped when it could not stop it itself (killed rather than Ctrl-C): the local Kafka
# (one broker or three), Keycloak, Zipkin and PostgreSQL (MEEMAKEN_DATABASE=postgres); their data stays in .run/.
stop:
	-bash infra/kafka/kafka.sh stop
	-KAFKA_BROKERS=3 bash infra/kafka/kafka.sh stop
	-bash infra/keycloak/keycloak.sh stop
	-bash infra/zipkin/zipkin.sh stop
	-bash infra/postgres/pg.sh stop .run/postgres

lint: install
	$(VENV)/bin/ruff check .

typecheck: install
	$(VENV)/bin/mypy libs/events/src libs/kit/src libs/testkit/src $(foreach s,$(SERVICES),services/$(s)/src) infra/demo_data.py

openapi: install
	@for s in $(SERVICES); do (cd services/$$s && ../../$(PY) -m $$s openapi) || exit 1; done

openapi-check: install
	@for s in $(SERVICES); do (cd services/$$s && ../../$(PY) -m $$s openapi --check) || exit 1; done

# Each service's event JSON Schemas (libs/events/src/meemaken_events/schemas/), generated from the typed
# definitions of the events it publishes (libs/events/README.md).
event-schemas: install
	@for s in $(SERVICES); do (cd services/$$s && ../../$(PY) -m $$s event-schemas) || exit 1; done

event-schemas-check: install
	@for s in $(SERVICES); do (cd services/$$s && ../../$(PY) -m $$s event-schemas --check) || exit 1; done

# The alerting rules checked and unit-tested, the dashboards up to date (infra/monitoring; infra/README.md).
monitoring-check: install system-deps
	cd infra/monitoring && promtool check rules alerts.yaml && promtool test rules alerts.test.yaml
	$(PY) infra/monitoring/dashboards.py --check

# The Helm chart linted, rendered (default values, and each values file of its ci/ folder) and validated offline
# with kubeconform -strict; helm and kubeconform are built once with go install and cached (infra/helm/check.py).
helm-check: install
	$(PY) infra/helm/check.py

unit: install
	$(PY) -m pytest -q -m "not kafka and not postgres and not e2e and not browser"

test: install system-deps frontend lint typecheck openapi-check event-schemas-check monitoring-check helm-check
	$(PY) -m pytest -q -ra --durations=30

bench: install system-deps
	$(PY) bench/run.py

kafka-up:
	bash infra/kafka/kafka.sh up

kafka-down:
	bash infra/kafka/kafka.sh stop

clean:
	rm -rf .run
