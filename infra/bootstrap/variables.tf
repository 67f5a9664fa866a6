variable "region" {
  description = "Region of the state bucket (and of the deployment, by default)."
  type        = string
  default     = "eu-west-1"
}

variable "name" {
  description = "Prefix of everything the deployment creates; the deploy role may manage only names that start with it."
  type        = string
  default     = "absa-drift"
}

variable "github_repository" {
  description = "The GitHub repository whose workflows may deploy, as owner/name."
  type        = string

  validation {
    condition     = can(regex("^[A-Za-z0-9_.-]+/[A-Za-z0-9_.-]+$", var.github_repository))
    error_message = "github_repository is owner/name, for example absa-drift/absa-drift."
  }
}

variable "deploy_environment" {
  description = "The GitHub environment whose jobs may apply (set it to require a reviewer's approval)."
  type        = string
  default     = "production"
}

variable "create_oidc_provider" {
  description = "Create the account's GitHub OIDC provider; false when the account already has one."
  type        = bool
  default     = true
}
