#!/usr/bin/env bash
# `sam build` as a user runs it, offline: SAM's rust-cargolambda build method with cargo-lambda and
# zig from .venv-sam. The three functions share the workspace's target/, so the AWS SDK is compiled
# once. Prints each bootstrap and its size.
set -euo pipefail
cd "$(dirname "$0")/.."
bash scripts/tools.sh sam
export PATH="$PWD/.venv-sam/bin:$PATH" SAM_CLI_TELEMETRY=0 SAM_CLI_BETA_RUST_CARGO_LAMBDA=1
sam build --beta-features --template-file template.yaml "$@"
for fn in DistributeImageFunction UpdateSsmParametersFunction UpdateLaunchTemplatesFunction; do
  file ".aws-sam/build/$fn/bootstrap" | sed "s|^.aws-sam/build/||"
  ls -l ".aws-sam/build/$fn/bootstrap" | awk '{printf "  %.1f MB\n", $5/1048576}'
done
