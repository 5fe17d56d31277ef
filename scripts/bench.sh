#!/usr/bin/env bash
# `make bench`: runs the benchmarks against the build directory. Each prints
# `bench <name> <value> <unit>` lines; the command that reproduces a block is
# printed above it. Uses the demo's generated data, and the original's data
# and models too when ../shared/data is there.
set -euo pipefail
build=${1:-build}
shared=${MS_SHARED_DATA:-../shared/data}
demo=$(mktemp -d)
trap 'rm -rf "$demo"' EXIT
"$build/demogen" "$demo" 2>/dev/null

run() {
  echo "# \$ $*"
  "$@"
}

run "$build/bench_score" "$demo/winequality_demo.csv" "$demo"/*.pmml
run "$build/bench_influx"
if [ -f "$shared/winequality_red.csv" ]; then
  run "$build/bench_score" "$shared/winequality_red.csv" "$shared"/*.pmml
else
  echo "# $shared not found: the original's models were not measured"
fi
