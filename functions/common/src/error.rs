use amiflow_model::report::shorten;
use amiflow_model::{InputError, Report};
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

/// An AWS call that failed, named by its operation, with the service's own words.
#[derive(Debug, Clone, thiserror::Error)]
#[error("{operation} failed: {message}")]
pub struct CallError {
    pub operation: &'static str,
    pub message: String,
}

impl CallError {
    /// The service's words, cut to `MESSAGE_CHARS`: an SDK error's full context can carry a whole
    /// response body, which a report repeats for every target.
    pub fn new(operation: &'static str, error: impl std::error::Error) -> Self {
        const MESSAGE_CHARS: usize = 500;
        let full = aws_smithy_types::error::display::DisplayErrorContext(error).to_string();
        let message = shorten(&full, MESSAGE_CHARS);
        Self { operation, message }
    }

    /// A call that answered without what it must return.
    pub fn incomplete(operation: &'static str, missing: &str) -> Self {
        Self {
            operation,
            message: format!("the answer has no {missing}"),
        }
    }
}

/// Why no client can be had for a (Region, account).
#[derive(Debug, Clone, thiserror::Error)]
pub enum ClientError {
    #[error(
        "account {account} is not this function's own account, and AMIFLOW_CROSS_ACCOUNT_ROLE is not set: \
         set it to the role name deployed by target-account-role.yaml in {account}"
    )]
    NoCrossAccountRole { account: String },
    #[error(
        "cannot assume {role_arn} in account {account}: {message}. The home stack's TargetAccountIds \
         and OrganizationId parameters bound the accounts amiflow may assume a role in (add {account}, \
         or its organization), and the role must be deployed in {account} by target-account-role.yaml \
         with this function's role among its TrustedRoleArns"
    )]
    AssumeRole {
        account: String,
        role_arn: String,
        message: String,
    },
}
