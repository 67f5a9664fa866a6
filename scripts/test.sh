#!/usr/bin/env bash
# Every check and test of the project; `make test` and CI (.ci/run) run this.
set -euo pipefail
cd "$(dirname "$0")/.."
# How long each phase took, for keeping CI under its limit.
phase() { echo "[test.sh] ${SECONDS}s: $*"; }
bash scripts/system-deps.sh
# The report test's browser: Debian's chromium here, the runner's Chrome on GitHub.
# shellcheck source=scripts/detect.sh
source scripts/detect.sh
ABSA_BROWSER=$(find_browser)
export ABSA_BROWSER
bash scripts/python-venv.sh .venv-mlflow scripts/mlflow/requirements.txt
bash scripts/python-venv.sh .venv-moto scripts/moto/requirements.txt
bash scripts/python-venv.sh .venv-cargo-lambda scripts/cargo-lambda/requirements.txt
bash scripts/python-venv.sh .venv-localstack scripts/localstack/requirements.txt
phase "set up"
bash scripts/check-infra.sh
# Incremental state only helps the next build on this machine; a CI clone has none.
if [ -n "${CI:-}" ]; then export CARGO_INCREMENTAL=0; fi
cargo fmt --all -- --check
cargo clippy --locked --workspace --all-targets --all-features -- -D warnings
phase "linted"
log=$(mktemp)
trap 'rm -f "$log"' EXIT
status=0
# What scripts/system-deps.sh decides, on fake directory layouts.
bash tests/system_deps_test.sh 2>&1 | tee -a "$log" || status=$?
# The Lambda binaries too (the Step Functions test runs them). --all-targets
# resolves features as cargo test does (dev-dependencies included), so the test
# run reuses every artifact; --bins alone resolved them differently and built
# the dependency graph, xgboost's C++ included, a second time.
cargo build --locked --workspace --all-features --all-targets
phase "built"
cargo test --locked --workspace --all-features 2>&1 | tee "$log" || status=$?
phase "cargo test"
# Training against a real MLflow server, with the binary cargo test built.
.venv-mlflow/bin/python tests/mlflow_tracking.py target/debug/absa-drift 2>&1 | tee -a "$log" || status=$?
phase "MLflow"
# The state machine on moto's Step Functions engine with the Lambdas behind
# cargo lambda watch, and its agreement with the embedded runner.
.venv-moto/bin/python tests/stepfunctions_moto.py target/debug 2>&1 | tee -a "$log" || status=$?
phase "moto"
# The deployment's S3, SNS, Step Functions and EventBridge schedule on
# LocalStack in host mode.
.venv-localstack/bin/python tests/localstack_hostmode.py 2>&1 | tee -a "$log" || status=$?
phase "LocalStack"
# Closing lines: the build's disk use (CI runs out of disk when it grows),
# then the totals over every test binary.
echo "target/: $(du -sh target | cut -f1)"
awk '/^test result:/ { for (i = 1; i < NF; i++) { if ($(i + 1) ~ /^passed/) p += $i; if ($(i + 1) ~ /^failed/) f += $i } }
     END { printf "tests: %d passed, %d failed\n", p, f }' "$log"
exit "$status"
