#!/usr/bin/env python3
"""The state machine on a real Step Functions engine, with the real Lambdas.

moto's server executes statemachine/absa_drift_pipeline.asl.json (its
Step Functions engine, enabled through /moto-api/config) and sends every
Lambda invoke to `cargo lambda watch`, the Lambda runtime emulator, whose
port it reads from MOTO_PORT. The emulator runs with --only-lambda-apis:
this script starts the four Lambda binaries that the test build already
made (no second build), each polling its own queue of the runtime API.
The Lambdas reach moto's S3 and SNS through AWS_ENDPOINT_URL.

Between moto and the emulator sits a small proxy (`LambdaFrontEnd`) that
does two things the real Lambda service does and the emulator does not:
it resolves a function ARN to its name (the emulator knows functions by
binary name only), and it answers a function error with HTTP 200 and
`X-Amz-Function-Error: Unhandled` (the emulator answers 500), so that
Step Functions sees the function's own error type, `ExtractError`.

Executions, each started by name:
  1. a normal hour: no drift, no SNS message;
  2. a drift hour: an alarm, one SNS message (moto's inspection API);
  3. the drift hour again: the same outputs, no second message;
  4. a file with a wrong header: the Catch path, a failure message, the
     execution FAILED with ExtractError.
Then the embedded runner (`absa-drift run`) replays the same files with the
same model and key, and its verdicts and objects must be the same. Then
four runs of the same 24 hours at once send exactly the alerts one
sequential run sends. Then the retraining branch: labels for an alarmed
batch, the next alarm trains a challenger (the retrain Lambda, on a small
training set) and waits for a person, who rejects it through
SendTaskFailure; more labels and a retrain on demand, approved through
SendTaskSuccess, move the production alias, and the next hour is scored by
the new version. Last, a baseline and a backfill run in AWS. moto runs with S3's conditional writes made atomic,
as S3's are (tests/moto_server.py).

Every process started here runs in its own process group and is stopped by
PID in `finally`, pass or fail.

    python tests/stepfunctions_moto.py target/debug
"""

import json
import os
import re
import shutil
import socket
import subprocess
import sys
import tempfile
import threading
import time
import urllib.error
import urllib.request
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from pathlib import Path

from support import check, free_port, stop_group

import boto3

REPO = Path(__file__).resolve().parent.parent
REGION = "us-east-1"
ACCOUNT = "123456789012"
BUCKET = "absa-drift-data"
MODEL = "absa-sentiment"
PSEUDONYM_KEY = "moto-test-pseudonym-key-0123456789"
KEY_PARAMETER = "/absa-drift-test/pseudonym-key"
NORMAL_HOUR = REPO / "data/hourly/2026-11-01T00.csv"
DRIFT_HOUR = REPO / "data/hourly/2026-11-02T00.csv"
BAD_FILE = REPO / "tests/fixtures/bad/wrong_header.csv"
# Given to both runners, so that their batches have the same label (the
# ingestion hour) whatever the clock says; after the concurrent hours, so
# that its alarm is no earlier alert of theirs.
INGESTED_AT = "2026-11-03T12:00:00Z"
# The concurrent runs: four at once over these hours, each hour ingested at its end.
CONCURRENT_RUNS = 4
CONCURRENT_HOURS = [f"2026-11-02T{h:02}" for h in range(24)]


def wait_for_port(port, what, proc, seconds=60):
    deadline = time.time() + seconds
    while time.time() < deadline:
        if proc.poll() is not None:
            raise RuntimeError(f"{what} exited with {proc.returncode} before listening on {port}")
        try:
            socket.create_connection(("127.0.0.1", port), timeout=1).close()
            return
        except OSError:
            time.sleep(0.2)
    raise RuntimeError(f"{what} did not listen on {port} within {seconds} s")


class Processes:
    """Started processes, each in its own group; logs under `logs`."""

    def __init__(self, logs):
        self.logs = logs
        self.started = []

    def start(self, name, args, env):
        log = open(self.logs / f"{name}.log", "wb")
        proc = subprocess.Popen(args, env=env, cwd=REPO, stdout=log, stderr=subprocess.STDOUT, start_new_session=True)
        self.started.append((name, proc))
        return proc

    def stop_all(self):
        for _, proc in reversed(self.started):
            stop_group(proc, seconds=10)
        alive = [name for name, proc in self.started if proc.poll() is None]
        assert not alive, f"still running: {alive}"

    def tail(self):
        for path in sorted(self.logs.glob("*.log")):
            lines = path.read_text(errors="replace").splitlines()[-15:]
            print(f"--- {path.name} (last {len(lines)} lines)", *lines, sep="\n", file=sys.stderr)


class LambdaFrontEnd:
    """Forwards Invoke calls to `cargo lambda watch`, as the Lambda service would receive them."""

    def __init__(self, emulator_port, binaries):
        emulator = f"http://127.0.0.1:{emulator_port}"
        binary_of = {function_arn(b): b for b in binaries}

        class Handler(BaseHTTPRequestHandler):
            def do_POST(self):
                prefix, _, rest = self.path.partition("/functions/")
                name, _, tail = rest.partition("/")
                # The function's ARN, URL-encoded; the emulator wants the binary's name.
                arn = urllib.request.unquote(name)
                name = binary_of.get(arn, arn)
                body = self.rfile.read(int(self.headers.get("Content-Length", 0)))
                forward = urllib.request.Request(f"{emulator}{prefix}/functions/{name}/{tail}", data=body, method="POST")
                try:
                    with urllib.request.urlopen(forward, timeout=600) as r:
                        status, payload, function_error = r.status, r.read(), None
                except urllib.error.HTTPError as e:
                    status, payload = e.code, e.read()
                    # The emulator's 500 carries the function's {"errorType", "errorMessage"}.
                    function_error = "Unhandled" if e.code == 500 and b'"errorType"' in payload else None
                    if function_error:
                        status = 200
                self.send_response(status)
                if function_error:
                    self.send_header("X-Amz-Function-Error", function_error)
                self.send_header("Content-Type", "application/json")
                self.send_header("Content-Length", str(len(payload)))
                self.end_headers()
                self.wfile.write(payload)

            def log_message(self, *args):
                pass

        self.server = ThreadingHTTPServer(("127.0.0.1", 0), Handler)
        self.port = self.server.server_address[1]
        self.thread = threading.Thread(target=self.server.serve_forever, daemon=True)
        self.thread.start()

    def stop(self):
        self.server.shutdown()
        self.server.server_close()


def function_arn(binary):
    return f"arn:aws:lambda:{REGION}:{ACCOUNT}:function:absa-drift-{binary}"


def state_machine_definition(document="absa_drift_pipeline.asl.json"):
    """An ASL document of statemachine/, with the placeholders filled from statemachine/functions.json."""
    text = (REPO / "statemachine" / document).read_text()
    for placeholder, binary in json.loads((REPO / "statemachine/functions.json").read_text()).items():
        text = text.replace("${" + placeholder + "}", function_arn(binary))
    left = re.findall(r"\$\{[a-z_]+\}", text)
    assert not left, f"placeholders missing from statemachine/functions.json: {left}"
    return text


def published(moto_url):
    """(subject, message) of every SNS publish, from moto's inspection API."""
    with urllib.request.urlopen(f"{moto_url}/moto-api/data.json") as r:
        data = json.load(r)
    return [(n[2], n[1]) for t in data["sns"]["Topic"] for n in t.get("sent_notifications", [])]


def bucket_objects(s3):
    objects = {}
    for page in s3.get_paginator("list_objects_v2").paginate(Bucket=BUCKET):
        for o in page.get("Contents", []):
            objects[o["Key"]] = s3.get_object(Bucket=BUCKET, Key=o["Key"])["Body"].read()
    return objects


def dir_objects(root):
    return {str(p.relative_to(root)): p.read_bytes() for p in sorted(root.rglob("*")) if p.is_file()}


def execute(sfn, machine_arn, name, key, ingested_at=None):
    """Starts an execution on one raw file and waits for its end."""
    payload = {"key": key, "ingested_at": ingested_at or INGESTED_AT}
    arn = sfn.start_execution(stateMachineArn=machine_arn, name=name, input=json.dumps(payload))["executionArn"]
    deadline = time.time() + 600
    while True:
        d = sfn.describe_execution(executionArn=arn)
        if d["status"] != "RUNNING":
            return d
        assert time.time() < deadline, f"{name} still RUNNING after 600 s"
        time.sleep(0.5)


def main(bin_dir):
    bin_dir = Path(bin_dir).resolve()
    cargo_lambda = REPO / ".venv-cargo-lambda/bin/cargo-lambda"
    moto_server = REPO / "tests/moto_server.py"
    binaries = list(json.loads((REPO / "statemachine/functions.json").read_text()).values())
    for tool in (cargo_lambda, REPO / ".venv-moto/bin/python", moto_server, bin_dir / "absa-drift", *(bin_dir / b for b in binaries)):
        check(tool.exists(), f"{tool.relative_to(REPO) if tool.is_relative_to(REPO) else tool} exists")

    work = Path(tempfile.mkdtemp(prefix="absa-sfn-moto-"))
    logs = work / "logs"
    logs.mkdir()
    procs = Processes(logs)
    front_end = None
    ok = False
    try:
        # The bundled model, published into a local registry; both runs use it.
        registry = work / "registry"
        subprocess.run(
            [bin_dir / "absa-drift", "publish", "--model", "data/model", "--store", registry],
            cwd=REPO, check=True, stdout=subprocess.DEVNULL,
        )

        moto_port, watch_port = free_port(), free_port()
        moto_url = f"http://127.0.0.1:{moto_port}"
        front_end = LambdaFrontEnd(watch_port, binaries)
        base_env = {k: v for k, v in os.environ.items() if not k.startswith("AWS_")}
        aws_env = {**base_env, "AWS_ACCESS_KEY_ID": "test", "AWS_SECRET_ACCESS_KEY": "test", "AWS_REGION": REGION,
                   "AWS_DEFAULT_REGION": REGION}
        # MOTO_PORT is where moto's Step Functions engine sends Lambda invokes.
        moto = procs.start("moto_server", [REPO / ".venv-moto/bin/python", moto_server, "-H", "127.0.0.1", "-p", str(moto_port)],
                           {**aws_env, "MOTO_PORT": str(front_end.port)})
        watch = procs.start("cargo-lambda-watch",
                            [cargo_lambda, "lambda", "watch", "--only-lambda-apis", "-A", "127.0.0.1",
                             "-P", str(watch_port)], base_env)
        wait_for_port(moto_port, "moto_server", moto)
        wait_for_port(watch_port, "cargo lambda watch", watch)
        req = urllib.request.Request(f"{moto_url}/moto-api/config", method="POST",
                                     data=json.dumps({"stepfunctions": {"execute_state_machine": True}}).encode())
        urllib.request.urlopen(req).read()

        clients = dict(endpoint_url=moto_url, region_name=REGION, aws_access_key_id="test",
                       aws_secret_access_key="test")
        s3, sns, sfn, ssm = (boto3.client(s, **clients) for s in ("s3", "sns", "stepfunctions", "ssm"))
        # As deployed: the key is a SecureString the extract function reads.
        ssm.put_parameter(Name=KEY_PARAMETER, Type="SecureString", Value=PSEUDONYM_KEY)
        s3.create_bucket(Bucket=BUCKET)
        topic = sns.create_topic(Name="absa-drift-alerts")["TopicArn"]
        for path in sorted(registry.rglob("*")):
            if path.is_file():
                s3.put_object(Bucket=BUCKET, Key=str(path.relative_to(registry)), Body=path.read_bytes())

        # The Lambdas, as deployed: configuration from the environment.
        lambda_env = {**aws_env, "AWS_ENDPOINT_URL": moto_url, "ABSA_DATA_BUCKET": BUCKET,
                      "ABSA_PSEUDONYM_KEY_PARAMETER": KEY_PARAMETER, "ABSA_ALERT_TOPIC_ARN": topic,
                      "ABSA_MODEL_NAME": MODEL, "ABSA_RETRAIN_MIN_LABELS": "100", "AWS_LAMBDA_FUNCTION_VERSION": "1",
                      "AWS_LAMBDA_FUNCTION_MEMORY_SIZE": "1024", "RUST_BACKTRACE": "1"}
        # Two instances of each, as Lambda runs concurrent invocations in
        # separate environments: overlapping executions really overlap.
        for binary, instance in ((b, i) for b in binaries for i in (1, 2)):
            procs.start(f"{binary}-{instance}", [bin_dir / binary], {
                **lambda_env, "AWS_LAMBDA_FUNCTION_NAME": function_arn(binary),
                "AWS_LAMBDA_RUNTIME_API": f"http://127.0.0.1:{watch_port}/.rt/{binary}"})

        machine = sfn.create_state_machine(
            name="absa-drift-pipeline", definition=state_machine_definition(),
            roleArn=f"arn:aws:iam::{ACCOUNT}:role/absa-drift-states")["stateMachineArn"]

        inputs = [NORMAL_HOUR, DRIFT_HOUR, BAD_FILE]
        for path in inputs:
            s3.put_object(Bucket=BUCKET, Key=f"raw/{path.name}", Body=path.read_bytes())

        def name_of(path):
            return "moto-" + "".join(c if c.isalnum() or c == "-" else "-" for c in path.name)

        verdicts = {}

        normal = execute(sfn, machine, name_of(NORMAL_HOUR), f"raw/{NORMAL_HOUR.name}")
        check(normal["status"] == "SUCCEEDED", f"normal hour: {normal['status']} {normal.get('error')} {normal.get('cause')}")
        out = json.loads(normal["output"])
        verdicts[NORMAL_HOUR.name] = out["verdict"]
        check(out["verdict"]["severity"] != "alarm", f"normal hour: severity {out['verdict']['severity']}")
        check(published(moto_url) == [], "normal hour: no SNS message")

        drift = execute(sfn, machine, name_of(DRIFT_HOUR), f"raw/{DRIFT_HOUR.name}")
        check(drift["status"] == "SUCCEEDED", f"drift hour: {drift['status']} {drift.get('cause')}")
        out = json.loads(drift["output"])
        verdicts[DRIFT_HOUR.name] = out["verdict"]
        check(out["verdict"]["severity"] == "alarm", f"drift hour: severity {out['verdict']['severity']}")
        check(out["alert"]["sent"] is True, f"drift hour: alert {out['alert']}")
        messages = published(moto_url)
        check(len(messages) == 1 and messages[0][0].startswith("[absa-drift] ALARM"), f"drift hour: one SNS alarm {[m[0] for m in messages]}")
        check(f"s3://{BUCKET}/reports/" in messages[0][1], "the alarm links the report in S3")
        first_run = bucket_objects(s3)

        rerun = execute(sfn, machine, name_of(DRIFT_HOUR) + "-rerun", f"raw/{DRIFT_HOUR.name}")
        check(rerun["status"] == "SUCCEEDED", f"rerun: {rerun['status']}")
        out = json.loads(rerun["output"])
        check(out["alert"]["sent"] is False, f"rerun: not sent ({out['alert']['reason']})")
        check(len(published(moto_url)) == 1, "rerun: still one SNS message")
        again = bucket_objects(s3)
        changed = sorted(k for k in again if not k.startswith("alerts/") and first_run.get(k) != again[k])
        check(changed == [], f"rerun: the same outputs, byte for byte (changed: {changed})")

        bad = execute(sfn, machine, name_of(BAD_FILE), f"raw/{BAD_FILE.name}")
        check(bad["status"] == "FAILED", f"bad input: execution {bad['status']}")
        check(bad.get("error") == "ExtractError", f"bad input: error {bad.get('error')}")
        check(f"raw/{BAD_FILE.name}" in bad.get("cause", ""), f"bad input: the cause names the file: {bad.get('cause')}")
        messages = published(moto_url)
        check(len(messages) == 2 and messages[1][0] == "[absa-drift] pipeline FAILED at Extract: ExtractError",
              f"bad input: a failure message {[m[0] for m in messages]}")
        check("Cause:\nraw/wrong_header.csv: exporter CSV: header column 3" in messages[1][1],
              "bad input: the failure message quotes the function's error message")
        history = sfn.get_execution_history(executionArn=bad["executionArn"])["events"]
        entered = [e["stateEnteredEventDetails"]["name"] for e in history if "stateEnteredEventDetails" in e]
        check(entered == ["HowStarted", "Extract", "ExtractFailed", "FailureAlert", "PipelineFailed"], f"bad input: states {entered}")

        cloud = bucket_objects(s3)
        for key, data in cloud.items():  # kept for a look when a check fails
            (work / "moto-bucket" / key).parent.mkdir(parents=True, exist_ok=True)
            (work / "moto-bucket" / key).write_bytes(data)
        for path in inputs:
            check(cloud[f"raw/{path.name}"] == path.read_bytes(), f"raw/{path.name} is untouched")

        # The embedded runner on the same files, model and key.
        store = work / "embedded"
        shutil.copytree(registry, store)
        inbox = work / "inbox"
        inbox.mkdir()
        for path in inputs:
            shutil.copy(path, inbox / path.name)
        local_run = subprocess.run([bin_dir / "absa-drift", "run", "--store", store, "--input", inbox,
                                    "--ingested-at", INGESTED_AT],
                                   cwd=REPO, env={**base_env, "ABSA_PSEUDONYM_KEY": PSEUDONYM_KEY},
                                   capture_output=True, text=True)
        local = local_run.stdout
        print(local)
        # The wrong-header file's execution fails, so the command exits 1, as documented.
        check(local_run.returncode == 1, f"absa-drift run exits 1 when an execution failed ({local_run.returncode}: "
                                         f"{local_run.stderr.strip()})")
        embedded = dir_objects(store)
        compare_runs(cloud, embedded, verdicts, store, published(moto_url))

        concurrent_runs(sfn, s3, machine, moto_url, work, registry, bin_dir, base_env)
        # Before the baseline: its hours are the scenario's, so against it the
        # retraining part's hours would not alarm.
        retraining(sfn, s3, machine, moto_url, verdicts[DRIFT_HOUR.name], bin_dir, work)
        baseline_and_backfill(sfn, s3, moto_url, front_end.port)
        ok = True
    finally:
        if front_end:
            front_end.stop()
        procs.stop_all()
        if not ok:
            procs.tail()
            print(f"work directory kept: {work}", file=sys.stderr)
        else:
            shutil.rmtree(work)
    print("test result: ok. 1 passed; 0 failed; (moto Step Functions with the real Lambdas, agreement with absa-drift run)")


def concurrent_runs(sfn, s3, machine, moto_url, work, registry, bin_dir, base_env):
    """Four runs of the same 24 hours at once, as a retry or a manual
    rerun beside the schedule makes them, each hour after the other within
    a run: they send the alerts one sequential run sends (the embedded
    runner, over the same files), no more."""
    files = [REPO / f"data/hourly/{hour}.csv" for hour in CONCURRENT_HOURS]
    for path in files:  # under their own keys: other batches than those above
        s3.put_object(Bucket=BUCKET, Key=f"raw/concurrent/{path.name}", Body=path.read_bytes())
    before = len(published(moto_url))
    failures = []

    def run(r):
        for path in files:
            d = execute(sfn, machine, f"run{r}-{path.stem.replace(':', '-')}", f"raw/concurrent/{path.name}",
                        ingested_at=f"{path.stem}:59:59Z")
            if d["status"] != "SUCCEEDED":
                failures.append(f"run {r}, {path.name}: {d['status']} {d.get('error')} {d.get('cause')}")

    started = time.time()
    threads = [threading.Thread(target=run, args=(r,)) for r in range(CONCURRENT_RUNS)]
    for t in threads:
        t.start()
    for t in threads:
        t.join()
    check(failures == [], f"concurrent runs: every execution succeeds {failures}")
    concurrent = sorted(subject for subject, _ in published(moto_url)[before:])

    store, hourly = work / "sequential", work / "sequential-hours"
    shutil.copytree(registry, store)
    hourly.mkdir()
    for path in files:
        shutil.copy(path, hourly / path.name)
    subprocess.run([bin_dir / "absa-drift", "run", "--store", store, "--hourly", hourly, "--hours", str(len(files))],
                   cwd=REPO, env={**base_env, "ABSA_PSEUDONYM_KEY": PSEUDONYM_KEY}, check=True, stdout=subprocess.DEVNULL)
    sequential = sorted(json.loads(line)["subject"] for line in (store / "alerts.jsonl").read_text().splitlines())
    check(len(sequential) >= 2, f"the hours alert more than once with the cooldown: {sequential}")
    check(concurrent == sequential,
          f"{CONCURRENT_RUNS} concurrent runs of {len(files)} hours ({time.time() - started:.0f} s) sent "
          f"{len(concurrent)} alerts, as one sequential run: {concurrent} vs {sequential}")


def invoke(front_end_port, binary, payload):
    """Invokes a function as `aws lambda invoke` would, through the Lambda front end."""
    url = f"http://127.0.0.1:{front_end_port}/2015-03-31/functions/{urllib.request.quote(function_arn(binary), safe='')}/invocations"
    req = urllib.request.Request(url, data=json.dumps(payload).encode(), method="POST")
    with urllib.request.urlopen(req, timeout=600) as r:
        check(r.headers.get("X-Amz-Function-Error") is None, f"{binary} {payload}: no function error")
        return json.load(r)


def history_lines(s3, day):
    lines = {}
    for page in s3.get_paginator("list_objects_v2").paginate(Bucket=BUCKET, Prefix=f"history/dt={day}/"):
        for o in page.get("Contents", []):
            lines[o["Key"]] = json.loads(s3.get_object(Bucket=BUCKET, Key=o["Key"])["Body"].read())
    return lines


def baseline_and_backfill(sfn, s3, moto_url, front_end_port):
    """In AWS: a baseline built by the monitor function (its `baseline`
    job) from the first twelve of the concurrent runs' hours, then the
    backfill state machine (a Distributed Map over the monitor function)
    monitors all 24 again: every report and history line now names the
    baseline, and no alert is sent (muted)."""
    day = CONCURRENT_HOURS[0][:10]
    before = history_lines(s3, day)
    check(len(before) >= 24, f"history lines of {day}: {len(before)}")
    summary = invoke(front_end_port, "monitor", {"baseline": {"from": f"{day}T00", "to": f"{day}T11"}})
    check(summary["name"] == f"{MODEL}-v1-baseline-default" and summary["batches"] >= 12,
          f"baseline from the monitor function: {summary}")

    machine = sfn.create_state_machine(
        name="absa-drift-backfill", definition=state_machine_definition("absa_drift_backfill.asl.json"),
        roleArn=f"arn:aws:iam::{ACCOUNT}:role/absa-drift-states")["stateMachineArn"]
    messages = len(published(moto_url))
    started = time.time()
    arn = sfn.start_execution(stateMachineArn=machine, name="backfill-after-baseline",
                              input=json.dumps({"from": day, "to": day}))["executionArn"]
    while (d := sfn.describe_execution(executionArn=arn))["status"] == "RUNNING":
        check(time.time() - started < 600, "the backfill ends within 600 s")
        time.sleep(0.5)
    check(d["status"] == "SUCCEEDED", f"backfill: {d['status']} {d.get('error')} {d.get('cause')}")
    batches = json.loads(d["output"])["batches"]
    check(len(batches) == len(before), f"backfill: one item per history line ({len(batches)} of {len(before)})")
    after = history_lines(s3, day)
    names = {line["reference"] for line in after.values()}
    check(names == {f"baseline {summary['name']} version {summary['version']}"},
          f"backfill: every history line now names the baseline {names}")
    for b in batches:
        report = json.loads(s3.get_object(Bucket=BUCKET, Key=b["report_key"])["Body"].read())
        check(report["reference"].startswith("baseline "), f"backfill: {b['report_key']} rewritten")
    check(len(published(moto_url)) == messages, "backfill: muted, no alert")
    print(f"backfill on moto's Step Functions engine: {len(batches)} batches in {time.time() - started:.0f} s "
          f"(Distributed Map, MaxConcurrency 10)")


def production_version(s3):
    alias = s3.get_object(Bucket=BUCKET, Key=f"models/{MODEL}/production.json")["Body"].read()
    return json.loads(alias)["version"]


def approval_token(sfn, arn, moto_url, seen):
    """Waits for the execution to pause at AwaitApproval, then reads the
    token from the approval request the alert function published."""
    started = time.time()
    while True:
        messages = published(moto_url)[seen:]
        asks = [m for s, m in messages if s.startswith("[absa-drift] approve ")]
        if asks:
            return re.search(r"--task-token '([^']+)'", asks[0]).group(1)
        status = sfn.describe_execution(executionArn=arn)
        if status["status"] != "RUNNING":
            raise AssertionError(f"the execution ended without asking for approval: {status['status']} {status.get('cause')}")
        if time.time() - started > 600:
            raise AssertionError("no approval request within 600 s")
        time.sleep(1)


def finished(sfn, arn):
    started = time.time()
    while (d := sfn.describe_execution(executionArn=arn))["status"] == "RUNNING":
        check(time.time() - started < 600, "the execution ends within 600 s")
        time.sleep(0.5)
    return d


def put_labels(s3, verdict, hour_file):
    """The simulator's labels for the hour, as labels that came back for its batch."""
    key = f"labels/dt={verdict['dt']}/hour={verdict['hour']}/{verdict['batch_id']}.csv"
    s3.put_object(Bucket=BUCKET, Key=key, Body=(REPO / f"data/hourly/{hour_file}.labels.csv").read_bytes())


def retraining(sfn, s3, machine, moto_url, drift_verdict, bin_dir, work):
    """Alarm, labelling queue, labels, challenger, rejection; more labels,
    retrain on demand, approval, promotion, the next hour scored by it."""
    check(drift_verdict.get("labelling_queue", "").startswith("labelling/"), f"the alarm asks for labels: {drift_verdict}")
    s3.head_object(Bucket=BUCKET, Key=drift_verdict["labelling_queue"])
    # A small training set, so the debug Lambda trains in seconds.
    subprocess.run([bin_dir / "absa-drift", "simulate", "--out", work / "small", "--train", "1500", "--hours", "0"],
                   cwd=REPO, check=True, stdout=subprocess.DEVNULL)
    for name in ("comments.csv", "comments.labels.csv"):
        s3.put_object(Bucket=BUCKET, Key=f"training/{name}", Body=(work / "small/train" / name).read_bytes())
    for path in (REPO / "data/human-rated").iterdir():
        body = path.read_bytes()
        if path.name.endswith("_GroundTruth.txt"):
            body = b"".join(body.splitlines(keepends=True)[:300])
        s3.put_object(Bucket=BUCKET, Key=f"training/human-rated/{path.name}", Body=body)
    put_labels(s3, drift_verdict, DRIFT_HOUR.stem)

    # The next alarmed hour trains a challenger and asks a person, who rejects it.
    started = time.time()
    hour = REPO / "data/hourly/2026-11-02T05.csv"
    s3.put_object(Bucket=BUCKET, Key=f"raw/retrain/{hour.name}", Body=hour.read_bytes())
    seen = len(published(moto_url))
    arn = sfn.start_execution(stateMachineArn=machine, name="retrain-after-alarm",
                              input=json.dumps({"key": f"raw/retrain/{hour.name}",
                                                "ingested_at": "2026-11-04T05:59:59Z"}))["executionArn"]
    token = approval_token(sfn, arn, moto_url, seen)
    check(production_version(s3) == 1, "waiting: production unchanged")
    sfn.send_task_failure(taskToken=token, error="Rejected", cause="not better on our own labels")
    d = finished(sfn, arn)
    check(d["status"] == "SUCCEEDED", f"rejected: the execution ends cleanly ({d['status']} {d.get('cause')})")
    out = json.loads(d["output"])
    check(out["retrain_result"]["message"] == "challenger rejected; production unchanged", f"rejected: {out.get('retrain_result')}")
    check(production_version(s3) == 1, "rejected: production unchanged")

    # More labels and a retrain on demand, approved.
    put_labels(s3, out["verdict"], hour.stem)
    seen = len(published(moto_url))
    arn = sfn.start_execution(stateMachineArn=machine, name="retrain-on-demand",
                              input=json.dumps({"retrain": {"reason": "labels for two hours"}}))["executionArn"]
    token = approval_token(sfn, arn, moto_url, seen)
    sfn.send_task_success(taskToken=token, output=json.dumps({"approved_by": "moto test"}))
    d = finished(sfn, arn)
    check(d["status"] == "SUCCEEDED", f"approved: {d['status']} {d.get('cause')}")
    out = json.loads(d["output"])
    check(out["promotion"] == {"model": MODEL, "alias": "production", "version": 3, "previous_version": 1},
          f"approved: {out.get('promotion')}")
    check(production_version(s3) == 3, "approved: production is the challenger")

    after = REPO / "data/hourly/2026-11-02T06.csv"
    s3.put_object(Bucket=BUCKET, Key=f"raw/retrain/{after.name}", Body=after.read_bytes())
    d = execute(sfn, machine, "after-promotion", f"raw/retrain/{after.name}", ingested_at="2026-11-04T06:59:59Z")
    check(d["status"] == "SUCCEEDED", f"the hour after: {d['status']} {d.get('cause')}")
    check(json.loads(d["output"])["transform"]["model_version"] == 3, "the hour after is scored by version 3")
    print(f"retraining on moto's Step Functions engine: rejection and approval through task tokens, "
          f"{time.time() - started:.0f} s")


def compare_runs(cloud, embedded, verdicts, store, messages):
    """The same objects, except where the location is in the bytes (alerts name s3:// or the directory)."""
    def outputs(objects):
        # training/ is the data a retrain starts from, uploaded by each runner its own way.
        return {k: v for k, v in objects.items()
                if k.split("/")[0] not in ("models", "alerts", "training") and k != "alerts.jsonl"}

    cloud_out, local_out = outputs(cloud), outputs(embedded)
    check(sorted(cloud_out) == sorted(local_out),
          f"embedded and moto wrote the same {len(cloud_out)} keys "
          f"(only moto: {sorted(set(cloud_out) - set(local_out))}, only embedded: {sorted(set(local_out) - set(cloud_out))})")
    differ = sorted(k for k in cloud_out if cloud_out[k] != local_out[k])
    check(differ == [], f"and the same bytes (differ: {differ})")
    for name, verdict in verdicts.items():
        local = json.loads(embedded[verdict["report_key"]])
        check(local["severity"] == verdict["severity"], f"{name}: the same verdict, {verdict['severity']}")
    # A failure claim is named after its execution, which each runner names its own way.
    def alert_keys(objects):
        return {re.sub(r"/failure-.*\.json$", "/failure-<execution>.json", k): k
                for k in objects if k.startswith("alerts/")}
    cloud_alerts, local_alerts = alert_keys(cloud), alert_keys(embedded)
    check(sorted(cloud_alerts) == sorted(local_alerts), f"the same alert claims and cooldown state ({sorted(cloud_alerts)})")
    def normalised(data, location):
        # The message id is SNS's in one run and a counter in the other; the
        # claim's owner and lease are the execution's name and clock.
        text = re.sub(r'"message_id":"[^"]*"', '"message_id":"<id>"', data.decode())
        text = re.sub(r'"owner":"[^"]*","lease_until":\d+', '"owner":"<execution>","lease_until":<time>', text)
        return text.replace(location, "<store>/")

    for k in cloud_alerts:
        same = normalised(cloud[cloud_alerts[k]], f"s3://{BUCKET}/") == normalised(embedded[local_alerts[k]], str(store) + "/")
        check(same, f"{k}: the same content but for the report's location, the message id and the claim's owner")
    # What SNS received and what the local notifier wrote.
    local_messages = [json.loads(line) for line in embedded["alerts.jsonl"].decode().splitlines()]
    def message(text, location):
        return re.sub(r"\nRun: \S+", "\nRun: <execution>", text.replace(location, "<store>/"))
    local_messages = [(m["subject"], message(m["message"], str(store) + "/")) for m in local_messages]
    cloud_messages = [(s, message(m, f"s3://{BUCKET}/")) for s, m in messages]
    check(local_messages == cloud_messages, f"the same {len(cloud_messages)} notifications, word for word")

if __name__ == "__main__":
    main(sys.argv[1] if len(sys.argv) > 1 else "target/debug")
