#!/usr/bin/env bash
# Checks the CloudFormation templates (template.yaml, target-account-role.yaml,
# organization-reader-role.yaml) with the tools their users run: cfn-lint, `sam validate --lint`
# (the SAM one) and checkov. Every check that checkov skips is justified beside the resource.
set -euo pipefail
cd "$(dirname "$0")/.."
bash scripts/tools.sh sam
bash scripts/tools.sh lint
export AWS_DEFAULT_REGION="${AWS_DEFAULT_REGION:-us-east-1}" SAM_CLI_TELEMETRY=0
.venv-lint/bin/cfn-lint template.yaml target-account-role.yaml organization-reader-role.yaml
.venv-sam/bin/sam validate --lint --template-file template.yaml --region "$AWS_DEFAULT_REGION"
.venv-lint/bin/checkov --quiet --compact --skip-download --framework cloudformation \
  -f template.yaml -f target-account-role.yaml -f organization-reader-role.yaml
echo "templates: cfn-lint, sam validate --lint and checkov passed"
