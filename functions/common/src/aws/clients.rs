//! SDK configuration per (Region, account): the function's own credentials for its own account,
//! an assumed role (`AMIFLOW_CROSS_ACCOUNT_ROLE`) for any other. Built once, reused while warm.

use std::collections::HashMap;
use std::sync::{Arc, Mutex};
use std::time::Duration;

use aws_config::sts::AssumeRoleProvider;
use aws_config::{BehaviorVersion, Region, SdkConfig};
use aws_credential_types::provider::SharedCredentialsProvider;
use aws_smithy_http_client::proxy::ProxyConfig;
use aws_smithy_http_client::tls;
use aws_smithy_runtime_api::client::http::SharedHttpClient;
use aws_smithy_types::error::display::DisplayErrorContext;
use aws_smithy_types::retry::RetryConfig;
use aws_smithy_types::timeout::TimeoutConfig;

use crate::credentials::CachedAssumedRole;
use crate::error::ClientError;

/// Throttling and transient errors are retried with exponential backoff and full jitter (the
/// standard strategy); written out so the behaviour does not drift with SDK defaults.
pub fn retry_config() -> RetryConfig {
    RetryConfig::standard()
        .with_max_attempts(5)
        .with_initial_backoff(Duration::from_millis(200))
        .with_max_backoff(Duration::from_secs(10))
}

/// Loads the base SDK configuration (environment, endpoint overrides, explicit retries, and
/// timeouts: one hung connection costs at most `call_timeout`, never the whole invocation).
pub async fn load_base_config(call_timeout: Duration) -> SdkConfig {
    aws_config::defaults(BehaviorVersion::latest())
        .retry_config(retry_config())
        .timeout_config(timeout_config(call_timeout))
        .http_client(shared_https_client())
        .load()
        .await
}

/// The HTTPS client every SDK client shares: without it each client (one per service and Region)
/// builds its own TLS configuration and connection pool. With it, there is one of each, and every
/// account's calls to a Region reuse connections to its endpoint.
///
/// Every SDK client's construction also calls the connector function once, with no settings and
/// no runtime components, only to load certificates early, and drops what it gets. Building TLS
/// there parses every root certificate again for each client (7% of the CPU samples of 800
/// placements under perf), so that call gets a plain connector; real connectors are built once
/// per timeout setting and cached by the HTTP client.
fn shared_https_client() -> SharedHttpClient {
    aws_smithy_http_client::Builder::new().build_with_connector_fn(|settings, components| {
        if settings.is_none() && components.is_none() {
            return aws_smithy_http_client::ConnectorBuilder::default().build_http();
        }
        let mut connector = aws_smithy_http_client::ConnectorBuilder::default().tls_provider(
            tls::Provider::Rustls(tls::rustls_provider::CryptoMode::AwsLc),
        );
        connector.set_connector_settings(settings.cloned());
        if let Some(components) = components {
            connector.set_sleep_impl(components.sleep_impl());
        }
        connector.set_proxy_config(Some(ProxyConfig::from_env()));
        connector.build()
    })
}

/// Each attempt gets a third of a call's time, so a hung attempt leaves room to retry.
pub fn timeout_config(call_timeout: Duration) -> TimeoutConfig {
    TimeoutConfig::builder()
        .connect_timeout(Duration::from_secs(3).min(call_timeout))
        .operation_attempt_timeout(call_timeout / 3)
        .operation_timeout(call_timeout)
        .build()
}

/// Who a function is in a target account: the session name CloudTrail shows, and the session
/// policy that narrows the shared target role to the calls this function makes.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Session {
    pub name: &'static str,
    pub policy: &'static str,
}

/// Credentials for one (account, session), fetched once: the first caller assumes the role,
/// the others wait for that answer; other accounts go on meanwhile.
type AssumedCell = Arc<tokio::sync::OnceCell<SharedCredentialsProvider>>;

/// How long a refused AssumeRole is answered from memory: one refusal per account per invocation
/// (not one per Region), while a role fixed meanwhile is picked up by the next retry.
const REFUSAL_KEPT: Duration = Duration::from_secs(60);

type SessionKey = (String, &'static str);

#[derive(Debug)]
pub struct AwsContext {
    base: SdkConfig,
    role_name: Option<String>,
    /// The function's own ARN, as STS answers GetCallerIdentity: asked once while warm.
    own_arn: tokio::sync::OnceCell<Arc<str>>,
    /// When GetCallerIdentity last failed: kept as a refusal is, so that every placement of the
    /// account does not ask again in turn (each waiting out the call's timeout where STS is
    /// unreachable).
    own_arn_failed: Mutex<Option<std::time::Instant>>,
    assumed: Mutex<HashMap<SessionKey, AssumedCell>>,
    refused: Mutex<HashMap<SessionKey, (std::time::Instant, ClientError)>>,
    /// AssumeRole calls in flight at once: accounts are assumed side by side, within a bound.
    assuming: tokio::sync::Semaphore,
}

/// At most this many AssumeRole calls at once (each holds a connection, as any call does).
const ASSUMING_AT_ONCE: usize = 16;

impl AwsContext {
    pub fn new(base: SdkConfig, role_name: Option<String>) -> Self {
        Self {
            base,
            role_name,
            own_arn: Default::default(),
            own_arn_failed: Default::default(),
            assumed: Default::default(),
            refused: Default::default(),
            assuming: tokio::sync::Semaphore::new(ASSUMING_AT_ONCE),
        }
    }

    /// The function's own Region (where its Image Builder and policy parameter live).
    pub fn home_region(&self) -> Option<&str> {
        self.base.region().map(|r| r.as_ref())
    }

    /// SDK configuration for `region` with the function's own credentials.
    pub fn own_config(&self, region: &str) -> SdkConfig {
        let mut builder = self.base.to_builder();
        builder.set_region(Some(Region::new(region.to_string())));
        builder.build()
    }

    /// Who the function's own calls are (GetCallerIdentity, once while warm; on Lambda its
    /// execution role's session). `None` where STS cannot say: for `REFUSAL_KEPT` after a
    /// failure, then it is asked again.
    pub async fn own_arn(&self) -> Option<Arc<str>> {
        let asked = self.own_arn.get_or_try_init(|| {
            Box::pin(async {
                let failed = *self
                    .own_arn_failed
                    .lock()
                    .unwrap_or_else(|p| p.into_inner());
                if failed.is_some_and(|at| at.elapsed() < REFUSAL_KEPT) {
                    return Err(None);
                }
                let identity = aws_sdk_sts::Client::new(&self.base)
                    .get_caller_identity()
                    .send()
                    .await;
                let why = match identity.map(|out| out.arn().map(Arc::<str>::from)) {
                    Ok(Some(arn)) => return Ok(arn),
                    Ok(None) => "no Arn in the answer".to_string(),
                    Err(e) => DisplayErrorContext(e).to_string(),
                };
                *self
                    .own_arn_failed
                    .lock()
                    .unwrap_or_else(|p| p.into_inner()) = Some(std::time::Instant::now());
                Err(Some(why))
            })
        });
        match asked.await {
            Ok(arn) => Some(arn.clone()),
            Err(why) => {
                if let Some(why) = why {
                    tracing::warn!(error = %why, "GetCallerIdentity failed: no value is taken as this function's own write");
                }
                None
            }
        }
    }

    /// Who calls made in `account` as `session` are: the assumed role's session ARN, which
    /// names the role without its path.
    fn assumed_arn(&self, partition: &str, account: &str, session: Session) -> Option<Arc<str>> {
        let role = self.role_name.as_deref()?.rsplit('/').next()?;
        let name = session.name;
        Some(format!("arn:{partition}:sts::{account}:assumed-role/{role}/{name}").into())
    }

    /// Credentials for `account`, another than the function's own: the role
    /// (`AMIFLOW_CROSS_ACCOUNT_ROLE`) assumed as `session`, once per account while warm. The role
    /// is assumed here, so a refusal fails this account's targets by name.
    pub async fn credentials_for(
        &self,
        partition: &str,
        account: &str,
        session: Session,
    ) -> Result<SharedCredentialsProvider, ClientError> {
        let Some(role) = &self.role_name else {
            return Err(ClientError::NoCrossAccountRole {
                account: account.to_string(),
            });
        };
        let key: SessionKey = (account.to_string(), session.name);
        let cell = self
            .assumed
            .lock()
            .unwrap_or_else(|p| p.into_inner())
            .entry(key.clone())
            .or_default()
            .clone();
        let role_arn = format!("arn:{partition}:iam::{account}:role/{role}");
        // On the heap: the AssumeRole call's future is kilobytes, and every placement of the
        // account waits here while one of them makes it.
        let provider = cell
            .get_or_try_init(|| {
                Box::pin(async {
                    if let Some(refusal) = self.recent_refusal(&key) {
                        return Err(refusal);
                    }
                    let assumed = self.assume(&role_arn, account, session).await;
                    if let Err(refusal) = &assumed {
                        let mut refused = self.refused.lock().unwrap_or_else(|p| p.into_inner());
                        refused.insert(key.clone(), (std::time::Instant::now(), refusal.clone()));
                    }
                    assumed
                })
            })
            .await?;
        Ok(provider.clone())
    }

    fn recent_refusal(&self, key: &SessionKey) -> Option<ClientError> {
        let refused = self.refused.lock().unwrap_or_else(|p| p.into_inner());
        let (at, refusal) = refused.get(key)?;
        (at.elapsed() < REFUSAL_KEPT).then(|| refusal.clone())
    }

    async fn assume(
        &self,
        role_arn: &str,
        account: &str,
        session: Session,
    ) -> Result<SharedCredentialsProvider, ClientError> {
        let provider = AssumeRoleProvider::builder(role_arn)
            .session_name(session.name)
            .policy(session.policy)
            .configure(&self.base)
            .build()
            .await;
        let cached = CachedAssumedRole::new(provider);
        let _turn = self.assuming.acquire().await.ok();
        cached
            .credentials()
            .await
            .map_err(|e| ClientError::AssumeRole {
                account: account.to_string(),
                role_arn: role_arn.to_string(),
                message: DisplayErrorContext(e).to_string(),
            })?;
        Ok(SharedCredentialsProvider::new(cached))
    }
}

/// Builds a service client from an SDK configuration (tests add mock interceptors here).
pub type ClientFactory<C> = Arc<dyn Fn(&SdkConfig) -> C + Send + Sync>;

/// A Region's client, and for another account that account's credentials, which every call
/// passes as its own override. One client per Region serves every account: a client and its
/// configuration cost about 12 KB (measured with heaptrack), so one per (Region, account) came to
/// 20 MB at 800 placements and 77 MB at 3,200.
#[derive(Clone)]
pub struct AccountClient<C> {
    pub client: C,
    /// `None`: the function's own account and credentials.
    pub credentials: Option<SharedCredentialsProvider>,
    pub caller: Caller,
}

/// Who calls made with an account's credentials are, as a service records its writer (SSM's
/// `LastModifiedUser`): the assumed role's session, or the function itself.
#[derive(Clone, Debug)]
pub struct Caller {
    assumed: Option<Arc<str>>,
    context: Arc<AwsContext>,
}

impl Caller {
    /// The caller's ARN; `None` when it cannot be known, and then no write is taken as its own.
    pub async fn arn(&self) -> Option<Arc<str>> {
        match &self.assumed {
            Some(arn) => Some(arn.clone()),
            None => self.context.own_arn().await,
        }
    }
}

/// The per-call override that makes an SSM call as `credentials`' account (none: the client's own).
pub fn ssm_as(credentials: &Option<SharedCredentialsProvider>) -> aws_sdk_ssm::config::Builder {
    let mut config = aws_sdk_ssm::config::Builder::default();
    config.set_credentials_provider(credentials.clone());
    config
}

/// The per-call override that makes an EC2 call as `credentials`' account (none: the client's own).
#[cfg(feature = "ec2")]
pub fn ec2_as(credentials: &Option<SharedCredentialsProvider>) -> aws_sdk_ec2::config::Builder {
    let mut config = aws_sdk_ec2::config::Builder::default();
    config.set_credentials_provider(credentials.clone());
    config
}

/// Clients of one service per Region, created on first use and kept while warm.
pub struct ClientCache<C> {
    context: Arc<AwsContext>,
    session: Session,
    make: ClientFactory<C>,
    clients: Mutex<HashMap<String, C>>,
}

impl<C: Clone> ClientCache<C> {
    pub fn new(
        context: Arc<AwsContext>,
        session: Session,
        make: impl Fn(&SdkConfig) -> C + Send + Sync + 'static,
    ) -> Self {
        Self {
            context,
            session,
            make: Arc::new(make),
            clients: Mutex::new(HashMap::new()),
        }
    }

    /// The client for `region`, as `account` (another than the function's own where
    /// `cross_account`).
    pub async fn get(
        &self,
        partition: &str,
        region: &str,
        account: &str,
        cross_account: bool,
    ) -> Result<AccountClient<C>, ClientError> {
        let context = &self.context;
        let (credentials, assumed) = if cross_account {
            let assumed = context.credentials_for(partition, account, self.session);
            let arn = context.assumed_arn(partition, account, self.session);
            (Some(assumed.await?), arn)
        } else {
            (None, None)
        };
        Ok(AccountClient {
            client: self.own(region),
            credentials,
            caller: Caller {
                assumed,
                context: context.clone(),
            },
        })
    }

    /// The client for `region` with the function's own credentials.
    pub fn own(&self, region: &str) -> C {
        let mut clients = self.clients.lock().unwrap_or_else(|p| p.into_inner());
        clients
            .entry(region.to_string())
            .or_insert_with(|| (self.make)(&self.context.own_config(region)))
            .clone()
    }
}
