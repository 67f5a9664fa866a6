"""`make bench-model`: sentiment-model throughput, Rust against Python.

Rust (crates/absa-model/examples/bench_model.rs, one thread): featurisation,
pure-Rust XGBoost prediction, and the whole transform path (tokenise,
extract aspects, featurise, both models, language) on the bundled hourly
comments. Python: XGBoost's own prediction (nthread=1) of the same model on
the same feature matrix, which Rust writes with its own predictions; the
script prints the speed ratio and the largest difference between the two
predictions. There is no Python featuriser to compare with, so Python's
figure leaves featurisation out entirely.

usage: bench_model.py MODEL_DIR OUT_DIR [--runs N]
"""

import argparse
import json
import subprocess
import time
from pathlib import Path

import numpy as np
import xgboost as xgb

ROOT = Path(__file__).resolve().parents[2]


def read_libsvm(path, features):
    lines = path.read_text().splitlines()
    x = np.zeros((len(lines), features), dtype=np.float32)
    for i, line in enumerate(lines):
        for pair in line.split()[1:]:
            j, v = pair.split(":")
            x[i, int(j)] = float(v)
    return x


def main():
    p = argparse.ArgumentParser()
    p.add_argument("model_dir", type=Path)
    p.add_argument("out_dir", type=Path)
    p.add_argument("--runs", type=int, default=3)
    args = p.parse_args()
    rust = json.loads(subprocess.run(
        ["cargo", "run", "--quiet", "--release", "-p", "absa-model", "--example", "bench_model", "--",
         str(args.model_dir), str(args.out_dir)],
        check=True, cwd=ROOT, capture_output=True, text=True).stdout)
    x = read_libsvm(args.out_dir / "features.libsvm", rust["features"])
    booster = xgb.Booster(params={"nthread": 1})
    booster.load_model(args.model_dir / "model.json")

    def predict_seconds():
        start = time.perf_counter()
        booster.predict(xgb.DMatrix(x, nthread=1))  # building the DMatrix is part of Python's path
        return time.perf_counter() - start

    python = rust["comments"] / min(predict_seconds() for _ in range(args.runs))
    theirs = booster.predict(xgb.DMatrix(x, nthread=1))
    ours = np.array(json.loads((args.out_dir / "predictions.json").read_text()), dtype=np.float64)
    difference = float(np.max(np.abs(ours - theirs)))
    print(f"{rust['comments']} comments, {rust['aspect_rows']} (comment, aspect) rows, "
          f"{rust['features']} features, one core, best of {args.runs}")
    print(f"  Rust featurise only               {rust['featurize_comments_per_s']:>12,.0f} comments/s")
    print(f"  Rust predict only (pure Rust)     {rust['predict_comments_per_s']:>12,.0f} comments/s")
    print(f"  Rust end to end (featurise+pred)  {rust['end_to_end_comments_per_s']:>12,.0f} comments/s")
    print(f"  Python XGBoost {xgb.__version__} predict only   {python:>12,.0f} comments/s")
    print(f"  prediction: Rust / Python {rust['predict_comments_per_s'] / python:.1f}x (target >= 3x); "
          f"largest probability difference {difference:.1e} ({'within' if difference <= 1e-6 else 'OUTSIDE'} 1e-6)")
    print(f"  end to end per comment: {1e6 / rust['end_to_end_comments_per_s']:.0f} us "
          f"(featurisation {1e6 / rust['featurize_comments_per_s']:.0f} us, aspect prediction "
          f"{1e6 / rust['predict_comments_per_s']:.0f} us; the rest is the comment-level model and language detection)")


if __name__ == "__main__":
    main()
