//! Assumed-role credentials for one target account, shared by every Region's clients of that
//! account and refreshed only when they are about to expire. The AssumeRole call is made here,
//! not by the SDK's provider, so that its failure keeps its kind: STS refusing (remembered) is
//! not STS throttling (asked again).

use std::time::{Duration, SystemTime};

use aws_credential_types::provider::{error::CredentialsError, future, ProvideCredentials};
use aws_credential_types::Credentials;
use aws_sdk_sts::error::{DisplayErrorContext, ProvideErrorMetadata, SdkError};
use tokio::sync::Mutex;

/// Refresh this long before expiry, so a call never starts with credentials about to lapse.
const REFRESH_MARGIN: Duration = Duration::from_secs(300);

/// STS's answers that mean "no", whatever the retry: the role does not exist or does not trust
/// the caller (both `AccessDenied`), STS is off in the Region, or the session policy is refused.
/// Any other failure (throttling, a server error, a timeout, a dropped connection) is transient.
const REFUSALS: &[&str] = &[
    "AccessDenied",
    "RegionDisabledException",
    "MalformedPolicyDocument",
    "PackedPolicyTooLarge",
];

/// Why AssumeRole gave no credentials.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum AssumeFailure {
    /// STS said no; asking again soon would get the same answer.
    Refused(String),
    /// Throttled, a server error, a timeout or a dropped connection: ask again.
    Transient(String),
}

/// A role assumed as one session, its credentials cached until shortly before they expire.
#[derive(Debug)]
pub struct AssumedRole {
    sts: aws_sdk_sts::Client,
    role_arn: String,
    session_name: &'static str,
    session_policy: &'static str,
    cached: Mutex<Option<Credentials>>,
}

impl AssumedRole {
    pub fn new(
        sts: aws_sdk_sts::Client,
        role_arn: String,
        session_name: &'static str,
        session_policy: &'static str,
    ) -> Self {
        Self {
            sts,
            role_arn,
            session_name,
            session_policy,
            cached: Mutex::new(None),
        }
    }

    /// Credentials that stay valid for at least `REFRESH_MARGIN`, from the cache or from STS.
    pub async fn credentials(&self) -> Result<Credentials, AssumeFailure> {
        let mut cached = self.cached.lock().await;
        if let Some(credentials) = cached.as_ref() {
            let fresh = credentials
                .expiry()
                .is_none_or(|expiry| expiry > SystemTime::now() + REFRESH_MARGIN);
            if fresh {
                return Ok(credentials.clone());
            }
        }
        let mut request = self
            .sts
            .assume_role()
            .role_arn(&self.role_arn)
            .role_session_name(self.session_name);
        if !self.session_policy.is_empty() {
            request = request.policy(self.session_policy);
        }
        let answer = request.send().await.map_err(classify)?;
        let given = answer
            .credentials()
            .ok_or_else(|| AssumeFailure::Transient("STS answered without credentials".into()))?;
        let credentials = Credentials::new(
            given.access_key_id(),
            given.secret_access_key(),
            Some(given.session_token().to_string()),
            SystemTime::try_from(*given.expiration()).ok(),
            "amiflow-assumed-role",
        );
        *cached = Some(credentials.clone());
        Ok(credentials)
    }
}

/// A refusal by its error code, else a transient failure.
fn classify<E: ProvideErrorMetadata + std::error::Error + 'static, R: std::fmt::Debug>(
    error: SdkError<E, R>,
) -> AssumeFailure {
    let refused = matches!(&error, SdkError::ServiceError(e) if e.err().code().is_some_and(|c| REFUSALS.contains(&c)));
    let message = DisplayErrorContext(&error).to_string();
    match refused {
        true => AssumeFailure::Refused(message),
        false => AssumeFailure::Transient(message),
    }
}

impl ProvideCredentials for AssumedRole {
    fn provide_credentials<'a>(&'a self) -> future::ProvideCredentials<'a>
    where
        Self: 'a,
    {
        future::ProvideCredentials::new(async move {
            self.credentials().await.map_err(|failure| match failure {
                AssumeFailure::Refused(m) | AssumeFailure::Transient(m) => {
                    CredentialsError::provider_error(m)
                }
            })
        })
    }
}
