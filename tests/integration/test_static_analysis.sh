#!/usr/bin/env bash
# Static analysis of src/: cppcheck and clang-tidy (configuration in
# .clang-tidy at the repository root). Any finding fails the test, printed
# with its file and line, unless it is listed in
# tests/integration/static_analysis_baseline.txt: findings in code merged
# before the analysis existed, one line per finding ("tool file check"),
# to be fixed by their owners and removed from the list; the test says
# when a listed finding is gone. clang-tidy reads the compile commands
# CMake exports into the build directory (MS_BUILD_DIR).
set -euo pipefail
export LC_ALL=C   # one sort order for the baseline and the findings
src=${MS_SOURCE_DIR:-$(cd "$(dirname "$0")/../.." && pwd)}
build=${MS_BUILD_DIR:-$src/build}
cd "$src"
for tool in cppcheck clang-tidy; do
  command -v "$tool" >/dev/null || { echo "SKIP: $tool is not installed (scripts/deps.sh installs it)"; exit 77; }
done
[ -f "$build/compile_commands.json" ] || { echo "FAIL: no $build/compile_commands.json"; exit 1; }
baseline=tests/integration/static_analysis_baseline.txt
passed=0 failed=0
report() {   # tool, findings file (file:line: ... [check])
  local keys new gone
  keys=$(sed -E 's/^([^:]+):[0-9]+(:[0-9]+)?: .*\[([^],]+)[],].*$/'"$1"' \1 \3/' "$2" | sort)
  new=$(comm -13 <(grep -v '^#' "$baseline" | grep "^$1 " | sort) <(printf '%s\n' "$keys" | grep .) || true)
  gone=$(comm -23 <(grep -v '^#' "$baseline" | grep "^$1 " | sort) <(printf '%s\n' "$keys" | grep .) || true)
  [ -z "$gone" ] || printf 'note: %s: listed in %s but no longer found (remove them):\n%s\n' "$1" "$baseline" "$gone"
  if [ -n "$new" ]; then
    echo "FAIL: $1 reports findings that are not in the baseline:"
    printf '%s\n' "$new" | while read -r _ file check; do grep -F "$file:" "$2" | grep -F "$check" ; done | sort -u
    failed=$((failed + 1))
  else
    echo "ok: $1 on src/: no finding beyond the $(grep -c "^$1 " "$baseline" || true) listed in the baseline"
    passed=$((passed + 1))
  fi
}

# The generated protobuf header checks the protobuf-c version with macros
# from a system header cppcheck is not given (it would parse all of them):
# pass the installed version.
version=$(awk '/#define PROTOBUF_C_VERSION_NUMBER/ {print $3}' /usr/include/protobuf-c/protobuf-c.h)
out=$(mktemp)
cppcheck --quiet --enable=warning,style,performance,portability --std=c11 \
  --inline-suppr -D_GNU_SOURCE -DPROTOBUF_C_VERSION_NUMBER="$version" \
  -DPROTOBUF_C_MIN_COMPILER_VERSION=1000000 -Isrc -I"$build/gen" \
  --template='{file}:{line}: {severity}: {message} [{id}]' -j2 src 2>"$out" || true
report cppcheck "$out"

# One clang-tidy per file, two at a time; only its diagnostics are kept.
printf '%s\n' src/*/*.c | xargs -P2 -n4 clang-tidy -p "$build" --quiet 2>/dev/null \
  | grep -E '^[^ ].*: (warning|error): ' | sed "s|^$src/||" >"$out" || true
report clang-tidy "$out"
rm -f "$out"
echo "$passed passed, $failed failed"
[ "$failed" -eq 0 ]
