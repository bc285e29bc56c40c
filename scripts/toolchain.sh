# Sourced by scripts/test.sh and .ci/run. rust-toolchain.toml pins the release; a machine whose
# rustup knows that release only as "stable" (and cannot download one: RUSTUP_AUTO_INSTALL=0)
# builds with stable, after checking that stable is that release.
pinned=$(sed -n 's/^channel = "\(.*\)"$/\1/p' rust-toolchain.toml)
if ! rustup toolchain list | grep -q "^$pinned-" \
  && [ "$(rustc +stable --version | cut -d' ' -f2)" = "$pinned" ]; then
  export RUSTUP_TOOLCHAIN=stable
fi
