#!/usr/bin/env bash
# A local Keycloak (OIDC provider) with the demo realm (realm/*.json) on 127.0.0.1, no Docker.
#   keycloak.sh fetch|java|up|start|wait|stop|status|env|reset
# Environment: KEYCLOAK_PORT (8180), KEYCLOAK_DATA_DIR (<repo>/.run/keycloak-data), KEYCLOAK_LOG
# (<repo>/.run/logs/keycloak.log), KEYCLOAK_DIR (<repo>/.run/keycloak: the distribution and the generated
# secrets), KEYCLOAK_JAVA_HOME, KEYCLOAK_HEAP (512m), KEYCLOAK_WAIT_SECONDS (300;
# 300 more the first time, when Keycloak rebuilds itself for dev mode), KEYCLOAK_JAVA_OPTS,
# KC_BOOTSTRAP_ADMIN_USERNAME/PASSWORD, MEEMAKEN_OIDC_CLIENT_SECRET (the gateway client's secret).
# MEEMAKEN_OIDC_ISSUER set means: use that OIDC provider, fetch, start and stop nothing.
set -euo pipefail

HERE="$(cd "$(dirname "${BASH_SOURCE[0]}")" && pwd)"
ROOT="$(cd "$HERE/../.." && pwd)"
VERSION="$(sed -n 's:.*<keycloak.version>\(.*\)</keycloak.version>.*:\1:p' "$HERE/pom.xml")"
KC_DIR="${KEYCLOAK_DIR:-$ROOT/.run/keycloak}"
DIST="$KC_DIR/keycloak-$VERSION"
DATA="${KEYCLOAK_DATA_DIR:-$ROOT/.run/keycloak-data}"
PORT="${KEYCLOAK_PORT:-8180}"
LOG="${KEYCLOAK_LOG:-$ROOT/.run/logs/keycloak.log}"
REALM_DIR="$HERE/realm"
REALM="meemaken-demo"
CLIENT_ID="meemaken-gateway"
BASE="http://127.0.0.1:$PORT"
PIDFILE="$DATA/keycloak.pid"
EXTERNAL="${MEEMAKEN_OIDC_ISSUER:-}"
ISSUER="${EXTERNAL:-$BASE/realms/$REALM}"
MIN_JAVA=17  # Keycloak 26.7 runs on 17, 21 and 25 (25 recommended upstream)
# shellcheck source=../maven_fetch.sh
. "$HERE/../maven_fetch.sh"

say() { echo "keycloak: $*" >&2; }

# Download and unpack once (infra/maven_fetch.sh).
fetch() { fetch_once keycloak "$KC_DIR" "$DIST/.fetched" "Keycloak $VERSION (about 170 MB)" unpack; }

unpack() {
  local tmp
  tmp="$(mktemp -d "$KC_DIR/.fetch.XXXXXX")"
  mvn -q -f "$HERE/pom.xml" dependency:copy-dependencies -DoutputDirectory="$tmp"
  tar --no-same-owner -xzf "$tmp/keycloak-quarkus-dist-$VERSION.tar.gz" -C "$tmp"
  rm -rf "$DIST"
  mv "$tmp/keycloak-$VERSION" "$DIST"
  rm -rf "$tmp"
  touch "$DIST/.fetched"
}

java_major() { "$1" -version 2>&1 | sed -n '1s/.*version "\([0-9][0-9]*\).*/\1/p'; }

# The JDK: KEYCLOAK_JAVA_HOME, else JAVA_HOME if recent enough, else Temurin 25, another 25 or 21 under
# /usr/lib/jvm, else the java on the PATH if recent enough.
pick_java() {
  local candidates=() c v
  if [ -n "${KEYCLOAK_JAVA_HOME:-}" ]; then
    v="$(java_major "$KEYCLOAK_JAVA_HOME/bin/java" 2>/dev/null || true)"
    if [ -n "$v" ] && [ "$v" -ge "$MIN_JAVA" ]; then export JAVA_HOME="$KEYCLOAK_JAVA_HOME"; JAVA_MAJOR="$v"; return 0; fi
    say "KEYCLOAK_JAVA_HOME=$KEYCLOAK_JAVA_HOME is not a Java $MIN_JAVA+ (found '${v:-none}')"; exit 1
  fi
  [ -n "${JAVA_HOME:-}" ] && candidates+=("$JAVA_HOME")
  for c in /usr/lib/jvm/temurin-25-jdk* /usr/lib/jvm/*-25-* /usr/lib/jvm/*-21-*; do
    [ -d "$c" ] && candidates+=("$c")
  done
  if command -v java >/dev/null; then candidates+=("$(dirname "$(dirname "$(readlink -f "$(command -v java)")")")"); fi
  for c in "${candidates[@]}"; do
    [ -x "$c/bin/java" ] || continue
    v="$(java_major "$c/bin/java" || true)"
    if [ -n "$v" ] && [ "$v" -ge "$MIN_JAVA" ]; then export JAVA_HOME="$c"; JAVA_MAJOR="$v"; return 0; fi
  done
  say "Keycloak $VERSION needs Java $MIN_JAVA or newer (21 or 25 recommended), and none was found:"
  say "  apt-get install openjdk-17-jre-headless (or a JDK 21/25), or set KEYCLOAK_JAVA_HOME to one"
  exit 1
}

# A secret generated once into KEYCLOAK_DIR (mode 600); concurrent callers all get the first one written.
secret() {
  local file="$KC_DIR/$1"
  if [ ! -s "$file" ]; then
    mkdir -p "$KC_DIR"
    (umask 077; head -c 24 /dev/urandom | base64 | tr '+/' '-_' | tr -d '=\n' > "$file.$$"; mv -n "$file.$$" "$file"; rm -f "$file.$$")
  fi
  cat "$file"
}

secrets_env() {
  if [ -n "${ADMIN_PASSWORD_FROM:-}" ]; then return 0; fi
  export KC_BOOTSTRAP_ADMIN_USERNAME="${KC_BOOTSTRAP_ADMIN_USERNAME:-admin}"
  ADMIN_PASSWORD_FROM="KC_BOOTSTRAP_ADMIN_PASSWORD"
  if [ -z "${KC_BOOTSTRAP_ADMIN_PASSWORD:-}" ]; then
    KC_BOOTSTRAP_ADMIN_PASSWORD="$(secret admin-password)"; ADMIN_PASSWORD_FROM="$KC_DIR/admin-password"
  fi
  if [ -z "${MEEMAKEN_OIDC_CLIENT_SECRET:-}" ]; then MEEMAKEN_OIDC_CLIENT_SECRET="$(secret client-secret)"; fi
  export KC_BOOTSTRAP_ADMIN_PASSWORD MEEMAKEN_OIDC_CLIENT_SECRET
}

# What the database was imported from: the realm files and the client secret the import put in.
fingerprint() { { cat "$REALM_DIR"/*.json; printf '%s' "$MEEMAKEN_OIDC_CLIENT_SECRET"; } | sha256sum | cut -d' ' -f1; }

# The instance's own Keycloak home (kc.home.dir): its data/ (H2 database, import folder, tmp) is
# this instance's; lib, providers and themes are the distribution's.
prepare_home() {
  mkdir -p "$DATA/data/import" "$(dirname "$LOG")"
  ln -sfn "$DIST/providers" "$DATA/providers"
  ln -sfn "$DIST/themes" "$DATA/themes"
  ln -sfn "$DIST/lib" "$DATA/lib"  # without it, Keycloak takes the home for an unbuilt one and re-augments
  local fp
  fp="$(fingerprint)"
  if [ -d "$DATA/data/h2" ] && [ "$(cat "$DATA/realm.sha256" 2>/dev/null || true)" != "$fp" ]; then
    say "the realm files or the client secret changed since $DATA was imported: starting with a fresh database"
    rm -rf "$DATA/data/h2" "$DATA/data/transaction-logs"
  fi
  rm -f "$DATA/data/import/"*.json
  cp "$REALM_DIR"/*.json "$DATA/data/import/"
  echo "$fp" > "$DATA/realm.sha256"
}

# the pid file may outlive the server, and its pid be reused: check that it is still ours
running() { [ -f "$PIDFILE" ] && ps -p "$(cat "$PIDFILE")" -o args= 2>/dev/null | grep -qF -- "-Dkc.home.dir=$DATA"; }

port_busy() { (exec 3<>"/dev/tcp/127.0.0.1/$PORT") 2>/dev/null; }

http_ok() {
  if command -v curl >/dev/null; then curl -sf -o /dev/null --max-time 5 "$1"
  else python3 -c 'import sys, urllib.request; urllib.request.urlopen(sys.argv[1], timeout=5)' "$1" 2>/dev/null; fi
}

# kc.sh's JVM options, for a quick start rather than peak throughput: C1 only (no C2 compiling
# in the background of the start: half the CPU time to ready, which is what counts on a busy 2-core
# machine) and the serial collector. KEYCLOAK_JAVA_OPTS replaces them.
java_opts() {
  if [ -n "${KEYCLOAK_JAVA_OPTS:-}" ]; then echo "$KEYCLOAK_JAVA_OPTS"; return 0; fi
  echo "-Xms64m -Xmx${KEYCLOAK_HEAP:-512m} -XX:MetaspaceSize=96M -XX:MaxMetaspaceSize=256m" \
    "-XX:TieredStopAtLevel=1 -XX:+UseSerialGC -XX:+ExitOnOutOfMemoryError -XX:-UsePerfData" \
    "-Dfile.encoding=UTF-8 -Dstdout.encoding=UTF-8 -Dstderr.encoding=UTF-8 -Djava.security.egd=file:/dev/urandom"
}

# start-dev (dev profile: local caches, no theme caching, H2 file database in the instance's home),
# HTTP on 127.0.0.1 only, the issuer fixed to http://127.0.0.1:<port> whatever Host a request carries.
start() {
  if running; then
    say "already running (pid $(cat "$PIDFILE")) on $BASE"
    secrets_env
    if [ "$(cat "$DATA/realm.sha256" 2>/dev/null || true)" != "$(fingerprint)" ]; then
      say "it runs on an import of other realm files or another client secret: keycloak.sh stop, then up, to import anew"
    fi
    return 0
  fi
  if port_busy; then say "port $PORT is in use by another process: set KEYCLOAK_PORT"; exit 1; fi
  pick_java
  secrets_env
  prepare_home
  : > "$LOG"
  JAVA_OPTS="$(java_opts)" setsid "$DIST/bin/kc.sh" start-dev "-Dkc.home.dir=$DATA" --import-realm \
    --http-enabled=true --http-host=127.0.0.1 --http-port="$PORT" \
    --hostname="$BASE" --hostname-strict=false \
    --cache=local --health-enabled=false --metrics-enabled=false \
    >>"$LOG" 2>&1 </dev/null &
  echo $! > "$PIDFILE"
  say "started Keycloak $VERSION on $BASE (Java $JAVA_MAJOR, pid $!, log $LOG)"
}

wait_ready() {
  local deadline=$((SECONDS + ${KEYCLOAK_WAIT_SECONDS:-300} + ${1:-0}))
  until http_ok "$ISSUER/.well-known/openid-configuration"; do
    if [ -z "$EXTERNAL" ] && ! running; then
      say "Keycloak exited; last lines of $LOG:"; tail -n 40 "$LOG" >&2; exit 1
    fi
    if [ $SECONDS -ge $deadline ]; then
      say "$ISSUER not ready after $((${KEYCLOAK_WAIT_SECONDS:-300} + ${1:-0}))s"; [ -n "$EXTERNAL" ] || tail -n 40 "$LOG" >&2; exit 1
    fi
    sleep 0.5
  done
}

stop() {
  if ! running; then say "not running"; rm -f "$PIDFILE"; return 0; fi
  local pid
  pid="$(cat "$PIDFILE")"
  # kc.sh and its java run in a session (process group) of their own: stop the whole group
  kill -TERM -- "-$pid" 2>/dev/null || kill -TERM "$pid"
  for _ in $(seq 1 60); do kill -0 -- "-$pid" 2>/dev/null || break; sleep 0.5; done
  if kill -0 -- "-$pid" 2>/dev/null; then
    say "did not stop in 30s, killing"; kill -KILL -- "-$pid" 2>/dev/null || true
    for _ in $(seq 1 50); do kill -0 -- "-$pid" 2>/dev/null || break; sleep 0.1; done
  fi
  rm -f "$PIDFILE"
  say "stopped"
}

status() { if running; then echo "running (pid $(cat "$PIDFILE")) on $BASE, issuer $ISSUER"; else echo "stopped"; fi; }

# What a client of this provider needs, as NAME=value lines (for make run and the tests).
print_env() {
  if [ -z "$EXTERNAL" ]; then secrets_env; fi
  echo "MEEMAKEN_OIDC_ISSUER=$ISSUER"
  echo "MEEMAKEN_OIDC_CLIENT_ID=${MEEMAKEN_OIDC_CLIENT_ID:-$CLIENT_ID}"
  echo "MEEMAKEN_OIDC_CLIENT_SECRET=${MEEMAKEN_OIDC_CLIENT_SECRET:-}"
}

up() {
  if [ -n "$EXTERNAL" ]; then say "using $EXTERNAL, starting nothing"; wait_ready; echo "$ISSUER"; return 0; fi
  fetch
  local began=$SECONDS
  secrets_env
  # The first start-dev of a fresh distribution rewrites its lib/quarkus for the dev profile:
  # one instance at a time does that (the tests may start several).
  local augment=0
  if [ ! -f "$DIST/.augmented-dev" ]; then exec 8>"$KC_DIR/.augment.lock"; flock 8; augment=300; fi
  start
  wait_ready "$augment"
  touch "$DIST/.augmented-dev"
  exec 8>&-
  say "ready in $((SECONDS - began))s: issuer $ISSUER; admin console $BASE/admin/ (user $KC_BOOTSTRAP_ADMIN_USERNAME," \
    "password in $ADMIN_PASSWORD_FROM); demo users: infra/keycloak/demo-users.md"
  echo "$ISSUER"
}

# The whole command is read before it runs (an edit of this file mid-run cannot derail it).
main() {
  case "${1:-}" in
    fetch) [ -n "$EXTERNAL" ] && { say "using $EXTERNAL, fetching nothing"; exit 0; }; fetch ;;
    start) [ -n "$EXTERNAL" ] && { say "using $EXTERNAL, starting nothing"; exit 0; }; fetch; start ;;
    java) pick_java; echo "$JAVA_HOME (Java $JAVA_MAJOR)" ;;
    wait) wait_ready; echo "$ISSUER" ;;
    up) up ;;
    stop) [ -n "$EXTERNAL" ] && { say "using $EXTERNAL, stopping nothing"; exit 0; }; stop ;;
    status) status ;;
    env) print_env ;;
    reset) [ -n "$EXTERNAL" ] && { say "using $EXTERNAL, resetting nothing"; exit 0; }; stop; rm -rf "$DATA"; say "removed $DATA" ;;
    *) echo "usage: $0 fetch|java|up|start|wait|stop|status|env|reset" >&2; exit 2 ;;
  esac
}

main "$@"; exit $?
