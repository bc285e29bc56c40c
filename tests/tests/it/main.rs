//! The harness's own tests and the behaviour every function shares, in one test binary: the fake
//! front answers the real SDK clients and leaves nothing behind; container images and policies;
//! timeouts; and, across all functions, throttling storms, transient AssumeRole failures and
//! fuzzed inputs.

mod container_images;
mod fuzz;
mod harness;
mod policy_source;
mod storm;
mod timeouts;
mod transient;
