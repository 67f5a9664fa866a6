#!/usr/bin/env bash
# Every check and test of the project; `make test` and CI (.ci/run) run this.
set -euo pipefail
cd "$(dirname "$0")/.."
cargo fmt --all -- --check
cargo clippy --locked --workspace --all-targets -- -D warnings
cargo test --locked --workspace
