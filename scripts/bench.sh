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
if [ -f "$shared/winequality_red.csv" ]; then
  run "$build/bench_score" "$shared/winequality_red.csv" "$shared"/*.pmml
  # End to end on the embedded broker, against a plain consumer in the
  # same run; then footprint with every seed model loaded.
  run "$build/bench_e2e" "$shared/winequality_red.csv" \
    "tree=$shared/winequalityDecisionTreeClassification.pmml" \
    "forest=$shared/winequalityRandonForrestClassification.pmml" 2>"$demo/e2e.log"
  run bench/footprint.py "$build" "$shared"/*.pmml
else
  echo "# $shared not found: the original's models were not measured"
  run "$build/bench_e2e" --phases e2e,latency "$demo/winequality_demo.csv" \
    "tree=$demo/demoDecisionTreeClassification.pmml" 2>"$demo/e2e.log"
  run bench/footprint.py "$build" "$demo"/*.pmml
fi
run "$build/bench_accounting"
