use amiflow_model::InputError;
use lambda_runtime::Diagnostic;

/// Why an invocation failed. Each kind maps to a Lambda `errorType` that alarms and dead-letter
/// triage can key on.
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
    /// Some targets failed; the others were done. Lambda retries, and the retry converges.
    #[error("{0}")]
    PartialFailure(String),
}

impl FunctionError {
    pub fn error_type(&self) -> &'static str {
        match self {
            FunctionError::InvalidInput(_) => "InvalidInput",
            FunctionError::Configuration(_) => "InvalidConfiguration",
            FunctionError::ImageUnavailable { .. } => "ImageUnavailable",
            FunctionError::PartialFailure(_) => "PartialFailure",
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
