"""Writes the fixtures that check our trained model against Python XGBoost
(crates/absa-train/tests/python_agreement.rs).

1. The Rust example `agreement_features` featurises bundled comments with
   the shared featuriser and trains a small model with xgboost-rs:
   train.libsvm, rows.libsvm, ours.model.json, params.json.
2. Here, Python XGBoost 3.x (pinned in requirements.txt) loads
   ours.model.json and predicts rows.libsvm, and trains a model of its own
   on train.libsvm with the same parameters and rounds, saves it as
   python.model.json and predicts rows.libsvm with it.

Run through `make fixtures`. Absent libsvm features are 0.0, not missing:
the matrices are dense.
"""

import json
import subprocess
from pathlib import Path

import numpy as np
import xgboost as xgb

ROOT = Path(__file__).resolve().parents[2]
OUT = ROOT / "crates/absa-train/tests/fixtures/agreement"
FEATURES = 1047


def read_libsvm(path):
    labels, rows = [], []
    for line in path.read_text().splitlines():
        label, *pairs = line.split()
        row = np.zeros(FEATURES, dtype=np.float32)
        for pair in pairs:
            index, value = pair.split(":")
            row[int(index)] = np.float32(float(value))
        labels.append(int(label))
        rows.append(row)
    return np.array(rows), np.array(labels)


def predictions(booster, x):
    d = xgb.DMatrix(x)
    return {
        "margins": booster.predict(d, output_margin=True).tolist(),
        "probabilities": booster.predict(d).tolist(),
    }


def main():
    subprocess.run(
        ["cargo", "run", "--quiet", "--release", "-p", "absa-train", "--example", "agreement_features", "--", str(OUT)],
        check=True,
        cwd=ROOT,
    )
    params = json.loads((OUT / "params.json").read_text())
    x_train, y_train = read_libsvm(OUT / "train.libsvm")
    x_rows, _ = read_libsvm(OUT / "rows.libsvm")

    ours = xgb.Booster()
    ours.load_model(OUT / "ours.model.json")
    theirs = xgb.train(
        params["params"],
        xgb.DMatrix(x_train, label=y_train),
        params["rounds"],
    )
    theirs.save_model(OUT / "python.model.json")
    summary = {
        "xgboost": xgb.__version__,
        "ours": predictions(ours, x_rows),
        "python": predictions(theirs, x_rows),
    }
    (OUT / "predictions.json").write_text(json.dumps(summary) + "\n")
    print(f"wrote python.model.json and predictions.json (XGBoost {xgb.__version__}) to {OUT}")


if __name__ == "__main__":
    main()
