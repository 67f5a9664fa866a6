#!/usr/bin/env python3
"""The deployment's S3, SNS, Step Functions and EventBridge parts against
LocalStack in host mode (no Docker), with a schedule that really fires.

Terraform cannot download its AWS provider on this machine, so this script
creates what infra/terraform declares for those services with boto3: the
two buckets with their encryption, versioning, public-access block,
TLS-only policy and lifecycle; the topic under its KMS key; the state machine from the same
ASL document with its placeholders filled as `templatefile` fills them; and
an EventBridge rule that starts it. The rule runs every minute here, and
the test waits until it has started an execution by itself. Then it checks
that the schedule's event took the path the deployed pipeline takes:
HowStarted → FromSchedule → Extract, with `scheduled_time` set to the
event's time. Lambda needs Docker in LocalStack, so the functions do not
exist here and Extract fails: the execution must then take the Catch path
and end FAILED. (`make local` on a machine with Docker runs the Lambdas.)

LocalStack runs in its own process group and is stopped by PID at the end.

    .venv-localstack/bin/python tests/localstack_hostmode.py
"""

import json
import os
import re
import shutil
import subprocess
import sys
import tempfile
import time
import urllib.request
from pathlib import Path

from support import check, free_port, stop_group

import boto3

REPO = Path(__file__).resolve().parent.parent
REGION = "eu-west-1"
ACCOUNT = "000000000000"
NAME = "absa-drift-hostmode"


def start_localstack(work, port):
    env = {
        **{k: v for k, v in os.environ.items() if not k.startswith("AWS_")},
        "GATEWAY_LISTEN": f"127.0.0.1:{port}",
        "LOCALSTACK_HOST": f"127.0.0.1:{port}",
        "SERVICES": "s3,sns,stepfunctions,events,iam,sts,logs,lambda,kms",
        "LOCALSTACK_VOLUME_DIR": str(work / "volume"),
        "FILESYSTEM_ROOT": str(work / "fs"),
        "DNS_ADDRESS": "0",
        "SKIP_SSL_CERT_DOWNLOAD": "1",
        "DISABLE_EVENTS": "1",
    }
    log = open(work / "localstack.log", "wb")
    proc = subprocess.Popen([sys.executable, "-m", "localstack.runtime.main"], env=env, cwd=work,
                            stdout=log, stderr=subprocess.STDOUT, start_new_session=True)
    deadline = time.time() + 120
    while time.time() < deadline:
        if proc.poll() is not None:
            raise RuntimeError(f"LocalStack exited with {proc.returncode}; see {work / 'localstack.log'}")
        try:
            with urllib.request.urlopen(f"http://127.0.0.1:{port}/_localstack/health", timeout=2) as r:
                services = json.load(r)["services"]
            if all(services.get(s) in ("available", "running") for s in ("s3", "sns", "stepfunctions", "events")):
                return proc
        except OSError:
            pass
        time.sleep(1)
    raise RuntimeError("LocalStack was not ready within 120 s")


def templatefile(path, variables):
    """Terraform's templatefile for this document: ${name} from the map, nothing else allowed."""
    text = path.read_text()
    left = set(re.findall(r"\$\{([^}]*)\}", text)) - set(variables)
    assert not left, f"templatefile would fail on {left}"
    return re.sub(r"\$\{([a-z_]+)\}", lambda m: variables[m.group(1)], text)


def deploy_storage(s3, bucket, expire_prefixes):
    """modules/storage for one bucket; expire_prefixes maps a prefix to its days."""
    s3.create_bucket(Bucket=bucket, CreateBucketConfiguration={"LocationConstraint": REGION})
    s3.put_public_access_block(Bucket=bucket, PublicAccessBlockConfiguration={
        "BlockPublicAcls": True, "IgnorePublicAcls": True, "BlockPublicPolicy": True, "RestrictPublicBuckets": True})
    s3.put_bucket_encryption(Bucket=bucket, ServerSideEncryptionConfiguration={
        "Rules": [{"ApplyServerSideEncryptionByDefault": {"SSEAlgorithm": "AES256"}}]})
    s3.put_bucket_versioning(Bucket=bucket, VersioningConfiguration={"Status": "Enabled"})
    arn = f"arn:aws:s3:::{bucket}"
    s3.put_bucket_policy(Bucket=bucket, Policy=json.dumps({"Version": "2012-10-17", "Statement": [{
        "Sid": "DenyInsecureTransport", "Effect": "Deny", "Principal": "*", "Action": "s3:*",
        "Resource": [arn, f"{arn}/*"], "Condition": {"Bool": {"aws:SecureTransport": "false"}}}]}))
    rules = [{"ID": f"expire-{p.strip('/')}", "Status": "Enabled", "Filter": {"Prefix": p},
              "Expiration": {"Days": days}, "NoncurrentVersionExpiration": {"NoncurrentDays": 7}}
             for p, days in expire_prefixes.items()]
    rules.append({"ID": "abort-incomplete-uploads", "Status": "Enabled", "Filter": {"Prefix": ""},
                  "AbortIncompleteMultipartUpload": {"DaysAfterInitiation": 1}})
    s3.put_bucket_lifecycle_configuration(Bucket=bucket, LifecycleConfiguration={"Rules": rules})


def role(iam, name, service, policy):
    arn = iam.create_role(RoleName=name, AssumeRolePolicyDocument=json.dumps({"Version": "2012-10-17", "Statement": [{
        "Effect": "Allow", "Principal": {"Service": service}, "Action": "sts:AssumeRole"}]}))["Role"]["Arn"]
    iam.put_role_policy(RoleName=name, PolicyName=name, PolicyDocument=json.dumps(policy))
    return arn


def main():
    work = Path(tempfile.mkdtemp(prefix="absa-localstack-"))
    port = free_port()
    proc = start_localstack(work, port)
    ok = False
    try:
        clients = dict(endpoint_url=f"http://127.0.0.1:{port}", region_name=REGION,
                       aws_access_key_id="test", aws_secret_access_key="test")
        s3, sns, iam, sfn, events, kms = (boto3.client(s, **clients)
                                          for s in ("s3", "sns", "iam", "stepfunctions", "events", "kms"))

        data, models = f"{NAME}-data-{ACCOUNT}", f"{NAME}-models-{ACCOUNT}"
        # raw_retention_days and derived_retention_days at their defaults.
        deploy_storage(s3, data, {"raw/": 30, "quarantine/": 30, "clean/": 90, "predictions/": 90})
        deploy_storage(s3, models, {})
        for bucket in (data, models):
            enc = s3.get_bucket_encryption(Bucket=bucket)["ServerSideEncryptionConfiguration"]["Rules"][0]
            check(enc["ApplyServerSideEncryptionByDefault"]["SSEAlgorithm"] == "AES256", f"{bucket}: encrypted")
            check(s3.get_bucket_versioning(Bucket=bucket)["Status"] == "Enabled", f"{bucket}: versioned")
            block = s3.get_public_access_block(Bucket=bucket)["PublicAccessBlockConfiguration"]
            check(all(block.values()), f"{bucket}: public access blocked")
            policy = json.loads(s3.get_bucket_policy(Bucket=bucket)["Policy"])
            check(policy["Statement"][0]["Condition"]["Bool"]["aws:SecureTransport"] == "false", f"{bucket}: TLS only")
        expiring = {r["Filter"]["Prefix"] for r in s3.get_bucket_lifecycle_configuration(Bucket=data)["Rules"]
                    if "Expiration" in r}
        check(expiring == {"raw/", "quarantine/", "clean/", "predictions/"},
              f"{data}: every prefix that holds comment text or ids expires")
        s3.put_object(Bucket=data, Key="raw/dt=2026-11-02/hour=05/a.csv", Body=b"x")
        check(s3.list_objects_v2(Bucket=data, Prefix="raw/")["KeyCount"] == 1, "raw input lands in the data bucket")

        # The topic under its own KMS key, as modules/alerting declares it.
        key = kms.create_key(Description=f"{NAME}: the alert topic's messages at rest")["KeyMetadata"]["Arn"]
        kms.enable_key_rotation(KeyId=key)
        topic = sns.create_topic(Name=f"{NAME}-alerts", Attributes={"KmsMasterKeyId": key})["TopicArn"]
        check(sns.get_topic_attributes(TopicArn=topic)["Attributes"].get("KmsMasterKeyId") == key,
              "the topic is encrypted with its key")
        check(sns.publish(TopicArn=topic, Subject="test", Message="hello")["MessageId"] != "", "the topic takes a message")

        functions = json.loads((REPO / "statemachine/functions.json").read_text())
        arns = {p: f"arn:aws:lambda:{REGION}:{ACCOUNT}:function:{NAME}-{b}" for p, b in functions.items()}
        states_role = role(iam, f"{NAME}-states", "states.amazonaws.com", {"Version": "2012-10-17", "Statement": [
            {"Effect": "Allow", "Action": "lambda:InvokeFunction", "Resource": list(arns.values())}]})
        definition = templatefile(REPO / "statemachine/absa_drift_pipeline.asl.json", arns)
        machine = sfn.create_state_machine(name=f"{NAME}-pipeline", definition=definition, roleArn=states_role,
                                           type="STANDARD")["stateMachineArn"]
        check(json.loads(sfn.describe_state_machine(stateMachineArn=machine)["definition"])["StartAt"] == "HowStarted",
              "the state machine is the ASL document")

        schedule_role = role(iam, f"{NAME}-schedule", "events.amazonaws.com", {"Version": "2012-10-17", "Statement": [
            {"Effect": "Allow", "Action": "states:StartExecution", "Resource": machine}]})
        # As modules/schedule, but every minute instead of every hour.
        events.put_rule(Name=f"{NAME}-schedule", ScheduleExpression="rate(1 minute)", State="ENABLED")
        events.put_targets(Rule=f"{NAME}-schedule", Targets=[{"Id": "pipeline", "Arn": machine, "RoleArn": schedule_role}])

        deadline = time.time() + 150
        while not (executions := sfn.list_executions(stateMachineArn=machine)["executions"]):
            assert time.time() < deadline, "the schedule started no execution in 150 s"
            time.sleep(2)
        check(True, f"the schedule started an execution by itself: {executions[0]['name']}")
        events.disable_rule(Name=f"{NAME}-schedule")
        arn = executions[0]["executionArn"]
        while (d := sfn.describe_execution(executionArn=arn))["status"] == "RUNNING":
            assert time.time() < deadline + 120, "the execution did not end"
            time.sleep(1)
        event = json.loads(d["input"])
        check(event.get("detail-type") == "Scheduled Event" and re.fullmatch(r"\d{4}-\d\d-\d\dT\d\d:\d\d:\d\dZ", event["time"]),
              f"its input is the scheduled event (time {event.get('time')})")
        history = sfn.get_execution_history(executionArn=arn)["events"]
        entered = [e["stateEnteredEventDetails"]["name"] for e in history if "stateEnteredEventDetails" in e]
        check(entered[:3] == ["HowStarted", "FromSchedule", "Extract"], f"the schedule's path: {entered}")
        extract_input = next(json.loads(e["stateEnteredEventDetails"]["input"]) for e in history
                             if e.get("stateEnteredEventDetails", {}).get("name") == "Extract")
        check(extract_input == {"scheduled_time": event["time"]}, f"extract is asked for {extract_input}")
        # No Lambda here: Extract fails, and the failure takes the Catch path.
        check("ExtractFailed" in entered and "FailureAlert" in entered, "the missing function is caught")
        check(d["status"] == "FAILED", f"the execution ends {d['status']}")
        ok = True
    finally:
        stop_group(proc)
        if ok:
            shutil.rmtree(work, ignore_errors=True)
        else:
            print(f"LocalStack log: {work / 'localstack.log'}", file=sys.stderr)
    print("test result: ok. 1 passed; 0 failed; (LocalStack host mode: S3, SNS, Step Functions, EventBridge schedule)")


if __name__ == "__main__":
    main()
