#!/usr/bin/env bash
# Checks what template.yaml, target-account-role.yaml, organization-reader-role.yaml and
# samconfig.toml promise (alarms, destinations, schedules, rules, least-privilege conditions,
# parameter patterns), with pytest in the lint virtualenv, reading the templates with cfn-lint's own
# decoder; the new-account rules are applied to the sample events in events/. TEMPLATE_DIR=<folder>
# checks the files in another folder.
set -euo pipefail
cd "$(dirname "$0")/.."
bash scripts/tools.sh lint
PYTHONDONTWRITEBYTECODE=1 .venv-lint/bin/python -m pytest -q -p no:cacheprovider tests/templates "$@"
