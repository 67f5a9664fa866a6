#!/usr/bin/env python3
"""Creates the pseudonym key's SSM SecureString once, with 32 random bytes
(hex), unless it exists. The key never passes through Terraform, its state
or an environment variable; the extract function reads it from SSM.

    python scripts/local/pseudonym_key.py /absa-drift-local/pseudonym-key

Uses the ambient AWS configuration (AWS_ENDPOINT_URL for LocalStack).
"""

import secrets
import sys

import boto3


def main(name):
    ssm = boto3.client("ssm")
    try:
        ssm.put_parameter(Name=name, Type="SecureString", Value=secrets.token_hex(32), Overwrite=False)
        print(f"created the pseudonym key {name} (SecureString)")
    except ssm.exceptions.ParameterAlreadyExists:
        print(f"the pseudonym key {name} exists; kept")


if __name__ == "__main__":
    main(sys.argv[1])
