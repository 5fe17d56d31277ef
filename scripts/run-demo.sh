#!/usr/bin/env bash
# The demo behind `make run`: an embedded Kafka-protocol broker, the model
# server and the publisher, all on this machine, until Ctrl-C.
#
# Data: the project's own generated wine-like data set and models (demogen),
# unless DATA_DIRECTORY points at other data (for example the original's:
# DATA_DIRECTORY=../shared/data make run). The seed's other publisher and
# server variables (DATA_FILENAME, DATA_PUBLISH_INTERVAL,
# MODEL_PUBLISH_INTERVAL, MODEL_SERVER_PORT) work as usual, and so do the
# server's (ENGINE=store make run runs the Kafka Streams design). MS_DEMO_SECONDS
# stops the demo after that many seconds (used by its test).
set -euo pipefail

build=${1:-build}
demo="$build/demo"
mkdir -p "$demo"
port=${MODEL_SERVER_PORT:-5500}

if [ -z "${DATA_DIRECTORY:-}" ]; then
  "$build/demogen" "$demo/data" 2>/dev/null
  export DATA_DIRECTORY="$demo/data" DATA_FILENAME=winequality_demo.csv
fi
export DATA_PUBLISH_INTERVAL=${DATA_PUBLISH_INTERVAL:-10ms}
export MODEL_PUBLISH_INTERVAL=${MODEL_PUBLISH_INTERVAL:-20 seconds}

# Children run in sessions of their own, so a Ctrl-C reaches only this
# script, which stops them in order: publisher and server first (they flush
# and commit), then the broker they talk to.
pids=()
cleanup() {
  trap - EXIT INT TERM
  for ((i = ${#pids[@]} - 1; i >= 0; i--)); do
    kill "${pids[i]}" 2>/dev/null || true
    wait "${pids[i]}" 2>/dev/null || true
  done
  echo "demo: stopped; logs in $demo/*.log"
}
trap cleanup EXIT INT TERM

rm -f "$demo/broker.addr"
setsid "$build/modelserver" broker --write-address "$demo/broker.addr" >"$demo/broker.log" 2>&1 &
pids+=($!)
for _ in $(seq 100); do [ -s "$demo/broker.addr" ] && break; sleep 0.1; done
[ -s "$demo/broker.addr" ] || { echo "demo: the broker did not start; see $demo/broker.log" >&2; exit 1; }
export KAFKA_BROKERS_LIST
KAFKA_BROKERS_LIST=$(cat "$demo/broker.addr")

setsid "$build/modelserver" --port "$port" --state-dir "$demo/state" >"$demo/server.log" 2>&1 &
pids+=($!)
setsid "$build/publisher" >"$demo/publisher.log" 2>&1 &
pids+=($!)

cat <<EOF2
demo: broker   $KAFKA_BROKERS_LIST  (kcat -b $KAFKA_BROKERS_LIST -L)
demo: data     $DATA_DIRECTORY/$DATA_FILENAME, a record every $DATA_PUBLISH_INTERVAL, a new model every $MODEL_PUBLISH_INTERVAL
demo: state    http://127.0.0.1:$port/stats   metrics http://127.0.0.1:$port/metrics
demo: open     http://127.0.0.1:$port/ for the dashboard
demo: logs     $demo/{broker,server,publisher}.log
demo: Ctrl-C stops everything
EOF2

start=$SECONDS
while :; do
  sleep 5 & wait $! # a signal interrupts wait at once, not sleep
  for pid in "${pids[@]}"; do
    kill -0 "$pid" 2>/dev/null || { echo "demo: a process exited; see $demo/*.log" >&2; exit 1; }
  done
  echo "demo: $(curl -fsS "http://127.0.0.1:$port/stats" 2>/dev/null || echo 'state not available yet')"
  if [ -n "${MS_DEMO_SECONDS:-}" ] && [ $((SECONDS - start)) -ge "$MS_DEMO_SECONDS" ]; then
    exit 0
  fi
done
