# The topic every notification goes to: drift alarms, pipeline failures,
# failed-execution alarms and budget warnings.

variable "name" {
  type = string
}

variable "alert_email" {
  type = string
}

data "aws_caller_identity" "current" {}

# Messages carry error causes and report locations, so the topic is
# encrypted at rest. With its own key, not SNS's AWS-managed one: CloudWatch
# alarms and Budgets cannot publish to a topic under the managed key, whose
# policy cannot name them. $1 a month (docs/cost.md).
resource "aws_kms_key" "alerts" {
  description             = "${var.name}: the alert topic's messages at rest"
  enable_key_rotation     = true
  deletion_window_in_days = 7
  policy                  = data.aws_iam_policy_document.key.json
}

resource "aws_kms_alias" "alerts" {
  name          = "alias/${var.name}-alerts"
  target_key_id = aws_kms_key.alerts.key_id
}

data "aws_iam_policy_document" "key" {
  # checkov:skip=CKV_AWS_109: a key policy's "*" resource is the key itself; the account's IAM policies decide who administers it.
  # checkov:skip=CKV_AWS_111: as above: the key policy delegates to the account's IAM policies.
  # checkov:skip=CKV_AWS_356: in a key policy "*" means this key only.
  statement {
    sid       = "AccountIamPolicies"
    actions   = ["kms:*"]
    resources = ["*"]
    principals {
      type        = "AWS"
      identifiers = ["arn:aws:iam::${data.aws_caller_identity.current.account_id}:root"]
    }
  }
  statement {
    sid       = "AlarmsAndBudgetsPublish"
    actions   = ["kms:Decrypt", "kms:GenerateDataKey*"]
    resources = ["*"]
    principals {
      type        = "Service"
      identifiers = ["cloudwatch.amazonaws.com", "budgets.amazonaws.com"]
    }
    condition {
      test     = "StringEquals"
      variable = "aws:SourceAccount"
      values   = [data.aws_caller_identity.current.account_id]
    }
  }
}

resource "aws_sns_topic" "alerts" {
  name              = "${var.name}-alerts"
  kms_master_key_id = aws_kms_key.alerts.arn
}

# CloudWatch alarms and AWS Budgets publish to the topic too.
data "aws_iam_policy_document" "topic" {
  statement {
    sid       = "OwnerAccount"
    actions   = ["sns:Publish", "sns:Subscribe", "sns:GetTopicAttributes"]
    resources = [aws_sns_topic.alerts.arn]
    principals {
      type        = "AWS"
      identifiers = ["arn:aws:iam::${data.aws_caller_identity.current.account_id}:root"]
    }
  }
  statement {
    sid       = "AlarmsAndBudgets"
    actions   = ["sns:Publish"]
    resources = [aws_sns_topic.alerts.arn]
    principals {
      type        = "Service"
      identifiers = ["cloudwatch.amazonaws.com", "budgets.amazonaws.com"]
    }
    condition {
      test     = "StringEquals"
      variable = "aws:SourceAccount"
      values   = [data.aws_caller_identity.current.account_id]
    }
  }
}

resource "aws_sns_topic_policy" "alerts" {
  arn    = aws_sns_topic.alerts.arn
  policy = data.aws_iam_policy_document.topic.json
}

# The address must confirm the subscription from the email AWS sends.
resource "aws_sns_topic_subscription" "email" {
  count     = var.alert_email == "" ? 0 : 1
  topic_arn = aws_sns_topic.alerts.arn
  protocol  = "email"
  endpoint  = var.alert_email
}

output "topic_arn" {
  value = aws_sns_topic.alerts.arn
}

output "key_arn" {
  description = "The topic's KMS key: publishers need kms:GenerateDataKey and kms:Decrypt on it."
  value       = aws_kms_key.alerts.arn
}
