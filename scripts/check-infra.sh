#!/usr/bin/env bash
# Offline checks of the deployment files: Terraform formatting, checkov on
# both Terraform configurations and on the GitHub workflows (no download;
# every skip is inline with its reason) and actionlint.
set -euo pipefail
cd "$(dirname "$0")/.."
bash scripts/python-venv.sh .venv-checks scripts/checks/requirements.txt
if command -v terraform >/dev/null; then
  terraform fmt -check -recursive infra
  fmt="terraform fmt"
else
  # Terraform is in no package registry this project can reach (Debian, PyPI,
  # npm, crates.io), so a fresh machine has none; GitHub's terraform job
  # always has it. Said loudly, and counted in the closing line.
  echo "SKIPPED: terraform fmt -check (no terraform on PATH; install it to run this check)" >&2
  echo "infra checks: 0 passed, 0 failed, 1 skipped (terraform fmt)"
  fmt="(no terraform fmt)"
fi
for dir in infra/terraform infra/bootstrap; do
  .venv-checks/bin/checkov --directory "$dir" --framework terraform --skip-download --quiet --compact
done
.venv-checks/bin/checkov --directory .github --framework github_actions --skip-download --quiet --compact
.venv-checks/bin/actionlint .github/workflows/*.yml
.venv-checks/bin/zizmor --offline --no-progress --quiet .github/workflows/
echo "infra checks: $fmt, checkov (terraform, bootstrap, GitHub Actions), actionlint and zizmor clean"
