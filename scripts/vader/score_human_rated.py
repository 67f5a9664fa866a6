#!/usr/bin/env python3
"""The human-rated sets' split, and the real VADER's scores on them.

Reads data/human-rated/*_GroundTruth.txt (VADER's ground truth: ID, the
mean rating of at least 20 raters on -4..+4, text), and writes:

- data/human-rated/split.csv: `set,id,label,split` for every sentence.
  label: positive above +0.5, negative below -0.5, else neutral. split:
  a fixed stratified split per set and label, 70 % train, 15 % validation,
  15 % test, by the order of SHA-256("<set>:<id>"), so it never changes;
- tests/fixtures/vader/scores.csv: `set,id,compound` from vaderSentiment
  3.3.2 (pinned in requirements.txt) for every sentence.

It prints VADER's macro-F1 per set (compound above +0.05 positive, below
-0.05 negative), on the whole set and on the test split.

    bash scripts/python-venv.sh .venv-vader scripts/vader/requirements.txt
    .venv-vader/bin/python scripts/vader/score_human_rated.py
"""

import csv
import hashlib
from pathlib import Path

from vaderSentiment.vaderSentiment import SentimentIntensityAnalyzer

REPO = Path(__file__).resolve().parent.parent.parent
DATA = REPO / "data/human-rated"
OUT = REPO / "tests/fixtures/vader"
SETS = {
    "tweets": "tweets_GroundTruth.txt",
    "product_reviews": "amazonReviewSnippets_GroundTruth.txt",
    "movie_reviews": "movieReviewSnippets_GroundTruth.txt",
    "editorials": "nytEditorialSnippets_GroundTruth.txt",
}
LABELS = ("negative", "neutral", "positive")


def label(rating, threshold):
    return "positive" if rating > threshold else "negative" if rating < -threshold else "neutral"


def read(name):
    """(id, rating, text) rows; the files are UTF-8 with a few stray bytes.
    Lines end at LF only (with the CR before it dropped), as the Rust reader
    splits them: splitlines() would also split at other separators."""
    rows = []
    for line in (DATA / SETS[name]).read_bytes().decode("utf-8", errors="replace").split("\n"):
        line = line.removesuffix("\r")
        if line.strip():
            ident, rating, text = line.split("\t", 2)
            rows.append((ident, float(rating), text))
    return rows


def split(name, rows):
    """id -> train/validation/test, stratified by label."""
    out = {}
    for lab in LABELS:
        ids = sorted((hashlib.sha256(f"{name}:{i}".encode()).hexdigest(), i) for i, r, _ in rows if label(r, 0.5) == lab)
        n = len(ids)
        for k, (_, i) in enumerate(ids):
            out[i] = "train" if k < round(0.70 * n) else "validation" if k < round(0.85 * n) else "test"
    return out


def macro_f1(truth, predicted):
    f1s = []
    for lab in LABELS:
        tp = sum(t == lab and p == lab for t, p in zip(truth, predicted))
        fp = sum(t != lab and p == lab for t, p in zip(truth, predicted))
        fn = sum(t == lab and p != lab for t, p in zip(truth, predicted))
        f1s.append(2 * tp / (2 * tp + fp + fn) if tp else 0.0)
    return sum(f1s) / len(f1s)


def main():
    analyzer = SentimentIntensityAnalyzer()
    OUT.mkdir(parents=True, exist_ok=True)
    with open(DATA / "split.csv", "w", newline="") as s, open(OUT / "scores.csv", "w", newline="") as v:
        splits, scores = csv.writer(s, lineterminator="\n"), csv.writer(v, lineterminator="\n")
        splits.writerow(["set", "id", "label", "split"])
        scores.writerow(["set", "id", "compound"])
        for name in SETS:
            rows = read(name)
            parts = split(name, rows)
            compounds = {i: analyzer.polarity_scores(text)["compound"] for i, _, text in rows}
            for i, r, _ in rows:
                splits.writerow([name, i, label(r, 0.5), parts[i]])
                scores.writerow([name, i, f"{compounds[i]:.4f}"])
            for part in ("all", "test"):
                chosen = [(r, compounds[i]) for i, r, _ in rows if part == "all" or parts[i] == part]
                f1 = macro_f1([label(r, 0.5) for r, _ in chosen], [label(c, 0.05) for _, c in chosen])
                print(f"{name:16} {part:5} rows {len(chosen):6}  VADER macro-F1 {f1:.3f}")


if __name__ == "__main__":
    main()
