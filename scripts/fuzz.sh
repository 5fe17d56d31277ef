#!/usr/bin/env bash
# Runs libFuzzer targets of a fuzzing build on their corpora
# (fuzz/corpus/<name>/, seeded in the repository). libFuzzer runs every
# corpus input first, so each crash ever found, kept in the corpus as a
# regression input, is replayed on every run.
#
#   scripts/fuzz.sh [--total] BUILD SECONDS [NAME...]
#
# Each target (every BUILD/fuzz_* program, or only the NAMEs given) runs for
# SECONDS; with --total, SECONDS is the budget for all of them together,
# shared equally (at least 3 s each), as `make test` does. Prints
# `fuzz <name> <execs> execs in <s>s, no crash` per target and fails on a
# crash, leaving the reproducer in fuzz/crashes/.
set -euo pipefail
total=0
if [ "${1:-}" = "--total" ]; then total=1; shift; fi
build=${1:-build-fuzz}
seconds=${2:-60}
shift $(( $# < 2 ? $# : 2 ))

targets=()
if [ $# -gt 0 ]; then
  for name in "$@"; do targets+=("$build/fuzz_$name"); done
else
  for target in "$build"/fuzz_*; do [ -x "$target" ] && targets+=("$target"); done
fi
[ ${#targets[@]} -gt 0 ] || { echo "fuzz: no targets in $build" >&2; exit 1; }
if [ $total -eq 1 ]; then
  seconds=$(( seconds / ${#targets[@]} ))
  [ "$seconds" -ge 3 ] || seconds=3
fi

mkdir -p fuzz/crashes
status=0
passed=0
failed=0
for target in "${targets[@]}"; do
  [ -x "$target" ] || { echo "fuzz: no target $target" >&2; status=1; continue; }
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
    passed=$((passed + 1))
  else
    echo "fuzz $name: CRASH (reproducer in fuzz/crashes/), log:" >&2
    tail -40 "$log" >&2
    status=1
    failed=$((failed + 1))
  fi
  rm -rf "$work" "$log"
done
echo "fuzz: $passed passed, $failed failed"
exit $status
