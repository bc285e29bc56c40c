//! The amiflow policy's schema and cross-field rules.

use serde_json::Value;

use super::accounts::check_entry;
use super::parameter_name::parameter_name_problems;
use super::placeholder::{check_placeholders, render, PARAMETER_PLACEHOLDERS};
use super::refresh::{RefreshPreferences, INSTANCE_REFRESH};
use crate::input::arn::{EXECUTION_ROLE_PATTERN, IMAGE_PIPELINE_ARN_PATTERN};
use crate::schema::fields::*;
use crate::schema::violation::{child, distinct, index, Violation};
use crate::schema::{check, Field, Schema, Text};

static REGIONS: Schema = Schema::Array {
    items: &Schema::Text(Text::pattern(1, 64, REGION_OR_ALL)),
    min: 1,
    max: 64,
};
/// Account ids, `*`, organizational unit and root ids: each entry's form is checked by
/// `accounts::check_entry`, which names what a malformed one should be.
static ACCOUNT_LIST: Schema = Schema::Array {
    items: &Schema::Text(Text::len(1, 70)),
    min: 1,
    max: 1536,
};

pub static DISTRIBUTE_ENTRY: Schema = Schema::Object(&[
    Field::required(
        "distributionConfigurationArn",
        &DISTRIBUTION_CONFIGURATION_ARN,
    ),
    Field::required(
        "executionRole",
        &Schema::Text(Text::pattern(1, 2048, EXECUTION_ROLE_PATTERN)),
    ),
    Field::optional("tags", &TAGS),
]);

// The name is a template: SSM's rules apply to it once rendered (`check_parameter_name`).
static POLICY_SSM_PARAMETER: Schema = Schema::Object(&[
    Field::required("name", &Schema::Text(Text::len(1, 2048))),
    Field::optional("regions", &REGIONS),
    Field::optional("accounts", &ACCOUNT_LIST),
    Field::optional("dataType", &Schema::Enum(DATA_TYPES)),
]);

static POLICY_LAUNCH_TEMPLATE: Schema = Schema::Object(&[
    Field::optional("launchTemplateId", &LAUNCH_TEMPLATE_ID_FIELD),
    Field::optional("launchTemplateName", &LAUNCH_TEMPLATE_NAME_FIELD),
    Field::optional(
        "tag",
        &Schema::Object(&[
            Field::required("key", &Schema::Text(Text::len(1, 128))),
            Field::required("value", &Schema::Text(Text::len(0, 256))),
        ]),
    ),
    Field::optional("region", &Schema::Text(Text::pattern(1, 64, REGION))),
    Field::optional("regions", &REGIONS),
    Field::optional("accountId", &ACCOUNT),
    Field::optional("accounts", &ACCOUNT_LIST),
    Field::optional("setDefaultVersion", &BOOL),
    Field::optional(
        "keepVersions",
        &Schema::Integer {
            min: 2,
            max: 10_000,
        },
    ),
]);

static POLICY_RULE: Schema = Schema::Object(&[
    Field::required("name", &Schema::Text(Text::len(1, 128))),
    Field::optional(
        "match",
        &Schema::Object(&[
            Field::optional("imageName", &Schema::Text(Text::len(1, 128))),
            Field::optional(
                "pipelineArn",
                &Schema::Text(Text::pattern(1, 1024, IMAGE_PIPELINE_ARN_PATTERN)),
            ),
            Field::optional("tags", &TAGS),
        ]),
    ),
    Field::optional(
        "distribute",
        &Schema::Array {
            items: &DISTRIBUTE_ENTRY,
            min: 0,
            max: 100,
        },
    ),
    Field::optional(
        "ssmParameters",
        &Schema::Array {
            items: &POLICY_SSM_PARAMETER,
            min: 0,
            max: 1000,
        },
    ),
    Field::optional(
        "launchTemplates",
        &Schema::Array {
            items: &POLICY_LAUNCH_TEMPLATE,
            min: 0,
            max: 1000,
        },
    ),
]);

pub static POLICY: Schema = Schema::Object(&[
    Field::optional("followDistributionSettings", &BOOL),
    Field::optional("instanceRefresh", &INSTANCE_REFRESH),
    Field::required(
        "rules",
        &Schema::Array {
            items: &POLICY_RULE,
            min: 0,
            max: 1000,
        },
    ),
]);

/// Every violation of the policy document `doc`: its schema, then the rules across fields.
pub fn violations(doc: &Value) -> Vec<Violation> {
    let mut out = Vec::new();
    check(doc, &POLICY, "", &mut out);
    policy_rules(doc, &mut out);
    out
}

fn policy_rules(doc: &Value, out: &mut Vec<Violation>) {
    refresh_rules(doc.get("instanceRefresh"), out);
    let Some(Value::Array(rules)) = doc.get("rules") else {
        return;
    };
    distinct(rules, "name", "rules", "rule names", out);
    for (i, rule) in rules.iter().enumerate() {
        let path = index("rules", i);
        if let Some(Value::Array(entries)) = rule.get("distribute") {
            for (k, entry) in entries.iter().enumerate() {
                let entry_path = index(&child(&path, "distribute"), k);
                check_tag_keys(entry.get("tags"), &child(&entry_path, "tags"), out);
            }
        }
        if let Some(Value::Array(params)) = rule.get("ssmParameters") {
            for (k, param) in params.iter().enumerate() {
                let param_path = index(&child(&path, "ssmParameters"), k);
                if let Some(name) = param.get("name").and_then(Value::as_str) {
                    let name_path = child(&param_path, "name");
                    check_placeholders(name, PARAMETER_PLACEHOLDERS, &name_path, out);
                    check_parameter_name(name, &name_path, out);
                }
                account_entries(param, &param_path, out);
            }
        }
        if let Some(Value::Array(templates)) = rule.get("launchTemplates") {
            for (k, template) in templates.iter().enumerate() {
                let template_path = index(&child(&path, "launchTemplates"), k);
                launch_template_rule(template, &template_path, out);
                account_entries(template, &template_path, out);
            }
        }
    }
}

/// Each `accounts` entry of a target: an account, `*`, an organizational unit or the root.
fn account_entries(target: &Value, path: &str, out: &mut Vec<Violation>) {
    let Some(Value::Array(entries)) = target.get("accounts") else {
        return;
    };
    let path = child(path, "accounts");
    for (i, entry) in entries.iter().enumerate() {
        if let Some(entry) = entry.as_str() {
            check_entry(entry, &index(&path, i), out);
        }
    }
}

/// The refresh preferences' rules across fields, where the schema let them through.
fn refresh_rules(preferences: Option<&Value>, out: &mut Vec<Violation>) {
    let Some(value) = preferences else {
        return;
    };
    let Ok(preferences) = serde_json::from_value::<RefreshPreferences>(value.clone()) else {
        return;
    };
    for (field, problem) in preferences.problems() {
        out.push(Violation::new(child("instanceRefresh", field), problem));
    }
}

/// SSM's naming rules on the static parts of a name template: each placeholder stands in as `x`
/// (what it renders to is checked per target when the image is known).
fn check_parameter_name(template: &str, path: &str, out: &mut Vec<Violation>) {
    let static_parts = render(template, |_| Some("x".to_string()));
    for problem in parameter_name_problems(&static_parts) {
        out.push(Violation::new(
            path,
            format!("SSM parameter name {problem}"),
        ));
    }
}

fn launch_template_rule(template: &Value, path: &str, out: &mut Vec<Violation>) {
    let has = |key: &str| template.get(key).is_some();
    let selectors = ["launchTemplateId", "launchTemplateName", "tag"];
    let chosen = selectors.iter().filter(|k| has(k)).count();
    if chosen != 1 {
        out.push(Violation::new(
            path,
            format!("set exactly one of `launchTemplateId`, `launchTemplateName` and `tag` (found {chosen})"),
        ));
        return;
    }
    let by_tag = has("tag");
    if !by_tag && !has("region") {
        out.push(Violation::new(
            child(path, "region"),
            "is required for a template named by `launchTemplateId` or `launchTemplateName`",
        ));
    }
    // A template found by tag spans Regions and accounts; one named spans neither.
    for (single, plural) in [("region", "regions"), ("accountId", "accounts")] {
        if by_tag && has(single) {
            out.push(Violation::new(
                child(path, single),
                format!("a template found by `tag` takes `{plural}`, not `{single}`"),
            ));
        }
        if !by_tag && has(plural) {
            out.push(Violation::new(
                child(path, plural),
                format!("only a template found by `tag` takes `{plural}`; use `{single}`"),
            ));
        }
    }
}

#[cfg(test)]
mod tests {
    use super::violations;
    use serde_json::json;

    fn messages(doc: serde_json::Value) -> Vec<String> {
        violations(&doc).iter().map(ToString::to_string).collect()
    }

    fn assert_has(found: &[String], words: &str) {
        assert!(
            found.iter().any(|f| f.contains(words)),
            "{words:?} not in {found:#?}"
        )
    }

    #[test]
    fn policy_launch_template_selectors() {
        let found = messages(json!({"rules": [{"name": "r", "launchTemplates": [
            {"launchTemplateId": "lt-0123456789abcdef0", "launchTemplateName": "web"},
            {"launchTemplateName": "web"},
            {"tag": {"key": "k", "value": "v"}, "region": "us-east-1"},
            {"launchTemplateName": "web", "region": "us-east-1", "regions": ["*"]}
        ], "ssmParameters": [{"name": "/x/{{imagebuilder:date}}"}]}, {"name": "r", "ssmParameters": [
            {"name": "/amiflow/{{ imagebuilder:name }}/{{imagebuilder:version}}"},
            {"name": "/aws/{{imagebuilder:name}}"},
            {"name": "/my images/{{imagebuilder:name}}"}
        ]}]}));
        let has = |words: &str| assert_has(&found, words);
        has("`rules[0].launchTemplates[0]`: set exactly one of `launchTemplateId`, `launchTemplateName` and `tag` (found 2)");
        has("`rules[0].launchTemplates[1].region`: is required");
        has("`rules[0].launchTemplates[2].region`: a template found by `tag` takes `regions`");
        has(
            "`rules[0].launchTemplates[3].regions`: only a template found by `tag` takes `regions`",
        );
        has("`rules[0].ssmParameters[0].name`: unknown parameter `{{imagebuilder:date}}`");
        has("`rules[1].name`: rule names must be distinct");
        has("`rules[1].ssmParameters[1].name`: SSM parameter name must not begin with `aws` or `ssm`");
        has("`rules[1].ssmParameters[2].name`: SSM parameter name may hold only a-zA-Z0-9_.- and `/`, not ' '");
        assert_eq!(found.len(), 8, "{found:#?}");
    }
}

#[cfg(test)]
mod unit_tests {
    use super::violations;
    use serde_json::json;

    #[test]
    fn malformed_units_and_refresh_preferences_are_named() {
        let found: Vec<String> = violations(&json!({
            "instanceRefresh": {"checkpointPercentages": [50, 100], "minHealthyPercentage": 101},
            "rules": [{"name": "r", "ssmParameters": [{"name": "/p", "accounts": ["ou-ab12-cdefgh34", "ou-bad"]}],
                "launchTemplates": [{"tag": {"key": "k", "value": "v"}, "accounts": ["r-"]}]}]}))
        .iter()
        .map(ToString::to_string)
        .collect();
        assert_eq!(found.len(), 3, "{found:#?}");
        assert!(found[0].starts_with(
            "`instanceRefresh.minHealthyPercentage`: must be a whole number from 0 to 100"
        ));
        assert!(found[1].starts_with(
            "`rules[0].ssmParameters[0].accounts[1]`: \"ou-bad\" is no organizational unit id"
        ));
        assert!(
            found[2].starts_with("`rules[0].launchTemplates[0].accounts[0]`: \"r-\" is no root id")
        );
        let cross: Vec<String> = violations(&json!({"rules": [],
            "instanceRefresh": {"checkpointPercentages": [50, 90]}}))
        .iter()
        .map(ToString::to_string)
        .collect();
        assert_eq!(cross, ["`instanceRefresh.checkpointPercentages`: must end at 100, so that every instance is replaced, got [50, 90]"]);
        let alarms: Vec<String> = (0..11).map(|i| format!("alarm-{i}")).collect();
        let once: Vec<String> =
            violations(&json!({"rules": [], "instanceRefresh": {"alarms": alarms}}))
                .iter()
                .map(ToString::to_string)
                .collect();
        assert_eq!(once.len(), 1, "one fault, said once: {once:#?}");
        assert!(once[0].starts_with("`instanceRefresh.alarms`"), "{once:#?}");
    }
}
