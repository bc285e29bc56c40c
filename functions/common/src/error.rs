//! Why an invocation fails, each kind mapped to the Lambda `errorType` that alarms and
//! dead-letter triage key on; and AWS call failures in the report's words.

use amiflow_model::error::InputError;
use amiflow_model::report::detail::CallFailure;
use amiflow_model::report::Report;
use aws_smithy_types::error::metadata::ProvideErrorMetadata;
use lambda_runtime::Diagnostic;

#[derive(Debug, thiserror::Error)]
pub enum FunctionError {
    /// The event or request is malformed: nothing was written. Retrying will not help.
    #[error("invalid input: {0}")]
    InvalidInput(#[from] InputError),
    /// The configuration (environment or policy) is wrong: fix the deployment.
    #[error("invalid configuration: {0}")]
    Configuration(String),
    /// The image could not be read from Image Builder.
    #[error("cannot read image {arn}: {message}")]
    ImageUnavailable { arn: String, message: String },
    /// The builds a reconcile applies could not be listed.
    #[error("cannot list image builds: {0}")]
    BuildsUnavailable(CallFailure),
    /// Some targets failed; the others were done. Lambda retries, and the retry converges.
    #[error("{message}")]
    PartialFailure {
        message: String,
        report: Box<Report>,
    },
}

impl FunctionError {
    pub fn error_type(&self) -> &'static str {
        match self {
            FunctionError::InvalidInput(_) => "InvalidInput",
            FunctionError::Configuration(_) => "InvalidConfiguration",
            FunctionError::ImageUnavailable { .. } => "ImageUnavailable",
            FunctionError::BuildsUnavailable(_) => "BuildsUnavailable",
            FunctionError::PartialFailure { .. } => "PartialFailure",
        }
    }

    /// The report of a partial failure: what was done and what failed.
    pub fn report(&self) -> Option<&Report> {
        match self {
            FunctionError::PartialFailure { report, .. } => Some(report),
            _ => None,
        }
    }
}

impl From<FunctionError> for Diagnostic {
    fn from(error: FunctionError) -> Self {
        Diagnostic {
            error_type: error.error_type().to_string(),
            error_message: error.to_string(),
        }
    }
}

/// An SDK call's failure in the report's words: the operation, the service's error code, and its
/// message with the whole error context (cut, as the report repeats it per target).
pub fn call_failure<E>(operation: &'static str, error: &E) -> CallFailure
where
    E: ProvideErrorMetadata + std::error::Error,
{
    let message = aws_smithy_types::error::display::DisplayErrorContext(error).to_string();
    CallFailure::new(operation, error.code(), &message)
}
