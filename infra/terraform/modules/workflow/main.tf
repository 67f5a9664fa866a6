# The state machines, from the same ASL documents the local runner executes:
# the hourly pipeline, and the backfill that monitors past hours again
# (a Distributed Map whose child executions it may start and stop), with a
# role that may invoke the four functions and nothing else.

variable "name" {
  type = string
}

variable "definition_file" {
  type = string
}

variable "backfill_definition_file" {
  type = string
}

variable "function_arns" {
  description = "ARN by placeholder name (extract_function_arn …)."
  type        = map(string)
}

variable "log_retention_days" {
  type = number
}

data "aws_iam_policy_document" "assume" {
  statement {
    actions = ["sts:AssumeRole"]
    principals {
      type        = "Service"
      identifiers = ["states.amazonaws.com"]
    }
  }
}

resource "aws_iam_role" "states" {
  name               = "${var.name}-states"
  assume_role_policy = data.aws_iam_policy_document.assume.json
}

data "aws_caller_identity" "current" {}
data "aws_region" "current" {}
data "aws_partition" "current" {}

locals {
  # Built from its name: the role's policy cannot refer to the resource it
  # lets run (a cycle).
  backfill_name = "${var.name}-backfill" # as aws_sfn_state_machine.this["backfill"] is named
  states_arn    = "arn:${data.aws_partition.current.partition}:states:${data.aws_region.current.name}:${data.aws_caller_identity.current.account_id}"
}

data "aws_iam_policy_document" "states" {
  statement {
    sid       = "InvokeTheFour"
    actions   = ["lambda:InvokeFunction"]
    resources = values(var.function_arns)
  }
  # A Distributed Map runs its items as child executions of its own state machine.
  statement {
    sid       = "BackfillChildExecutions"
    actions   = ["states:StartExecution"]
    resources = ["${local.states_arn}:stateMachine:${local.backfill_name}"]
  }
  statement {
    sid       = "BackfillChildExecutionState"
    actions   = ["states:DescribeExecution", "states:StopExecution"]
    resources = ["${local.states_arn}:execution:${local.backfill_name}/*"]
  }
  # Step Functions' log delivery works through these account-level calls.
  statement {
    sid = "Logging"
    actions = [
      "logs:CreateLogDelivery", "logs:GetLogDelivery", "logs:UpdateLogDelivery", "logs:DeleteLogDelivery",
      "logs:ListLogDeliveries", "logs:PutResourcePolicy", "logs:DescribeResourcePolicies", "logs:DescribeLogGroups",
    ]
    resources = ["*"]
  }
  statement {
    sid       = "Tracing"
    actions   = ["xray:PutTraceSegments", "xray:PutTelemetryRecords", "xray:GetSamplingRules", "xray:GetSamplingTargets"]
    resources = ["*"]
  }
}

resource "aws_iam_role_policy" "states" {
  name   = "${var.name}-states"
  role   = aws_iam_role.states.id
  policy = data.aws_iam_policy_document.states.json
}

resource "aws_cloudwatch_log_group" "states" {
  # checkov:skip=CKV_AWS_158: CloudWatch's own encryption; a customer KMS key costs more than this deployment.
  # checkov:skip=CKV_AWS_338: a year of logs for an hourly job costs more than the job; the retention is var.log_retention_days.
  name              = "/aws/vendedlogs/states/${var.name}"
  retention_in_days = var.log_retention_days
}

locals {
  definitions = {
    pipeline = var.definition_file
    backfill = var.backfill_definition_file
  }
}

resource "aws_sfn_state_machine" "this" {
  for_each   = local.definitions
  name       = "${var.name}-${each.key}"
  role_arn   = aws_iam_role.states.arn
  type       = "STANDARD"
  definition = templatefile(each.value, var.function_arns)

  logging_configuration {
    log_destination        = "${aws_cloudwatch_log_group.states.arn}:*"
    include_execution_data = true
    level                  = "ERROR"
  }

  tracing_configuration {
    enabled = true
  }

  depends_on = [aws_iam_role_policy.states]
}

# Deployments from before the backfill keep their pipeline state machine.
moved {
  from = aws_sfn_state_machine.pipeline
  to   = aws_sfn_state_machine.this["pipeline"]
}

output "backfill_state_machine_arn" {
  value = aws_sfn_state_machine.this["backfill"].arn
}

output "state_machine_arn" {
  value = aws_sfn_state_machine.this["pipeline"].arn
}

output "state_machine_name" {
  value = aws_sfn_state_machine.this["pipeline"].name
}
