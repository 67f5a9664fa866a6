# absa-drift: the everyday commands. `make help` lists them.
.PHONY: help run build build-train test fuzz lint fmt fmt-check clippy check-infra bench bench-drift bench-model bench-monitor bench-lambdas bench-hour detection model lambdas deploy destroy local local-down fixtures venv clean

CARGO ?= cargo
BIN := target/release/absa-drift

help: ## List the targets
	@grep -E '^[a-z-]+:.*## ' $(MAKEFILE_LIST) | awk -F':.*## ' '{printf "  %-12s %s\n", $$1, $$2}'

run: build ## The main job: the whole pipeline locally on the 48 bundled hours (store: .absa-drift/)
	$(BIN) run

build: ## Release build of the absa-drift binary (no C++: training is the `train` feature)
	$(CARGO) build --release --locked -p absa-drift-cli

build-train: ## Release build with `absa-drift train` (XGBoost's C++: cmake, libclang, g++)
	bash scripts/system-deps.sh
	$(CARGO) build --release --locked -p absa-drift-cli --features train

test: ## Every test (what CI runs)
	bash scripts/test.sh

FUZZ := ABSA_FUZZ_SECONDS=$(or $(FUZZ_SECONDS),60) $(CARGO) test --locked
fuzz: ## Fuzz what reads outside input, FUZZ_SECONDS each (default 60): exporter CSV, JSON Lines and Parquet, the drift reader, the state machine
	$(FUZZ) -p tiktok-export --test fuzz_exporter_csv -- --nocapture
	$(FUZZ) -p extract --test fuzz_formats -- --nocapture
	$(FUZZ) -p absa-drift-cli --bin absa-drift the_table_reader_survives_mutated_files -- --nocapture
	$(FUZZ) -p asl --test fuzz_asl -- --nocapture

lint: fmt-check clippy check-infra ## Formatting, clippy and the infra checks, as CI runs them

check-infra: ## terraform fmt, checkov (offline) and actionlint
	bash scripts/check-infra.sh

fmt: ## Format the code
	$(CARGO) fmt --all

fmt-check:
	$(CARGO) fmt --all -- --check

clippy:
	$(CARGO) clippy --locked --workspace --all-targets --all-features -- -D warnings

bench: ## Criterion benches of the drift tests
	$(CARGO) bench -p drift-core

bench-drift: build venv ## absa-drift against Evidently on 1M + 1M rows (ROWS=..., RUNS=...)
	.venv/bin/python scripts/bench/bench_drift.py $(BIN) --rows $(or $(ROWS),1000000) --runs $(or $(RUNS),3)

bench-model: build venv ## Sentiment model throughput: Rust featurise+predict against Python XGBoost predict
	.venv/bin/python scripts/bench/bench_model.py data/model bench-data/model-bench --runs $(or $(RUNS),3)

bench-lambdas: build ## The four Lambdas as Lambda runs them (local Runtime API, S3 on moto): init, first and warm invocation, peak RSS, on a 10 000-comment hour (COMMENTS=...), then on 100 comments (first invocation = mostly transform's model load)
	$(CARGO) build --release --locked -p lambdas --bins
	bash scripts/python-venv.sh .venv-moto scripts/moto/requirements.txt
	.venv-moto/bin/python scripts/bench/lambda_bench.py target/release $(BIN) --comments $(or $(COMMENTS),10000)
	.venv-moto/bin/python scripts/bench/lambda_bench.py target/release $(BIN) --comments 100

bench-hour: build ## A million-comment hour through the four Lambdas, on one core and on two (COMMENTS=...)
	$(CARGO) build --release --locked -p lambdas --bins
	bash scripts/python-venv.sh .venv-moto scripts/moto/requirements.txt
	.venv-moto/bin/python scripts/bench/lambda_bench.py target/release $(BIN) --comments $(or $(COMMENTS),1000000) --no-warm --cores 0 --cores 0,1

detection: build ## How fast each drift scenario alarms and how quiet `none` stays, over 168 simulated hours each (HOURS=..., SCENARIOS=a,b): the README's table
	python3 scripts/detection/table.py $(BIN) --hours $(or $(HOURS),168) $(if $(SCENARIOS),--scenarios $(SCENARIOS))

bench-monitor: ## One monitor invocation on 100 000 rows, one core: time and peak memory (ROWS=...)
	$(CARGO) build --release --quiet -p monitor --example bench_monitor
	taskset -c 0 target/release/examples/bench_monitor data/model $(or $(ROWS),100000)

lambdas: ## The five Lambda zips for arm64 (cargo-lambda from PyPI into .venv-cargo-lambda; retrain without XGBoost: docs/retraining.md)
	bash scripts/python-venv.sh .venv-cargo-lambda scripts/cargo-lambda/requirements.txt
	PATH="$(CURDIR)/.venv-cargo-lambda/bin:$$PATH" $(CARGO) lambda build --release --arm64 --output-format zip -p lambdas
	ls -l target/lambda/*/bootstrap.zip

deploy: lambdas build ## Deploy to AWS with Terraform, then upload the model (needs AWS credentials; makes the pseudonym key in SSM once; see docs/deploying.md)
	test -f infra/terraform/backend.hcl || { echo "infra/terraform/backend.hcl is missing: run the one-time bootstrap (docs/deploying.md)"; exit 1; }
	terraform -chdir=infra/terraform init -input=false -backend-config=backend.hcl
	terraform -chdir=infra/terraform apply -input=false
	terraform -chdir=infra/terraform output -json > .deploy-outputs.json
	test -f .local/registry/models/absa-sentiment/production.json || \
		$(BIN) publish --model data/model --store .local/registry
	bash scripts/python-venv.sh .venv-local scripts/local/requirements.txt
	.venv-local/bin/python scripts/local/pseudonym_key.py "$$(terraform -chdir=infra/terraform output -raw pseudonym_key_parameter)"
	.venv-local/bin/python scripts/local/run_once.py --outputs .deploy-outputs.json --registry .local/registry

destroy: ## Remove everything `make deploy` created (the buckets only if empty, unless force_destroy_buckets)
	terraform -chdir=infra/terraform destroy -input=false

local: ## The stack in LocalStack with Grafana and MLflow (needs Docker): deploy, run once, print the verdict
	bash scripts/local.sh up

local-down: ## Destroy the LocalStack deployment and remove its containers and volumes
	bash scripts/local.sh down

model: build-train ## Retrain the bundled model (data/model) from data/train; a test checks it reproduces byte for byte
	$(BIN) train --data data/train --out data/model

fixtures: venv ## Regenerate the Evidently, scipy, XGBoost and VADER reference values
	.venv/bin/python scripts/evidently/generate_fixtures.py
	.venv/bin/python scripts/xgboost/make_predictor_fixtures.py
	.venv/bin/python scripts/xgboost/make_agreement_fixtures.py
	bash scripts/python-venv.sh .venv-vader scripts/vader/requirements.txt
	.venv-vader/bin/python scripts/vader/score_human_rated.py

venv: ## Python venv (.venv) with the pinned Evidently, pandas, scipy, XGBoost
	bash scripts/python-venv.sh

clean: ## Remove build output, the venv and benchmark data
	$(CARGO) clean
	rm -rf .venv bench-data
