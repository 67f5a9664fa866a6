# A monthly cost budget over the whole account, not only this project's
# tags: the €130 surprise came from something nobody was watching. Email
# and the alert topic hear at 50, 80 and 100 % of actual spend, and when
# the forecast passes 100 %.

variable "name" {
  type = string
}

variable "environment" {
  type = string
}

variable "limit_usd" {
  type = number
}

variable "email" {
  type = string
}

variable "topic_arn" {
  type = string
}

resource "aws_budgets_budget" "monthly" {
  name         = "${var.name}-monthly"
  budget_type  = "COST"
  limit_amount = format("%.2f", var.limit_usd)
  limit_unit   = "USD"
  time_unit    = "MONTHLY"

  dynamic "notification" {
    for_each = [50, 80, 100]
    content {
      comparison_operator        = "GREATER_THAN"
      threshold                  = notification.value
      threshold_type             = "PERCENTAGE"
      notification_type          = "ACTUAL"
      subscriber_email_addresses = var.email == "none" ? [] : [var.email]
      subscriber_sns_topic_arns  = [var.topic_arn]
    }
  }

  notification {
    comparison_operator        = "GREATER_THAN"
    threshold                  = 100
    threshold_type             = "PERCENTAGE"
    notification_type          = "FORECASTED"
    subscriber_email_addresses = var.email == "none" ? [] : [var.email]
    subscriber_sns_topic_arns  = [var.topic_arn]
  }

  tags = {
    environment = var.environment
  }
}

output "budget_name" {
  value = aws_budgets_budget.monthly.name
}
