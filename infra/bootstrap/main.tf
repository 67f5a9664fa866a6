# One-time bootstrap of a deployment account (docs/deploying.md): the bucket
# that holds infra/terraform's state, and the roles GitHub Actions assumes
# through OIDC, so no AWS key is ever stored in GitHub.
#
# - plan role: pull requests of github_repository; reads what the
#   deployment manages, and writes only the state lock file;
# - deploy role: jobs of the deploy_environment only (which requires an
#   approval); manages resources whose names start with var.name.

provider "aws" {
  region = var.region

  default_tags {
    tags = { project = "absa-drift", purpose = "terraform-state-and-ci" }
  }
}

data "aws_caller_identity" "current" {}
data "aws_partition" "current" {}

locals {
  account      = data.aws_caller_identity.current.account_id
  partition    = data.aws_partition.current.partition
  state_bucket = "${var.name}-tfstate-${local.account}"
  state_key    = "${var.name}/terraform.tfstate"
  github       = "token.actions.githubusercontent.com"
  oidc_arn = (var.create_oidc_provider ? aws_iam_openid_connect_provider.github[0].arn :
  "arn:${local.partition}:iam::${local.account}:oidc-provider/${local.github}")
}

# --- The state bucket ---------------------------------------------------

resource "aws_kms_key" "state" {
  description             = "${var.name} Terraform state (it holds the deployment's secrets)"
  enable_key_rotation     = true
  deletion_window_in_days = 30
  policy                  = data.aws_iam_policy_document.state_key.json
}

# The account administers the key (as AWS's default key policy does); the
# roles' own policies grant its use for the state.
data "aws_iam_policy_document" "state_key" {
  # checkov:skip=CKV_AWS_111: a key policy's "*" resource is the key itself, and the principal is this account only.
  # checkov:skip=CKV_AWS_356: as above: in a key policy "*" means this key.
  # checkov:skip=CKV_AWS_109: as above; without account administration the key could become unmanageable.
  statement {
    sid       = "AccountAdministers"
    actions   = ["kms:*"]
    resources = ["*"]
    principals {
      type        = "AWS"
      identifiers = ["arn:${local.partition}:iam::${local.account}:root"]
    }
  }
}

resource "aws_kms_alias" "state" {
  name          = "alias/${var.name}-tfstate"
  target_key_id = aws_kms_key.state.key_id
}

resource "aws_s3_bucket" "state" {
  # checkov:skip=CKV_AWS_18: access logging needs another bucket; CloudTrail records who used the state.
  # checkov:skip=CKV_AWS_144: the state is small and versioned; cross-region replication doubles its cost for no recovery it lacks.
  # checkov:skip=CKV2_AWS_62: nothing listens to the state bucket's events.
  bucket = local.state_bucket
}

resource "aws_s3_bucket_versioning" "state" {
  bucket = aws_s3_bucket.state.id
  versioning_configuration {
    status = "Enabled"
  }
}

resource "aws_s3_bucket_server_side_encryption_configuration" "state" {
  bucket = aws_s3_bucket.state.id
  rule {
    apply_server_side_encryption_by_default {
      sse_algorithm     = "aws:kms"
      kms_master_key_id = aws_kms_key.state.arn
    }
    bucket_key_enabled = true
  }
}

resource "aws_s3_bucket_public_access_block" "state" {
  bucket                  = aws_s3_bucket.state.id
  block_public_acls       = true
  block_public_policy     = true
  ignore_public_acls      = true
  restrict_public_buckets = true
}

resource "aws_s3_bucket_ownership_controls" "state" {
  bucket = aws_s3_bucket.state.id
  rule {
    object_ownership = "BucketOwnerEnforced"
  }
}

resource "aws_s3_bucket_lifecycle_configuration" "state" {
  bucket = aws_s3_bucket.state.id
  rule {
    id     = "old-state-versions"
    status = "Enabled"
    filter {}
    noncurrent_version_expiration {
      noncurrent_days = 90
    }
    abort_incomplete_multipart_upload {
      days_after_initiation = 1
    }
  }
}

data "aws_iam_policy_document" "state_bucket" {
  statement {
    sid     = "TLSOnly"
    effect  = "Deny"
    actions = ["s3:*"]
    resources = [
      aws_s3_bucket.state.arn,
      "${aws_s3_bucket.state.arn}/*",
    ]
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

resource "aws_s3_bucket_policy" "state" {
  bucket = aws_s3_bucket.state.id
  policy = data.aws_iam_policy_document.state_bucket.json
}

# --- GitHub OIDC and the two roles -----------------------------------------

resource "aws_iam_openid_connect_provider" "github" {
  count          = var.create_oidc_provider ? 1 : 0
  url            = "https://${local.github}"
  client_id_list = ["sts.amazonaws.com"]
}

data "aws_iam_policy_document" "trust" {
  for_each = {
    plan   = "repo:${var.github_repository}:pull_request"
    deploy = "repo:${var.github_repository}:environment:${var.deploy_environment}"
  }
  statement {
    actions = ["sts:AssumeRoleWithWebIdentity"]
    principals {
      type        = "Federated"
      identifiers = [local.oidc_arn]
    }
    condition {
      test     = "StringEquals"
      variable = "${local.github}:aud"
      values   = ["sts.amazonaws.com"]
    }
    condition {
      test     = "StringEquals"
      variable = "${local.github}:sub"
      values   = [each.value]
    }
  }
}

resource "aws_iam_role" "ci" {
  for_each             = data.aws_iam_policy_document.trust
  name                 = "${var.name}-github-${each.key}"
  assume_role_policy   = each.value.json
  max_session_duration = 3600
}

locals {
  arn = {
    buckets   = "arn:${local.partition}:s3:::${var.name}-*"
    registry  = "arn:${local.partition}:s3:::${var.name}-*-models-*/*"
    functions = "arn:${local.partition}:lambda:*:${local.account}:function:${var.name}-*"
    roles     = "arn:${local.partition}:iam::${local.account}:role/${var.name}-*"
    machines  = "arn:${local.partition}:states:*:${local.account}:stateMachine:${var.name}-*"
    rules     = "arn:${local.partition}:events:*:${local.account}:rule/${var.name}-*"
    topics    = "arn:${local.partition}:sns:*:${local.account}:${var.name}-*"
    logs      = "arn:${local.partition}:logs:*:${local.account}:log-group:*${var.name}*"
    alarms    = "arn:${local.partition}:cloudwatch:*:${local.account}:alarm:${var.name}-*"
    budgets   = "arn:${local.partition}:budgets::${local.account}:budget/${var.name}-*"
  }
}

# Both roles use the state: read it, and take and release its lock file.
data "aws_iam_policy_document" "state_access" {
  statement {
    sid       = "StateBucket"
    actions   = ["s3:ListBucket"]
    resources = [aws_s3_bucket.state.arn]
  }
  statement {
    sid       = "ReadState"
    actions   = ["s3:GetObject"]
    resources = ["${aws_s3_bucket.state.arn}/${local.state_key}", "${aws_s3_bucket.state.arn}/${local.state_key}.tflock"]
  }
  statement {
    sid       = "LockState"
    actions   = ["s3:PutObject", "s3:DeleteObject"]
    resources = ["${aws_s3_bucket.state.arn}/${local.state_key}.tflock"]
  }
  statement {
    sid       = "StateKey"
    actions   = ["kms:Decrypt", "kms:Encrypt", "kms:GenerateDataKey"]
    resources = [aws_kms_key.state.arn]
  }
}

# What `terraform plan` refreshes: read-only, and only the deployment's own
# resources where the API allows a resource ARN (no comment data: no s3:GetObject).
data "aws_iam_policy_document" "plan" {
  source_policy_documents = [data.aws_iam_policy_document.state_access.json]
  statement {
    sid = "ReadDeployment"
    actions = [
      "s3:GetBucket*", "s3:GetLifecycleConfiguration", "s3:GetEncryptionConfiguration", "s3:GetAccelerateConfiguration",
      "s3:GetReplicationConfiguration", "s3:ListBucket",
      "lambda:GetFunction", "lambda:GetFunctionCodeSigningConfig", "lambda:ListVersionsByFunction", "lambda:GetPolicy",
      "iam:GetRole", "iam:GetRolePolicy", "iam:ListRolePolicies", "iam:ListAttachedRolePolicies",
      "states:DescribeStateMachine", "states:ListTagsForResource",
      "events:DescribeRule", "events:ListTargetsByRule", "events:ListTagsForResource",
      "sns:GetTopicAttributes", "sns:GetSubscriptionAttributes", "sns:ListTagsForResource", "sns:ListSubscriptionsByTopic",
      "logs:ListTagsForResource", "logs:ListTagsLogGroup",
      "cloudwatch:DescribeAlarms", "cloudwatch:ListTagsForResource",
      "budgets:ViewBudget", "budgets:ListTagsForResource",
    ]
    resources = values(local.arn)
  }
  statement {
    sid       = "ListLogGroups"
    actions   = ["logs:DescribeLogGroups"]
    resources = ["arn:${local.partition}:logs:*:${local.account}:log-group:*"]
  }
  # KMS key ids are random, so the deployment's keys are known by their tag.
  statement {
    sid       = "ReadKeys"
    actions   = ["kms:DescribeKey", "kms:GetKeyPolicy", "kms:GetKeyRotationStatus", "kms:ListResourceTags"]
    resources = ["arn:${local.partition}:kms:*:${local.account}:key/*"]
    condition {
      test     = "StringEquals"
      variable = "aws:ResourceTag/project"
      values   = [var.name]
    }
  }
  statement {
    sid       = "ListKeyAliases"
    actions   = ["kms:ListAliases"]
    resources = ["*"]
  }
}

# What `terraform apply` changes: the same resources, by name prefix.
data "aws_iam_policy_document" "deploy" {
  source_policy_documents = [data.aws_iam_policy_document.plan.json]
  statement {
    sid       = "WriteState"
    actions   = ["s3:PutObject"]
    resources = ["${aws_s3_bucket.state.arn}/${local.state_key}"]
  }
  statement {
    sid       = "Buckets"
    actions   = ["s3:CreateBucket", "s3:DeleteBucket", "s3:PutBucket*", "s3:DeleteBucketPolicy", "s3:PutLifecycleConfiguration", "s3:PutEncryptionConfiguration"]
    resources = [local.arn.buckets]
  }
  statement {
    sid       = "PublishModel"
    actions   = ["s3:PutObject", "s3:GetObject"]
    resources = [local.arn.registry]
  }
  statement {
    sid = "Functions"
    actions = [
      "lambda:CreateFunction", "lambda:DeleteFunction", "lambda:UpdateFunctionCode", "lambda:UpdateFunctionConfiguration",
      "lambda:TagResource", "lambda:UntagResource", "lambda:PutFunctionConcurrency", "lambda:DeleteFunctionConcurrency",
    ]
    resources = [local.arn.functions]
  }
  statement {
    sid = "Roles"
    actions = [
      "iam:CreateRole", "iam:DeleteRole", "iam:UpdateRole", "iam:UpdateAssumeRolePolicy", "iam:TagRole", "iam:UntagRole",
      "iam:PutRolePolicy", "iam:DeleteRolePolicy", "iam:PassRole",
    ]
    resources = [local.arn.roles]
  }
  statement {
    sid = "Workflow"
    actions = [
      "states:CreateStateMachine", "states:UpdateStateMachine", "states:DeleteStateMachine", "states:TagResource",
      "states:UntagResource", "states:StartExecution",
    ]
    resources = [local.arn.machines]
  }
  statement {
    sid       = "Schedule"
    actions   = ["events:PutRule", "events:DeleteRule", "events:PutTargets", "events:RemoveTargets", "events:TagResource", "events:UntagResource"]
    resources = [local.arn.rules]
  }
  statement {
    sid = "Alerts"
    actions = [
      "sns:CreateTopic", "sns:DeleteTopic", "sns:SetTopicAttributes", "sns:Subscribe", "sns:Unsubscribe",
      "sns:TagResource", "sns:UntagResource",
    ]
    resources = [local.arn.topics]
  }
  statement {
    sid       = "Logs"
    actions   = ["logs:CreateLogGroup", "logs:DeleteLogGroup", "logs:PutRetentionPolicy", "logs:TagResource", "logs:TagLogGroup", "logs:UntagResource"]
    resources = [local.arn.logs]
  }
  statement {
    sid = "StateMachineLogDelivery"
    actions = [
      "logs:CreateLogDelivery", "logs:GetLogDelivery", "logs:UpdateLogDelivery", "logs:DeleteLogDelivery",
      "logs:ListLogDeliveries", "logs:PutResourcePolicy", "logs:DescribeResourcePolicies",
    ]
    resources = ["*"]
  }
  statement {
    sid       = "Alarms"
    actions   = ["cloudwatch:PutMetricAlarm", "cloudwatch:DeleteAlarms", "cloudwatch:TagResource", "cloudwatch:UntagResource"]
    resources = [local.arn.alarms]
  }
  statement {
    sid       = "Budget"
    actions   = ["budgets:ModifyBudget", "budgets:TagResource", "budgets:UntagResource"]
    resources = [local.arn.budgets]
  }
  # The alert topic's key: created with the deployment's tag (its default_tags), then
  # managed only while it carries it.
  statement {
    sid       = "CreateKeys"
    actions   = ["kms:CreateKey", "kms:TagResource"]
    resources = ["*"]
    condition {
      test     = "StringEquals"
      variable = "aws:RequestTag/project"
      values   = [var.name]
    }
  }
  statement {
    sid = "ManageKeys"
    actions = [
      "kms:EnableKeyRotation", "kms:PutKeyPolicy", "kms:ScheduleKeyDeletion", "kms:UpdateKeyDescription",
      "kms:TagResource", "kms:UntagResource", "kms:CreateAlias", "kms:DeleteAlias", "kms:UpdateAlias",
    ]
    resources = ["arn:${local.partition}:kms:*:${local.account}:key/*"]
    condition {
      test     = "StringEquals"
      variable = "aws:ResourceTag/project"
      values   = [var.name]
    }
  }
  # The pseudonym key's parameter, created once by the workflow if missing
  # (scripts/local/pseudonym_key.py; SecureString under SSM's AWS-managed key).
  statement {
    sid       = "PseudonymKeyParameter"
    actions   = ["ssm:PutParameter"]
    resources = ["arn:${local.partition}:ssm:*:${local.account}:parameter/${var.name}-*"]
  }
  statement {
    sid       = "KeyAliases"
    actions   = ["kms:CreateAlias", "kms:DeleteAlias", "kms:UpdateAlias"]
    resources = ["arn:${local.partition}:kms:*:${local.account}:alias/${var.name}-*"]
  }
}

resource "aws_iam_role_policy" "ci" {
  for_each = aws_iam_role.ci
  name     = "${each.value.name}-policy"
  role     = each.value.id
  policy   = each.key == "plan" ? data.aws_iam_policy_document.plan.json : data.aws_iam_policy_document.deploy.json
}
