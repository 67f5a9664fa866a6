#!/usr/bin/env bash
# Every check and test of the project; `make test` and CI (.ci/run) run this.
set -euo pipefail
cd "$(dirname "$0")/.."
bash scripts/system-deps.sh
bash scripts/python-venv.sh .venv-mlflow scripts/mlflow/requirements.txt
bash scripts/python-venv.sh .venv-moto scripts/moto/requirements.txt
bash scripts/python-venv.sh .venv-cargo-lambda scripts/cargo-lambda/requirements.txt
PYTHON=$(bash scripts/python313.sh) bash scripts/python-venv.sh .venv-localstack scripts/localstack/requirements.txt
bash scripts/check-infra.sh
cargo fmt --all -- --check
cargo clippy --locked --workspace --all-targets --all-features -- -D warnings
log=$(mktemp)
trap 'rm -f "$log"' EXIT
status=0
# The Lambda binaries too (the Step Functions test runs them); same profile
# and features as the tests, so nothing is built twice.
cargo build --locked --workspace --all-features --bins
cargo test --locked --workspace --all-features 2>&1 | tee "$log" || status=$?
# Training against a real MLflow server, with the binary cargo test built.
.venv-mlflow/bin/python tests/mlflow_tracking.py target/debug/absa-drift 2>&1 | tee -a "$log" || status=$?
# The state machine on moto's Step Functions engine with the four Lambdas
# behind cargo lambda watch, and its agreement with the embedded runner.
.venv-moto/bin/python tests/stepfunctions_moto.py target/debug 2>&1 | tee -a "$log" || status=$?
# The deployment's S3, SNS, Step Functions and EventBridge schedule on
# LocalStack in host mode.
.venv-localstack/bin/python tests/localstack_hostmode.py 2>&1 | tee -a "$log" || status=$?
# One closing line with the totals over every test binary.
awk '/^test result:/ { for (i = 1; i < NF; i++) { if ($(i + 1) ~ /^passed/) p += $i; if ($(i + 1) ~ /^failed/) f += $i } }
     END { printf "tests: %d passed, %d failed\n", p, f }' "$log"
exit "$status"
