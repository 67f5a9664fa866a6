# Alarms that reach the alert topic when the pipeline itself goes wrong:
# failed or timed-out executions, function errors, and a schedule that
# stopped starting anything.

variable "name" {
  type = string
}

variable "region" {
  type = string
}

variable "state_machine_arn" {
  type = string
}

variable "alert_topic_arn" {
  type = string
}

variable "function_names" {
  type = map(string)
}

locals {
  execution_alarms = {
    failed    = { metric = "ExecutionsFailed", what = "failed" }
    timed_out = { metric = "ExecutionsTimedOut", what = "timed out" }
    aborted   = { metric = "ExecutionsAborted", what = "was aborted" }
  }
}

resource "aws_cloudwatch_metric_alarm" "executions" {
  for_each            = local.execution_alarms
  alarm_name          = "${var.name}-execution-${replace(each.key, "_", "-")}"
  alarm_description   = "An absa-drift pipeline execution ${each.value.what} (Step Functions console: ${var.state_machine_arn})."
  namespace           = "AWS/States"
  metric_name         = each.value.metric
  dimensions          = { StateMachineArn = var.state_machine_arn }
  statistic           = "Sum"
  period              = 3600
  evaluation_periods  = 1
  threshold           = 0
  comparison_operator = "GreaterThanThreshold"
  treat_missing_data  = "notBreaching"
  alarm_actions       = [var.alert_topic_arn]
  ok_actions          = [var.alert_topic_arn]
}

# Nothing started for three hours: the schedule is off or broken.
resource "aws_cloudwatch_metric_alarm" "no_executions" {
  alarm_name          = "${var.name}-no-executions"
  alarm_description   = "No absa-drift pipeline execution started in 3 hours."
  namespace           = "AWS/States"
  metric_name         = "ExecutionsStarted"
  dimensions          = { StateMachineArn = var.state_machine_arn }
  statistic           = "Sum"
  period              = 3600
  evaluation_periods  = 3
  threshold           = 1
  comparison_operator = "LessThanThreshold"
  treat_missing_data  = "breaching"
  alarm_actions       = [var.alert_topic_arn]
}

# Function errors, retries included (the workflow may still have succeeded).
resource "aws_cloudwatch_metric_alarm" "function_errors" {
  for_each            = var.function_names
  alarm_name          = "${each.value}-errors"
  alarm_description   = "The ${each.key} Lambda raised errors (logs: /aws/lambda/${each.value})."
  namespace           = "AWS/Lambda"
  metric_name         = "Errors"
  dimensions          = { FunctionName = each.value }
  statistic           = "Sum"
  period              = 3600
  evaluation_periods  = 1
  threshold           = 0
  comparison_operator = "GreaterThanThreshold"
  treat_missing_data  = "notBreaching"
  alarm_actions       = [var.alert_topic_arn]
}

output "alarm_names" {
  value = concat(
    [for a in aws_cloudwatch_metric_alarm.executions : a.alarm_name],
    [aws_cloudwatch_metric_alarm.no_executions.alarm_name],
    [for a in aws_cloudwatch_metric_alarm.function_errors : a.alarm_name],
  )
}
