//! Credentials for other accounts: the role `AMIFLOW_CROSS_ACCOUNT_ROLE`, assumed once per
//! (account, session) while warm and shared by that account's placements. Only a real refusal is
//! remembered (for `REFUSAL_KEPT`); a transient failure fails that account's targets for the rest
//! of this invocation only, and the next invocation (Lambda's retry) asks STS again at once.

use std::collections::HashMap;
use std::sync::{Arc, Mutex, OnceLock};
use std::time::{Duration, Instant};

use amiflow_model::report::detail::Unreachable;
use aws_config::SdkConfig;
use aws_credential_types::provider::SharedCredentialsProvider;

use super::credentials::{AssumeFailure, AssumedRole};

/// How long a refusal is answered from memory: one refusal per account per invocation (not one
/// per Region), while a role fixed meanwhile is picked up by the next retry.
pub const REFUSAL_KEPT: Duration = Duration::from_secs(60);

/// At most this many AssumeRole calls at once (each holds a connection, as any call does).
const ASSUMING_AT_ONCE: usize = 16;

/// Who a function is in a target account: the session name CloudTrail shows, and the session
/// policy that narrows the shared target role to the calls this function makes.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Session {
    pub name: &'static str,
    pub policy: &'static str,
}

type Key = (String, &'static str);
type Cell = Arc<tokio::sync::OnceCell<SharedCredentialsProvider>>;

/// A failure kept in memory: a refusal until `REFUSAL_KEPT` has passed, a transient failure
/// for the invocation it happened in.
#[derive(Debug, Clone)]
struct Kept {
    at: Instant,
    invocation: u64,
    failure: Unreachable,
}

impl Kept {
    fn still_holds(&self, invocation: u64) -> bool {
        match self.failure {
            Unreachable::Refused { .. } => self.at.elapsed() < REFUSAL_KEPT,
            _ => self.invocation == invocation,
        }
    }
}

#[derive(Debug)]
pub struct Sessions {
    base: SdkConfig,
    /// The STS client every AssumeRole is made with, built on first use.
    sts: OnceLock<aws_sdk_sts::Client>,
    role_name: Option<String>,
    assumed: Mutex<HashMap<Key, Cell>>,
    failed: Mutex<HashMap<Key, Kept>>,
    /// AssumeRole calls in flight at once: accounts are assumed side by side, within a bound.
    assuming: tokio::sync::Semaphore,
}

impl Sessions {
    pub fn new(base: SdkConfig, role_name: Option<String>) -> Self {
        Self {
            base,
            sts: OnceLock::new(),
            role_name,
            assumed: Default::default(),
            failed: Default::default(),
            assuming: tokio::sync::Semaphore::new(ASSUMING_AT_ONCE),
        }
    }

    /// STS with the function's own credentials, in its own Region: one client for every role
    /// assumed, not one per account.
    pub fn sts(&self) -> aws_sdk_sts::Client {
        self.sts
            .get_or_init(|| aws_sdk_sts::Client::new(&self.base))
            .clone()
    }

    /// Who calls made in `account` as `session` are: the assumed role's session ARN, which
    /// names the role without its path.
    pub fn assumed_arn(
        &self,
        partition: &str,
        account: &str,
        session: Session,
    ) -> Option<Arc<str>> {
        let role = self.role_name.as_deref()?.rsplit('/').next()?;
        let name = session.name;
        Some(format!("arn:{partition}:sts::{account}:assumed-role/{role}/{name}").into())
    }

    /// Credentials for `account`, another than the function's own, in invocation `invocation`.
    /// The role is assumed here, so a refusal fails this account's targets by name.
    pub async fn credentials_for(
        &self,
        partition: &str,
        account: &str,
        session: Session,
        invocation: u64,
    ) -> Result<SharedCredentialsProvider, Unreachable> {
        let Some(role) = &self.role_name else {
            return Err(Unreachable::NoCrossAccountRole {
                account: account.to_string(),
            });
        };
        let key: Key = (account.to_string(), session.name);
        let cell = lock(&self.assumed).entry(key.clone()).or_default().clone();
        let role_arn = format!("arn:{partition}:iam::{account}:role/{role}");
        // On the heap: the AssumeRole call's future is kilobytes, and every placement of the
        // account waits here while one of them makes it.
        let provider = cell
            .get_or_try_init(|| {
                Box::pin(async {
                    if let Some(kept) = lock(&self.failed).get(&key) {
                        if kept.still_holds(invocation) {
                            return Err(kept.failure.clone());
                        }
                    }
                    let assumed = self.assume(role_arn.clone(), session).await;
                    assumed.map_err(|failure| {
                        let failure = unreachable(account, &role_arn, failure);
                        let kept = Kept {
                            at: Instant::now(),
                            invocation,
                            failure: failure.clone(),
                        };
                        lock(&self.failed).insert(key.clone(), kept);
                        failure
                    })
                })
            })
            .await?;
        Ok(provider.clone())
    }

    async fn assume(
        &self,
        role_arn: String,
        session: Session,
    ) -> Result<SharedCredentialsProvider, AssumeFailure> {
        let role = AssumedRole::new(self.sts(), role_arn, session.name, session.policy);
        let _turn = self.assuming.acquire().await.ok();
        role.credentials().await?;
        Ok(SharedCredentialsProvider::new(role))
    }
}

fn unreachable(account: &str, role_arn: &str, failure: AssumeFailure) -> Unreachable {
    let (account, role_arn) = (account.to_string(), role_arn.to_string());
    match failure {
        AssumeFailure::Refused(message) => Unreachable::Refused {
            account,
            role_arn,
            message,
        },
        AssumeFailure::Transient(message) => Unreachable::Transient {
            account,
            role_arn,
            message,
        },
    }
}

pub(crate) fn lock<T>(mutex: &Mutex<T>) -> std::sync::MutexGuard<'_, T> {
    mutex.lock().unwrap_or_else(|p| p.into_inner())
}
