#!/usr/bin/env bash
# What meemaken needs from the system beyond Python packages: Java 17 and Maven (the local Kafka
# broker, and the local Keycloak), PostgreSQL's server binaries (test clusters). Installed with apt-get
# when missing and running as root; otherwise this says exactly what to install. Then the broker's jars
# and the Keycloak distribution are fetched.
set -euo pipefail
HERE="$(cd "$(dirname "${BASH_SOURCE[0]}")" && pwd)"

missing=()
command -v java >/dev/null || missing+=(openjdk-17-jre-headless)
command -v mvn >/dev/null || missing+=(maven)
command -v npm >/dev/null || missing+=(npm)
# The browser tests drive Debian's Chromium (Playwright cannot download its own browsers here).
command -v chromium >/dev/null || missing+=(chromium)
# The container images are built and run without a Docker engine: buildah and podman on runc, the base
# rootfs by mmdebstrap (infra/images.sh; tests/images skips where they cannot run).
for tool in podman buildah mmdebstrap runc; do command -v "$tool" >/dev/null || missing+=("$tool"); done
# promtool checks and unit-tests the alerting rules (infra/monitoring; tests/images/test_monitoring.py).
command -v promtool >/dev/null || missing+=(prometheus)
if [ ${#missing[@]} -gt 0 ]; then
  if [ "$(id -u)" = 0 ] && command -v apt-get >/dev/null; then
    echo "system-deps: installing ${missing[*]}" >&2
    apt-get update -qq && DEBIAN_FRONTEND=noninteractive apt-get install -y -qq "${missing[@]}" >/dev/null
  else
    echo "system-deps: please install: sudo apt-get install ${missing[*]}" >&2; exit 1
  fi
fi
bash "$HERE/postgres/pg.sh" ensure
if [ -z "${KAFKA_BOOTSTRAP_SERVERS:-}" ]; then bash "$HERE/kafka/kafka.sh" fetch; fi
if [ -z "${MEEMAKEN_OIDC_ISSUER:-}" ]; then bash "$HERE/keycloak/keycloak.sh" fetch; fi
# axe-core for the browser tests, pinned by tests/browser/package-lock.json.
if [ ! -f "$HERE/../tests/browser/node_modules/axe-core/axe.min.js" ]; then
  (cd "$HERE/../tests/browser" && npm ci --no-audit --no-fund --silent)
fi
