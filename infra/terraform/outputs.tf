output "data_bucket" {
  description = "Raw input goes to s3://<data_bucket>/raw/; reports come out under reports/."
  value       = module.storage.data_bucket
}

output "model_bucket" {
  description = "The model registry (models/<name>/<version>/, alias models/<name>/production.json)."
  value       = module.storage.model_bucket
}

output "state_machine_arn" {
  description = "Start an execution by hand: aws stepfunctions start-execution --state-machine-arn … --name … --input '{\"prefix\":\"raw/\"}'."
  value       = module.workflow.state_machine_arn
}

output "backfill_state_machine_arn" {
  description = "Monitor past hours again: aws stepfunctions start-execution --state-machine-arn … --name … --input '{\"from\":\"2026-11-01\",\"to\":\"2026-11-07\"}' (docs/pipeline.md)."
  value       = module.workflow.backfill_state_machine_arn
}

output "alert_topic_arn" {
  description = "The SNS topic of drift alerts and pipeline failures."
  value       = module.alerting.topic_arn
}

output "function_names" {
  description = "The four Lambda functions."
  value       = module.functions.names
}

output "dashboard_hint" {
  description = "Where the metrics are."
  value       = "CloudWatch namespace AbsaDrift in ${var.region}; Grafana dashboards in infra/grafana/dashboards"
}

output "pseudonym_key_parameter" {
  description = "The SSM SecureString the extract function reads its pseudonym key from (create it once: docs/deploying.md)."
  value       = local.pseudonym_key_parameter
}
