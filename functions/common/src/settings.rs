//! Configuration from environment variables (README, "Configuration"), read once at cold start.

use crate::error::FunctionError;

pub const POLICY: &str = "AMIFLOW_POLICY";
pub const POLICY_PARAMETER: &str = "AMIFLOW_POLICY_PARAMETER";
pub const DRY_RUN: &str = "AMIFLOW_DRY_RUN";
pub const CROSS_ACCOUNT_ROLE: &str = "AMIFLOW_CROSS_ACCOUNT_ROLE";
pub const MAX_CONCURRENCY: &str = "AMIFLOW_MAX_CONCURRENCY";

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
        let max_concurrency = match get(MAX_CONCURRENCY) {
            None => 16,
            Some(v) => match v.parse::<usize>() {
                Ok(n) if (1..=256).contains(&n) => n,
                _ => {
                    return Err(FunctionError::Configuration(format!(
                        "{MAX_CONCURRENCY} must be a whole number from 1 to 256, got {v:?}"
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
        Ok(Self {
            policy,
            dry_run,
            cross_account_role,
            max_concurrency,
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
        assert_eq!(s.max_concurrency, 16);
        assert_eq!(s.cross_account_role, None);
    }

    #[test]
    fn reads_every_variable() {
        let s = settings(&[
            (POLICY_PARAMETER, "/amiflow/policy"),
            (DRY_RUN, "TRUE"),
            (MAX_CONCURRENCY, "4"),
            (CROSS_ACCOUNT_ROLE, "AmiflowTarget"),
        ])
        .unwrap();
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
            (
                vec![(CROSS_ACCOUNT_ROLE, "arn:aws:iam::1:role/x")],
                "is a role name",
            ),
        ] {
            let err = settings(&pairs).unwrap_err().to_string();
            assert!(err.contains(words), "{err}");
        }
    }
}
