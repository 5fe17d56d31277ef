#!/usr/bin/env bash
# Installs the Debian packages the project needs to build, run and test.
# Idempotent: asks dpkg what is present and runs apt-get (and its index
# update) only when something is missing. Run as root, or with sudo present.
set -euo pipefail

packages=(
  build-essential cmake pkg-config clang libclang-rt-14-dev
  librdkafka-dev protobuf-c-compiler libprotobuf-c-dev
  libxml2-dev libmicrohttpd-dev libjansson-dev libcmocka-dev
  liburcu-dev libcurl4-openssl-dev libarchive-dev influxdb
  kcat python3 python3-kafka curl libxml2-utils
  dpkg-dev man-db adduser golang-go golang-gopkg-yaml.v3-dev python3-yaml
  yamllint shellcheck cppcheck clang-tidy valgrind wrk
  prometheus chromium chromium-driver python3-selenium
)

missing=()
for p in "${packages[@]}"; do
  dpkg-query -W -f='${Status}' "$p" 2>/dev/null | grep -q 'install ok installed' || missing+=("$p")
done

if [ ${#missing[@]} -eq 0 ]; then
  echo "deps: all ${#packages[@]} packages present"
  exit 0
fi

sudo=""
if [ "$(id -u)" -ne 0 ]; then
  command -v sudo >/dev/null || { echo "deps: need root (or sudo) to install: ${missing[*]}" >&2; exit 1; }
  sudo=sudo
fi
echo "deps: installing ${missing[*]}"
$sudo apt-get update -qq
DEBIAN_FRONTEND=noninteractive $sudo apt-get install -y -qq --no-install-recommends "${missing[@]}"
