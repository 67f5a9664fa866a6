"""Writes the drift benchmark's data: ROWS reference and ROWS current rows of
10 columns (6 numerical, 1 integer count, 3 categorical), the current batch
drifted in some columns, as CSV and Parquet under the given directory."""

import sys
from pathlib import Path

import numpy as np
import pandas as pd


def frame(rng, n, drift):
    return pd.DataFrame({
        "text_length": rng.gamma(4.0, 20.0 * (1.2 if drift else 1.0), n).round(1),
        "token_count": rng.normal(24 + (3 if drift else 0), 6, n).round(2),
        "confidence": rng.beta(5, 2, n),
        "emoji_share": rng.uniform(0, 0.3, n),
        "unseen_share": rng.exponential(0.05 * (1.5 if drift else 1.0), n),
        "engagement": rng.lognormal(2, 1, n),
        "digg_count": rng.poisson(40, n),
        "aspect": rng.choice(["price", "quality", "shipping", "service", "packaging", "creator"], n,
                             p=[0.15, 0.25, 0.35, 0.1, 0.1, 0.05] if drift else [0.2, 0.25, 0.2, 0.15, 0.1, 0.1]),
        "sentiment": rng.choice(["negative", "neutral", "positive"], n, p=[0.3, 0.3, 0.4]),
        "country": rng.choice([f"c{i:02d}" for i in range(50)], n),
    })


def main():
    out, rows = Path(sys.argv[1]), int(sys.argv[2])
    out.mkdir(parents=True, exist_ok=True)
    rng = np.random.default_rng(42)
    for name, drift in [("reference", False), ("current", True)]:
        df = frame(rng, rows, drift)
        df.to_csv(out / f"{name}.csv", index=False)
        df.to_parquet(out / f"{name}.parquet", index=False)
    print(f"wrote {rows} + {rows} rows to {out}")


if __name__ == "__main__":
    main()
