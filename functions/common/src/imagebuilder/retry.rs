//! Image Builder signals throttling and contention with its own error codes, which the SDK's
//! default classifiers do not know: `CallRateLimitExceededException` (429) and
//! `ResourceInUseException` (400). This classifier makes them retryable with backoff and jitter.

use std::error::Error as StdError;
use std::fmt;
use std::marker::PhantomData;

use aws_smithy_runtime_api::client::interceptors::context::InterceptorContext;
use aws_smithy_runtime_api::client::orchestrator::OrchestratorError;
use aws_smithy_runtime_api::client::retries::classifiers::{
    ClassifyRetry, RetryAction, RetryClassifierPriority,
};
use aws_smithy_types::error::metadata::ProvideErrorMetadata;

pub const THROTTLING_CODES: &[&str] = &[
    "CallRateLimitExceededException",
    "TooManyRequestsException",
    "ThrottlingException",
    "RequestLimitExceeded",
];
pub const TRANSIENT_CODES: &[&str] = &["ResourceInUseException", "ServiceUnavailableException"];

/// Retry classifier for one operation's error type `E`.
pub struct ImageBuilderRetry<E>(PhantomData<fn() -> E>);

impl<E> ImageBuilderRetry<E> {
    pub fn new() -> Self {
        Self(PhantomData)
    }
}

impl<E> Default for ImageBuilderRetry<E> {
    fn default() -> Self {
        Self::new()
    }
}

impl<E> fmt::Debug for ImageBuilderRetry<E> {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str("ImageBuilderRetry")
    }
}

/// What an error code means for retries: throttled, transient, or not ours to decide.
pub fn classify_code(code: &str) -> RetryAction {
    if THROTTLING_CODES.contains(&code) {
        RetryAction::throttling_error()
    } else if TRANSIENT_CODES.contains(&code) {
        RetryAction::transient_error()
    } else {
        RetryAction::NoActionIndicated
    }
}

impl<E> ClassifyRetry for ImageBuilderRetry<E>
where
    E: StdError + ProvideErrorMetadata + Send + Sync + 'static,
{
    fn classify_retry(&self, ctx: &InterceptorContext) -> RetryAction {
        let Some(Err(error)) = ctx.output_or_error() else {
            return RetryAction::NoActionIndicated;
        };
        OrchestratorError::as_operation_error(error)
            .and_then(|e| e.downcast_ref::<E>())
            .and_then(|e| e.code())
            .map_or(RetryAction::NoActionIndicated, classify_code)
    }

    fn name(&self) -> &'static str {
        "Image Builder error codes"
    }

    fn priority(&self) -> RetryClassifierPriority {
        RetryClassifierPriority::run_after(
            RetryClassifierPriority::modeled_as_retryable_classifier(),
        )
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn image_builder_codes_are_retryable() {
        assert_eq!(
            classify_code("CallRateLimitExceededException"),
            RetryAction::throttling_error()
        );
        assert_eq!(
            classify_code("ResourceInUseException"),
            RetryAction::transient_error()
        );
        assert_eq!(
            classify_code("ServiceUnavailableException"),
            RetryAction::transient_error()
        );
        assert_eq!(
            classify_code("IdempotentParameterMismatchException"),
            RetryAction::NoActionIndicated
        );
        assert_eq!(
            classify_code("ResourceNotFoundException"),
            RetryAction::NoActionIndicated
        );
    }
}
