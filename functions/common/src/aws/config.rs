//! The SDK configuration every client starts from: the environment (endpoint overrides
//! included), the shared HTTPS client, timeouts, and the retry policy for throttling storms.

use std::time::Duration;

use aws_config::{BehaviorVersion, SdkConfig};
use aws_smithy_runtime::client::retries::{RetryPartition, TokenBucket};
use aws_smithy_types::retry::RetryConfig;
use aws_smithy_types::timeout::TimeoutConfig;

use super::http::shared_https_client;

/// Attempts per call. A fan-out over hundreds of (Region, account) placements makes throttling
/// normal, not rare: at half of all calls throttled, five attempts leave 3% of calls failed and
/// eight leave 0.4% (docs/operations.md, "Throttling storms", has the measurements).
pub const MAX_ATTEMPTS: u32 = 8;

/// Exponential backoff with full jitter from `INITIAL_BACKOFF`, each wait at most `MAX_BACKOFF`.
const INITIAL_BACKOFF: Duration = Duration::from_millis(200);
const MAX_BACKOFF: Duration = Duration::from_secs(5);

/// The retry quota (the SDK's token bucket, shared by every client of a service and Region in
/// the process). Its default of 500 tokens at 5 a retry ran dry after 100 retries under a storm,
/// and from then on every throttled call failed at its first error. Here a throttled retry costs
/// 1 and every success puts a token back, so a storm slows calls down without failing them, while
/// an outage (errors, not throttling, at 5 and 10 a retry) still empties it.
fn retry_quota() -> TokenBucket {
    TokenBucket::builder()
        .capacity(5_000)
        .retry_cost(5)
        .timeout_retry_cost(10)
        .throttling_retry_cost(1)
        .success_reward(1.0)
        .build()
}

/// Throttling and transient errors are retried with exponential backoff and full jitter (the
/// standard strategy), written out so the behaviour does not drift with SDK defaults.
pub fn retry_config() -> RetryConfig {
    RetryConfig::standard()
        .with_max_attempts(MAX_ATTEMPTS)
        .with_initial_backoff(INITIAL_BACKOFF)
        .with_max_backoff(MAX_BACKOFF)
}

/// Each attempt gets a third of a call's time, so a hung attempt leaves room to retry.
pub fn timeout_config(call_timeout: Duration) -> TimeoutConfig {
    TimeoutConfig::builder()
        .connect_timeout(Duration::from_secs(3).min(call_timeout))
        .operation_attempt_timeout(call_timeout / 3)
        .operation_timeout(call_timeout)
        .build()
}

/// Loads the base SDK configuration: one hung connection costs at most `call_timeout`, never the
/// whole invocation.
pub async fn load_base_config(call_timeout: Duration) -> SdkConfig {
    aws_config::defaults(BehaviorVersion::latest())
        .retry_config(retry_config())
        .timeout_config(timeout_config(call_timeout))
        .http_client(shared_https_client())
        .load()
        .await
}

/// A retry partition of its own, with its own retry quota, for one client: one per service and
/// Region, as the services throttle.
pub fn retry_partition(service: &'static str) -> RetryPartition {
    RetryPartition::custom(service)
        .token_bucket(retry_quota())
        .build()
}
