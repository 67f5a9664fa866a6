# Two buckets: data (raw input, clean partitions, predictions, reports,
# alert state) and models (the registry). Both private, encrypted, TLS only.

variable "name" {
  type = string
}

variable "raw_retention_days" {
  type = number
}

variable "derived_retention_days" {
  type = number
}

variable "force_destroy" {
  type = bool
}

data "aws_caller_identity" "current" {}

locals {
  buckets = {
    data  = "${var.name}-data-${data.aws_caller_identity.current.account_id}"
    model = "${var.name}-models-${data.aws_caller_identity.current.account_id}"
  }
}

resource "aws_s3_bucket" "this" {
  # checkov:skip=CKV2_AWS_6: false positive for the second for_each instance: aws_s3_bucket_public_access_block.this covers both buckets.
  # checkov:skip=CKV_AWS_21: false positive for the second for_each instance: aws_s3_bucket_versioning.this enables it on both buckets.
  # checkov:skip=CKV_AWS_18: access logging would need a third bucket and costs more than the data it guards; CloudTrail data events can be turned on per account.
  # checkov:skip=CKV_AWS_144: cross-region replication doubles storage cost; raw input is kept by its producer and the rest can be recomputed.
  # checkov:skip=CKV2_AWS_62: no consumer listens to bucket notifications; the schedule starts the pipeline.
  # checkov:skip=CKV_AWS_145: SSE-S3 (AES256) rather than a customer KMS key, which costs $1 a month plus requests.
  for_each      = local.buckets
  bucket        = each.value
  force_destroy = var.force_destroy
}

resource "aws_s3_bucket_public_access_block" "this" {
  for_each                = aws_s3_bucket.this
  bucket                  = each.value.id
  block_public_acls       = true
  block_public_policy     = true
  ignore_public_acls      = true
  restrict_public_buckets = true
}

resource "aws_s3_bucket_ownership_controls" "this" {
  for_each = aws_s3_bucket.this
  bucket   = each.value.id
  rule {
    object_ownership = "BucketOwnerEnforced"
  }
}

resource "aws_s3_bucket_server_side_encryption_configuration" "this" {
  for_each = aws_s3_bucket.this
  bucket   = each.value.id
  rule {
    apply_server_side_encryption_by_default {
      sse_algorithm = "AES256"
    }
  }
}

# Versioning on both: a model version is never lost, and raw input that is
# overwritten by mistake can be recovered. Old versions expire (lifecycle).
resource "aws_s3_bucket_versioning" "this" {
  for_each = aws_s3_bucket.this
  bucket   = each.value.id
  versioning_configuration {
    status = "Enabled"
  }
}

resource "aws_s3_bucket_lifecycle_configuration" "data" {
  bucket     = aws_s3_bucket.this["data"].id
  depends_on = [aws_s3_bucket_versioning.this]

  # Every prefix that holds comment text or ids expires: raw input (kept by
  # its producer) and quarantine after raw_retention_days; what extract and
  # transform derive (clean/: text and public comment ids, which lead to
  # the author; predictions/: ids and word counts) after
  # derived_retention_days. Reports and history hold only aggregates.
  dynamic "rule" {
    for_each = {
      raw         = var.raw_retention_days
      quarantine  = var.raw_retention_days
      clean       = var.derived_retention_days
      predictions = var.derived_retention_days
    }
    content {
      id     = "expire-${rule.key}"
      status = "Enabled"
      filter {
        prefix = "${rule.key}/"
      }
      expiration {
        days = rule.value
      }
      noncurrent_version_expiration {
        noncurrent_days = 7
      }
      abort_incomplete_multipart_upload {
        days_after_initiation = 1
      }
    }
  }

  rule {
    id     = "old-versions"
    status = "Enabled"
    filter {}
    noncurrent_version_expiration {
      noncurrent_days = 30
    }
    abort_incomplete_multipart_upload {
      days_after_initiation = 1
    }
  }
}

resource "aws_s3_bucket_lifecycle_configuration" "model" {
  bucket     = aws_s3_bucket.this["model"].id
  depends_on = [aws_s3_bucket_versioning.this]

  # Model versions are kept; only uploads that never finished are cleaned.
  rule {
    id     = "abort-incomplete-uploads"
    status = "Enabled"
    filter {}
    abort_incomplete_multipart_upload {
      days_after_initiation = 1
    }
  }
}

data "aws_iam_policy_document" "tls_only" {
  for_each = aws_s3_bucket.this
  statement {
    sid       = "DenyInsecureTransport"
    effect    = "Deny"
    actions   = ["s3:*"]
    resources = [each.value.arn, "${each.value.arn}/*"]
    principals {
      type        = "*"
      identifiers = ["*"]
    }
    condition {
      test     = "Bool"
      variable = "aws:SecureTransport"
      values   = ["false"]
    }
  }
}

resource "aws_s3_bucket_policy" "tls_only" {
  for_each   = aws_s3_bucket.this
  bucket     = each.value.id
  policy     = data.aws_iam_policy_document.tls_only[each.key].json
  depends_on = [aws_s3_bucket_public_access_block.this]
}

output "data_bucket" {
  value = aws_s3_bucket.this["data"].id
}

output "model_bucket" {
  value = aws_s3_bucket.this["model"].id
}

output "data_bucket_arn" {
  value = aws_s3_bucket.this["data"].arn
}

output "model_bucket_arn" {
  value = aws_s3_bucket.this["model"].arn
}
