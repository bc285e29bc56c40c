//! Why a DistributeImage call ended as it did (distribute-image).

use std::fmt;

use super::action::Outcome;
use crate::plan::target::Origin;
use crate::schema::violation::Violation;

#[derive(Debug, Clone, PartialEq, Eq)]
pub enum DistributeDetail {
    /// The call was made: Image Builder distributes `source` as `product`.
    Distributing {
        source: String,
        product: Option<String>,
        origin: Origin,
    },
    /// A dry run's call.
    WouldDistribute {
        source: String,
        role: String,
        token: String,
    },
    /// The call breaks DistributeImage's rules: not sent.
    NotSent { problems: Vec<Violation> },
    /// The client token was used before with other parameters.
    TokenReused { token: String, message: String },
    /// The source image or the configuration does not exist.
    NotFound {
        message: String,
        source: String,
        configuration: String,
    },
    /// The service refused, with this error code.
    Refused { code: String, message: String },
    /// The call failed without a service error (a timeout, a dropped connection).
    Failed { message: String },
}

impl DistributeDetail {
    pub fn outcome(&self) -> Outcome {
        match self {
            DistributeDetail::Distributing { .. } => Outcome::Created,
            DistributeDetail::WouldDistribute { .. } => Outcome::Planned,
            _ => Outcome::Failed,
        }
    }
}

impl fmt::Display for DistributeDetail {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self {
            DistributeDetail::Distributing {
                source,
                product,
                origin,
            } => {
                let product = product
                    .as_deref()
                    .unwrap_or("an image Image Builder did not name");
                write!(f, "distributing {source} as {product} ({origin})")
            }
            DistributeDetail::WouldDistribute {
                source,
                role,
                token,
            } => write!(f, "would distribute {source} with role {role} (token {token})"),
            DistributeDetail::NotSent { problems } => {
                let text: Vec<String> = problems.iter().map(ToString::to_string).collect();
                write!(f, "not sent: {}", text.join("; "))
            }
            DistributeDetail::TokenReused { token, message } => write!(
                f,
                "client token {token} was already used for a DistributeImage with different parameters; \
                 give a new clientToken (or none: amiflow derives one from the request) to distribute again: {message}"
            ),
            DistributeDetail::NotFound {
                message,
                source,
                configuration,
            } => write!(
                f,
                "not found: {message} (source image {source}, distribution configuration {configuration})"
            ),
            DistributeDetail::Refused { code, message } => {
                write!(f, "DistributeImage failed with {code}: {message}")
            }
            DistributeDetail::Failed { message } => write!(f, "DistributeImage failed: {message}"),
        }
    }
}
