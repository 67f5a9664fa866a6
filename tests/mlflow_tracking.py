"""Training logs to a real MLflow tracking server and registers versions;
the retraining branch mirrors its challenger and its promotion there.

Run by scripts/test.sh with the .venv-mlflow interpreter (mlflow pinned in
scripts/mlflow/requirements.txt) and the absa-drift binary as argument.
Starts `mlflow server` (sqlite backend, local artifact root, artifact
proxying) on a free loopback port, trains twice on small simulated data
with MLFLOW_TRACKING_URI set, checks through MLflow's REST API that params,
metrics, artifacts and two registered versions are there and match the
files training wrote. Then the local retraining branch, as
crates/cli/tests/retrain_cli.rs runs it (an alarmed hour, labels back, the
next alarm trains a challenger, a person approves it), with the same
server: the challenger must be an MLflow version under the alias
`challenger`, tagged with its registry version, and the approval must move
MLflow's `production` alias to it. Stops the server (its whole process
group) even when a check fails.
"""

import json
import os
import shutil
import subprocess
import sys
import tempfile
import time
import urllib.parse
import urllib.request
from pathlib import Path

from support import check, free_port, stop_group

MODEL = "absa-sentiment"
ROOT = Path(__file__).resolve().parents[1]


def get(base, endpoint, **query):
    url = f"{base}{endpoint}?{urllib.parse.urlencode(query)}" if query else f"{base}{endpoint}"
    with urllib.request.urlopen(url, timeout=30) as r:
        body = r.read()
    return body if endpoint.startswith("/api/2.0/mlflow-artifacts") else json.loads(body)


def wait_for(base, server, log):
    deadline = time.time() + 180
    while time.time() < deadline:
        if server.poll() is not None:
            sys.exit(f"mlflow server exited with {server.returncode}:\n{Path(log).read_text()[-3000:]}")
        try:
            urllib.request.urlopen(f"{base}/health", timeout=2)
            return
        except OSError:
            time.sleep(1)
    sys.exit("mlflow server did not answer within 180 s")


def main(binary):
    work = Path(tempfile.mkdtemp(prefix="absa-mlflow-"))
    port = free_port()
    base = f"http://127.0.0.1:{port}"
    log = work / "server.log"
    mlflow = Path(sys.executable).parent / "mlflow"
    server = subprocess.Popen(
        [str(mlflow), "server", "--host", "127.0.0.1", "--port", str(port), "--workers", "1",
         "--backend-store-uri", f"sqlite:///{work}/mlflow.db", "--artifacts-destination", str(work / "artifacts")],
        stdout=open(log, "w"), stderr=subprocess.STDOUT, start_new_session=True,
    )
    try:
        wait_for(base, server, log)
        subprocess.run([binary, "simulate", "--out", str(work / "data"), "--train", "1500", "--hours", "0"],
                       check=True, stdout=subprocess.DEVNULL)
        env = {**os.environ, "MLFLOW_TRACKING_URI": base}
        for attempt in (1, 2):
            subprocess.run([binary, "train", "--data", str(work / "data/train"), "--out", str(work / f"model{attempt}"),
                            "--registry", str(work / "registry"), "--max-rounds", "25", "--patience", "5"],
                           check=True, env=env)

        experiment = get(base, "/api/2.0/mlflow/experiments/get-by-name", experiment_name="absa-drift")["experiment"]
        runs = json.loads(urllib.request.urlopen(urllib.request.Request(
            f"{base}/api/2.0/mlflow/runs/search", method="POST", headers={"Content-Type": "application/json"},
            data=json.dumps({"experiment_ids": [experiment["experiment_id"]]}).encode()), timeout=30).read())["runs"]
        check(len(runs) == 2, f"two runs logged, found {len(runs)}")
        metrics_file = json.loads((work / "model1/metrics.json").read_text())
        metadata = json.loads((work / "model1/metadata.json").read_text())
        for run in runs:
            check(run["info"]["status"] == "FINISHED", f"run {run['info']['run_id']} is {run['info']['status']}")
            params = {p["key"]: p["value"] for p in run["data"]["params"]}
            metrics = {m["key"]: m["value"] for m in run["data"]["metrics"]}
            check(params["feature_spec_hash"] == metadata["feature_spec"]["hash"], "feature spec hash logged")
            check(params["objective"] == "multi:softprob" and params["max_depth"] == "6", f"xgboost params: {params}")
            check(abs(metrics["macro_f1"] - metrics_file["macro_f1"]) < 1e-9, "macro_f1 matches metrics.json")
            check(abs(metrics["baseline_macro_f1"] - metrics_file["baseline_macro_f1"]) < 1e-9, "baseline logged")
            tweets = metrics_file["comment_level"]["sets"]["tweets"]
            check(abs(metrics["comment_tweets_macro_f1"] - tweets["model"]["macro_f1"]) < 1e-9
                  and abs(metrics["comment_tweets_ece"] - tweets["ece"]) < 1e-9, "comment-level metrics logged")
            history = get(base, "/api/2.0/mlflow/metrics/get-history", run_id=run["info"]["run_id"],
                          metric_key="valid_mlogloss")["metrics"]
            check(len(history) >= metrics_file["rounds"], f"one valid_mlogloss per round, got {len(history)}")
            artifacts = get(base, "/api/2.0/mlflow/artifacts/list", run_id=run["info"]["run_id"], path="model")
            names = sorted(Path(f["path"]).name for f in artifacts["files"])
            check(names == sorted(["comment-model.json", "comment-text.bin", "metadata.json", "metrics.json",
                                   "model.json", "profile.json", "reference.parquet", "vocabulary.txt"]),
                  f"artifacts: {names}")
            uri = run["info"]["artifact_uri"].removeprefix("mlflow-artifacts:/")
            stored = get(base, f"/api/2.0/mlflow-artifacts/artifacts/{uri}/model/model.json")
            check(stored == (work / "model1/model.json").read_bytes(), "model.json artifact is the file training wrote")

        versions = get(base, "/api/2.0/mlflow/registered-models/get", name=MODEL)["registered_model"]
        listed = get(base, "/api/2.0/mlflow/model-versions/search", filter=f"name='{MODEL}'")["model_versions"]
        check(sorted(v["version"] for v in listed) == ["1", "2"], f"registered versions: {listed}")
        check({v["run_id"] for v in listed} == {r["info"]["run_id"] for r in runs}, "each version points at its run")
        check(versions["name"] == MODEL, "registered model exists")

        registry = work / "registry/models" / MODEL
        check(json.loads((registry / "production.json").read_text()) == {"version": 2}, "local alias moved to 2")
        check((registry / "1/model.json").read_bytes() == (work / "model1/model.json").read_bytes(), "local v1 stored")
        check(get(base, "/api/2.0/mlflow/registered-models/alias", name=MODEL, alias="production")
              ["model_version"]["version"] == "2", "train points MLflow's production alias at its version")

        retraining_branch(binary, base, work)
        print(f"test result: ok. 1 passed; 0 failed; (MLflow tracking, registry and retraining, mlflow server on port {port})")
    finally:
        stop_group(server, seconds=30)
        shutil.rmtree(work, ignore_errors=True)


def retraining_branch(binary, base, work):
    """An alarm with labels trains a challenger; its approval promotes it, in MLflow too."""
    store = work / "store"
    shutil.copytree(work / "data/train", store / "training")
    (store / "training/human-rated").mkdir()
    for path in (ROOT / "data/human-rated").iterdir():
        data = path.read_bytes()
        if path.name.endswith("_GroundTruth.txt"):
            data = b"".join(data.splitlines(keepends=True)[:300])
        (store / "training/human-rated" / path.name).write_bytes(data)
    env = {**os.environ, "MLFLOW_TRACKING_URI": base, "ABSA_RETRAIN_MIN_LABELS": "100"}

    def absa_drift(*args):
        done = subprocess.run([binary, *args], cwd=ROOT, env=env, capture_output=True, text=True)
        check(done.returncode == 0, f"absa-drift {' '.join(args)}: {done.stdout}{done.stderr}")
        check("warning: MLflow" not in done.stderr, f"MLflow updated: {done.stderr}")
        return done.stdout

    def run_hour(hour):
        return absa_drift("run", "--store", str(store), "--input", f"data/hourly/2026-11-02T{hour}.csv",
                          "--ingested-at", f"2026-11-03T{hour}:30:00Z")

    first = run_hour("00")
    report = next(line for line in first.splitlines() if line.startswith("latest report: "))
    batch = Path(report.removeprefix("latest report: ").split(" ")[0]).stem
    absa_drift("labels", "--store", str(store), "--batch", batch, "--file", "data/hourly/2026-11-02T00.labels.csv")
    second = run_hour("01")
    check("awaits approval" in second, f"a challenger awaits approval: {second}")

    challenger = get(base, "/api/2.0/mlflow/registered-models/alias", name=MODEL, alias="challenger")["model_version"]
    tags = {t["key"]: t["value"] for t in challenger.get("tags", [])}
    check(tags.get("registry_version") == "2", f"the challenger is tagged with its registry version: {challenger}")
    run = get(base, "/api/2.0/mlflow/runs/get", run_id=challenger["run_id"])["run"]
    params = {p["key"]: p["value"] for p in run["data"]["params"]}
    check(int(params["trained_labels"]) >= 100 and params["champion_version"] == "1", f"challenger params: {params}")
    names = {Path(f["path"]).name for f in get(base, "/api/2.0/mlflow/artifacts/list", run_id=challenger["run_id"],
                                                 path="model")["files"]}
    check({"model.json", "held-out.csv", "metrics.json"} <= names, f"challenger artifacts: {names}")
    production = get(base, "/api/2.0/mlflow/registered-models/alias", name=MODEL, alias="production")
    check(production["model_version"]["version"] != challenger["version"], "not production before approval")

    token = second.split("--token '")[1].split("'")[0]
    approved = absa_drift("approve", "--store", str(store), "--token", token, "--by", "tester")
    check("production is now absa-sentiment version 2" in approved, approved)
    production = get(base, "/api/2.0/mlflow/registered-models/alias", name=MODEL, alias="production")
    check(production["model_version"]["version"] == challenger["version"],
          f"the approval moved MLflow's production alias to the challenger: {production}")


if __name__ == "__main__":
    try:
        main(sys.argv[1])
    except (AssertionError, subprocess.CalledProcessError, OSError) as e:
        print(f"MLflow tracking test failed: {e}\ntest result: FAILED. 0 passed; 1 failed;")
        sys.exit(1)
