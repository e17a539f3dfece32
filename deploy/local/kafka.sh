#!/usr/bin/env bash
# Runs a single-node Apache Kafka broker (KRaft, broker + controller in one JVM) on 127.0.0.1,
# without Docker. The broker's jars come from Maven Central through pom.xml beside this script and
# are cached under $TAILSTREAM_KAFKA_HOME/lib after the first run.
#
#   deploy/local/kafka.sh fetch     download the broker jars (idempotent)
#   deploy/local/kafka.sh start     fetch if needed, format storage once, start, wait until ready
#   deploy/local/kafka.sh stop      stop the broker started by this script
#   deploy/local/kafka.sh status    print "running <bootstrap>" or "stopped"
#   deploy/local/kafka.sh reset     stop and delete the broker's data
#
# Settings (environment):
#   TAILSTREAM_KAFKA_HOME   working folder (jars, data, logs, pid)   default: deploy/local/.kafka
#   TAILSTREAM_KAFKA_LIB    folder of the broker jars                default: $TAILSTREAM_KAFKA_HOME/lib
#   TAILSTREAM_KAFKA_PORT   client listener port on 127.0.0.1        default: 39092
#   TAILSTREAM_KAFKA_CONTROLLER_PORT  controller listener port       default: 39093
#   TAILSTREAM_KAFKA_HEAP   JVM heap                                   default: 768m
#   TAILSTREAM_KAFKA_START_TIMEOUT  seconds to wait for readiness     default: 90
set -euo pipefail

here="$(cd "$(dirname "${BASH_SOURCE[0]}")" && pwd)"
home="${TAILSTREAM_KAFKA_HOME:-$here/.kafka}"
port="${TAILSTREAM_KAFKA_PORT:-39092}"
controller_port="${TAILSTREAM_KAFKA_CONTROLLER_PORT:-39093}"
heap="${TAILSTREAM_KAFKA_HEAP:-768m}"
start_timeout="${TAILSTREAM_KAFKA_START_TIMEOUT:-90}"
lib="${TAILSTREAM_KAFKA_LIB:-$home/lib}"
data="$home/data"
logs="$home/logs"
pidfile="$home/broker.pid"
props="$home/server.properties"
bootstrap="127.0.0.1:$port"

die() { echo "kafka.sh: $*" >&2; exit 1; }

require_java() {
  command -v java >/dev/null 2>&1 || die "Java 17+ is required to run the local Kafka broker (install a JDK 17, e.g. apt-get install openjdk-17-jre-headless), or set KAFKA_BROKERS to use an existing cluster."
  local v
  v="$(java -version 2>&1 | head -n1 | sed -E 's/.*version "([0-9]+).*/\1/')"
  [[ "$v" =~ ^[0-9]+$ && "$v" -ge 17 ]] || die "Java 17+ is required (found: $(java -version 2>&1 | head -n1))."
}

fetch() {
  if [[ -f "$lib/.complete" ]]; then return 0; fi
  command -v mvn >/dev/null 2>&1 || die "Maven is required once to download the Kafka broker jars (apt-get install maven), or set KAFKA_BROKERS to use an existing cluster."
  echo "kafka.sh: downloading the Kafka broker jars with Maven (first run only)..." >&2
  mkdir -p "$home"
  rm -rf "$lib"
  mvn -q -B -f "$here/pom.xml" package -Dtailstream.kafka.lib="$lib" >&2 \
    || die "Maven could not download the Kafka broker jars (see the output above)."
  touch "$lib/.complete"
}

is_running() {
  [[ -f "$pidfile" ]] && kill -0 "$(cat "$pidfile")" 2>/dev/null
}

port_open() {
  (exec 3<>"/dev/tcp/127.0.0.1/$1") 2>/dev/null
}

write_properties() {
  mkdir -p "$data" "$logs"
  cat >"$props" <<PROPS
process.roles=broker,controller
node.id=1
controller.quorum.bootstrap.servers=127.0.0.1:$controller_port
listeners=PLAINTEXT://127.0.0.1:$port,CONTROLLER://127.0.0.1:$controller_port
advertised.listeners=PLAINTEXT://127.0.0.1:$port
controller.listener.names=CONTROLLER
listener.security.protocol.map=CONTROLLER:PLAINTEXT,PLAINTEXT:PLAINTEXT
inter.broker.listener.name=PLAINTEXT
log.dirs=$data
num.partitions=4
offsets.topic.replication.factor=1
offsets.topic.num.partitions=8
transaction.state.log.replication.factor=1
transaction.state.log.min.isr=1
share.coordinator.state.topic.replication.factor=1
share.coordinator.state.topic.min.isr=1
group.initial.rebalance.delay.ms=0
auto.create.topics.enable=false
log.retention.hours=24
log.segment.bytes=268435456
PROPS
}

classpath() {
  local cp=""
  for jar in "$lib"/*.jar; do cp="$cp:$jar"; done
  echo "${cp#:}"
}

format_storage() {
  if [[ -f "$data/meta.properties" ]]; then return 0; fi
  local cluster_id
  cluster_id="$(java -cp "$(classpath)" kafka.tools.StorageTool random-uuid | tail -n1)"
  java -Dkafka.logs.dir="$logs" -Dlog4j2.configurationFile="$here/log4j2.properties" \
    -cp "$(classpath)" kafka.tools.StorageTool format \
    --config "$props" --cluster-id "$cluster_id" --standalone --ignore-formatted >"$logs/format.log" 2>&1 \
    || { cat "$logs/format.log" >&2; die "formatting the broker storage failed"; }
}

start() {
  if is_running; then echo "running $bootstrap"; return 0; fi
  if port_open "$port"; then die "port $port on 127.0.0.1 is taken by another process; set TAILSTREAM_KAFKA_PORT."; fi
  require_java
  fetch
  write_properties
  format_storage
  nohup java -Xms256m -Xmx"$heap" -XX:+UseG1GC -Djava.awt.headless=true \
    -Dkafka.logs.dir="$logs" -Dlog4j2.configurationFile="$here/log4j2.properties" \
    -cp "$(classpath)" kafka.Kafka "$props" >"$logs/stdout.log" 2>&1 &
  echo $! >"$pidfile"
  local waited=0
  until grep -q "Kafka Server started" "$logs/server.log" 2>/dev/null && port_open "$port"; do
    if ! is_running; then
      tail -n 40 "$logs/stdout.log" "$logs/server.log" >&2 2>/dev/null || true
      rm -f "$pidfile"
      die "the broker exited during start-up (logs: $logs)"
    fi
    if (( waited >= start_timeout * 2 )); then
      die "the broker did not become ready within ${start_timeout}s (logs: $logs)"
    fi
    sleep 0.5
    waited=$((waited + 1))
  done
  echo "running $bootstrap"
}

stop() {
  if ! is_running; then rm -f "$pidfile"; echo "stopped"; return 0; fi
  local pid
  pid="$(cat "$pidfile")"
  kill "$pid" 2>/dev/null || true
  for _ in $(seq 1 60); do
    kill -0 "$pid" 2>/dev/null || break
    sleep 0.5
  done
  kill -9 "$pid" 2>/dev/null || true
  rm -f "$pidfile"
  echo "stopped"
}

case "${1:-}" in
  fetch) require_java; fetch ;;
  start) start ;;
  stop) stop ;;
  status) if is_running; then echo "running $bootstrap"; else echo "stopped"; fi ;;
  reset) stop; rm -rf "$data" "$logs" ;;
  *) echo "usage: $0 fetch|start|stop|status|reset" >&2; exit 2 ;;
esac
