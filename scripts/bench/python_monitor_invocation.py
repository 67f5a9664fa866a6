#!/usr/bin/env python3
"""What one monitor invocation costs the Python original, for docs/cost.md:
a fresh interpreter imports pandas, XGBoost and Evidently, reads one
hourly prediction table and the reference, and runs Evidently's
DataDriftPreset on the same 10 columns absa-drift monitors.

    .venv/bin/python scripts/bench/python_monitor_invocation.py STORE [RUNS]

STORE is an `absa-drift run --store` directory after a run.
"""

import subprocess
import sys
import time
from pathlib import Path

INVOCATION = r"""
import sys, time
t0 = time.perf_counter()
import pandas as pd, xgboost
from evidently import Report, Dataset, DataDefinition
from evidently.presets import DataDriftPreset
t1 = time.perf_counter()
ref = pd.read_parquet(sys.argv[1]); cur = pd.read_parquet(sys.argv[2])
num = ["confidence", "text_length", "word_count", "emoji_count", "unseen_word_share", "digg_count", "reply_count"]
cat = ["aspect", "sentiment", "is_reply"]
ref, cur = ref[num + cat], cur[num + cat]
for df in (ref, cur):
    df["is_reply"] = df["is_reply"].astype(str)
definition = DataDefinition(numerical_columns=num, categorical_columns=cat)
Report([DataDriftPreset()]).run(Dataset.from_pandas(cur, data_definition=definition),
                                Dataset.from_pandas(ref, data_definition=definition)).dict()
t2 = time.perf_counter()
print(f"{t1 - t0:.3f} {t2 - t1:.3f}")
"""


def main():
    store = Path(sys.argv[1])
    runs = int(sys.argv[2]) if len(sys.argv) > 2 else 3
    reference = next(store.glob("models/*/*/reference.parquet"))
    current = sorted(store.glob("predictions/dt=*/hour=*/*.parquet"))[0]
    for i in range(runs):
        start = time.perf_counter()
        out = subprocess.run([sys.executable, "-c", INVOCATION, reference, current],
                             check=True, capture_output=True, text=True).stdout.split()
        total = time.perf_counter() - start
        print(f"run {i + 1}: imports {out[0]} s, drift report {out[1]} s, process total {total:.2f} s")


if __name__ == "__main__":
    main()
