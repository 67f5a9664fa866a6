#!/usr/bin/env bash
# Offline checks of the deployment files: Terraform formatting, checkov
# (no download; every skip is inline with its reason) and actionlint.
set -euo pipefail
cd "$(dirname "$0")/.."
bash scripts/python-venv.sh .venv-checks scripts/checks/requirements.txt
terraform fmt -check -recursive infra/terraform
.venv-checks/bin/checkov --directory infra/terraform --framework terraform --skip-download --quiet --compact
.venv-checks/bin/actionlint .github/workflows/*.yml
echo "infra checks: terraform fmt, checkov and actionlint clean"
