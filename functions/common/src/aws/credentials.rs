//! Assumed-role credentials for one target account, shared by every Region's clients of that
//! account and refreshed only when they are about to expire.

use std::time::{Duration, SystemTime};

use aws_config::sts::AssumeRoleProvider;
use aws_credential_types::provider::{future, ProvideCredentials};
use aws_credential_types::Credentials;
use tokio::sync::Mutex;

/// Refresh this long before expiry, so a call never starts with credentials about to lapse.
const REFRESH_MARGIN: Duration = Duration::from_secs(300);

#[derive(Debug)]
pub struct CachedAssumedRole {
    provider: AssumeRoleProvider,
    cached: Mutex<Option<Credentials>>,
}

impl CachedAssumedRole {
    pub fn new(provider: AssumeRoleProvider) -> Self {
        Self {
            provider,
            cached: Mutex::new(None),
        }
    }

    /// Credentials that stay valid for at least `REFRESH_MARGIN`, from the cache or from STS.
    pub async fn credentials(&self) -> aws_credential_types::provider::Result {
        let mut cached = self.cached.lock().await;
        if let Some(credentials) = cached.as_ref() {
            let fresh = credentials
                .expiry()
                .is_none_or(|expiry| expiry > SystemTime::now() + REFRESH_MARGIN);
            if fresh {
                return Ok(credentials.clone());
            }
        }
        let credentials = self.provider.provide_credentials().await?;
        *cached = Some(credentials.clone());
        Ok(credentials)
    }
}

impl ProvideCredentials for CachedAssumedRole {
    fn provide_credentials<'a>(&'a self) -> future::ProvideCredentials<'a>
    where
        Self: 'a,
    {
        future::ProvideCredentials::new(self.credentials())
    }
}
