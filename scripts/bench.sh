#!/usr/bin/env bash
# `make bench`: runs every benchmark program in the build directory. Each
# prints its figures as `bench <name> <value> <unit>` lines, with the command
# that reproduces them.
set -euo pipefail
build=${1:-build}
ran=0
for b in "$build"/bench_*; do
  [ -x "$b" ] || continue
  echo "# $b"
  "$b"
  ran=$((ran + 1))
done
[ "$ran" -gt 0 ] || echo "bench: no benchmark programs in $build yet"
