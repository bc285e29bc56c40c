#!/usr/bin/env bash
# Installs the deploy and local-run tools into project-local virtualenvs, pinned:
#   .venv-sam   aws-sam-cli, cargo-lambda (cargo lambda build/watch/invoke), ziglang (its linker)
#   .venv-lint  cfn-lint and checkov (kept apart: their dependency pins differ from SAM's)
# Idempotent. Prints nothing but pip's errors. Used by scripts/lint-templates.sh, scripts/sam-build.sh
# and scripts/demo.sh.
set -euo pipefail
cd "$(dirname "$0")/.."
install() { # venv, marker module, packages...
  local venv=$1 marker=$2; shift 2
  [ -x "$venv/bin/python" ] || python3 -m venv "$venv"
  if [ ! -f "$venv/.installed" ] || [ "$(cat "$venv/.installed")" != "$*" ]; then
    "$venv/bin/pip" install --quiet --disable-pip-version-check "$@"
    echo "$*" > "$venv/.installed"
  fi
  "$venv/bin/python" -c "import $marker" >/dev/null
}
case "${1:-all}" in
  sam|all) install .venv-sam samcli "aws-sam-cli==1.170.0" "cargo-lambda==1.9.2" "ziglang==0.15.1" ;;&
  lint|all) install .venv-lint checkov "cfn-lint==1.58.0" "checkov==3.3.30" ;;
esac
