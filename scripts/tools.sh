#!/usr/bin/env bash
# Installs the deploy and local-run tools into project-local virtualenvs, every Python package
# pinned (transitive ones too) by a file in scripts/requirements/:
#   .venv-sam   sam.txt   aws-sam-cli, cargo-lambda (cargo lambda build/watch/invoke), ziglang (its linker)
#   .venv-lint  lint.txt  cfn-lint, checkov and pytest (kept apart: their dependency pins differ from SAM's)
# Idempotent: a venv is (re)installed only when its requirements file changed (its sha256 is kept in
# <venv>/.installed). Prints nothing but pip's errors. Used by scripts/lint-templates.sh,
# scripts/test-templates.sh, scripts/sam-build.sh and scripts/demo.sh.
set -euo pipefail
cd "$(dirname "$0")/.."
install() { # venv, marker module, requirements file
  local venv=$1 marker=$2 requirements=$3 hash
  hash=$(sha256sum "$requirements" | cut -d' ' -f1)
  [ -x "$venv/bin/python" ] || python3 -m venv "$venv"
  if [ ! -f "$venv/.installed" ] || [ "$(cat "$venv/.installed")" != "$hash" ]; then
    "$venv/bin/pip" install --quiet --disable-pip-version-check -r "$requirements"
    echo "$hash" > "$venv/.installed"
  fi
  "$venv/bin/python" -c "import $marker" >/dev/null
}
case "${1:-all}" in
  sam|all) install .venv-sam samcli scripts/requirements/sam.txt ;;&
  lint|all) install .venv-lint checkov scripts/requirements/lint.txt ;;
esac
