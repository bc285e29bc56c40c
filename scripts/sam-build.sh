#!/usr/bin/env bash
# `sam build` as a user runs it, offline: SAM's rust-cargolambda build method with cargo-lambda and
# zig from .venv-sam, locked to Cargo.lock. The four functions share the workspace's target/, so
# the AWS SDK is compiled once. Then checks each bootstrap (an ELF for the chosen architecture,
# linked non-PIE by functions/link.rs, that needs no glibc newer than al2023's 2.34) and prints it
# with its size.
#
#   bash scripts/sam-build.sh [--arch arm64|x86_64] [more `sam build` options]
#
# arm64 is the template's default; cargo-lambda adds the rustup target aarch64-unknown-linux-gnu on
# first use. CI builds x86_64, the host's own target, so that it needs no toolchain download.
set -euo pipefail
cd "$(dirname "$0")/.."
arch=arm64
if [ "${1:-}" = "--arch" ]; then arch=${2:?--arch needs arm64 or x86_64}; shift 2; fi
case "$arch" in
  arm64) elf_machine=AArch64 ;;
  x86_64) elf_machine=X86-64 ;;
  *) echo "sam-build: --arch must be arm64 or x86_64, not '$arch'" >&2; exit 2 ;;
esac
al2023_glibc=2.34

bash scripts/tools.sh sam
# A release is built from exactly Cargo.lock: fail now, with cargo's own message, if it would change,
# and make every `cargo lambda build` that sam runs pass --locked (scripts/cargo-lambda.toml).
cargo metadata --locked --format-version 1 >/dev/null
export PATH="$PWD/.venv-sam/bin:$PATH" SAM_CLI_TELEMETRY=0 SAM_CLI_BETA_RUST_CARGO_LAMBDA=1 \
  CARGO_LAMBDA_GLOBAL="$PWD/scripts/cargo-lambda.toml"
sam build --beta-features --template-file template.yaml \
  --parameter-overrides "Architecture=$arch" "$@"

failed=0
for fn in DistributeImageFunction UpdateSsmParametersFunction UpdateLaunchTemplatesFunction RefreshInstancesFunction; do
  bootstrap=".aws-sam/build/$fn/bootstrap"
  if [ ! -f "$bootstrap" ]; then
    echo "sam-build: $fn: no bootstrap at $bootstrap" >&2; failed=1; continue
  fi
  # `|| true`: under pipefail a non-ELF or a binary without glibc symbols would end the script
  # here, before the messages below say what is wrong with it.
  machine=$( (readelf -h "$bootstrap" 2>/dev/null || true) | sed -n 's/^ *Machine: *//p')
  # EXEC, not DYN: linked -no-pie by functions/link.rs, so the loader relocates nothing at start.
  elf_type=$( (readelf -h "$bootstrap" 2>/dev/null || true) | sed -n 's/^ *Type: *\([A-Z]*\).*/\1/p')
  glibc=$( (objdump -T "$bootstrap" 2>/dev/null || true) | { grep -o 'GLIBC_[0-9.]*' || true; } \
    | sed 's/GLIBC_//' | sort -uV | tail -1)
  size=$(stat -c %s "$bootstrap")
  printf '%s: %s MB, %s %s, glibc %s\n' "$fn" "$(awk "BEGIN{printf \"%.1f\", $size/1048576}")" \
    "${machine:-not an ELF}" "${elf_type:-}" "${glibc:-none}"
  if [ -n "$machine" ] && [ "$elf_type" != EXEC ]; then
    echo "sam-build: $fn: expected a non-PIE executable (EXEC, functions/link.rs), got ${elf_type:-no type}" >&2; failed=1
  fi
  if [[ "$machine" != *"$elf_machine" ]]; then
    echo "sam-build: $fn: expected an $elf_machine ELF, got: ${machine:-not an ELF}" >&2; failed=1
  fi
  if [ -n "$glibc" ] && [ "$(printf '%s\n%s\n' "$glibc" "$al2023_glibc" | sort -V | tail -1)" != "$al2023_glibc" ]; then
    echo "sam-build: $fn: needs glibc $glibc, newer than al2023's $al2023_glibc" >&2; failed=1
  fi
done
exit "$failed"
