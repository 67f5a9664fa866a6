"""Evidently's side of the drift benchmark: reads two files with pandas, runs
the legacy DataDriftTable with Evidently's own type inference and default
tests, and writes the result in absa-drift's JSON layout. Prints the seconds
spent after the imports (reading + report) on stderr."""

import json
import sys
import time
import warnings

warnings.filterwarnings("ignore")

import pandas as pd  # noqa: E402
from evidently.legacy.metrics import DataDriftTable  # noqa: E402
from evidently.legacy.pipeline.column_mapping import ColumnMapping  # noqa: E402
from evidently.legacy.report import Report  # noqa: E402


def read(path):
    return pd.read_parquet(path) if path.endswith(".parquet") else pd.read_csv(path)


def main():
    reference, current, output = sys.argv[1:4]
    start = time.perf_counter()
    ref, cur = read(reference), read(current)
    report = Report(metrics=[DataDriftTable()])
    report.run(reference_data=ref, current_data=cur, column_mapping=ColumnMapping(target=None, prediction=None))
    result = report._first_level_metrics[0].get_result()
    elapsed = time.perf_counter() - start
    out = {
        "dataset_drift": bool(result.dataset_drift),
        "number_of_columns": int(result.number_of_columns),
        "number_of_drifted_columns": int(result.number_of_drifted_columns),
        "share_of_drifted_columns": float(result.share_of_drifted_columns),
        "columns": {
            name: {"column_type": c.column_type, "stattest_name": c.stattest_name,
                   "drift_score": float(c.drift_score), "drift_detected": bool(c.drift_detected)}
            for name, c in result.drift_by_columns.items()
        },
    }
    with open(output, "w") as f:
        json.dump(out, f, indent=1)
    print(f"{elapsed:.3f}", file=sys.stderr)


if __name__ == "__main__":
    main()
