//! The policy, read once per cold start from where the settings say and validated whole before
//! anything runs: an invalid policy is an init error that never half-applies.

use amiflow_model::policy::Policy;
use aws_config::SdkConfig;

use crate::error::FunctionError;
use crate::settings::{PolicySource, POLICY, POLICY_PARAMETER};

pub async fn load_policy(source: &PolicySource, base: &SdkConfig) -> Result<Policy, FunctionError> {
    match source {
        PolicySource::None => Ok(Policy::default()),
        PolicySource::Inline(text) => {
            Policy::parse(text).map_err(|e| FunctionError::Configuration(format!("{POLICY}: {e}")))
        }
        PolicySource::Parameter(name) => {
            let ssm = aws_sdk_ssm::Client::new(base);
            let response = ssm
                .get_parameter()
                .name(name)
                .with_decryption(true)
                .send()
                .await
                .map_err(|e| {
                    FunctionError::Configuration(format!(
                        "{POLICY_PARAMETER}: cannot read parameter {name}: {}",
                        aws_sdk_ssm::error::DisplayErrorContext(&e)
                    ))
                })?;
            let text = response
                .parameter()
                .and_then(|p| p.value())
                .unwrap_or_default();
            Policy::parse(text).map_err(|e| {
                FunctionError::Configuration(format!("{POLICY_PARAMETER} ({name}): {e}"))
            })
        }
    }
}
