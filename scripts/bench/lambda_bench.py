"""`make bench-lambdas` and `make bench-hour`: the four pipeline Lambdas as
Lambda runs them, one hour of COMMENTS simulated comments through them.

Each function is its release binary started fresh (a cold start) against a
small Lambda Runtime API served here, with S3, SSM and SNS on moto. Per
function it prints:
- init: process start to the binary's first `GET .../invocation/next`
  (Lambda's "Init Duration"; extract's includes reading the pseudonym key
  from SSM);
- first: the first invocation, event handed over to response received
  (transform's includes loading the model from S3);
- warm: a second invocation with the same event (not with --no-warm);
- peak RSS of the process, and the CPU seconds it used.
Events chain as the state machine chains them: extract's output is
transform's input, and so on; alert gets the verdict.

usage: lambda_bench.py BIN_DIR ABSA_DRIFT [--comments N] [--cores LIST]
"""

import argparse
import json
import os
import queue
import statistics
import subprocess
import sys
import tempfile
import threading
import time
import uuid
import urllib.request
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from pathlib import Path

import boto3

ROOT = Path(__file__).resolve().parents[2]
sys.path.insert(0, str(ROOT / "tests"))
from support import free_port, stop_group  # noqa: E402

REGION = "eu-west-1"
BUCKET = "absa-drift-bench"
KEY_PARAMETER = "/absa-drift/bench/pseudonym-key"
STEPS = ["extract", "transform", "monitor", "alert"]


class RuntimeApi:
    """The Lambda Runtime API for one function at a time: hands out the
    events put in `events`, records when each `/next` arrives and each
    response (or error) comes back."""

    def __init__(self):
        self.events = queue.Queue()
        self.nexts = queue.Queue()
        self.answers = queue.Queue()
        api = self

        class Handler(BaseHTTPRequestHandler):
            def do_GET(self):
                if not self.path.endswith("/runtime/invocation/next"):
                    return self.send_error(404)
                api.nexts.put(time.perf_counter())
                event = api.events.get()
                body = json.dumps(event).encode()
                self.send_response(200)
                self.send_header("Lambda-Runtime-Aws-Request-Id", str(uuid.uuid4()))
                self.send_header("Lambda-Runtime-Deadline-Ms", str(int(time.time() * 1000) + 900_000))
                self.send_header("Lambda-Runtime-Invoked-Function-Arn",
                                 "arn:aws:lambda:eu-west-1:123456789012:function:bench")
                self.send_header("Content-Length", str(len(body)))
                self.end_headers()
                self.wfile.write(body)

            def do_POST(self):
                body = self.rfile.read(int(self.headers.get("Content-Length", 0)))
                self.send_response(202)
                self.send_header("Content-Length", "0")
                self.end_headers()
                ok = self.path.endswith("/response")
                api.answers.put((time.perf_counter(), ok, json.loads(body or b"null")))

            def log_message(self, *args):
                pass

        self.server = ThreadingHTTPServer(("127.0.0.1", 0), Handler)
        self.server.daemon_threads = True
        threading.Thread(target=self.server.serve_forever, daemon=True).start()

    @property
    def address(self):
        return f"127.0.0.1:{self.server.server_address[1]}"

    def invoke(self, event, what):
        """Hands `event` to the waiting function: (seconds to its answer, answer)."""
        self.nexts.get(timeout=60)
        start = time.perf_counter()
        self.events.put(event)
        answered, ok, answer = self.answers.get(timeout=900)
        if not ok:
            sys.exit(f"{what} failed: {answer}")
        return answered - start, answer


def start(binary, env, cores, api):
    """Starts `binary` as Lambda would: (the process, seconds from its start to its first `/next`)."""
    command = [binary] if cores is None else ["taskset", "-c", cores, binary]
    started = time.perf_counter()
    process = subprocess.Popen(command, env={**env, "AWS_LAMBDA_RUNTIME_API": api.address},
                               stdout=subprocess.DEVNULL, start_new_session=True)
    first_next = api.nexts.get(timeout=60)
    api.nexts.put(first_next)  # invoke() waits for it too
    return process, first_next - started


def stop(process, api):
    os.killpg(process.pid, 9)
    _, _, usage = os.wait4(process.pid, 0)
    api.server.shutdown()
    return usage


def cold_init(binary, env, cores):
    """One more cold start, stopped at its first `/next`: init alone varies
    by milliseconds from start to start, so it is measured several times."""
    api = RuntimeApi()
    process, init = start(binary, env, cores, api)
    stop(process, api)
    return init


def run_function(binary, env, event, cores, warm):
    """A cold start and one or two invocations of one function: its figures and its first answer."""
    api = RuntimeApi()
    process, init = start(binary, env, cores, api)
    first, answer = api.invoke(event, binary.name)
    warm = api.invoke(event, binary.name)[0] if warm else float("nan")
    api.nexts.get(timeout=60)  # idle again: stop it
    # The process's own peak (a forked child's ru_maxrss starts at its parent's).
    peak_kib = next(int(line.split()[1]) for line in Path(f"/proc/{process.pid}/status").read_text().splitlines()
                    if line.startswith("VmHWM:"))
    usage = stop(process, api)
    return {"init": init, "first": first, "warm": warm, "rss_mib": peak_kib / 1024,
            "cpu_s": usage.ru_utime + usage.ru_stime}, answer


def moto(env):
    port = free_port()
    process = subprocess.Popen([ROOT / ".venv-moto/bin/python", ROOT / "tests/moto_server.py", "-H", "127.0.0.1",
                                "-p", str(port)], env=env, stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL,
                               start_new_session=True)
    url = f"http://127.0.0.1:{port}"
    for _ in range(300):
        try:
            urllib.request.urlopen(f"{url}/moto-api/").read()
            return process, url
        except OSError:
            time.sleep(0.1)
    sys.exit("moto did not start")


def main():
    parser = argparse.ArgumentParser()
    parser.add_argument("bin_dir", type=Path)
    parser.add_argument("absa_drift", type=Path)
    parser.add_argument("--comments", type=int, default=10_000)
    parser.add_argument("--no-warm", action="store_true", help="skip the second invocation (long hours)")
    parser.add_argument("--init-runs", type=int, default=7, help="cold starts per function for init (median)")
    parser.add_argument("--cores", action="append",
                        help="CPU list for taskset (repeatable: one run each); default: all cores")
    args = parser.parse_args()
    work = Path(tempfile.mkdtemp(prefix="absa-lambda-bench-"))
    subprocess.run([args.absa_drift, "simulate", "--out", work / "sim", "--train", "0", "--hours", "1",
                    "--per-hour", str(args.comments), "--scenario", "none"], check=True, stdout=subprocess.DEVNULL)
    hour = next(p for p in (work / "sim/hourly").glob("*.csv") if not p.name.endswith(".labels.csv"))
    subprocess.run([args.absa_drift, "publish", "--model", ROOT / "data/model", "--store", work / "registry"],
                   check=True, stdout=subprocess.DEVNULL)

    base = {k: v for k, v in os.environ.items() if not k.startswith("AWS_")}
    aws = {**base, "AWS_ACCESS_KEY_ID": "test", "AWS_SECRET_ACCESS_KEY": "test", "AWS_REGION": REGION,
           "AWS_DEFAULT_REGION": REGION}
    moto_process, moto_url = moto(aws)
    try:
        clients = dict(endpoint_url=moto_url, region_name=REGION, aws_access_key_id="test",
                       aws_secret_access_key="test")
        s3, sns, ssm = (boto3.client(s, **clients) for s in ("s3", "sns", "ssm"))
        ssm.put_parameter(Name=KEY_PARAMETER, Type="SecureString", Value="bench-key-" + "x" * 32)
        s3.create_bucket(Bucket=BUCKET, CreateBucketConfiguration={"LocationConstraint": REGION})
        topic = sns.create_topic(Name="absa-drift-bench")["TopicArn"]
        for path in sorted((work / "registry").rglob("*")):
            if path.is_file():
                s3.upload_file(str(path), BUCKET, str(path.relative_to(work / "registry")))
        s3.upload_file(str(hour), BUCKET, f"raw/{hour.name}")
        size_mb = hour.stat().st_size / 1e6
        env = {**aws, "AWS_ENDPOINT_URL": moto_url, "ABSA_DATA_BUCKET": BUCKET,
               "ABSA_PSEUDONYM_KEY_PARAMETER": KEY_PARAMETER, "ABSA_ALERT_TOPIC_ARN": topic,
               "ABSA_MAX_OBJECT_MB": str(int(size_mb) + 1), "AWS_LAMBDA_FUNCTION_VERSION": "1",
               "AWS_LAMBDA_FUNCTION_MEMORY_SIZE": "1024", "AWS_LAMBDA_FUNCTION_NAME": "bench"}
        print(f"one hour of {args.comments:,} comments ({size_mb:.1f} MB exporter CSV); host release builds, "
              f"S3/SSM/SNS on moto")
        print(f"init: median (min) of {args.init_runs} cold starts, process start to its first /next")
        print(f"{'function':10} {'cores':>5} {'init ms':>13} {'first ms':>9} {'warm ms':>8} {'peak RSS MiB':>13} "
              f"{'CPU s':>6}")
        for cores in args.cores or [None]:
            event = {"key": f"raw/{hour.name}", "stream": f"bench{(cores or 'all').replace(',', '_').replace('-', '_')}"}
            for step in STEPS:
                step_env = {**env, "AWS_LAMBDA_FUNCTION_NAME": step}
                figures, answer = run_function(args.bin_dir / step, step_env, event, cores, not args.no_warm)
                inits = [figures["init"]] + [cold_init(args.bin_dir / step, step_env, cores)
                                             for _ in range(args.init_runs - 1)]
                init = f"{statistics.median(inits) * 1e3:.1f} ({min(inits) * 1e3:.1f})"
                print(f"{step:10} {cores or 'all':>5} {init:>13} {figures['first'] * 1e3:9.0f} "
                      f"{figures['warm'] * 1e3:8.0f} {figures['rss_mib']:13.0f} {figures['cpu_s']:6.1f}", flush=True)
                event = {"verdict": answer, "run_id": "bench"} if step == "monitor" else answer
    finally:
        stop_group(moto_process)


if __name__ == "__main__":
    main()
