#!/usr/bin/env bash
# Installs the test emulator (moto 5.2.5 in server mode) into the project-local virtualenv .venv,
# every Python package pinned by scripts/requirements/moto.txt. Idempotent: a second run with the
# same requirements file (its sha256 is kept in <venv>/.installed) does nothing. Used by
# scripts/test.sh, the integration tests (through AMIFLOW_MOTO_SERVER) and the demo.
set -euo pipefail
cd "$(dirname "$0")/.."
REQUIREMENTS=scripts/requirements/moto.txt
VENV="${AMIFLOW_VENV:-.venv}"
if [ ! -x "$VENV/bin/python" ]; then
  python3 -m venv "$VENV"
fi
hash=$(sha256sum "$REQUIREMENTS" | cut -d' ' -f1)
if [ ! -f "$VENV/.installed" ] || [ "$(cat "$VENV/.installed")" != "$hash" ] \
  || ! "$VENV/bin/python" -c "import moto" 2>/dev/null; then
  "$VENV/bin/pip" install --quiet --disable-pip-version-check -r "$REQUIREMENTS"
  echo "$hash" > "$VENV/.installed"
fi
case "$VENV" in
  /*) echo "$VENV/bin/moto_server" ;;
  *) echo "$PWD/$VENV/bin/moto_server" ;;
esac
