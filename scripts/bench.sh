#!/usr/bin/env bash
# `make bench`: runs the benchmarks against the build directory. Each prints
# `bench <name> <value> <unit>` lines; the command that reproduces a block is
# printed above it. Uses the demo's generated data and models, and the
# original's data and models (PMML, the frozen TensorFlow graph and the
# SavedModel) too when ../shared/data is there.
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

shopt -s nullglob
run "$build/bench_score" "$demo/winequality_demo.csv" "$demo"/*.pmml "$demo"/*.pb
run "$build/bench_influx"
if [ -f "$shared/winequality_red.csv" ]; then
  saved=()
  [ -d "$shared/saved_wine/1" ] && saved=("$shared/saved_wine/1")
  run "$build/bench_score" "$shared/winequality_red.csv" "$shared"/*.pmml \
    "$shared"/*.pb "${saved[@]}"
  # End to end on the embedded broker, against a plain consumer in the
  # same run; then footprint with every seed model loaded.
  run "$build/bench_e2e" "$shared/winequality_red.csv" \
    "tree=$shared/winequalityDecisionTreeClassification.pmml" \
    "forest=$shared/winequalityRandonForrestClassification.pmml" \
    "tf=$shared/optimized_WineQuality.pb" 2>"$demo/e2e.log"
  run bench/footprint.py "$build" "$shared"/*.pmml "$shared"/*.pb
else
  echo "# $shared not found: the original's models were not measured"
  run "$build/bench_e2e" --phases e2e,latency "$demo/winequality_demo.csv" \
    "tree=$demo/demoDecisionTreeClassification.pmml" \
    "tf=$demo/demoSoftmaxRegression.pb" 2>"$demo/e2e.log"
  run bench/footprint.py "$build" "$demo"/*.pmml "$demo"/*.pb
fi
run "$build/bench_accounting"
# The stream with and without wrk on /stats, /metrics and the infer
# endpoint (the seed's tree, or demogen's without ../shared/data).
run bench/http_load.py --build "$build"
