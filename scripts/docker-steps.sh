#!/usr/bin/env bash
# Runs the steps of deploy/docker/Dockerfile, in its order, on this machine
# (no Docker engine needed), so that the images' build is exercised by the
# same commands the Dockerfile gives Docker. Each stage gets a directory
# SCRATCH/STAGE that stands for its filesystem:
#
#   FROM IMAGE AS S       a new stage S (from an earlier stage: a copy of its
#                         directory and its ENV)
#   WORKDIR DIR           later steps run in SCRATCH/S/DIR
#   COPY [--from=T] A B   A from the build context (the repository less
#                         .dockerignore), or from SCRATCH/T, to SCRATCH/S/B
#   ENV K=V ...           exported to later RUN steps, and written to
#                         SCRATCH/S.env (one K=V a line) for tests
#   RUN CMD               the build stage ("build"): run for real, with sh -c
#                         in the WORKDIR, as root (scripts/deps.sh installs).
#                         Any other stage sets up an image's system (apt-get,
#                         users): its apt-get install is checked with
#                         apt-get -s (every package must resolve) and every
#                         package must be installed here, so the staged
#                         programs run against the same libraries; the rest
#                         is printed, not run, as it would change this
#                         machine.
#   others                (USER, EXPOSE, HEALTHCHECK, ENTRYPOINT) printed
#
# Usage: scripts/docker-steps.sh [-f DOCKERFILE] SCRATCH
# Exit status: 0 when every step ran or checked out; 1 at the first that
# failed (named on stderr); 2 for a usage error.
set -euo pipefail

usage() { echo "Usage: $0 [-f DOCKERFILE] SCRATCH" >&2; exit 2; }
root="$(cd "$(dirname "$0")/.." && pwd)"
dockerfile="$root/deploy/docker/Dockerfile"
while [ $# -gt 0 ]; do
  case "$1" in
    -f) [ $# -ge 2 ] || usage; dockerfile="$2"; shift 2 ;;
    -h|--help) awk 'NR > 1 && /^#/ { sub(/^# ?/, ""); print; next } NR > 1 { exit }' "$0"; exit 0 ;;
    -*) usage ;;
    *) break ;;
  esac
done
[ $# -eq 1 ] || usage
mkdir -p "$1"
scratch="$(cd "$1" && pwd)"

say() { echo "docker-steps: $*"; }
die() { echo "docker-steps: $*" >&2; exit 1; }

# The build context, less what .dockerignore lists, into $1.
copy_context() {
  local excludes=() line
  if [ -f "$root/.dockerignore" ]; then
    while IFS= read -r line; do
      case "$line" in ''|'#'*) continue ;; esac
      excludes+=("--exclude=./$line")
    done < "$root/.dockerignore"
  fi
  mkdir -p "$1"
  tar -C "$root" "${excludes[@]}" -cf - . | tar -C "$1" -xf -
}

# apt-get install lines of a system step: each package must resolve and be
# installed on this machine.
check_packages() {
  local words=() w previous="" packages=() in_install=0
  read -r -a words <<< "$1"
  for w in "${words[@]}"; do
    case "$previous $w" in
      'apt-get install'|'apt install') in_install=1 ;;
    esac
    previous="$w"
    case "$w" in
      install) ;;
      '&&'|';') in_install=0 ;;
      -*) ;;
      *) if [ "$in_install" -eq 1 ]; then packages+=("$w"); fi ;;
    esac
  done
  [ ${#packages[@]} -gt 0 ] || return 0
  say "checking packages: ${packages[*]}"
  # No lock: a simulation changes nothing, and a dpkg running alongside
  # (another test installing a package) must not make it fail.
  apt-get install -s -o Debug::NoLocking=1 --no-install-recommends "${packages[@]}" >/dev/null ||
    die "apt-get cannot install: ${packages[*]}"
  for w in "${packages[@]}"; do
    dpkg-query -W -f='${Status}' "$w" 2>/dev/null | grep -q 'install ok installed' ||
      die "$w is in the image but not installed here (apt-get install $w)"
  done
}

stage="" workdir="/" stage_env=()
# One instruction a line: continuations joined, comments and blanks dropped.
while IFS= read -r line; do
  read -r instruction rest <<< "$line"
  instruction="${instruction^^}"
  dir="$scratch/$stage$workdir"
  case "$instruction" in
    FROM)
      read -r -a words <<< "$rest"
      base="${words[0]}" stage="${words[2]:-stage}" workdir="/"
      say "== stage $stage (from $base)"
      rm -rf "${scratch:?}/$stage" && mkdir -p "$scratch/$stage"
      : > "$scratch/$stage.env"
      stage_env=()
      if [ -d "$scratch/$base" ]; then
        cp -a "$scratch/$base/." "$scratch/$stage/"
        cp "$scratch/$base.env" "$scratch/$stage.env"
        while IFS= read -r pair; do stage_env+=("$pair"); done < "$scratch/$stage.env"
      fi ;;
    WORKDIR)
      workdir="$rest"
      mkdir -p "$scratch/$stage$workdir" ;;
    COPY)
      read -r -a words <<< "$rest"
      from=""
      if [[ "${words[0]}" == --from=* ]]; then
        from="${words[0]#--from=}"
        words=("${words[@]:1}")
      fi
      src="${words[0]}" dest="${words[1]}"
      [[ "$dest" == /* ]] || dest="$workdir/$dest"
      say "COPY ${from:+--from=$from }$src $dest"
      if [ -z "$from" ] && [ "$src" = . ]; then
        copy_context "$scratch/$stage$dest"
      else
        if [ -n "$from" ]; then origin="$scratch/$from$src"; else origin="$root/$src"; fi
        [ -e "$origin" ] || die "COPY: $origin does not exist"
        # As Docker does: a directory's contents, a file into a directory
        # (dest ending in /) or to the name given.
        if [ -d "$origin" ]; then
          mkdir -p "$scratch/$stage$dest"
          cp -a "$origin/." "$scratch/$stage$dest/"
        elif [[ "$dest" == */ ]]; then
          mkdir -p "$scratch/$stage$dest"
          cp -a "$origin" "$scratch/$stage$dest"
        else
          mkdir -p "$(dirname "$scratch/$stage$dest")"
          cp -a "$origin" "$scratch/$stage$dest"
        fi
      fi ;;
    ENV)
      # K=V pairs, with the Dockerfile's quoting (our own file: eval is
      # the shell's word splitting, nothing is expanded from outside).
      pairs=()
      eval "pairs=($rest)"
      for pair in "${pairs[@]}"; do
        stage_env+=("$pair")
        echo "$pair" >> "$scratch/$stage.env"
      done ;;
    RUN)
      if [ "$stage" = build ]; then
        say "RUN $rest"
        (cd "$dir" && env "${stage_env[@]}" sh -c "$rest") || die "RUN failed: $rest"
      else
        check_packages "$rest"
        say "image set-up, not run here: $rest"
      fi ;;
    *)
      say "$instruction $rest (image metadata)" ;;
  esac
done < <(awk '
  /^[[:space:]]*#/ { next }
  /^[[:space:]]*$/ { if (!buf) next }
  { line = $0
    if (sub(/\\[[:space:]]*$/, "", line)) { buf = buf line; next }
    print buf line; buf = "" }' "$dockerfile")
say "done: stages in $scratch"
