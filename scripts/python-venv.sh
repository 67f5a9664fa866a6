#!/usr/bin/env bash
# Creates a Python venv under the repo (ignored by git) with pinned
# packages, re-installing only when its requirements change.
#
#   scripts/python-venv.sh                      .venv: Evidently, scipy, XGBoost (fixtures, benchmarks)
#   scripts/python-venv.sh .venv-mlflow FILE…   another venv with other requirements
#   PYTHON=python3.12 scripts/python-venv.sh …  with another interpreter
set -euo pipefail
cd "$(dirname "$0")/.."
venv=${1:-.venv}
shift || true
requirements=("$@")
if [ ${#requirements[@]} -eq 0 ]; then
  requirements=(scripts/evidently/requirements.txt scripts/xgboost/requirements.txt)
fi
stamp="$venv/.installed-$(cat "${requirements[@]}" | sha256sum | cut -c1-16)"
if [ -f "$stamp" ]; then
  exit 0
fi
rm -rf "$venv"
"${PYTHON:-python3}" -m venv "$venv"
"$venv/bin/pip" install --quiet --upgrade pip
for r in "${requirements[@]}"; do
  "$venv/bin/pip" install --quiet -r "$r"
done
rm -f "$venv"/.installed-*
touch "$stamp"
