//! The documents `amiflow validate` checks: the policy, or an Image Builder distribution
//! configuration CLI input, told apart by their keys.

use amiflow_model::policy::schema::violations as policy_violations;
use amiflow_model::schema::check;
use amiflow_model::schema::fields::check_tag_keys;
use amiflow_model::schema::violation::Violation;
use serde_json::Value;

use crate::distribution_schema::{
    distribution_rules, CREATE_DISTRIBUTION_CONFIGURATION, UPDATE_DISTRIBUTION_CONFIGURATION,
};

#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum DocumentKind {
    Policy,
    CreateDistributionConfiguration,
    UpdateDistributionConfiguration,
}

impl DocumentKind {
    /// Tells a document's kind from its keys, so `amiflow validate` needs no flag.
    pub fn detect(value: &Value) -> Option<Self> {
        let map = value.as_object()?;
        if map.contains_key("rules") || map.contains_key("followDistributionSettings") {
            Some(DocumentKind::Policy)
        } else if map.contains_key("distributionConfigurationArn") {
            Some(DocumentKind::UpdateDistributionConfiguration)
        } else if map.contains_key("distributions") || map.contains_key("name") {
            Some(DocumentKind::CreateDistributionConfiguration)
        } else {
            None
        }
    }

    pub fn describe(self) -> &'static str {
        match self {
            DocumentKind::Policy => "amiflow policy",
            DocumentKind::CreateDistributionConfiguration => {
                "create-distribution-configuration input"
            }
            DocumentKind::UpdateDistributionConfiguration => {
                "update-distribution-configuration input"
            }
        }
    }
}

/// Every violation in `value` read as a document of `kind`.
pub fn validate(kind: DocumentKind, value: &Value) -> Vec<Violation> {
    let mut out = Vec::new();
    match kind {
        DocumentKind::Policy => out = policy_violations(value),
        DocumentKind::CreateDistributionConfiguration => {
            check(value, &CREATE_DISTRIBUTION_CONFIGURATION, "", &mut out);
            check_tag_keys(value.get("tags"), "tags", &mut out);
            distribution_rules(value, &mut out);
        }
        DocumentKind::UpdateDistributionConfiguration => {
            check(value, &UPDATE_DISTRIBUTION_CONFIGURATION, "", &mut out);
            distribution_rules(value, &mut out);
        }
    }
    out
}

#[cfg(test)]
pub(crate) mod test_support {
    use super::*;

    /// Every violation of `doc` read as `kind`, as text.
    pub fn messages(kind: DocumentKind, doc: Value) -> Vec<String> {
        validate(kind, &doc)
            .iter()
            .map(ToString::to_string)
            .collect()
    }

    pub fn assert_has(found: &[String], words: &str) {
        assert!(
            found.iter().any(|f| f.contains(words)),
            "{words:?} not in {found:#?}"
        )
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use serde_json::json;

    #[test]
    fn detects_document_kinds() {
        assert_eq!(
            DocumentKind::detect(&json!({"rules": []})),
            Some(DocumentKind::Policy)
        );
        assert_eq!(
            DocumentKind::detect(
                &json!({"distributionConfigurationArn": "x", "distributions": []})
            ),
            Some(DocumentKind::UpdateDistributionConfiguration)
        );
        assert_eq!(
            DocumentKind::detect(&json!({"name": "x", "distributions": []})),
            Some(DocumentKind::CreateDistributionConfiguration)
        );
        assert_eq!(DocumentKind::detect(&json!({"other": 1})), None);
        assert_eq!(DocumentKind::detect(&json!([1])), None);
    }
}
