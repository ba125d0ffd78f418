#!/usr/bin/env bash
# A local Apache Kafka broker (KRaft: one combined broker + controller on 127.0.0.1), no Docker.
#   kafka.sh fetch|format|start|wait|topics|stop|status|up
# Environment: KAFKA_DATA_DIR (default <repo>/.run/kafka), KAFKA_PORT (9092), KAFKA_CONTROLLER_PORT (9093),
# PYTHON (for topic creation). KAFKA_BOOTSTRAP_SERVERS set means: use that broker, start and stop nothing.
set -euo pipefail

HERE="$(cd "$(dirname "${BASH_SOURCE[0]}")" && pwd)"
ROOT="$(cd "$HERE/../.." && pwd)"
LIBS="${KAFKA_LIBS_DIR:-$ROOT/.cache/kafka/libs}"
DATA="${KAFKA_DATA_DIR:-$ROOT/.run/kafka}"
PORT="${KAFKA_PORT:-9092}"
CPORT="${KAFKA_CONTROLLER_PORT:-9093}"
PY="${PYTHON:-python3}"
PROPS="$DATA/server.properties"
PIDFILE="$DATA/kafka.pid"
EXTERNAL="${KAFKA_BOOTSTRAP_SERVERS:-}"
BOOTSTRAP="${EXTERNAL:-127.0.0.1:$PORT}"

say() { echo "kafka: $*" >&2; }

fetch() {
  if [ -f "$LIBS/kafka_2.13-4.1.1.jar" ]; then return 0; fi
  command -v mvn >/dev/null || { say "Maven is missing: apt-get install maven"; exit 1; }
  say "fetching the broker's jars from Maven Central into $LIBS"
  mvn -q -f "$HERE/pom.xml" dependency:copy-dependencies -DincludeScope=runtime -DoutputDirectory="$LIBS"
}

java_args() {
  command -v java >/dev/null || { say "Java 17 is missing: apt-get install openjdk-17-jre-headless"; exit 1; }
  JAVA_ARGS=(-Xms256m "-Xmx${KAFKA_HEAP:-768m}" -XX:+UseG1GC -Djava.awt.headless=true
    "-Dlog4j2.configurationFile=$HERE/log4j2.yaml" "-Dkafka.logs.dir=$DATA" -cp "$LIBS/*")
}

java_cmd() { java_args; java "${JAVA_ARGS[@]}" "$@"; }

format() {
  mkdir -p "$DATA/logs"
  cat > "$PROPS" <<PROPS
process.roles=broker,controller
node.id=1
controller.quorum.bootstrap.servers=127.0.0.1:$CPORT
listeners=PLAINTEXT://127.0.0.1:$PORT,CONTROLLER://127.0.0.1:$CPORT
advertised.listeners=PLAINTEXT://127.0.0.1:$PORT,CONTROLLER://127.0.0.1:$CPORT
controller.listener.names=CONTROLLER
listener.security.protocol.map=PLAINTEXT:PLAINTEXT,CONTROLLER:PLAINTEXT
inter.broker.listener.name=PLAINTEXT
log.dirs=$DATA/logs
auto.create.topics.enable=false
num.partitions=3
default.replication.factor=1
min.insync.replicas=1
offsets.topic.replication.factor=1
offsets.topic.num.partitions=10
transaction.state.log.replication.factor=1
transaction.state.log.min.isr=1
share.coordinator.state.topic.replication.factor=1
share.coordinator.state.topic.min.isr=1
group.initial.rebalance.delay.ms=0
log.retention.hours=168
PROPS
  if [ -f "$DATA/logs/meta.properties" ]; then return 0; fi
  local cluster_id
  cluster_id="$(new_cluster_id)"
  java_cmd kafka.tools.StorageTool format --standalone -t "$cluster_id" -c "$PROPS" >/dev/null
  say "formatted $DATA (cluster $cluster_id)"
}

# A Kafka Uuid (16 random bytes, base64url without padding, not starting with "-"), without a JVM
# start for StorageTool random-uuid.
new_cluster_id() {
  local id="-"
  while [ "${id:0:1}" = "-" ]; do id="$(head -c 16 /dev/urandom | base64 | tr '+/' '-_' | tr -d '=')"; done
  echo "$id"
}

# the pid file may outlive the broker, and its pid be reused: check that it is still our broker
running() { [ -f "$PIDFILE" ] && ps -p "$(cat "$PIDFILE")" -o args= 2>/dev/null | grep -q "kafka.Kafka $PROPS"; }

start() {
  if running; then say "already running (pid $(cat "$PIDFILE"))"; return 0; fi
  java_args
  nohup java "${JAVA_ARGS[@]}" kafka.Kafka "$PROPS" >"$DATA/console.log" 2>&1 &
  echo $! > "$PIDFILE"
  say "started on 127.0.0.1:$PORT (pid $!, log $DATA/server.log)"
}

# Something listens on the first bootstrap address (cheap, before asking for metadata with Python).
port_open() {
  local first="${BOOTSTRAP%%,*}"
  (exec 3<>"/dev/tcp/${first%:*}/${first##*:}") 2>/dev/null
}

wait_ready() {
  local deadline=$((SECONDS + ${KAFKA_WAIT_SECONDS:-90}))
  until port_open && "$PY" - "$BOOTSTRAP" <<'PY' 2>/dev/null
import sys
from kafka.admin import KafkaAdminClient
admin = KafkaAdminClient(bootstrap_servers=sys.argv[1].split(","), request_timeout_ms=3000)
admin.list_topics()
admin.close()
PY
  do
    if [ -z "$EXTERNAL" ] && ! running; then
      say "the broker exited; last lines of its log:"; tail -n 30 "$DATA/console.log" "$DATA/server.log" 2>/dev/null >&2; exit 1
    fi
    if [ $SECONDS -ge $deadline ]; then
      say "not ready after ${KAFKA_WAIT_SECONDS:-90}s"; tail -n 30 "$DATA/server.log" 2>/dev/null >&2; exit 1
    fi
    sleep 0.2
  done
  say "ready on $BOOTSTRAP"
}

topics() { "$PY" "$HERE/create_topics.py" "$BOOTSTRAP" "${KAFKA_TOPICS_FILE:-$HERE/topics.txt}"; }

stop() {
  if ! running; then say "not running"; rm -f "$PIDFILE"; return 0; fi
  local pid; pid="$(cat "$PIDFILE")"
  kill -TERM "$pid"
  for _ in $(seq 1 60); do kill -0 "$pid" 2>/dev/null || break; sleep 0.5; done
  if kill -0 "$pid" 2>/dev/null; then
    say "did not stop in 30s, killing"; kill -KILL "$pid"
    for _ in $(seq 1 50); do kill -0 "$pid" 2>/dev/null || break; sleep 0.1; done
  fi
  rm -f "$PIDFILE"
  say "stopped"
}

status() { if running; then echo "running (pid $(cat "$PIDFILE")) on 127.0.0.1:$PORT"; else echo "stopped"; fi; }

# The whole command is read before it runs (an edit of this file mid-run cannot derail it).
main() {
  case "${1:-}" in
    fetch) fetch ;;
    format) [ -n "$EXTERNAL" ] && { say "using $EXTERNAL"; exit 0; }; fetch; format ;;
    start) [ -n "$EXTERNAL" ] && { say "using $EXTERNAL, starting nothing"; exit 0; }; fetch; format; start ;;
    wait) wait_ready ;;
    topics) topics ;;
    stop) [ -n "$EXTERNAL" ] && { say "using $EXTERNAL, stopping nothing"; exit 0; }; stop ;;
    status) status ;;
    up)
      if [ -n "$EXTERNAL" ]; then say "using $EXTERNAL, starting nothing"; else fetch; format; start; fi
      wait_ready; topics ;;
    *) echo "usage: $0 fetch|format|start|wait|topics|stop|status|up" >&2; exit 2 ;;
  esac
}

main "$@"; exit $?
