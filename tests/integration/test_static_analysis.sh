#!/usr/bin/env bash
# Static analysis of src/: cppcheck and clang-tidy (configuration in
# .clang-tidy at the repository root), both clean. Any finding fails the
# test, printed with its file and line. clang-tidy reads the compile
# commands CMake exports into the build directory (MS_BUILD_DIR).
set -euo pipefail
src=${MS_SOURCE_DIR:-$(cd "$(dirname "$0")/../.." && pwd)}
build=${MS_BUILD_DIR:-$src/build}
cd "$src"
for tool in cppcheck clang-tidy; do
  command -v "$tool" >/dev/null || { echo "SKIP: $tool is not installed (scripts/deps.sh installs it)"; exit 77; }
done
[ -f "$build/compile_commands.json" ] || { echo "FAIL: no $build/compile_commands.json"; exit 1; }
passed=0 failed=0
report() {   # name, findings file
  if [ -s "$2" ]; then
    echo "FAIL: $1 reports $(grep -c . "$2") line(s):"; cat "$2"; failed=$((failed + 1))
  else
    echo "ok: $1 is clean on src/"; passed=$((passed + 1))
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
  | grep -E '^[^ ].*: (warning|error): ' >"$out" || true
report clang-tidy "$out"
rm -f "$out"
echo "$passed passed, $failed failed"
[ "$failed" -eq 0 ]
