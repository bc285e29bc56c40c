//! Reaching AWS: the shared HTTPS client, the SDK configuration and retry policy, credentials for
//! other accounts, the function's own identity, clients per Region, and the call limit.

pub mod clients;
pub mod config;
pub mod credentials;
pub mod http;
pub mod identity;
pub mod limit;
pub mod sessions;

use std::sync::atomic::{AtomicU64, Ordering};

use aws_config::{Region, SdkConfig};

use identity::Identity;
use sessions::Sessions;

/// What every client of a warm function starts from: the base configuration, the sessions in
/// other accounts, and who the function is.
#[derive(Debug)]
pub struct AwsContext {
    base: SdkConfig,
    pub sessions: Sessions,
    pub identity: Identity,
    /// Counts invocations, so that a transient failure is remembered for its own invocation only.
    invocation: AtomicU64,
}

impl AwsContext {
    pub fn new(base: SdkConfig, role_name: Option<String>) -> Self {
        Self {
            sessions: Sessions::new(base.clone(), role_name),
            identity: Identity::new(base.clone()),
            base,
            invocation: AtomicU64::new(0),
        }
    }

    /// The function's own Region (where its Image Builder and policy parameter live).
    pub fn home_region(&self) -> Option<&str> {
        self.base.region().map(|r| r.as_ref())
    }

    /// The base configuration, as loaded at cold start.
    pub fn base(&self) -> &SdkConfig {
        &self.base
    }

    /// SDK configuration for `region` with the function's own credentials.
    pub fn own_config(&self, region: &str) -> SdkConfig {
        let mut builder = self.base.to_builder();
        builder.set_region(Some(Region::new(region.to_string())));
        builder.build()
    }

    /// Starts an invocation: returns its number.
    pub fn next_invocation(&self) -> u64 {
        self.invocation.fetch_add(1, Ordering::Relaxed) + 1
    }
}
