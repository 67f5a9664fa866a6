#!/usr/bin/env bash
# Detection shared by scripts/system-deps.sh and scripts/test.sh; sourced,
# not run. Each function answers by what the build or the test really
# loads, and takes a root directory so that tests/system_deps_test.sh can
# check the decision on fake layouts.

# A libclang that bindgen (clang-sys) loads: libclang.so, libclang.so.N,
# libclang-N.so or libclang-N.so.M, in LIBCLANG_PATH, in `llvm-config
# --libdir`, or in the usual library directories under ROOT. libclang-cpp
# (a different library, which Debian images often carry alone) does not count.
has_libclang() {
  local root=${1:-/} dir file name
  local dirs=()
  [ -n "${LIBCLANG_PATH:-}" ] && dirs+=("$LIBCLANG_PATH")
  command -v llvm-config >/dev/null 2>&1 && dirs+=("$(llvm-config --libdir 2>/dev/null)")
  dirs+=("$root"/usr/lib/llvm-*/lib "$root"/usr/lib/*-linux-gnu "$root"/usr/lib64 "$root"/usr/lib "$root"/usr/local/lib)
  for dir in "${dirs[@]}"; do
    [ -d "$dir" ] || continue
    for file in "$dir"/libclang*.so*; do
      [ -e "$file" ] || continue
      name=${file##*/}
      if [[ $name =~ ^libclang(-[0-9]+(\.[0-9]+)*)?\.so(\.[0-9]+)*$ ]]; then
        return 0
      fi
    done
  done
  return 1
}

# The headless browser for the report test: ABSA_BROWSER if set, else the
# first Chromium or Chrome on the PATH (Debian's chromium, the GitHub
# runner's google-chrome). Prints its path.
find_browser() {
  local candidate
  for candidate in ${ABSA_BROWSER:-} chromium google-chrome google-chrome-stable; do
    if command -v "$candidate" >/dev/null 2>&1; then
      command -v "$candidate"
      return 0
    fi
  done
  return 1
}
