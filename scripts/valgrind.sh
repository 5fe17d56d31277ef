#!/usr/bin/env bash
# Valgrind memcheck of the unit tests and of a few integration tests with
# the server under valgrind (through MS_SERVER_WRAPPER, which harness.py
# puts before every server it starts). Any invalid access, use of
# uninitialised memory or definite leak fails the run: valgrind's exit code
# 99 fails a unit test, and makes the server exit non-zero, which its test
# checks. Too slow for every CI run (minutes); run by hand:
#
#   scripts/valgrind.sh [BUILD_DIR] [INTEGRATION_TEST...]
#
# Default tests: test_bad_inputs test_model_url test_startup. Logs of the
# servers' valgrind reports are kept under build/valgrind/.
set -euo pipefail
cd "$(dirname "$0")/.."
build=${1:-build}
shift || true
tests=("$@")
[ ${#tests[@]} -gt 0 ] || tests=(test_bad_inputs test_model_url test_startup)
command -v valgrind >/dev/null || { echo "valgrind: not installed (scripts/deps.sh installs it)" >&2; exit 1; }
out=$build/valgrind
mkdir -p "$out"
# Definite leaks only: librdkafka, libxml2 and libcurl keep process-wide
# state until exit by design ("still reachable").
vg=(valgrind --error-exitcode=99 --suppressions="$PWD/scripts/valgrind.supp"
    --leak-check=full --errors-for-leak-kinds=definite
    --show-leak-kinds=definite --track-origins=yes --quiet)
# test_store's race test runs 2,000 RCU swaps against four spinning
# readers, which valgrind's one-thread-at-a-time scheduling stretches past
# ten minutes; the ASan build runs it instead. VALGRIND_SKIP overrides.
skip=" ${VALGRIND_SKIP-test_store} "
status=0
for t in "$build"/test_*; do
  [ -x "$t" ] || continue
  name=$(basename "$t")
  case "$skip" in *" $name "*) echo "valgrind unit $name: not run (VALGRIND_SKIP)"; continue ;; esac
  if MS_SHARED_DATA=${MS_SHARED_DATA:-../shared/data} MS_SOURCE_DIR=$PWD \
       "${vg[@]}" --log-file="$out/$name.%p.log" "$t" >"$out/$name.out" 2>&1; then
    echo "valgrind unit $name: clean"
  else
    rc=$?
    if [ $rc -eq 77 ]; then echo "valgrind unit $name: skipped"; continue; fi
    echo "valgrind unit $name: FAILED (exit $rc; see $out/$name.*.log)"; status=1
  fi
done
for t in "${tests[@]}"; do
  log=$out/$t.log
  if MS_BUILD_DIR=$PWD/$build MS_SHARED_DATA=${MS_SHARED_DATA:-../shared/data} \
     MS_SERVER_WRAPPER="${vg[*]} --log-file=$PWD/$out/$t.server.%p.log" \
       "tests/integration/$t.py" >"$log" 2>&1; then
    echo "valgrind integration $t: clean ($(tail -1 "$log"))"
  else
    echo "valgrind integration $t: FAILED (see $log and $out/$t.server.*.log)"; status=1
  fi
done
exit $status
