#!/usr/bin/env bash
# The one command that runs every test on a fresh machine: installs what the tests need (the
# moto virtualenv with pytest; cargo-nextest is not required), then runs the whole workspace's
# tests (one test binary per crate), the Python fakes' own tests against botocore's models, and
# the template checks.
set -euo pipefail
cd "$(dirname "$0")/.."
source scripts/toolchain.sh
export AMIFLOW_MOTO_SERVER="$(bash scripts/emulators.sh)"
# `--tests`, not `--all-targets`: `test = false` holds, so no binary that has no tests is linked
# against the SDKs, and no doc-tests are built. Four threads keep moto responsive on two cores.
cargo test --workspace --tests --locked -- --test-threads=4
bash scripts/test-fakes.sh
bash scripts/test-templates.sh
