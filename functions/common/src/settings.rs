//! Configuration from environment variables (docs/configuration.md), read once at cold start.

use std::time::Duration;

use crate::error::FunctionError;

pub const POLICY: &str = "AMIFLOW_POLICY";
pub const POLICY_PARAMETER: &str = "AMIFLOW_POLICY_PARAMETER";
pub const DRY_RUN: &str = "AMIFLOW_DRY_RUN";
pub const CROSS_ACCOUNT_ROLE: &str = "AMIFLOW_CROSS_ACCOUNT_ROLE";
pub const MAX_CONCURRENCY: &str = "AMIFLOW_MAX_CONCURRENCY";
/// Every call in flight holds a connection, so a file descriptor: Lambda gives a function 1,024.
pub const MAX_CONCURRENCY_LIMIT: usize = 900;
pub const PARAMETER_PATH_PREFIX: &str = "AMIFLOW_PARAMETER_PATH_PREFIX";
pub const READ_BACK_SECONDS: &str = "AMIFLOW_READ_BACK_SECONDS";
pub const CALL_TIMEOUT_SECONDS: &str = "AMIFLOW_CALL_TIMEOUT_SECONDS";
pub const ORGANIZATION_ROLE: &str = "AMIFLOW_ORGANIZATION_ROLE";

#[derive(Debug, Clone, PartialEq, Eq)]
pub enum PolicySource {
    Inline(String),
    Parameter(String),
    /// No policy: only the image's own distribution settings are followed.
    None,
}

#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Settings {
    pub policy: PolicySource,
    pub dry_run: bool,
    pub cross_account_role: Option<String>,
    pub max_concurrency: usize,
    /// The SSM path the function may write under (its IAM says the same); `None`: anywhere.
    pub parameter_path_prefix: Option<String>,
    /// How long an `aws:ec2:image` write is given to pass SSM's asynchronous validation.
    pub read_back: Duration,
    /// The most one AWS call may take, retries included (each attempt gets a third of it).
    pub call_timeout: Duration,
    /// A role ARN in the management (or delegated administrator) account, assumed to read AWS
    /// Organizations; `None`: the function's own credentials.
    pub organization_role: Option<String>,
}

impl Default for Settings {
    fn default() -> Self {
        Self {
            policy: PolicySource::None,
            dry_run: false,
            cross_account_role: None,
            // Each call in flight holds a connection, so this bounds memory and file descriptors;
            // under Lambda's CPU share more calls in flight open more connections (handshakes,
            // memory) while the CPU is the bound: at 1,024 MB, 160 ran 800 placements 9 to 19%
            // faster than 320, in 32 to 34 MB instead of 40 to 42 (docs/benchmarks.md).
            max_concurrency: 160,
            parameter_path_prefix: None,
            // SSM validates the AMI after PutParameter returns, usually within seconds.
            read_back: Duration::from_secs(10),
            call_timeout: Duration::from_secs(30),
            organization_role: None,
        }
    }
}

/// A whole number of seconds in `range`, or the error naming the variable.
fn seconds(
    name: &str,
    value: Option<String>,
    range: std::ops::RangeInclusive<u64>,
    default: Duration,
) -> Result<Duration, FunctionError> {
    let Some(value) = value else {
        return Ok(default);
    };
    match value.parse::<u64>() {
        Ok(n) if range.contains(&n) => Ok(Duration::from_secs(n)),
        _ => Err(FunctionError::Configuration(format!(
            "{name} must be a whole number of seconds from {} to {}, got {value:?}",
            range.start(),
            range.end()
        ))),
    }
}

impl Settings {
    pub fn from_env() -> Result<Self, FunctionError> {
        Self::from_lookup(|name| std::env::var(name).ok())
    }

    /// Reads settings through `lookup`, so tests need not touch the process environment.
    pub fn from_lookup(lookup: impl Fn(&str) -> Option<String>) -> Result<Self, FunctionError> {
        let get = |name: &str| {
            lookup(name)
                .map(|v| v.trim().to_string())
                .filter(|v| !v.is_empty())
        };
        let policy = match (get(POLICY), get(POLICY_PARAMETER)) {
            (Some(_), Some(_)) => {
                return Err(FunctionError::Configuration(format!(
                    "set {POLICY} or {POLICY_PARAMETER}, not both"
                )))
            }
            (Some(inline), None) => PolicySource::Inline(inline),
            (None, Some(name)) => PolicySource::Parameter(name),
            (None, None) => PolicySource::None,
        };
        let dry_run = match get(DRY_RUN).map(|v| v.to_ascii_lowercase()).as_deref() {
            None | Some("false") | Some("0") | Some("no") => false,
            Some("true") | Some("1") | Some("yes") => true,
            Some(other) => {
                return Err(FunctionError::Configuration(format!(
                    "{DRY_RUN} must be true or false, got {other:?}"
                )))
            }
        };
        let defaults = Settings::default();
        let max_concurrency = match get(MAX_CONCURRENCY) {
            None => defaults.max_concurrency,
            Some(v) => match v.parse::<usize>() {
                Ok(n) if (1..=MAX_CONCURRENCY_LIMIT).contains(&n) => n,
                _ => {
                    return Err(FunctionError::Configuration(format!(
                        "{MAX_CONCURRENCY} must be a whole number from 1 to {MAX_CONCURRENCY_LIMIT}, got {v:?}"
                    )))
                }
            },
        };
        let cross_account_role = get(CROSS_ACCOUNT_ROLE);
        if let Some(role) = &cross_account_role {
            if role.starts_with("arn:") || role.contains(':') {
                return Err(FunctionError::Configuration(format!(
                    "{CROSS_ACCOUNT_ROLE} is a role name (amiflow builds arn:<partition>:iam::<account>:role/<name>), got {role:?}"
                )));
            }
        }
        let organization_role = get(ORGANIZATION_ROLE);
        if let Some(role) = &organization_role {
            let parts: Vec<&str> = role.split(':').collect();
            let is_role = parts.len() == 6
                && parts[0] == "arn"
                && parts[2] == "iam"
                && parts[4].len() == 12
                && parts[5].starts_with("role/");
            if !is_role {
                return Err(FunctionError::Configuration(format!(
                    "{ORGANIZATION_ROLE} is a role ARN (arn:<partition>:iam::<account>:role/<name>), got {role:?}"
                )));
            }
        }
        let parameter_path_prefix = get(PARAMETER_PATH_PREFIX);
        if let Some(prefix) = &parameter_path_prefix {
            if !prefix.starts_with('/') || prefix.len() < 2 {
                return Err(FunctionError::Configuration(format!(
                    "{PARAMETER_PATH_PREFIX} must be a path such as /amiflow, got {prefix:?}"
                )));
            }
        }
        Ok(Self {
            policy,
            dry_run,
            cross_account_role,
            max_concurrency,
            parameter_path_prefix: parameter_path_prefix
                .map(|p| p.trim_end_matches('/').to_string()),
            read_back: seconds(
                READ_BACK_SECONDS,
                get(READ_BACK_SECONDS),
                0..=120,
                defaults.read_back,
            )?,
            call_timeout: seconds(
                CALL_TIMEOUT_SECONDS,
                get(CALL_TIMEOUT_SECONDS),
                1..=300,
                defaults.call_timeout,
            )?,
            organization_role,
        })
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn settings(pairs: &[(&str, &str)]) -> Result<Settings, FunctionError> {
        Settings::from_lookup(|name| {
            pairs
                .iter()
                .find(|(k, _)| *k == name)
                .map(|(_, v)| v.to_string())
        })
    }

    #[test]
    fn defaults() {
        let s = settings(&[]).unwrap();
        assert_eq!(s.policy, PolicySource::None);
        assert!(!s.dry_run);
        assert_eq!(s.max_concurrency, 160);
        assert_eq!(s.cross_account_role, None);
    }

    #[test]
    fn reads_every_variable() {
        let s = settings(&[
            (POLICY_PARAMETER, "/amiflow/policy"),
            (DRY_RUN, "TRUE"),
            (MAX_CONCURRENCY, "4"),
            (CROSS_ACCOUNT_ROLE, "AmiflowTarget"),
            (PARAMETER_PATH_PREFIX, "/amiflow/"),
            (READ_BACK_SECONDS, "20"),
            (CALL_TIMEOUT_SECONDS, "15"),
            (
                ORGANIZATION_ROLE,
                "arn:aws:iam::111111111111:role/amiflow-organization-reader",
            ),
        ])
        .unwrap();
        assert_eq!(
            s.organization_role.as_deref(),
            Some("arn:aws:iam::111111111111:role/amiflow-organization-reader")
        );
        assert_eq!(s.parameter_path_prefix.as_deref(), Some("/amiflow"));
        assert_eq!(s.read_back, Duration::from_secs(20));
        assert_eq!(s.call_timeout, Duration::from_secs(15));
        assert_eq!(s.policy, PolicySource::Parameter("/amiflow/policy".into()));
        assert!(s.dry_run);
        assert_eq!(s.max_concurrency, 4);
        assert_eq!(s.cross_account_role.as_deref(), Some("AmiflowTarget"));
    }

    #[test]
    fn rejects_bad_values_naming_the_variable() {
        for (pairs, words) in [
            (vec![(POLICY, "{}"), (POLICY_PARAMETER, "/p")], "not both"),
            (vec![(DRY_RUN, "maybe")], DRY_RUN),
            (vec![(MAX_CONCURRENCY, "0")], MAX_CONCURRENCY),
            (vec![(MAX_CONCURRENCY, "901")], "from 1 to 900"),
            (
                vec![(CROSS_ACCOUNT_ROLE, "arn:aws:iam::1:role/x")],
                "is a role name",
            ),
            (
                vec![(PARAMETER_PATH_PREFIX, "amiflow")],
                PARAMETER_PATH_PREFIX,
            ),
            (vec![(READ_BACK_SECONDS, "soon")], READ_BACK_SECONDS),
            (vec![(CALL_TIMEOUT_SECONDS, "0")], CALL_TIMEOUT_SECONDS),
            (
                vec![(ORGANIZATION_ROLE, "amiflow-organization-reader")],
                "is a role ARN",
            ),
        ] {
            let err = settings(&pairs).unwrap_err().to_string();
            assert!(err.contains(words), "{err}");
        }
    }
}
