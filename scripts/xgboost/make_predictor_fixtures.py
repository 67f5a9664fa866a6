"""Writes models trained by Python XGBoost 3.x and their predictions, for the
pure-Rust predictor's test (crates/absa-model/tests/xgboost_agreement.rs).

Run through `make fixtures`. Each model is saved in XGBoost's JSON format
with the rows it was evaluated on and XGBoost's own margins and
probabilities; nothing here comes from the Rust side.
"""

import json
from pathlib import Path

import numpy as np
import xgboost as xgb

OUT = Path(__file__).resolve().parents[2] / "crates/absa-model/tests/fixtures/xgboost"


def data(rng, n, d):
    x = rng.normal(size=(n, d)).astype(np.float32)
    x[rng.random((n, d)) < 0.1] = np.nan  # missing values take default directions
    x[:, d - 1] = np.nan  # a feature never seen: every split on it is a default
    score = np.nan_to_num(x[:, 0]) + 0.5 * np.nan_to_num(x[:, 1]) ** 2 - np.nan_to_num(x[:, 2] * x[:, 3])
    y = np.digitize(score, np.quantile(score, [0.33, 0.66]))
    return x, y


def main():
    OUT.mkdir(parents=True, exist_ok=True)
    rng = np.random.default_rng(3)
    x_train, y_train = data(rng, 2000, 12)
    x_test, _ = data(rng, 300, 12)
    models = {
        "softprob_shallow": ({"objective": "multi:softprob", "num_class": 3, "max_depth": 3, "eta": 0.3}, 25, y_train),
        "softprob_deep": ({"objective": "multi:softprob", "num_class": 3, "max_depth": 7, "eta": 0.1, "min_child_weight": 0.5}, 80, y_train),
        "softprob_base_score": ({"objective": "multi:softprob", "num_class": 3, "max_depth": 4, "base_score": 0.3}, 20, y_train),
        "logistic": ({"objective": "binary:logistic", "max_depth": 4, "eta": 0.2}, 30, (y_train == 2).astype(int)),
    }
    summary = {"xgboost": xgb.__version__, "models": {}}
    for name, (params, rounds, labels) in models.items():
        booster = xgb.train({**params, "seed": 0, "nthread": 1}, xgb.DMatrix(x_train, label=labels, missing=np.nan), rounds)
        booster.save_model(OUT / f"{name}.json")
        test = xgb.DMatrix(x_test, missing=np.nan)
        margins = booster.predict(test, output_margin=True)
        probabilities = booster.predict(test)
        summary["models"][name] = {
            "margins": np.atleast_2d(margins.T).T.tolist(),
            "predictions": np.atleast_2d(probabilities.T).T.tolist(),
        }
        print(f"wrote {name}.json ({booster.num_boosted_rounds()} rounds)")
    summary["rows"] = [[None if np.isnan(v) else float(v) for v in row] for row in x_test]
    (OUT / "predictions.json").write_text(json.dumps(summary) + "\n")


if __name__ == "__main__":
    main()
