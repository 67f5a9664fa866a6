#!/usr/bin/env bash
# make local / make local-down: the whole stack in LocalStack (with Lambda),
# Grafana and MLflow, on a machine with a Docker engine.
#
#   scripts/local.sh up     build the zips, start the stack, deploy infra/terraform
#                           with tflocal, run one execution, print the verdict
#   scripts/local.sh down   destroy the deployment and remove the containers and volumes
set -euo pipefail
cd "$(dirname "$0")/.."
compose=(docker compose -f docker-compose.localstack.yml --env-file .env.local)

if ! docker info >/dev/null 2>&1; then
  echo "make local needs a Docker engine (LocalStack runs the Lambdas in containers)." >&2
  echo "Without one: 'make run' runs the whole pipeline in-process, and 'make test' runs the" >&2
  echo "state machine on moto and the deployment's S3/SNS/Step Functions/EventBridge on LocalStack in host mode." >&2
  exit 1
fi
if [ ! -f .env.local ]; then
  cp .env.local.example .env.local
  echo "created .env.local from .env.local.example" >&2
fi
set -a
# shellcheck disable=SC1091
source .env.local
set +a
export AWS_ENDPOINT_URL=http://localhost:4566
bash scripts/python-venv.sh .venv-local scripts/local/requirements.txt
tflocal=(.venv-local/bin/tflocal -chdir=infra/terraform)
# LocalStack's deployment keeps its state on this machine: an override file
# (git-ignored) replaces the S3 backend that real deployments use.
printf '# written by scripts/local.sh\nterraform {\n  backend "local" {}\n}\n' >infra/terraform/local_backend_override.tf

case "${1:-up}" in
up)
  bash scripts/python-venv.sh .venv-cargo-lambda scripts/cargo-lambda/requirements.txt
  case "$(uname -m)" in
  aarch64 | arm64) arch=arm64 flag=--arm64 ;;
  *) arch=x86_64 flag=--x86-64 ;;
  esac
  export TF_VAR_architecture=$arch
  PATH="$PWD/.venv-cargo-lambda/bin:$PATH" cargo lambda build --release "$flag" --output-format zip -p lambdas
  "${compose[@]}" up -d --wait
  "${tflocal[@]}" init -input=false
  "${tflocal[@]}" workspace select -or-create local
  "${tflocal[@]}" apply -auto-approve -input=false
  "${tflocal[@]}" output -json >.local-outputs.json
  .venv-local/bin/python scripts/local/pseudonym_key.py "$("${tflocal[@]}" output -raw pseudonym_key_parameter)"
  if [ ! -f .local/registry/models/absa-sentiment/production.json ]; then
    cargo build --release --locked -p absa-drift-cli
    target/release/absa-drift publish --model data/model --store .local/registry
  fi
  .venv-local/bin/python scripts/local/run_once.py --outputs .local-outputs.json \
    --registry .local/registry --batch data/hourly/2026-11-02T00.csv --reports .local/reports
  echo "Grafana: http://127.0.0.1:3000 (dashboard absa-drift); MLflow: http://127.0.0.1:5000"
  echo "The schedule ($TF_VAR_schedule_expression) keeps running until 'make local-down'."
  ;;
down)
  if "${compose[@]}" ps --status running --quiet localstack | grep -q .; then
    "${tflocal[@]}" workspace select -or-create local
    "${tflocal[@]}" destroy -auto-approve -input=false || true
  fi
  "${compose[@]}" down --volumes --remove-orphans
  rm -f .local-outputs.json
  ;;
*)
  echo "usage: scripts/local.sh up|down" >&2
  exit 2
  ;;
esac
