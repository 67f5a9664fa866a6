#!/usr/bin/env bash
# Creates .venv (ignored by git) with the pinned Python packages used to
# regenerate the Evidently and XGBoost fixtures and to run the benchmarks. Re-installs
# only when a requirements file changes.
set -euo pipefail
cd "$(dirname "$0")/.."
requirements=(scripts/evidently/requirements.txt scripts/xgboost/requirements.txt)
stamp=".venv/.installed-$(cat "${requirements[@]}" | sha256sum | cut -c1-16)"
if [ -f "$stamp" ]; then
  exit 0
fi
python3 -m venv .venv
.venv/bin/pip install --quiet --upgrade pip
for r in "${requirements[@]}"; do
  .venv/bin/pip install --quiet -r "$r"
done
rm -f .venv/.installed-*
touch "$stamp"
