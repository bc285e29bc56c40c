#!/usr/bin/env bash
# Installs the test emulator (moto in server mode) into the project-local virtualenv .venv.
# Idempotent: a second run with the same pinned version does nothing. Used by scripts/test.sh,
# the integration tests (through AMIFLOW_MOTO_SERVER) and the demo.
set -euo pipefail
cd "$(dirname "$0")/.."
MOTO_VERSION="5.2.5"
VENV="${AMIFLOW_VENV:-.venv}"
if [ ! -x "$VENV/bin/python" ]; then
  python3 -m venv "$VENV"
fi
if ! "$VENV/bin/python" -c "import moto, sys; sys.exit(moto.__version__ != '$MOTO_VERSION')" 2>/dev/null; then
  "$VENV/bin/pip" install --quiet --disable-pip-version-check "moto[server,ssm,ec2]==$MOTO_VERSION"
fi
echo "$PWD/$VENV/bin/moto_server"
