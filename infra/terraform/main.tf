# absa-drift on AWS: storage, the four Lambdas, the state machine, the
# hourly schedule, alerting, observability and a budget. `make deploy` and
# `make destroy` run it; `make local` runs it against LocalStack.

provider "aws" {
  region = var.region

  default_tags {
    tags = local.tags
  }
}

locals {
  name = "absa-drift-${var.environment}"
  tags = {
    project     = "absa-drift"
    environment = var.environment
  }
  pseudonym_key_parameter = coalesce(var.pseudonym_key_parameter, "/${local.name}/pseudonym-key")
  # The state machine's placeholders and the binaries they stand for.
  functions = jsondecode(file("${path.module}/../../statemachine/functions.json"))
}

module "storage" {
  source                 = "./modules/storage"
  name                   = local.name
  raw_retention_days     = var.raw_retention_days
  derived_retention_days = var.derived_retention_days
  force_destroy          = var.force_destroy_buckets
}

module "alerting" {
  source      = "./modules/alerting"
  name        = local.name
  alert_email = var.alert_email
}

module "functions" {
  source             = "./modules/functions"
  name               = local.name
  architecture       = var.architecture
  memory_mb          = var.memory_mb
  timeout_seconds    = var.timeout_seconds
  zip_dir            = var.lambda_zip_dir
  log_retention_days = var.log_retention_days
  data_bucket        = module.storage.data_bucket
  model_bucket       = module.storage.model_bucket
  alert_topic_arn    = module.alerting.topic_arn
  alert_key_arn      = module.alerting.key_arn

  pseudonym_key_parameter   = local.pseudonym_key_parameter
  pseudonym_key_kms_key_arn = var.pseudonym_key_kms_key_arn

  alert_min_severity = var.alert_min_severity
  alert_cooldown     = var.alert_cooldown_hours
  detailed_metrics   = var.detailed_metrics

  retrain_min_labels = var.retrain_min_labels
  auto_promote       = var.auto_promote
  promotion_margin   = var.promotion_margin
}

module "workflow" {
  source                   = "./modules/workflow"
  name                     = local.name
  definition_file          = "${path.module}/../../statemachine/absa_drift_pipeline.asl.json"
  backfill_definition_file = "${path.module}/../../statemachine/absa_drift_backfill.asl.json"
  function_arns            = { for placeholder, binary in local.functions : placeholder => module.functions.arns[binary] }
  log_retention_days       = var.log_retention_days
}

module "schedule" {
  source            = "./modules/schedule"
  name              = local.name
  expression        = var.schedule_expression
  enabled           = var.schedule_enabled
  state_machine_arn = module.workflow.state_machine_arn
}

module "observability" {
  source            = "./modules/observability"
  name              = local.name
  region            = var.region
  state_machine_arn = module.workflow.state_machine_arn
  alert_topic_arn   = module.alerting.topic_arn
  function_names    = module.functions.names
}

module "budget" {
  count       = var.create_budget ? 1 : 0
  source      = "./modules/budget"
  name        = local.name
  environment = var.environment
  limit_usd   = var.monthly_budget_usd
  email       = coalesce(var.budget_email, var.alert_email, "none")
  topic_arn   = module.alerting.topic_arn
}
