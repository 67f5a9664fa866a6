# The five Lambdas (cargo-lambda zips, provided.al2023), each with its own
# role that allows only the prefixes and topic it uses, and its log group.

variable "name" {
  type = string
}

variable "architecture" {
  type = string
}

variable "memory_mb" {
  type = map(number)
}

variable "timeout_seconds" {
  type = map(number)
}

variable "zip_dir" {
  type = string
}

variable "log_retention_days" {
  type = number
}

variable "data_bucket" {
  type = string
}

variable "model_bucket" {
  type = string
}

variable "alert_topic_arn" {
  type = string
}

variable "alert_key_arn" {
  type = string
}

variable "pseudonym_key_parameter" {
  description = "The SSM SecureString holding the pseudonym key, by name; Terraform never reads its value."
  type        = string
}

variable "pseudonym_key_kms_key_arn" {
  description = "The parameter's KMS key when it is a customer key; empty for SSM's AWS-managed key."
  type        = string
}

variable "alert_min_severity" {
  type = string
}

variable "alert_cooldown" {
  type = number
}

variable "detailed_metrics" {
  type = bool
}

variable "retrain_min_labels" {
  type = number
}

variable "auto_promote" {
  type = bool
}

variable "promotion_margin" {
  type = number
}

data "aws_caller_identity" "current" {}
data "aws_region" "current" {}
data "aws_partition" "current" {}

locals {
  data  = "arn:aws:s3:::${var.data_bucket}"
  model = "arn:aws:s3:::${var.model_bucket}"
  pseudonym_key_parameter_arn = join(":", [
    "arn", data.aws_partition.current.partition, "ssm", data.aws_region.current.name,
    data.aws_caller_identity.current.account_id, "parameter/${trimprefix(var.pseudonym_key_parameter, "/")}",
  ])
  # What each function reads and writes (see each crate's lib.rs).
  access = {
    extract = {
      read  = ["${local.data}/raw/*"]
      write = ["${local.data}/clean/*", "${local.data}/quarantine/*", "${local.data}/manifests/extract/*"]
      list  = [local.data]
    }
    transform = {
      read  = ["${local.data}/clean/*", "${local.model}/models/*"]
      write = ["${local.data}/predictions/*"]
      list  = [local.data, local.model]
    }
    # history/ is read back by backfills and baselines; a baseline is
    # published to the registry under its own name (keys::baseline_name).
    # Labels give realised quality; an alarm's labelling queue shows texts.
    monitor = {
      read = [
        "${local.data}/predictions/*", "${local.data}/history/*", "${local.model}/models/*",
        "${local.data}/labels/*", "${local.data}/labelling/*", "${local.data}/clean/*",
      ]
      write = [
        "${local.data}/reports/*", "${local.data}/history/*", "${local.model}/models/*-baseline-*",
        "${local.data}/labelling/*",
      ]
      list = [local.data, local.model]
    }
    # Learns from the labels and their texts; publishes challengers and
    # moves the production alias (after approval).
    retrain = {
      read = [
        "${local.data}/labels/*", "${local.data}/history/*", "${local.data}/clean/*", "${local.data}/training/*",
        "${local.data}/retraining/*", "${local.model}/models/*",
      ]
      write = ["${local.data}/retraining/*", "${local.model}/models/*"]
      list  = [local.data, local.model]
    }
    alert = {
      read  = ["${local.data}/alerts/*"]
      write = ["${local.data}/alerts/*"]
      list  = [local.data]
    }
  }
  environment = {
    extract = {
      ABSA_DATA_BUCKET             = var.data_bucket
      ABSA_PSEUDONYM_KEY_PARAMETER = var.pseudonym_key_parameter
      # A file takes about five times its size in memory while read.
      ABSA_MAX_OBJECT_MB = tostring(floor(var.memory_mb["extract"] / 8))
    }
    transform = {
      ABSA_DATA_BUCKET  = var.data_bucket
      ABSA_MODEL_BUCKET = var.model_bucket
    }
    monitor = {
      ABSA_DATA_BUCKET  = var.data_bucket
      ABSA_MODEL_BUCKET = var.model_bucket
      ABSA_METRICS      = var.detailed_metrics ? "detailed" : "summary"
    }
    alert = {
      ABSA_DATA_BUCKET          = var.data_bucket
      ABSA_ALERT_TOPIC_ARN      = var.alert_topic_arn
      ABSA_ALERT_MIN_SEVERITY   = var.alert_min_severity
      ABSA_ALERT_COOLDOWN_HOURS = tostring(var.alert_cooldown)
    }
    retrain = {
      ABSA_DATA_BUCKET        = var.data_bucket
      ABSA_MODEL_BUCKET       = var.model_bucket
      ABSA_RETRAIN_MIN_LABELS = tostring(var.retrain_min_labels)
      ABSA_AUTO_PROMOTE       = tostring(var.auto_promote)
      ABSA_PROMOTION_MARGIN   = tostring(var.promotion_margin)
    }
  }
}

data "aws_iam_policy_document" "assume" {
  statement {
    actions = ["sts:AssumeRole"]
    principals {
      type        = "Service"
      identifiers = ["lambda.amazonaws.com"]
    }
  }
}

resource "aws_iam_role" "function" {
  for_each           = local.access
  name               = "${var.name}-${each.key}"
  assume_role_policy = data.aws_iam_policy_document.assume.json
}

resource "aws_cloudwatch_log_group" "function" {
  # checkov:skip=CKV_AWS_338: a year of logs for an hourly job costs more than the job; the retention is var.log_retention_days.
  # checkov:skip=CKV_AWS_158: log groups use CloudWatch's own encryption; a customer KMS key costs more than this deployment.
  for_each          = local.access
  name              = "/aws/lambda/${var.name}-${each.key}"
  retention_in_days = var.log_retention_days
}

data "aws_iam_policy_document" "function" {
  for_each = local.access

  statement {
    sid       = "Read"
    actions   = ["s3:GetObject"]
    resources = each.value.read
  }
  statement {
    sid       = "Write"
    actions   = ["s3:PutObject"]
    resources = each.value.write
  }
  # Listing lets a missing key read as 404 (not 403), which the steps rely
  # on; it shows key names only.
  statement {
    sid       = "List"
    actions   = ["s3:ListBucket"]
    resources = each.value.list
  }
  statement {
    sid       = "Logs"
    actions   = ["logs:CreateLogStream", "logs:PutLogEvents"]
    resources = ["${aws_cloudwatch_log_group.function[each.key].arn}:*"]
  }
  statement {
    sid       = "Tracing"
    actions   = ["xray:PutTraceSegments", "xray:PutTelemetryRecords"]
    resources = ["*"]
  }
  dynamic "statement" {
    for_each = each.key == "alert" ? [1] : []
    content {
      sid       = "Notify"
      actions   = ["sns:Publish"]
      resources = [var.alert_topic_arn]
    }
  }
  # Publishing to the encrypted topic encrypts with its key.
  dynamic "statement" {
    for_each = each.key == "alert" ? [1] : []
    content {
      sid       = "NotifyEncrypted"
      actions   = ["kms:GenerateDataKey", "kms:Decrypt"]
      resources = [var.alert_key_arn]
    }
  }
  dynamic "statement" {
    for_each = each.key == "extract" ? [1] : []
    content {
      sid       = "PseudonymKey"
      actions   = ["ssm:GetParameter"]
      resources = [local.pseudonym_key_parameter_arn]
    }
  }
  dynamic "statement" {
    for_each = each.key == "extract" && var.pseudonym_key_kms_key_arn != "" ? [1] : []
    content {
      sid       = "PseudonymKeyDecrypt"
      actions   = ["kms:Decrypt"]
      resources = [var.pseudonym_key_kms_key_arn]
      condition {
        test     = "StringEquals"
        variable = "kms:ViaService"
        values   = ["ssm.${data.aws_region.current.name}.amazonaws.com"]
      }
    }
  }
}

resource "aws_iam_role_policy" "function" {
  for_each = local.access
  name     = "${var.name}-${each.key}"
  role     = aws_iam_role.function[each.key].id
  policy   = data.aws_iam_policy_document.function[each.key].json
}

resource "aws_lambda_function" "this" {
  # checkov:skip=CKV_AWS_116: invoked synchronously by Step Functions, which retries and routes failures to the failure alert; a DLQ would never receive anything.
  # checkov:skip=CKV_AWS_117: the functions reach only S3 and SNS; a VPC would need endpoints or a NAT gateway (about $32 a month).
  # checkov:skip=CKV_AWS_173: no secret is in the environment (the pseudonym key is read from SSM); the rest is encrypted at rest with the AWS-managed key.
  # checkov:skip=CKV_AWS_272: code signing needs a signing profile and a signed-artifact bucket; the zips are built from this repository by CI.
  # checkov:skip=CKV_AWS_115: reserved concurrency fails on new accounts (10 concurrent executions, all unreserved); one execution an hour runs them one at a time.
  for_each         = local.access
  function_name    = "${var.name}-${each.key}"
  role             = aws_iam_role.function[each.key].arn
  filename         = "${var.zip_dir}/${each.key}/bootstrap.zip"
  source_code_hash = filebase64sha256("${var.zip_dir}/${each.key}/bootstrap.zip")
  handler          = "bootstrap"
  runtime          = "provided.al2023"
  architectures    = [var.architecture]
  memory_size      = var.memory_mb[each.key]
  timeout          = var.timeout_seconds[each.key]

  environment {
    variables = local.environment[each.key]
  }

  tracing_config {
    mode = "Active"
  }

  logging_config {
    log_format = "Text"
    log_group  = aws_cloudwatch_log_group.function[each.key].name
  }

  depends_on = [aws_iam_role_policy.function]
}

output "arns" {
  description = "Function ARN by binary name."
  value       = { for k, f in aws_lambda_function.this : k => f.arn }
}

output "names" {
  value = { for k, f in aws_lambda_function.this : k => f.function_name }
}
