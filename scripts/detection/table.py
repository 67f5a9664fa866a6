"""`make detection`: how fast each bundled drift scenario is caught, and how
quiet `none` stays, over simulated hours through the whole local pipeline.

For each scenario, `absa-drift run --scenario S --hours H --from-hour F`
on a fresh store; the severities come from the monitor's history lines.
Printed as a Markdown table (the README's), one row per scenario:
hours from the scenario's start to its first alarm, the share of hours
alarmed from the start on, and the warnings and alarms before the start.
`none` has no start: its row counts every hour. A second table shows the
model's estimated quality (monitor::quality) per scenario and level: its
mean before and from the start, and the hours it fell below its band.

Python's standard library only: anyone with the release binary can run it.

usage: table.py BINARY [--hours 168] [--from-hour 24] [--scenarios a,b]
                [--reasons]
"""

import argparse
import collections
import json
import subprocess
import sys
import tempfile
from pathlib import Path

ROOT = Path(__file__).resolve().parents[2]
SCENARIOS = ["none", "aspect_mix", "sentiment_flip", "new_slang", "spam_bots", "language_mix", "length_shift"]


def history(store):
    """The history lines, in hour order."""
    lines = [json.loads(p.read_text()) for p in sorted((store / "history").rglob("*.jsonl"))]
    lines.sort(key=lambda h: (h["dt"], h["hour"]))
    return lines


def quality_rows(scenario, lines, from_hour):
    """Per level: the estimated macro-F1's mean before and from the start,
    and the hours below its band (from the start: the first such hour)."""
    start = 0 if scenario == "none" else from_hour
    out = []
    for level in ("comment", "aspect"):
        q = [(i, h["quality"][level]) for i, h in enumerate(lines) if level in h.get("quality", {})]
        before = [x for i, x in q if i < start]
        after = [(i, x) for i, x in q if i >= start]
        mean = lambda xs: f'{sum(x["estimated"]["macro_f1"] for x in xs) / len(xs):.3f}' if xs else "–"
        below_after = [i - start for i, x in after if x["below_band"]]
        first = "never" if not below_after else f"{below_after[0] + 1}"
        out.append(f"| {scenario} | {level} | {mean(before)} | {mean([x for _, x in after])} | "
                   f"{sum(x['below_band'] for x in before)} of {len(before)} | "
                   f"{len(below_after)} of {len(after)} | {first} |")
    return out


def reasons_of(store):
    """How often each severity reason (its words, without figures) occurred."""
    seen = collections.Counter()
    for p in (store / "reports").rglob("*.json"):
        for r in json.loads(p.read_text())["severity_reasons"]:
            seen[r.split(" (")[0].split(":")[0]] += 1
    return seen


def run(binary, scenario, hours, from_hour, store):
    subprocess.run(
        [binary, "run", "--store", str(store), "--scenario", scenario, "--hours", str(hours),
         "--from-hour", str(from_hour)],
        check=True, cwd=ROOT, stdout=subprocess.DEVNULL,
    )
    lines = history(store)
    return [(i, h["severity"]) for i, h in enumerate(lines)], lines


def row(scenario, severities, from_hour):
    start = 0 if scenario == "none" else from_hour
    before = [s for i, s in severities if i < start]
    after = [(i, s) for i, s in severities if i >= start]
    first_alarm = next((i - start for i, s in after if s == "alarm"), None)
    alarmed = sum(s == "alarm" for _, s in after)
    warned = sum(s == "warning" for _, s in after)
    if scenario == "none":
        return (f"| none | – | {alarmed} alarms, {warned} warnings in {len(after)} hours "
                f"({warned / len(after):.0%} warning hours) | – |")
    first = "never" if first_alarm is None else f"{first_alarm + 1}"
    return (f"| {scenario} | {first} | {alarmed / len(after):.0%} of {len(after)} | "
            f"{before.count('warning')} warnings, {before.count('alarm')} alarms in {len(before)} hours |")


def main():
    p = argparse.ArgumentParser()
    p.add_argument("binary")
    p.add_argument("--hours", type=int, default=168)
    p.add_argument("--from-hour", type=int, default=24)
    p.add_argument("--scenarios", default=",".join(SCENARIOS))
    p.add_argument("--reasons", action="store_true", help="also print what the warnings and alarms said")
    args = p.parse_args()
    binary = str(Path(args.binary).resolve())
    print(f"{args.hours} simulated hours of 400 comments per scenario, scenarios from hour {args.from_hour}; "
          "the training reference\n")
    print("| scenario | hours from its start to the first alarm | hours alarmed from the start | before the start |")
    print("|---|---|---|---|")
    quality = []
    for scenario in args.scenarios.split(","):
        with tempfile.TemporaryDirectory() as tmp:
            store = Path(tmp)
            severities, lines = run(binary, scenario, args.hours, args.from_hour, store)
            print(row(scenario, severities, args.from_hour), flush=True)
            quality.extend(quality_rows(scenario, lines, args.from_hour))
            if args.reasons:
                for reason, n in reasons_of(store).most_common():
                    print(f"  {n:4d}  {reason}", file=sys.stderr)
    print("\nEstimated macro-F1 (no labels) and the hours it fell below its band ('none': every hour)\n")
    print("| scenario | level | mean before | mean from the start | below band before | below band from the start "
          "| hours to the first |")
    print("|---|---|---|---|---|---|---|")
    print("\n".join(quality))


if __name__ == "__main__":
    main()
