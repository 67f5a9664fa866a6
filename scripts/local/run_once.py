#!/usr/bin/env python3
"""The model, and one pipeline execution, on a deployed stack (LocalStack or AWS).

Uploads the model registry directory to the model bucket when the bucket
has no `production` alias yet, and the training data a retrain starts from
(data/train, data/human-rated) to the data bucket's training/ when it has
none. With --batch, it also uploads that exporter
file to the data bucket's raw/manual/, starts a named execution, waits for
it, prints the verdict and downloads the HTML report.

    python scripts/local/run_once.py --outputs outputs.json --registry DIR [--batch FILE --reports DIR]
"""

import argparse
import json
import time
from pathlib import Path

import boto3


def main():
    p = argparse.ArgumentParser()
    p.add_argument("--outputs", required=True, help="terraform output -json")
    p.add_argument("--registry", required=True, type=Path, help="absa-drift train --registry DIR")
    p.add_argument("--batch", type=Path, help="an exporter CSV, JSON Lines or Parquet file to run once")
    p.add_argument("--reports", type=Path, default=Path(".local/reports"), help="where the HTML report goes")
    p.add_argument("--model", default="absa-sentiment")
    args = p.parse_args()

    outputs = {k: v["value"] for k, v in json.loads(Path(args.outputs).read_text()).items()}
    s3, sfn = boto3.client("s3"), boto3.client("stepfunctions")
    alias = f"models/{args.model}/production.json"
    if s3.list_objects_v2(Bucket=outputs["model_bucket"], Prefix=alias)["KeyCount"] == 0:
        files = [f for f in sorted(args.registry.rglob("*")) if f.is_file()]
        # The alias last, as the registry publishes it: never an alias without its files.
        for f in sorted(files, key=lambda f: f.name == "production.json"):
            s3.upload_file(str(f), outputs["model_bucket"], str(f.relative_to(args.registry)))
        print(f"model uploaded to s3://{outputs['model_bucket']}/models/{args.model}/")
    if s3.list_objects_v2(Bucket=outputs["data_bucket"], Prefix="training/")["KeyCount"] == 0:
        for source, prefix in ((Path("data/train"), "training/"), (Path("data/human-rated"), "training/human-rated/")):
            for f in sorted(p for p in source.iterdir() if p.is_file()):
                s3.upload_file(str(f), outputs["data_bucket"], prefix + f.name)
        print(f"training data uploaded to s3://{outputs['data_bucket']}/training/")
    if args.batch is None:
        return

    key = f"raw/manual/{args.batch.name}"
    s3.upload_file(str(args.batch), outputs["data_bucket"], key)
    name = "manual-" + "".join(c if c.isalnum() else "-" for c in args.batch.name) + f"-{int(time.time())}"
    arn = sfn.start_execution(stateMachineArn=outputs["state_machine_arn"], name=name,
                              input=json.dumps({"key": key}))["executionArn"]
    print(f"execution {name} started on s3://{outputs['data_bucket']}/{key}")
    deadline = time.time() + 900
    while (d := sfn.describe_execution(executionArn=arn))["status"] == "RUNNING":
        if time.time() > deadline:
            raise SystemExit(f"{name} still RUNNING after 15 minutes")
        time.sleep(2)
    if d["status"] != "SUCCEEDED":
        raise SystemExit(f"{name}: {d['status']}: {d.get('error')}: {d.get('cause')}")
    verdict = json.loads(d["output"])["verdict"]
    args.reports.mkdir(parents=True, exist_ok=True)
    html = args.reports / Path(verdict["html_key"]).name
    s3.download_file(outputs["data_bucket"], verdict["html_key"], str(html))
    print(f"verdict: {verdict['severity']}, share of drifted columns {verdict['share_of_drifted_columns']:.2f}, "
          f"drifted: {', '.join(verdict['drifted_columns']) or 'none'}")
    print(f"report: s3://{outputs['data_bucket']}/{verdict['html_key']} (downloaded to {html})")


if __name__ == "__main__":
    main()
