output "backend_config" {
  description = "infra/terraform/backend.hcl: `terraform output -raw backend_config > ../terraform/backend.hcl`."
  value       = <<-EOT
    bucket     = "${aws_s3_bucket.state.id}"
    key        = "${local.state_key}"
    region     = "${var.region}"
    kms_key_id = "${aws_kms_key.state.arn}"
  EOT
}

output "plan_role_arn" {
  description = "GitHub repository variable AWS_PLAN_ROLE_ARN."
  value       = aws_iam_role.ci["plan"].arn
}

output "deploy_role_arn" {
  description = "GitHub repository variable AWS_DEPLOY_ROLE_ARN."
  value       = aws_iam_role.ci["deploy"].arn
}
