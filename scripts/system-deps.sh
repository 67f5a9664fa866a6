#!/usr/bin/env bash
# Debian packages the build and tests need: xgboost-rs (training only)
# compiles XGBoost 1.6.2 from source with cmake and bindgen (libclang);
# the monitor's HTML report is checked in headless Chromium. Installs them
# when missing; does nothing when they are there.
set -euo pipefail
missing=()
command -v cmake >/dev/null || missing+=(cmake)
ls /usr/lib/llvm-*/lib/libclang.so* >/dev/null 2>&1 || ls /usr/lib/*/libclang*.so* >/dev/null 2>&1 || missing+=(libclang-dev)
command -v c++ >/dev/null || missing+=(g++)
command -v chromium >/dev/null || missing+=(chromium)
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
