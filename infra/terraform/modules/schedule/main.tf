# An EventBridge rule starts one execution per period. The state machine
# receives the scheduled event; its first states turn the event's `time`
# into `scheduled_time`, and extract reads the files dropped in the hour
# before it (raw/dt=…/hour=…/), so a retried or late run reads the same
# files. (A rule rather than EventBridge Scheduler: LocalStack fires rules.)

variable "name" {
  type = string
}

variable "expression" {
  type = string
}

variable "enabled" {
  type = bool
}

variable "state_machine_arn" {
  type = string
}

data "aws_iam_policy_document" "assume" {
  statement {
    actions = ["sts:AssumeRole"]
    principals {
      type        = "Service"
      identifiers = ["events.amazonaws.com"]
    }
  }
}

resource "aws_iam_role" "events" {
  name               = "${var.name}-schedule"
  assume_role_policy = data.aws_iam_policy_document.assume.json
}

data "aws_iam_policy_document" "start" {
  statement {
    actions   = ["states:StartExecution"]
    resources = [var.state_machine_arn]
  }
}

resource "aws_iam_role_policy" "events" {
  name   = "${var.name}-schedule"
  role   = aws_iam_role.events.id
  policy = data.aws_iam_policy_document.start.json
}

resource "aws_cloudwatch_event_rule" "pipeline" {
  name                = "${var.name}-schedule"
  description         = "Starts the absa-drift pipeline."
  schedule_expression = var.expression
  state               = var.enabled ? "ENABLED" : "DISABLED"
}

resource "aws_cloudwatch_event_target" "pipeline" {
  rule     = aws_cloudwatch_event_rule.pipeline.name
  arn      = var.state_machine_arn
  role_arn = aws_iam_role.events.arn

  # A failed start is retried for an hour at most, never piled up.
  retry_policy {
    maximum_event_age_in_seconds = 3600
    maximum_retry_attempts       = 3
  }
}

output "rule_name" {
  value = aws_cloudwatch_event_rule.pipeline.name
}
