#!/usr/bin/env bash
# Runs every libFuzzer target of a fuzzing build for a number of seconds on
# its corpus (fuzz/corpus/<name>/, seeded in the repository; libFuzzer runs
# every corpus input first, so a fixed crash kept in the corpus is replayed
# on every run). Prints `fuzz <target> <execs> execs` and fails on a crash,
# leaving the reproducer in fuzz/crashes/.
set -euo pipefail
build=${1:-build-fuzz}
seconds=${2:-60}
mkdir -p fuzz/crashes
status=0
for target in "$build"/fuzz_*; do
  [ -x "$target" ] || continue
  name=$(basename "$target"); name=${name#fuzz_}
  corpus=fuzz/corpus/$name
  mkdir -p "$corpus"
  work=$(mktemp -d)
  # New inputs go to a scratch copy: the checked-in corpus only changes when
  # someone decides to keep them.
  cp -r "$corpus"/. "$work"/ 2>/dev/null || true
  log=$(mktemp)
  if "$target" -max_total_time="$seconds" -rss_limit_mb=2048 -timeout=10 \
       -print_final_stats=1 -artifact_prefix=fuzz/crashes/"$name"- "$work" >"$log" 2>&1; then
    execs=$(grep -o 'stat::number_of_executed_units: *[0-9]*' "$log" | grep -o '[0-9]*$' || echo 0)
    echo "fuzz $name $execs execs in ${seconds}s, no crash"
  else
    echo "fuzz $name: CRASH (reproducer in fuzz/crashes/), log:" >&2
    tail -40 "$log" >&2
    status=1
  fi
  rm -rf "$work" "$log"
done
exit $status
