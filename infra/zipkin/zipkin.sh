#!/usr/bin/env bash
# A local Zipkin server (trace viewer) on 127.0.0.1, from its executable jar on Maven Central, no Docker.
#   zipkin.sh fetch|up|stop|status|env
# Environment: ZIPKIN_VERSION (3.5.1), ZIPKIN_PORT (9411), ZIPKIN_DIR (<repo>/.run/zipkin: the jar and the
# pid file), ZIPKIN_LOG (<repo>/.run/logs/zipkin.log), ZIPKIN_HEAP (256m), ZIPKIN_WAIT_SECONDS (120).
# Spans are kept in memory only (the newest 500,000): a viewer for development, not a trace store.
set -euo pipefail

HERE="$(cd "$(dirname "${BASH_SOURCE[0]}")" && pwd)"
ROOT="$(cd "$HERE/../.." && pwd)"
VERSION="${ZIPKIN_VERSION:-3.5.1}"
DIR="${ZIPKIN_DIR:-$ROOT/.run/zipkin}"
JAR="$DIR/zipkin-server-$VERSION-exec.jar"
PORT="${ZIPKIN_PORT:-9411}"
LOG="${ZIPKIN_LOG:-$ROOT/.run/logs/zipkin.log}"
PIDFILE="$DIR/zipkin.pid"
BASE="http://127.0.0.1:$PORT"
# shellcheck source=../maven_fetch.sh
. "$HERE/../maven_fetch.sh"

say() { echo "zipkin: $*" >&2; }

# Download once (infra/maven_fetch.sh).
fetch() {
  fetch_once zipkin "$DIR" "$JAR" "io.zipkin:zipkin-server:$VERSION (exec jar, about 130 MB)" \
    mvn -q dependency:copy -Dartifact="io.zipkin:zipkin-server:$VERSION:jar:exec" -DoutputDirectory="$DIR" \
    -Dmdep.overWriteReleases=true
}

running() { [ -f "$PIDFILE" ] && ps -p "$(cat "$PIDFILE")" -o args= 2>/dev/null | grep -qF -- "$JAR"; }

http_ok() { python3 -c 'import sys, urllib.request; urllib.request.urlopen(sys.argv[1], timeout=5)' "$1" 2>/dev/null; }

up() {
  fetch
  if running; then say "already running (pid $(cat "$PIDFILE")) on $BASE"; echo "$BASE"; return 0; fi
  command -v java >/dev/null || { say "Java 17 or newer is missing: apt-get install openjdk-17-jre-headless"; exit 1; }
  if (exec 3<>"/dev/tcp/127.0.0.1/$PORT") 2>/dev/null; then say "port $PORT is in use: set ZIPKIN_PORT"; exit 1; fi
  mkdir -p "$(dirname "$LOG")"
  : > "$LOG"
  # C1 only and the serial collector: a quick start on a busy 2-core machine; HTTP on loopback only.
  setsid java "-Xmx${ZIPKIN_HEAP:-256m}" -XX:TieredStopAtLevel=1 -XX:+UseSerialGC -XX:-UsePerfData -jar "$JAR" \
    "--armeria.ports[0].ip=127.0.0.1" "--armeria.ports[0].port=$PORT" "--armeria.ports[0].protocols=http" \
    >>"$LOG" 2>&1 </dev/null &
  echo $! > "$PIDFILE"
  local deadline=$((SECONDS + ${ZIPKIN_WAIT_SECONDS:-120}))
  until http_ok "$BASE/health"; do
    if ! running; then say "Zipkin exited; last lines of $LOG:"; tail -n 30 "$LOG" >&2; exit 1; fi
    if [ $SECONDS -ge $deadline ]; then say "not ready after ${ZIPKIN_WAIT_SECONDS:-120}s; see $LOG"; exit 1; fi
    sleep 0.5
  done
  say "Zipkin $VERSION ready on $BASE (pid $(cat "$PIDFILE"), log $LOG)"
  echo "$BASE"
}

stop() {
  if ! running; then say "not running"; rm -f "$PIDFILE"; return 0; fi
  local pid
  pid="$(cat "$PIDFILE")"
  kill -TERM -- "-$pid" 2>/dev/null || kill -TERM "$pid"
  for _ in $(seq 1 40); do kill -0 "$pid" 2>/dev/null || break; sleep 0.5; done
  kill -0 "$pid" 2>/dev/null && { say "did not stop in 20s, killing"; kill -KILL -- "-$pid" 2>/dev/null || kill -KILL "$pid"; }
  rm -f "$PIDFILE"
  say "stopped"
}

# What the services need to send their spans here (for make run).
print_env() {
  echo "OTEL_TRACES_EXPORTER=zipkin"
  echo "OTEL_EXPORTER_ZIPKIN_ENDPOINT=$BASE/api/v2/spans"
}

case "${1:-}" in
  fetch) fetch ;;
  up) up ;;
  stop) stop ;;
  status) if running; then echo "running (pid $(cat "$PIDFILE")) on $BASE"; else echo "stopped"; fi ;;
  env) print_env ;;
  *) echo "usage: $0 fetch|up|stop|status|env" >&2; exit 2 ;;
esac
