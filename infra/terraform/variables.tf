variable "environment" {
  description = "Deployment name, in every resource name and tag (dev, prod, local …)."
  type        = string
  default     = "dev"

  validation {
    condition     = can(regex("^[a-z][a-z0-9-]{1,15}$", var.environment))
    error_message = "environment: 2–16 characters, lowercase letters, digits and hyphens."
  }
}

variable "region" {
  description = "AWS region."
  type        = string
  default     = "eu-west-1"
}

variable "alert_email" {
  description = "Address subscribed to the alert topic (drift alarms, pipeline failures, budget). Empty: no subscription."
  type        = string
  default     = ""
}

variable "schedule_expression" {
  description = "When the pipeline runs (EventBridge schedule expression)."
  type        = string
  default     = "rate(1 hour)"
}

variable "schedule_enabled" {
  description = "Whether the schedule starts executions. Off, nothing runs and nothing is billed but storage."
  type        = bool
  default     = true
}

variable "architecture" {
  description = "Lambda architecture of the zips: arm64 (cheaper per GB-second) or x86_64."
  type        = string
  default     = "arm64"

  validation {
    condition     = contains(["arm64", "x86_64"], var.architecture)
    error_message = "architecture: arm64 or x86_64."
  }
}

# Peak RSS on a 10 000-comment hour (`make bench-lambdas`, docs/performance.md):
# extract 26 MiB, transform 45 MiB, monitor 29 MiB, alert 9 MiB. Memory is
# mostly bought for CPU (one vCPU at 1 769 MB): transform used 4.5 s of CPU
# on that hour, so about 16 s at 512 MB, monitor 1.5 s, so about 5 s. At
# the default 400-comment hours every size below leaves 5x or more headroom
# over the RSS; extract's also bounds the raw file it accepts
# (ABSA_MAX_OBJECT_MB = memory / 8). A million-comment hour needs more:
# docs/performance.md#how-the-pipeline-scales.
variable "memory_mb" {
  description = "Memory per function, in MB."
  type        = map(number)
  default = {
    extract   = 256
    transform = 512
    monitor   = 512
    alert     = 128
    # Training uses two threads; Lambda gives two vCPUs from 1 769 MB.
    retrain = 3008
  }
}

variable "timeout_seconds" {
  description = "Timeout per function, in seconds (the state machine's TimeoutSeconds are the same or longer)."
  type        = map(number)
  default = {
    extract   = 120
    transform = 300
    monitor   = 120
    alert     = 60
    retrain   = 900
  }
}

variable "lambda_zip_dir" {
  description = "Where `cargo lambda build --release --arm64 --output-format zip` wrote <function>/bootstrap.zip."
  type        = string
  default     = "../../target/lambda"
}

variable "pseudonym_key_parameter" {
  description = "Name of the SSM SecureString holding the HMAC key (at least 16 bytes) that pseudonymises user ids and @mentions; empty for /<name>/pseudonym-key. Create it once, outside Terraform, so its value is never in the state (docs/deploying.md). Keep it stable: a new key changes every pseudonym."
  type        = string
  default     = ""

  validation {
    condition     = var.pseudonym_key_parameter == "" || startswith(var.pseudonym_key_parameter, "/")
    error_message = "pseudonym_key_parameter: a full parameter name, starting with /."
  }
}

variable "pseudonym_key_kms_key_arn" {
  description = "The KMS key the parameter is encrypted with, when it is a customer key; empty for SSM's AWS-managed key (aws/ssm)."
  type        = string
  default     = ""
}

variable "alert_min_severity" {
  description = "Lowest verdict that notifies: alarm or warning."
  type        = string
  default     = "alarm"
}

variable "alert_cooldown_hours" {
  description = "Hours during which the same severity is not notified again."
  type        = number
  default     = 6
}

variable "detailed_metrics" {
  description = "Per-feature and per-aspect metrics: 53 more custom metrics at $0.30 each a month ($15.90), besides the 6 summary ones and 2 to 4 of model quality ($2.40 to $3.00). Off by default; docs/cost.md."
  type        = bool
  default     = false
}

variable "log_retention_days" {
  description = "CloudWatch Logs retention for the functions and the state machine."
  type        = number
  default     = 14
}

variable "raw_retention_days" {
  description = "Days after which raw/ and quarantine/ objects expire."
  type        = number
  default     = 30
}

variable "derived_retention_days" {
  description = "Days after which clean/ (comment text and ids) and predictions/ (ids, word counts) expire; a backfill can only re-monitor hours younger than this."
  type        = number
  default     = 90

  validation {
    condition     = var.derived_retention_days >= 1
    error_message = "derived_retention_days must be at least 1."
  }
}

variable "monthly_budget_usd" {
  description = "Monthly AWS budget for this deployment; notifications at 50, 80 and 100 %."
  type        = number
  default     = 5
}

variable "budget_email" {
  description = "Address the budget notifications go to (default: alert_email). A budget needs at least one."
  type        = string
  default     = ""
}

variable "create_budget" {
  description = "Create the AWS Budgets budget (LocalStack does not emulate Budgets)."
  type        = bool
  default     = true
}

variable "force_destroy_buckets" {
  description = "Let `terraform destroy` delete buckets that still hold objects (true for dev and local)."
  type        = bool
  default     = false
}

variable "retrain_min_labels" {
  description = "New labels (beyond those the production model learnt from) that make an alarm train a challenger (docs/retraining.md)."
  type        = number
  default     = 200
}

variable "auto_promote" {
  description = "Promote a challenger without a person when it beats production by promotion_margin macro-F1 on held-out labels and loses at most 0.01 on any human-rated test set."
  type        = bool
  default     = false
}

variable "promotion_margin" {
  description = "The held-out macro-F1 gain that promotes a challenger automatically (with auto_promote)."
  type        = number
  default     = 0.02
}
