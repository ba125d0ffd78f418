#!/usr/bin/env bash
# A local Apache Kafka broker, or a cluster of them (KRaft: every node broker + controller), no Docker.
#   kafka.sh fetch|format|start|wait|topics|stop|status|bootstrap|scram-user|up
# Environment: KAFKA_DATA_DIR (default <repo>/.run/kafka, a cluster's <repo>/.run/kafka-cluster), KAFKA_PORT (9092), KAFKA_CONTROLLER_PORT (9093),
# PYTHON (for topic creation). KAFKA_BOOTSTRAP_SERVERS set means: use that broker, start and stop nothing.
# KAFKA_BROKERS=3: a cluster of three nodes (each in <data>/node-<n>; ports 9092/9093, 9094/9095, 9096/9097
# unless KAFKA_HOSTS, KAFKA_PORTS, KAFKA_CONTROLLER_PORTS list them per node), replication factor 3,
# min.insync.replicas 2. KAFKA_SASL_SSL_PORTS (per node) adds a SASL_SSL listener (SCRAM-SHA-512) with the
# PEM files of KAFKA_TLS_DIR (ca.pem, node-<n>.pem: key and certificate), the StandardAuthorizer (no ACL, no
# access) and, at `topics`, every service's ACLs (and SCRAM users, given their passwords); then no listener is
# PLAINTEXT: the nodes' own (KAFKA_PORT: inter-broker, the admin tools) is SASL_PLAINTEXT with SCRAM-SHA-512,
# the controllers' SASL_PLAINTEXT with PLAIN, both as the user `broker` (password KAFKA_BROKER_PASSWORD, else
# made once in <data>/broker.password), the only super user (with KAFKA_ADMIN_USER when set). KAFKA_NETNS (per
# node) starts each node inside that network namespace (tests only).
set -euo pipefail

HERE="$(cd "$(dirname "${BASH_SOURCE[0]}")" && pwd)"
ROOT="$(cd "$HERE/../.." && pwd)"
LIBS="${KAFKA_LIBS_DIR:-$ROOT/.cache/kafka/libs}"
BROKERS="${KAFKA_BROKERS:-1}"
if [ "$BROKERS" -eq 1 ]; then DATA="${KAFKA_DATA_DIR:-$ROOT/.run/kafka}"; else DATA="${KAFKA_DATA_DIR:-$ROOT/.run/kafka-cluster}"; fi
PORT="${KAFKA_PORT:-9092}"
CPORT="${KAFKA_CONTROLLER_PORT:-9093}"
PY="${PYTHON:-python3}"
EXTERNAL="${KAFKA_BOOTSTRAP_SERVERS:-}"
# shellcheck source=../maven_fetch.sh
. "$HERE/../maven_fetch.sh"

# The n-th (1-based) item of a comma-separated list, else the default.
nth() {
  local IFS=, items
  read -r -a items <<<"$1"
  if [ -n "${items[$(($2 - 1))]:-}" ]; then echo "${items[$(($2 - 1))]}"; else echo "$3"; fi
}
node_dir() { if [ "$BROKERS" -eq 1 ]; then echo "$DATA"; else echo "$DATA/node-$1"; fi; }
node_host() { nth "${KAFKA_HOSTS:-}" "$1" 127.0.0.1; }
node_port() { nth "${KAFKA_PORTS:-}" "$1" $((PORT + 2 * ($1 - 1))); }
node_cport() { nth "${KAFKA_CONTROLLER_PORTS:-}" "$1" $((CPORT + 2 * ($1 - 1))); }
node_sport() { nth "${KAFKA_SASL_SSL_PORTS:-}" "$1" ""; }
node_netns() { nth "${KAFKA_NETNS:-}" "$1" ""; }
nodes() { seq 1 "$BROKERS"; }
secured() { [ -n "${KAFKA_SASL_SSL_PORTS:-}" ]; }

# The password of the nodes' own user `broker`: KAFKA_BROKER_PASSWORD, else one made at the first format.
broker_password() {
  if [ -n "${KAFKA_BROKER_PASSWORD:-}" ]; then echo "$KAFKA_BROKER_PASSWORD"; return; fi
  local file="$DATA/broker.password"
  if [ ! -f "$file" ]; then
    mkdir -p "$DATA"
    (umask 077; head -c 24 /dev/urandom | base64 | tr '+/' '-_' | tr -d '=' > "$file")
  fi
  cat "$file"
}

# Run the admin tools (wait, topics) as `broker` through the nodes' own SASL listener, when it is one.
as_broker() {
  if secured && [ -z "$EXTERNAL" ]; then
    KAFKA_SECURITY_PROTOCOL=SASL_PLAINTEXT KAFKA_SASL_MECHANISM=SCRAM-SHA-512 KAFKA_SASL_USERNAME=broker \
      KAFKA_SASL_PASSWORD="$(broker_password)" KAFKA_SASL_PASSWORD_FILE= "$@"
  else
    "$@"
  fi
}

# Replication: every partition on three nodes (or all, when fewer), a write acknowledged once two have it.
REPLICATION=$((BROKERS < 3 ? BROKERS : 3))
MIN_ISR=$((REPLICATION >= 3 ? 2 : 1))

own_bootstrap() {
  local n list=""
  for n in $(nodes); do list="$list${list:+,}$(node_host "$n"):$(node_port "$n")"; done
  echo "$list"
}
BOOTSTRAP="${EXTERNAL:-$(own_bootstrap)}"

say() { echo "kafka: $*" >&2; }

fetch() {
  fetch_once kafka "$LIBS" "$LIBS/kafka_2.13-4.1.1.jar" "the broker's jars" \
    mvn -q -f "$HERE/pom.xml" dependency:copy-dependencies -DincludeScope=runtime -DoutputDirectory="$LIBS"
}

java_args() {
  command -v java >/dev/null || { say "Java 17 is missing: apt-get install openjdk-17-jre-headless"; exit 1; }
  local jvm; read -r -a jvm <<<"${KAFKA_JVM_OPTS:--XX:+UseG1GC}"
  JAVA_ARGS=(-Xms256m "-Xmx${KAFKA_HEAP:-768m}" "${jvm[@]}" -Djava.awt.headless=true
    "-Dlog4j2.configurationFile=$HERE/log4j2.yaml" "-Dkafka.logs.dir=${1:-$DATA}" -cp "$LIBS/*")
}

java_cmd() { java_args; java "${JAVA_ARGS[@]}" "$@"; }

# server.properties of node n (one node: broker + controller alone, as before the cluster existed).
properties() {
  local n=$1 dir host port cport sport
  dir="$(node_dir "$n")" host="$(node_host "$n")" port="$(node_port "$n")" cport="$(node_cport "$n")"
  sport="$(node_sport "$n")"
  local own=PLAINTEXT protocols="PLAINTEXT:PLAINTEXT,CONTROLLER:PLAINTEXT"
  if secured; then own=BROKER protocols="BROKER:SASL_PLAINTEXT,CONTROLLER:SASL_PLAINTEXT"; fi
  local listeners="$own://$host:$port,CONTROLLER://$host:$cport"
  local advertised="$own://$host:$port,CONTROLLER://$host:$cport"
  if [ -n "$sport" ]; then
    listeners="$listeners,SASL_SSL://$host:$sport" advertised="$advertised,SASL_SSL://$host:$sport"
    protocols="$protocols,SASL_SSL:SASL_SSL"
  fi
  echo "process.roles=broker,controller"
  echo "node.id=$n"
  if [ "$BROKERS" -eq 1 ]; then
    echo "controller.quorum.bootstrap.servers=$host:$cport"
  else
    local m voters=""
    for m in $(nodes); do voters="$voters${voters:+,}$m@$(node_host "$m"):$(node_cport "$m")"; done
    echo "controller.quorum.voters=$voters"
  fi
  cat <<PROPS
listeners=$listeners
advertised.listeners=$advertised
controller.listener.names=CONTROLLER
listener.security.protocol.map=$protocols
inter.broker.listener.name=$own
log.dirs=$dir/logs
auto.create.topics.enable=false
num.partitions=3
default.replication.factor=$REPLICATION
min.insync.replicas=$MIN_ISR
unclean.leader.election.enable=false
offsets.topic.replication.factor=$REPLICATION
offsets.topic.num.partitions=10
transaction.state.log.replication.factor=$REPLICATION
transaction.state.log.min.isr=$MIN_ISR
share.coordinator.state.topic.replication.factor=$REPLICATION
share.coordinator.state.topic.min.isr=$MIN_ISR
group.initial.rebalance.delay.ms=0
log.retention.hours=168
PROPS
  if [ "$BROKERS" -gt 1 ]; then  # a lost node is noticed in seconds; elections that survive a loaded machine
    echo "controller.quorum.election.timeout.ms=2000"
    echo "controller.quorum.fetch.timeout.ms=4000"
    echo "broker.session.timeout.ms=6000"
    echo "broker.heartbeat.interval.ms=1000"
    echo "replica.lag.time.max.ms=10000"
  fi
  if [ -n "$sport" ]; then
    local tls="${KAFKA_TLS_DIR:?KAFKA_SASL_SSL_PORTS needs KAFKA_TLS_DIR}" password
    password="$(broker_password)"
    # The nodes among themselves as `broker`: SCRAM between brokers (its credentials are written with the
    # metadata at format), PLAIN to the controllers (KRaft controllers cannot read SCRAM credentials before
    # they have the metadata, so theirs are in this file).
    cat <<PROPS
sasl.mechanism.inter.broker.protocol=SCRAM-SHA-512
listener.name.broker.sasl.enabled.mechanisms=SCRAM-SHA-512
listener.name.broker.scram-sha-512.sasl.jaas.config=org.apache.kafka.common.security.scram.ScramLoginModule required username="broker" password="$password";
sasl.mechanism.controller.protocol=PLAIN
listener.name.controller.sasl.enabled.mechanisms=PLAIN
listener.name.controller.plain.sasl.jaas.config=org.apache.kafka.common.security.plain.PlainLoginModule required username="broker" password="$password" user_broker="$password";
listener.name.sasl_ssl.sasl.enabled.mechanisms=SCRAM-SHA-512
listener.name.sasl_ssl.scram-sha-512.sasl.jaas.config=org.apache.kafka.common.security.scram.ScramLoginModule required;
listener.name.sasl_ssl.ssl.keystore.type=PEM
listener.name.sasl_ssl.ssl.keystore.location=$tls/node-$n.pem
listener.name.sasl_ssl.ssl.truststore.type=PEM
listener.name.sasl_ssl.ssl.truststore.location=$tls/ca.pem
PROPS
    # Every authenticated user is refused what no ACL grants it (topics --acls grants the services' users
    # theirs); no listener lets anyone in unauthenticated. `broker` (and KAFKA_ADMIN_USER) may do anything.
    echo "authorizer.class.name=org.apache.kafka.metadata.authorizer.StandardAuthorizer"
    echo "allow.everyone.if.no.acl.found=false"
    echo "super.users=User:broker${KAFKA_ADMIN_USER:+;User:$KAFKA_ADMIN_USER}"
  fi
}

format() {
  local n dir cluster_id
  mkdir -p "$DATA"
  if [ ! -f "$DATA/cluster.id" ]; then new_cluster_id > "$DATA/cluster.id"; fi
  cluster_id="$(cat "$DATA/cluster.id")"
  local pids=() scram=()
  if secured; then  # the nodes' own user, written with the cluster's metadata
    scram+=(--add-scram "SCRAM-SHA-512=[name=broker,iterations=8192,password=$(broker_password)]")
  fi
  if [ -n "${KAFKA_SCRAM_USER:-}" ]; then  # a first SCRAM user, written with the cluster's metadata
    scram+=(--add-scram "SCRAM-SHA-512=[name=$KAFKA_SCRAM_USER,iterations=8192,password=${KAFKA_SCRAM_PASSWORD:?}]")
  fi
  for n in $(nodes); do
    dir="$(node_dir "$n")"
    mkdir -p "$dir/logs"
    (umask 077; properties "$n" > "$dir/server.properties")  # it may hold the nodes' password
    if [ -f "$dir/logs/meta.properties" ]; then continue; fi
    if [ "$BROKERS" -eq 1 ]; then
      java_cmd kafka.tools.StorageTool format --standalone -t "$cluster_id" -c "$dir/server.properties" "${scram[@]}" >/dev/null &
    else  # a static quorum (controller.quorum.voters): every node formatted with the same cluster id
      java_cmd kafka.tools.StorageTool format -t "$cluster_id" -c "$dir/server.properties" "${scram[@]}" >/dev/null &
    fi
    pids+=($!)
  done
  for n in "${pids[@]}"; do wait "$n"; done
  [ ${#pids[@]} -eq 0 ] || say "formatted $DATA ($BROKERS node(s), cluster $cluster_id)"
}

# A Kafka Uuid (16 random bytes, base64url without padding, not starting with "-"), without a JVM
# start for StorageTool random-uuid.
new_cluster_id() {
  local id="-"
  while [ "${id:0:1}" = "-" ]; do id="$(head -c 16 /dev/urandom | base64 | tr '+/' '-_' | tr -d '=')"; done
  echo "$id"
}

# the pid file may outlive the broker, and its pid be reused: check that it is still our broker
running() {
  local dir; dir="$(node_dir "$1")"
  [ -f "$dir/kafka.pid" ] && ps -p "$(cat "$dir/kafka.pid")" -o args= 2>/dev/null | grep -q "kafka.Kafka $dir/server.properties"
}


start_node() {
  local n=$1 dir netns
  dir="$(node_dir "$n")" netns="$(node_netns "$n")"
  if running "$n"; then say "node $n already running (pid $(cat "$dir/kafka.pid"))"; return 0; fi
  java_args "$dir"
  local prefix=()
  if [ -n "$netns" ]; then prefix=(ip netns exec "$netns"); fi  # exec: the pid is java's
  nohup "${prefix[@]}" java "${JAVA_ARGS[@]}" kafka.Kafka "$dir/server.properties" >"$dir/console.log" 2>&1 &
  echo $! > "$dir/kafka.pid"
  say "node $n started on $(node_host "$n"):$(node_port "$n") (pid $!, log $dir/server.log)"
}

start() {
  local n
  if [ -n "${KAFKA_NODE:-}" ]; then start_node "$KAFKA_NODE"; return 0; fi
  for n in $(nodes); do start_node "$n"; done
}

# Something listens on the first bootstrap address (cheap, before asking for metadata with Python).
port_open() {
  local first="${BOOTSTRAP%%,*}"
  (exec 3<>"/dev/tcp/${first%:*}/${first##*:}") 2>/dev/null
}

wait_ready() {
  local deadline=$((SECONDS + ${KAFKA_WAIT_SECONDS:-90})) expected="$BROKERS"
  [ -z "$EXTERNAL" ] || expected=1
  until port_open && as_broker "$PY" - "$BOOTSTRAP" "$expected" <<'PY' 2>/dev/null
import os, sys, time
from kafka.admin import KafkaAdminClient
login = {}
if os.environ.get("KAFKA_SECURITY_PROTOCOL") == "SASL_PLAINTEXT":  # as_broker's
    login = {"security_protocol": "SASL_PLAINTEXT", "sasl_mechanism": "SCRAM-SHA-512",
             "sasl_plain_username": os.environ["KAFKA_SASL_USERNAME"],
             "sasl_plain_password": os.environ["KAFKA_SASL_PASSWORD"]}
deadline = time.monotonic() + 5  # asked again in this process: an interpreter start a try cost the JVMs' CPU
while True:
    try:
        admin = KafkaAdminClient(bootstrap_servers=sys.argv[1].split(","), request_timeout_ms=3000, **login)
        try:
            if len(admin.describe_cluster()["brokers"]) >= int(sys.argv[2]):
                break
        finally:
            admin.close()
    except Exception:
        pass
    if time.monotonic() > deadline:
        sys.exit(1)
    time.sleep(0.2)
PY
  do
    if [ -z "$EXTERNAL" ]; then
      local n dir
      for n in $(nodes); do
        dir="$(node_dir "$n")"
        if ! running "$n"; then
          say "node $n exited; last lines of its log:"; tail -n 30 "$dir/console.log" "$dir/server.log" 2>/dev/null >&2; exit 1
        fi
      done
    fi
    if [ $SECONDS -ge $deadline ]; then
      say "not ready after ${KAFKA_WAIT_SECONDS:-90}s"; tail -n 30 "$(node_dir 1)/server.log" 2>/dev/null >&2; exit 1
    fi
    sleep 0.2
  done
  say "ready on $BOOTSTRAP"
}

# Event topics: KAFKA_TOPIC_PARTITIONS each when set (a cluster: 12, for up to 12 workers per consumer group).
# With a SASL_SSL listener (or KAFKA_ACLS=1) also every service's ACLs (create_topics.py --acls).
topics() {
  local partitions="${KAFKA_TOPIC_PARTITIONS:-}" acls=()
  if [ -z "$partitions" ] && [ -z "$EXTERNAL" ] && [ "$BROKERS" -gt 1 ]; then partitions=12; fi
  if [ -n "${KAFKA_SASL_SSL_PORTS:-}" ] || [ "${KAFKA_ACLS:-0}" = 1 ]; then acls=(--acls); fi
  as_broker env KAFKA_REPLICATION_FACTOR="${KAFKA_REPLICATION_FACTOR:-$REPLICATION}" \
    KAFKA_MIN_INSYNC_REPLICAS="${KAFKA_MIN_INSYNC_REPLICAS:-$MIN_ISR}" KAFKA_TOPIC_PARTITIONS="$partitions" \
    "$PY" "$HERE/create_topics.py" "$BOOTSTRAP" "${KAFKA_TOPICS_FILE:-$HERE/topics.txt}" "${acls[@]}"
}

# SIGTERM to every node at once (one by one, the last ones would wait for a quorum that is gone), SIGKILL after 30 s.
# A SCRAM-SHA-512 user (KAFKA_SCRAM_USER, KAFKA_SCRAM_PASSWORD from the environment) on a running cluster,
# as Kafka's kafka-configs.sh makes one.
scram_user() {
  local user="${KAFKA_SCRAM_USER:?}" password="${KAFKA_SCRAM_PASSWORD:?}"
  local as=()
  if secured && [ -z "$EXTERNAL" ]; then  # as `broker`, through the nodes' own listener
    (umask 077; printf '%s\n' security.protocol=SASL_PLAINTEXT sasl.mechanism=SCRAM-SHA-512 \
      "sasl.jaas.config=org.apache.kafka.common.security.scram.ScramLoginModule required username=\"broker\" password=\"$(broker_password)\";" \
      >"$DATA/broker-client.properties")
    as=(--command-config "$DATA/broker-client.properties")
  fi
  java_args "$DATA"
  java "${JAVA_ARGS[@]}" kafka.admin.ConfigCommand --bootstrap-server "$BOOTSTRAP" "${as[@]}" --alter \
    --add-config "SCRAM-SHA-512=[iterations=8192,password=$password]" --entity-type users --entity-name "$user" >/dev/null
  say "SCRAM-SHA-512 credentials for $user set"
}

stop() {
  local n dir pids=()
  for n in $(nodes); do
    dir="$(node_dir "$n")"
    if running "$n"; then pids+=("$(cat "$dir/kafka.pid")"); fi
  done
  if [ ${#pids[@]} -eq 0 ]; then
    say "not running"
  else
    kill -TERM "${pids[@]}" 2>/dev/null || true
    local pid
    for _ in $(seq 1 60); do
      local alive=0
      for pid in "${pids[@]}"; do if kill -0 "$pid" 2>/dev/null; then alive=1; fi; done
      [ $alive -eq 1 ] || break
      sleep 0.5
    done
    for pid in "${pids[@]}"; do
      if kill -0 "$pid" 2>/dev/null; then
        say "pid $pid did not stop in 30s, killing"; kill -KILL "$pid" 2>/dev/null || true
        for _ in $(seq 1 50); do kill -0 "$pid" 2>/dev/null || break; sleep 0.1; done
      fi
    done
    say "stopped"
  fi
  for n in $(nodes); do rm -f "$(node_dir "$n")/kafka.pid"; done
}

status() {
  local n
  for n in $(nodes); do
    local where="$(node_host "$n"):$(node_port "$n")" dir; dir="$(node_dir "$n")"
    [ "$BROKERS" -eq 1 ] || printf 'node %s: ' "$n"
    if running "$n"; then echo "running (pid $(cat "$dir/kafka.pid")) on $where"; else echo "stopped"; fi
  done
}

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
    bootstrap) echo "$BOOTSTRAP" ;;
    scram-user) scram_user ;;
    up)
      if [ -n "$EXTERNAL" ]; then say "using $EXTERNAL, starting nothing"; else fetch; format; start; fi
      wait_ready; topics ;;
    *) echo "usage: $0 fetch|format|start|wait|topics|stop|status|bootstrap|scram-user|up" >&2; exit 2 ;;
  esac
}

main "$@"; exit $?
