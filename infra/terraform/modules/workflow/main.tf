# The state machine, from the same ASL document the local runner executes,
# with a role that may invoke the four functions and nothing else.

variable "name" {
  type = string
}

variable "definition_file" {
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

data "aws_iam_policy_document" "states" {
  statement {
    sid       = "InvokeTheFour"
    actions   = ["lambda:InvokeFunction"]
    resources = values(var.function_arns)
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
  name              = "/aws/vendedlogs/states/${var.name}"
  retention_in_days = var.log_retention_days
}

resource "aws_sfn_state_machine" "pipeline" {
  name       = "${var.name}-pipeline"
  role_arn   = aws_iam_role.states.arn
  type       = "STANDARD"
  definition = templatefile(var.definition_file, var.function_arns)

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

output "state_machine_arn" {
  value = aws_sfn_state_machine.pipeline.arn
}

output "state_machine_name" {
  value = aws_sfn_state_machine.pipeline.name
}
