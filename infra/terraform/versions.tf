terraform {
  # 1.10: the S3 backend's native lock file (use_lockfile), no DynamoDB table.
  required_version = ">= 1.10"

  required_providers {
    aws = {
      source  = "hashicorp/aws"
      version = "~> 5.80"
    }
  }

  # State in the bucket infra/bootstrap creates (versioned, encrypted with
  # its KMS key, TLS only), locked with a lock file next to it. The bucket,
  # key and region come from backend.hcl, which bootstrap's output writes
  # (`make deploy` and the deploy workflow pass it to `terraform init`).
  # `make local` overrides this with a local backend.
  backend "s3" {
    use_lockfile = true
    encrypt      = true
  }
}
