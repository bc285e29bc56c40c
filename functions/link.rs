//! The build script of each function crate (`build = "../link.rs"`): its Lambda binary is linked
//! as a non-PIE executable on Linux.
//!
//! A position-independent executable is relocated by the dynamic loader at every start: about
//! 58,000 relative relocations in update-ssm-parameters, and every page of `.data.rel.ro` and
//! `.got` (about 0.9 MB) written, so copied, before `main`. Under perf that was a third of a cold
//! start's init CPU. Linked at a fixed address there is nothing to relocate: init CPU went from
//! 3.6 to 2.3 ms, and at the 128 MB share (1.45 ms of CPU per 20 ms period) init stopped waiting
//! for the next period in most cold starts (docs/benchmarks.md).
//!
//! `rustc-link-arg-bins` reaches this crate's binaries only. The same flag, or
//! `-C relocation-model=static`, in RUSTFLAGS or `.cargo/config.toml` would also reach the
//! proc-macro libraries of a host build (`cargo test`), which must be position independent and
//! then fail to link.
//!
//! What it gives up: address randomization of the executable's own image. The stack, the heap and
//! the shared libraries are still randomized.
fn main() {
    println!("cargo:rerun-if-changed=../link.rs");
    if std::env::var("CARGO_CFG_TARGET_OS").as_deref() == Ok("linux") {
        println!("cargo:rustc-link-arg-bins=-no-pie");
    }
}
