#!/usr/bin/env bash
# scripts/detect.sh's decisions on fake directory layouts: a real libclang
# in each place bindgen looks counts, libclang-cpp alone does not, and the
# browser is found by name or by ABSA_BROWSER. Prints cargo's summary line,
# so scripts/test.sh counts these with the Rust tests.
set -uo pipefail
here=$(cd "$(dirname "$0")" && pwd)
# shellcheck source=scripts/detect.sh
source "$here/../scripts/detect.sh"
work=$(mktemp -d)
trap 'rm -rf "$work"' EXIT
passed=0 failed=0

expect() { # expect yes|no DESCRIPTION COMMAND…
  local want=$1 what=$2
  shift 2
  local got=no
  "$@" >/dev/null 2>&1 && got=yes
  if [ "$got" = "$want" ]; then
    passed=$((passed + 1))
  else
    failed=$((failed + 1))
    echo "FAILED: $what: expected $want, got $got" >&2
  fi
}

layout() { # layout NAME FILE… : a fake root with these files
  local root=$work/$1
  shift
  mkdir -p "$root"
  for f in "$@"; do
    mkdir -p "$root/$(dirname "$f")"
    touch "$root/$f"
  done
  echo "$root"
}

# Only the fake roots decide: a PATH with the few tools this script uses
# (no llvm-config, no browser), and no LIBCLANG_PATH or ABSA_BROWSER.
mkdir -p "$work/tools"
for tool in mkdir touch dirname chmod rm env; do
  ln -s "$(command -v "$tool")" "$work/tools/$tool"
done
export PATH=$work/tools
unset LIBCLANG_PATH ABSA_BROWSER
in_shell() { # in_shell VAR=VALUE… FUNCTION ARGS…: the function in a fresh bash with that environment
  local assignments=()
  while [[ $1 == *=* ]]; do assignments+=("$1"); shift; done
  env "${assignments[@]}" "$BASH" -c "source '$here/../scripts/detect.sh'; $*"
}

expect no "an empty root" has_libclang "$(layout empty)"
expect no "libclang-cpp.so.14 alone (Debian 12's image)" \
  has_libclang "$(layout cpp-only usr/lib/x86_64-linux-gnu/libclang-cpp.so.14 usr/lib/llvm-14/lib/libclang-cpp.so.14)"
expect yes "Debian's libclang-dev (llvm-14/lib/libclang.so)" has_libclang "$(layout llvm usr/lib/llvm-14/lib/libclang.so)"
expect yes "libclang1-14's libclang-14.so.1 in the multiarch dir" \
  has_libclang "$(layout multiarch usr/lib/x86_64-linux-gnu/libclang-14.so.1 usr/lib/x86_64-linux-gnu/libclang-cpp.so.14)"
expect yes "libclang.so.13 in /usr/lib64" has_libclang "$(layout lib64 usr/lib64/libclang.so.13)"
expect no "libclangBasic.a and the like" has_libclang "$(layout static usr/lib/llvm-14/lib/libclangBasic.a usr/lib/llvm-14/lib/libclang-cpp.so)"
expect yes "LIBCLANG_PATH" in_shell LIBCLANG_PATH="$(layout custom opt/llvm/lib/libclang.so)/opt/llvm/lib" \
  has_libclang "$work/empty"
bin=$(layout fakebin bin/llvm-config)/bin
printf '#!/bin/sh\necho %s\n' "$(layout llvmcfg lib/libclang-17.so)/lib" >"$bin/llvm-config"
chmod +x "$bin/llvm-config"
expect yes "llvm-config --libdir" in_shell PATH="$bin:$PATH" has_libclang "$work/empty"

browsers=$(layout browsers)
printf '#!/bin/sh\n' >"$browsers/google-chrome"
chmod +x "$browsers/google-chrome"
expect yes "the runner's google-chrome" in_shell PATH="$browsers" find_browser
expect no "no browser at all" in_shell PATH="$work/empty" find_browser
mv_chrome=$(layout renamed)
printf '#!/bin/sh\n' >"$mv_chrome/my-chrome"
chmod +x "$mv_chrome/my-chrome"
expect no "an unknown name without ABSA_BROWSER" in_shell PATH="$mv_chrome" find_browser
expect yes "ABSA_BROWSER names it" in_shell PATH="$mv_chrome" ABSA_BROWSER=my-chrome find_browser

echo "system-deps detection: $passed passed, $failed failed"
[ "$failed" -eq 0 ] && status=ok || status=FAILED
echo "test result: $status. $passed passed; $failed failed; 0 ignored"
[ "$failed" -eq 0 ]
