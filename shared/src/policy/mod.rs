//! The amiflow policy document (docs/policy.md): which images to act on, and the targets.

pub mod accounts;
pub mod glob;
pub mod parameter_name;
pub mod placeholder;
pub mod refresh;
pub mod schema;

use std::collections::BTreeMap;

use serde::Deserialize;
use serde_json::Value;

use crate::error::InputError;
use crate::input::image::Image;
use crate::plan::unique::unique_by;
use glob::glob_match;
use refresh::RefreshPreferences;

#[derive(Debug, Clone, PartialEq, Deserialize)]
#[serde(rename_all = "camelCase")]
pub struct Policy {
    #[serde(default = "yes")]
    pub follow_distribution_settings: bool,
    pub rules: Vec<Rule>,
    /// What the refreshes refresh-instances starts ask for, unless a group's tags say otherwise.
    #[serde(default)]
    pub instance_refresh: RefreshPreferences,
}

fn yes() -> bool {
    true
}

impl Default for Policy {
    /// No rules, but the image's own distribution settings are still honoured.
    fn default() -> Self {
        Self {
            follow_distribution_settings: true,
            rules: Vec::new(),
            instance_refresh: RefreshPreferences::default(),
        }
    }
}

#[derive(Debug, Clone, Default, PartialEq, Deserialize)]
#[serde(rename_all = "camelCase")]
pub struct Rule {
    pub name: String,
    #[serde(rename = "match")]
    pub matcher: Option<Match>,
    #[serde(default)]
    pub distribute: Vec<DistributeEntry>,
    #[serde(default)]
    pub ssm_parameters: Vec<SsmParameterRule>,
    #[serde(default)]
    pub launch_templates: Vec<LaunchTemplateRule>,
}

#[derive(Debug, Clone, Default, PartialEq, Deserialize)]
#[serde(rename_all = "camelCase")]
pub struct Match {
    pub image_name: Option<String>,
    pub pipeline_arn: Option<String>,
    #[serde(default)]
    pub tags: BTreeMap<String, String>,
}

#[derive(Debug, Clone, Default, PartialEq, Deserialize)]
#[serde(rename_all = "camelCase")]
pub struct DistributeEntry {
    pub distribution_configuration_arn: String,
    pub execution_role: String,
    #[serde(default)]
    pub tags: BTreeMap<String, String>,
}

#[derive(Debug, Clone, Default, PartialEq, Deserialize)]
#[serde(rename_all = "camelCase")]
pub struct SsmParameterRule {
    pub name: String,
    pub regions: Option<Vec<String>>,
    pub accounts: Option<Vec<String>>,
    pub data_type: Option<String>,
}

#[derive(Debug, Clone, Default, PartialEq, Eq, Hash, Deserialize)]
pub struct TagFilter {
    pub key: String,
    pub value: String,
}

#[derive(Debug, Clone, Default, PartialEq, Deserialize)]
#[serde(rename_all = "camelCase")]
pub struct LaunchTemplateRule {
    pub launch_template_id: Option<String>,
    pub launch_template_name: Option<String>,
    pub tag: Option<TagFilter>,
    pub region: Option<String>,
    pub regions: Option<Vec<String>>,
    pub account_id: Option<String>,
    pub accounts: Option<Vec<String>>,
    pub set_default_version: Option<bool>,
    pub keep_versions: Option<u32>,
}

impl Policy {
    /// Parses and validates a policy document; every violation is reported, none applied.
    pub fn parse(text: &str) -> Result<Self, InputError> {
        let value: Value = serde_json::from_str(text)
            .map_err(|e| InputError::new("policy", format!("is not valid JSON: {e}")))?;
        Self::from_value(&value)
    }

    pub fn from_value(value: &Value) -> Result<Self, InputError> {
        let violations = schema::violations(value);
        if !violations.is_empty() {
            return Err(violations.into());
        }
        serde_json::from_value(value.clone())
            .map_err(|e| InputError::new("policy", format!("does not fit the policy model: {e}")))
    }

    /// Rules whose `match` holds for `image`, in document order.
    pub fn matching<'a>(&'a self, image: &'a Image) -> impl Iterator<Item = &'a Rule> + 'a {
        self.rules.iter().filter(move |rule| rule.matches(image))
    }

    /// Every organizational unit and root the rules' `accounts` name, each once.
    pub fn units(&self) -> Vec<&str> {
        let lists = self.rules.iter().flat_map(|rule| {
            let parameters = rule.ssm_parameters.iter().map(|p| p.accounts.as_deref());
            let templates = rule.launch_templates.iter().map(|t| t.accounts.as_deref());
            parameters.chain(templates).flatten()
        });
        let units = lists.flatten().map(String::as_str);
        unique_by(units.filter(|entry| accounts::is_unit(entry)), |entry| {
            *entry
        })
    }
}

impl Rule {
    pub fn matches(&self, image: &Image) -> bool {
        self.matcher.as_ref().is_none_or(|m| {
            m.holds(
                &image.name,
                image.source_pipeline_arn.as_deref(),
                &image.tags,
            )
        })
    }
}

impl Match {
    /// Whether an image named `name`, built by `pipeline` and tagged `tags`, is matched: by its
    /// event (`Rule::matches`) and by a reconcile's list of builds alike.
    pub fn holds(
        &self,
        name: &str,
        pipeline: Option<&str>,
        tags: &BTreeMap<String, String>,
    ) -> bool {
        self.image_name
            .as_deref()
            .is_none_or(|glob| glob_match(glob, name))
            && self
                .pipeline_arn
                .as_deref()
                .is_none_or(|arn| pipeline == Some(arn))
            && self.tags.iter().all(|(k, v)| tags.get(k) == Some(v))
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use serde_json::json;

    fn image(name: &str, pipeline: Option<&str>, tags: &[(&str, &str)]) -> Image {
        Image {
            arn: "arn:aws:imagebuilder:us-east-1:123456789012:image/x/1.0.0/1".into(),
            name: name.into(),
            source_pipeline_arn: pipeline.map(Into::into),
            tags: tags
                .iter()
                .map(|(k, v)| (k.to_string(), v.to_string()))
                .collect(),
            ..Image::default()
        }
    }

    #[test]
    fn spec_example_parses_with_defaults() {
        let policy = Policy::parse(include_str!(
            "../../tests/fixtures/policy/spec-example.json"
        ))
        .unwrap();
        assert!(policy.follow_distribution_settings);
        let rule = &policy.rules[0];
        assert_eq!(
            rule.distribute[0].execution_role,
            "ImageBuilderDistributionRole"
        );
        assert_eq!(rule.launch_templates[2].keep_versions, Some(30));
        let empty = Policy::parse(r#"{"rules": []}"#).unwrap();
        assert!(empty.follow_distribution_settings);
        assert_eq!(empty.instance_refresh, RefreshPreferences::default());
    }

    #[test]
    fn units_are_every_ou_and_root_named_once() {
        let policy = Policy::from_value(&json!({"rules": [
            {"name": "a", "ssmParameters": [{"name": "/p", "accounts": ["ou-ab12-cdefgh34", "123456789012"]}]},
            {"name": "b", "launchTemplates": [{"tag": {"key": "k", "value": "v"},
                "accounts": ["r-ab12", "ou-ab12-cdefgh34", "*"]}]}
        ]}))
        .unwrap();
        assert_eq!(policy.units(), ["ou-ab12-cdefgh34", "r-ab12"]);
    }

    #[test]
    fn match_requires_every_given_field() {
        let policy = Policy::from_value(&json!({"rules": [
            {"name": "all"},
            {"name": "golden", "match": {"imageName": "golden-*", "tags": {"Stage": "dev"}}},
            {"name": "pipe", "match": {"pipelineArn": "arn:aws:imagebuilder:us-east-1:123456789012:image-pipeline/p"}}
        ]}))
        .unwrap();
        let names = |img: &Image| {
            policy
                .matching(img)
                .map(|r| r.name.clone())
                .collect::<Vec<_>>()
        };
        assert_eq!(
            names(&image("golden-al2023", None, &[("Stage", "dev")])),
            ["all", "golden"]
        );
        assert_eq!(
            names(&image("golden-al2023", None, &[("Stage", "prod")])),
            ["all"]
        );
        assert_eq!(names(&image("silver", None, &[("Stage", "dev")])), ["all"]);
        assert_eq!(
            names(&image(
                "x",
                Some("arn:aws:imagebuilder:us-east-1:123456789012:image-pipeline/p"),
                &[]
            )),
            ["all", "pipe"]
        );
    }

    #[test]
    fn invalid_policy_lists_every_violation_with_path() {
        let err = Policy::parse(
            r#"{"followDistributionSetting": true, "rules": [{"name": "r", "ssmParameters": [{"name": "/p", "dataType": "string", "region": ["*"]}]}]}"#,
        )
        .unwrap_err();
        let text = err.to_string();
        assert_eq!(err.violations.len(), 3, "{text}");
        assert!(text.contains("unknown field `followDistributionSetting` at `the top level`; did you mean `followDistributionSettings`?"), "{text}");
        assert!(
            text.contains(
                "`rules[0].ssmParameters[0].dataType`: must be one of \"text\", \"aws:ec2:image\""
            ),
            "{text}"
        );
        assert!(
            text.contains(
                "unknown field `region` at `rules[0].ssmParameters[0]`; did you mean `regions`?"
            ),
            "{text}"
        );
    }

    #[test]
    fn not_json_is_an_error() {
        assert!(Policy::parse("{rules")
            .unwrap_err()
            .to_string()
            .starts_with("`policy`: is not valid JSON"));
    }
}
