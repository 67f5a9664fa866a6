"""`make bench-drift`: Evidently's DataDriftTable against `absa-drift drift` on
the same files (ROWS reference + ROWS current rows, 10 columns), as CSV and
as Parquet. Prints median wall time over RUNS runs of each whole command,
peak RSS, the ratios, and whether both reached the same verdicts.

Usage: bench_drift.py BINARY [--rows N] [--runs N]
"""

import argparse
import json
import os
import statistics
import subprocess
import sys
import time
from pathlib import Path

HERE = Path(__file__).resolve().parent
ROOT = HERE.parents[1]


def measure(command):
    """Wall seconds and peak RSS (MiB) of one run of a command."""
    start = time.perf_counter()
    process = subprocess.Popen(command, stdout=subprocess.DEVNULL, stderr=subprocess.PIPE)
    _, status, usage = os.wait4(process.pid, 0)
    wall = time.perf_counter() - start
    stderr = process.stderr.read().decode()
    if status != 0:
        sys.exit(f"{command[0]} failed:\n{stderr}")
    return wall, usage.ru_maxrss / 1024


def best_of(command, runs):
    results = [measure(command) for _ in range(runs)]
    return statistics.median(w for w, _ in results), max(r for _, r in results)


def same_verdicts(ours_path, theirs_path):
    ours, theirs = json.loads(Path(ours_path).read_text()), json.loads(Path(theirs_path).read_text())
    problems = [] if ours["dataset_drift"] == theirs["dataset_drift"] else ["dataset_drift"]
    for name, t in theirs["columns"].items():
        o = ours["columns"][name]
        close = abs(o["drift_score"] - t["drift_score"]) <= 1e-6 * max(abs(o["drift_score"]), abs(t["drift_score"]))
        if o["drift_detected"] != t["drift_detected"] or o["stattest_name"] != t["stattest_name"] or not close:
            problems.append(name)
    return problems


def main():
    parser = argparse.ArgumentParser()
    parser.add_argument("binary")
    parser.add_argument("--rows", type=int, default=1_000_000)
    parser.add_argument("--runs", type=int, default=3)
    args = parser.parse_args()
    data = ROOT / "bench-data" / str(args.rows)
    if not (data / "current.parquet").exists():
        subprocess.run([sys.executable, HERE / "make_drift_data.py", data, str(args.rows)], check=True)
    print(f"drift benchmark: {args.rows:,} reference + {args.rows:,} current rows, 10 columns; median of {args.runs} runs")
    print(f"{'input':8} {'Evidently 0.7.21':>22} {'absa-drift':>20} {'speed-up':>9} {'RSS ratio':>10}  verdicts")
    for fmt in ["csv", "parquet"]:
        ref, cur = data / f"reference.{fmt}", data / f"current.{fmt}"
        theirs_out, ours_out = data / f"evidently-{fmt}.json", data / f"absa-drift-{fmt}.json"
        ev_wall, ev_rss = best_of([sys.executable, HERE / "evidently_drift.py", ref, cur, theirs_out], args.runs)
        our_wall, our_rss = best_of(
            [args.binary, "drift", "--reference", ref, "--current", cur, "--format", "json", "--output", ours_out], args.runs
        )
        problems = same_verdicts(ours_out, theirs_out)
        print(
            f"{fmt:8} {ev_wall:8.2f} s {ev_rss:7.0f} MiB {our_wall:7.2f} s {our_rss:5.0f} MiB"
            f" {ev_wall / our_wall:8.1f}x {our_rss / ev_rss:9.2f}   {'same' if not problems else 'DIFFER: ' + ', '.join(problems)}"
        )


if __name__ == "__main__":
    main()
