#!/usr/bin/env bash
# The one command that runs every test on a fresh machine: installs what the tests need
# (the moto virtualenv; cargo-nextest is not required), then runs the whole workspace's tests.
set -euo pipefail
cd "$(dirname "$0")/.."
source scripts/toolchain.sh
export AMIFLOW_MOTO_SERVER="$(bash scripts/emulators.sh)"
# Two cores: one test binary's emulators at a time keeps moto responsive and memory flat.
cargo test --workspace --all-targets --locked -- --test-threads=4
bash scripts/test-templates.sh
