#!/usr/bin/env bash
# test_lint.sh - yamllint (with the repository's .yamllint, --strict: warnings
# fail too) on every YAML file of the repository, which covers deploy/
# (the Helm templates are linted after rendering, by test_helm.py); and
# every shell script of scripts/, deploy/ and packaging/ through shellcheck;
# gofmt on tools/helmrender. Before trusting a clean result it checks that
# the linters see the files (yamllint --list-files) and reject a bad file
# with this configuration.
#
# Needs yamllint and shellcheck (scripts/deps.sh installs them); exits 77
# (skipped) without them.
set -euo pipefail

fail() { echo "FAIL: $*" >&2; exit 1; }
ok() { echo "ok: $*"; }

src="${MS_SOURCE_DIR:-$(cd "$(dirname "$0")/../.." && pwd)}"
cd "$src"
for tool in yamllint shellcheck; do
  command -v "$tool" >/dev/null || { echo "SKIP: $tool missing (scripts/deps.sh installs it)"; exit 77; }
done

listed="$(yamllint --list-files .)"
for f in deploy/compose/docker-compose.yml deploy/helm/modelserverchart/Chart.yaml \
         deploy/helm/modelserverchart/values.yaml; do
  grep -qx "./$f" <<< "$listed" || fail "yamllint does not see $f"
done
if grep -q '/templates/' <<< "$listed"; then fail "yamllint lints Helm templates (not YAML before rendering)"; fi
ok "yamllint sees $(wc -l <<< "$listed") files, the chart's templates left out"

bad="$(mktemp)"
trap 'rm -f "$bad"' EXIT
printf 'a: 1\na: 2\nb:  [1,2]\n' > "$bad"
if yamllint --strict -c .yamllint "$bad" >/dev/null; then fail "yamllint accepts a duplicate key"; fi
ok "yamllint with .yamllint rejects a bad file"

out="$(yamllint --strict .)" || fail "yamllint: $out"
ok "yamllint --strict is clean"

scripts=(scripts/*.sh deploy/docker/*.sh packaging/postinst packaging/prerm packaging/postrm)
mapfile -t more < <(find deploy -name '*.sh' -not -path 'deploy/docker/*')
scripts+=("${more[@]}")
# shellcheck disable=SC2016 # the unquoted $1 is the point
printf '#!/bin/sh\necho $1\n' > "$bad"
if shellcheck "$bad" >/dev/null; then fail "shellcheck accepts an unquoted expansion"; fi
out="$(shellcheck "${scripts[@]}")" || fail "shellcheck: $out"
ok "shellcheck is clean on ${#scripts[@]} scripts: ${scripts[*]}"

# The Go tool of the Helm test is gofmt-formatted.
if command -v gofmt >/dev/null; then
  out="$(gofmt -l tools/helmrender)"
  [ -z "$out" ] || fail "gofmt would reformat: $out"
  ok "gofmt is clean on tools/helmrender"
else
  echo "gofmt missing (golang-go): tools/helmrender not checked"
fi
echo "1 passed, 0 failed"
