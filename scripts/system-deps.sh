#!/usr/bin/env bash
# The Debian packages that `make test` (and `make model`) need, installed
# with apt-get when missing; `make run` needs none of them.
#
# - cmake, g++ and libclang: xgboost-rs builds XGBoost's C++ from source
#   for training, and its bindgen loads libclang;
# - a Chromium-based browser: a test opens the HTML report headless.
#
# Each is detected by what the build or the test really uses (see
# scripts/detect.sh, tested by tests/system_deps_test.sh), not by a look-alike:
# libclang-cpp.so is not libclang.
#
#   scripts/system-deps.sh            install what is missing
#   scripts/system-deps.sh --missing  print the missing packages, install nothing
set -euo pipefail
here=$(dirname "$0")
# shellcheck source=scripts/detect.sh
source "$here/detect.sh"

missing=()
command -v cmake >/dev/null || missing+=(cmake)
has_libclang / || missing+=(libclang-dev)
command -v c++ >/dev/null || missing+=(g++)
find_browser >/dev/null || missing+=(chromium)

if [ "${1:-}" = "--missing" ]; then
  echo "${missing[*]}"
  exit 0
fi
if [ ${#missing[@]} -eq 0 ]; then
  exit 0
fi
echo "installing ${missing[*]} (XGBoost build, HTML report check)" >&2
sudo=""
if [ "$(id -u)" -ne 0 ]; then
  sudo="sudo"
fi
$sudo apt-get update -qq
DEBIAN_FRONTEND=noninteractive $sudo apt-get install -y -qq "${missing[@]}" >/dev/null
