# The topic every notification goes to: drift alarms, pipeline failures,
# failed-execution alarms and budget warnings.

variable "name" {
  type = string
}

variable "alert_email" {
  type = string
}

data "aws_caller_identity" "current" {}

resource "aws_sns_topic" "alerts" {
  # checkov:skip=CKV_AWS_26: SNS encryption with the AWS-managed key cannot be used by CloudWatch alarms and Budgets, which publish here; a customer key costs $1 a month.
  name = "${var.name}-alerts"
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
