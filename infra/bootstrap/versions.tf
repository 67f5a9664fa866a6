terraform {
  required_version = ">= 1.10"

  required_providers {
    aws = {
      source  = "hashicorp/aws"
      version = "~> 5.80"
    }
  }
  # Its own state stays local: it is run once, by a person with admin
  # credentials, and holds no secret (keep terraform.tfstate somewhere safe).
}
