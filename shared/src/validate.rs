//! Schemas and cross-field rules for the documents amiflow reads or checks: Image Builder
//! distribution configuration CLI inputs (create / update) and the amiflow policy.

use std::collections::HashMap;
use std::sync::LazyLock;

use regex::Regex;
use serde_json::Value;

use crate::arn::{
    DISTRIBUTION_CONFIGURATION_ARN_PATTERN, EXECUTION_ROLE_PATTERN, IMAGE_PIPELINE_ARN_PATTERN,
};
use crate::schema::{check, child, index, Field, Schema, Text, Violation};

// Patterns and limits from the Image Builder API reference.
const ACCOUNT_ID: &str = r"^[0-9]{12}$";
const LAUNCH_TEMPLATE_ID: &str = r"^lt-[a-z0-9-_]{17}$";
const LAUNCH_TEMPLATE_NAME: &str = r"^[a-zA-Z0-9().\-/_]+$";
const LICENSE_CONFIGURATION_ARN: &str =
    r"^arn:aws[^:]*:license-manager:[^:]+:[0-9]{12}:license-configuration:lic-[a-z0-9-_]{32}$";
const ORGANIZATION_ARN: &str =
    r"^arn:aws[^:]*:organizations::[0-9]{12}:organization/o-[a-z0-9]{10,32}$";
const ORGANIZATIONAL_UNIT_ARN: &str = r"^arn:aws[^:]*:organizations::[0-9]{12}:ou/o-[a-z0-9]{10,32}/ou-[a-z0-9]{4,32}-[a-z0-9]{8,32}$";
const AMI_NAME: &str = r"^[-_A-Za-z0-9{][-_A-Za-z0-9\s:{}\.]+[-_A-Za-z0-9}]$";
const RESOURCE_NAME: &str = r"^[-_A-Za-z-0-9][-_A-Za-z0-9 ]{1,126}[-_A-Za-z-0-9]$";
const TAG_KEY: &str = r"^(?!aws:)[a-zA-Z0-9\s_.:/=+\-@]*$";
const PARAMETER_NAME: &str = r"^[^\x00]+$";
const REGION: &str = r"^[a-z]{2}(-[a-z]+)+-[0-9]+$";
const REGION_OR_ALL: &str = r"^(\*|[a-z]{2}(-[a-z]+)+-[0-9]+)$";
const ACCOUNT_OR_ALL: &str = r"^(\*|[0-9]{12})$";

pub const DATA_TYPES: &[&str] = &["text", "aws:ec2:image"];

static STRING: Schema = Schema::Text(Text::len(1, 1024));
static STRINGS: Schema = Schema::Array {
    items: &STRING,
    min: 1,
    max: 1024,
};
static ACCOUNT: Schema = Schema::Text(Text::pattern(12, 12, ACCOUNT_ID));
static ACCOUNTS: Schema = Schema::Array {
    items: &ACCOUNT,
    min: 1,
    max: 1536,
};
static BOOL: Schema = Schema::Bool;
static POSITIVE: Schema = Schema::Integer {
    min: 1,
    max: i32::MAX as i64,
};
/// Tag maps (`tags`, `amiTags`, DistributeImage `tags`): 50 entries, keys 1..128 not `aws:`, values up to 256.
pub static TAGS: Schema = Schema::Map {
    key: Text::pattern(1, 128, r"^[a-zA-Z0-9\s_.:/=+\-@]*$"),
    value: Text::len(0, 256),
    max: 50,
};
static CLIENT_TOKEN: Schema = Schema::Text(Text::len(1, 64));
static DESCRIPTION: Schema = Schema::Text(Text::len(1, 1024));

static LAUNCH_PERMISSION: Schema = Schema::Object(&[
    Field::optional("userIds", &ACCOUNTS),
    Field::optional("userGroups", &STRINGS),
    Field::optional(
        "organizationArns",
        &Schema::Array {
            items: &Schema::Text(Text::pattern(1, 1024, ORGANIZATION_ARN)),
            min: 1,
            max: 25,
        },
    ),
    Field::optional(
        "organizationalUnitArns",
        &Schema::Array {
            items: &Schema::Text(Text::pattern(1, 1024, ORGANIZATIONAL_UNIT_ARN)),
            min: 1,
            max: 25,
        },
    ),
]);

static AMI_DISTRIBUTION: Schema = Schema::Object(&[
    Field::optional("name", &Schema::Text(Text::pattern(1, 127, AMI_NAME))),
    Field::optional("description", &DESCRIPTION),
    Field::optional("targetAccountIds", &ACCOUNTS),
    Field::optional("amiTags", &TAGS),
    Field::optional("kmsKeyId", &STRING),
    Field::optional("launchPermission", &LAUNCH_PERMISSION),
]);

static CONTAINER_DISTRIBUTION: Schema = Schema::Object(&[
    Field::optional("description", &DESCRIPTION),
    Field::optional("containerTags", &STRINGS),
    Field::required(
        "targetRepository",
        &Schema::Object(&[
            Field::required("service", &Schema::Enum(&["ECR"])),
            Field::required("repositoryName", &STRING),
        ]),
    ),
]);

static LAUNCH_TEMPLATE_CONFIGURATION: Schema = Schema::Object(&[
    Field::required(
        "launchTemplateId",
        &Schema::Text(Text::pattern(20, 20, LAUNCH_TEMPLATE_ID)),
    ),
    Field::optional("accountId", &ACCOUNT),
    Field::optional("setDefaultVersion", &BOOL),
]);

static S3_EXPORT: Schema = Schema::Object(&[
    Field::required("roleName", &STRING),
    Field::required("diskImageFormat", &Schema::Enum(&["VMDK", "RAW", "VHD"])),
    Field::required("s3Bucket", &STRING),
    Field::optional("s3Prefix", &STRING),
]);

static FAST_LAUNCH: Schema = Schema::Object(&[
    Field::required("enabled", &BOOL),
    Field::optional(
        "snapshotConfiguration",
        &Schema::Object(&[Field::optional("targetResourceCount", &POSITIVE)]),
    ),
    Field::optional("maxParallelLaunches", &POSITIVE),
    Field::optional(
        "launchTemplate",
        &Schema::Object(&[
            Field::optional(
                "launchTemplateId",
                &Schema::Text(Text::pattern(20, 20, LAUNCH_TEMPLATE_ID)),
            ),
            Field::optional(
                "launchTemplateName",
                &Schema::Text(Text::pattern(3, 128, LAUNCH_TEMPLATE_NAME)),
            ),
            Field::optional("launchTemplateVersion", &STRING),
        ]),
    ),
    Field::optional("accountId", &ACCOUNT),
]);

static SSM_PARAMETER_CONFIGURATION: Schema = Schema::Object(&[
    Field::optional("amiAccountId", &ACCOUNT),
    Field::required(
        "parameterName",
        &Schema::Text(Text::pattern(1, 1011, PARAMETER_NAME)),
    ),
    Field::optional("dataType", &Schema::Enum(DATA_TYPES)),
]);

static DISTRIBUTION: Schema = Schema::Object(&[
    Field::required("region", &Schema::Text(Text::pattern(1, 1024, REGION))),
    Field::optional("amiDistributionConfiguration", &AMI_DISTRIBUTION),
    Field::optional(
        "containerDistributionConfiguration",
        &CONTAINER_DISTRIBUTION,
    ),
    Field::optional(
        "licenseConfigurationArns",
        &Schema::Array {
            items: &Schema::Text(Text::pattern(1, 1024, LICENSE_CONFIGURATION_ARN)),
            min: 1,
            max: 50,
        },
    ),
    Field::optional(
        "launchTemplateConfigurations",
        &Schema::Array {
            items: &LAUNCH_TEMPLATE_CONFIGURATION,
            min: 1,
            max: 100,
        },
    ),
    Field::optional("s3ExportConfiguration", &S3_EXPORT),
    Field::optional(
        "fastLaunchConfigurations",
        &Schema::Array {
            items: &FAST_LAUNCH,
            min: 1,
            max: 1000,
        },
    ),
    Field::optional(
        "ssmParameterConfigurations",
        &Schema::Array {
            items: &SSM_PARAMETER_CONFIGURATION,
            min: 1,
            max: 100,
        },
    ),
]);

static DISTRIBUTIONS: Schema = Schema::Array {
    items: &DISTRIBUTION,
    min: 1,
    max: 1024,
};
static DISTRIBUTION_CONFIGURATION_ARN: Schema = Schema::Text(Text::pattern(
    1,
    1024,
    DISTRIBUTION_CONFIGURATION_ARN_PATTERN,
));

pub static CREATE_DISTRIBUTION_CONFIGURATION: Schema = Schema::Object(&[
    Field::required("name", &Schema::Text(Text::pattern(1, 128, RESOURCE_NAME))),
    Field::optional("description", &DESCRIPTION),
    Field::required("distributions", &DISTRIBUTIONS),
    Field::optional("tags", &TAGS),
    Field::optional("clientToken", &CLIENT_TOKEN),
]);

pub static UPDATE_DISTRIBUTION_CONFIGURATION: Schema = Schema::Object(&[
    Field::required(
        "distributionConfigurationArn",
        &DISTRIBUTION_CONFIGURATION_ARN,
    ),
    Field::optional("description", &DESCRIPTION),
    Field::required("distributions", &DISTRIBUTIONS),
    Field::optional("clientToken", &CLIENT_TOKEN),
]);

// The amiflow policy (SPEC section 4).
static REGIONS: Schema = Schema::Array {
    items: &Schema::Text(Text::pattern(1, 64, REGION_OR_ALL)),
    min: 1,
    max: 64,
};
static ACCOUNT_LIST: Schema = Schema::Array {
    items: &Schema::Text(Text::pattern(1, 12, ACCOUNT_OR_ALL)),
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

static POLICY_SSM_PARAMETER: Schema = Schema::Object(&[
    Field::required(
        "name",
        &Schema::Text(Text::pattern(1, 1011, PARAMETER_NAME)),
    ),
    Field::optional("regions", &REGIONS),
    Field::optional("accounts", &ACCOUNT_LIST),
    Field::optional("dataType", &Schema::Enum(DATA_TYPES)),
]);

static POLICY_LAUNCH_TEMPLATE: Schema = Schema::Object(&[
    Field::optional(
        "launchTemplateId",
        &Schema::Text(Text::pattern(20, 20, LAUNCH_TEMPLATE_ID)),
    ),
    Field::optional(
        "launchTemplateName",
        &Schema::Text(Text::pattern(3, 128, LAUNCH_TEMPLATE_NAME)),
    ),
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
    Field::required(
        "rules",
        &Schema::Array {
            items: &POLICY_RULE,
            min: 0,
            max: 1000,
        },
    ),
]);

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
        DocumentKind::Policy => {
            check(value, &POLICY, "", &mut out);
            policy_rules(value, &mut out);
        }
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

/// The `aws:` prefix is reserved for AWS; the regex crate has no look-ahead, so it is checked here.
pub fn check_tag_keys(tags: Option<&Value>, path: &str, out: &mut Vec<Violation>) {
    let Some(Value::Object(map)) = tags else {
        return;
    };
    for key in map.keys() {
        if key.to_ascii_lowercase().starts_with("aws:") {
            out.push(Violation::new(
                format!("{path} key {key:?}"),
                format!("tag keys may not start with `aws:` (reserved for AWS), per {TAG_KEY}"),
            ));
        }
    }
}

static PLACEHOLDER: LazyLock<Regex> =
    LazyLock::new(|| Regex::new(r"\{\{\s*([^{}]*?)\s*\}\}").expect("static pattern"));

/// The names inside `{{ ... }}` in `text` (inner spaces allowed).
pub fn placeholders(text: &str) -> impl Iterator<Item = &str> {
    PLACEHOLDER
        .captures_iter(text)
        .map(|c| c.get(1).map_or("", |m| m.as_str()))
}

fn check_placeholders(text: &str, allowed: &[&str], path: &str, out: &mut Vec<Violation>) {
    for name in placeholders(text) {
        if !allowed.contains(&name) {
            let names: Vec<String> = allowed.iter().map(|a| format!("{{{{{a}}}}}")).collect();
            out.push(Violation::new(
                path,
                format!(
                    "unknown parameter `{{{{{name}}}}}`; the parameters are {}",
                    names.join(", ")
                ),
            ));
        }
    }
}

fn distribution_rules(doc: &Value, out: &mut Vec<Violation>) {
    let Some(Value::Array(distributions)) = doc.get("distributions") else {
        return;
    };
    let mut seen: HashMap<&str, usize> = HashMap::new();
    for (i, dist) in distributions.iter().enumerate() {
        let path = index("distributions", i);
        if let Some(region) = dist.get("region").and_then(Value::as_str) {
            if let Some(first) = seen.insert(region, i) {
                out.push(Violation::new(
                    child(&path, "region"),
                    format!("Regions must be distinct: {region} is also at distributions[{first}]"),
                ));
            }
        }
        let ami = dist.get("amiDistributionConfiguration");
        let ami_path = child(&path, "amiDistributionConfiguration");
        if let Some(name) = ami.and_then(|a| a.get("name")).and_then(Value::as_str) {
            check_placeholders(
                name,
                &["imagebuilder:buildDate", "imagebuilder:buildVersion"],
                &child(&ami_path, "name"),
                out,
            );
        }
        check_tag_keys(
            ami.and_then(|a| a.get("amiTags")),
            &child(&ami_path, "amiTags"),
            out,
        );
        let cross_account = ami
            .and_then(|a| a.get("targetAccountIds"))
            .and_then(Value::as_array)
            .is_some_and(|ids| !ids.is_empty());
        let Some(Value::Array(fast)) = dist.get("fastLaunchConfigurations") else {
            continue;
        };
        for (k, conf) in fast.iter().enumerate() {
            let conf_path = index(&child(&path, "fastLaunchConfigurations"), k);
            if let Some(template) = conf.get("launchTemplate") {
                let has = |key: &str| template.get(key).is_some();
                if has("launchTemplateId") == has("launchTemplateName") {
                    out.push(Violation::new(
                        child(&conf_path, "launchTemplate"),
                        "set exactly one of `launchTemplateId` and `launchTemplateName`",
                    ));
                }
            }
            if cross_account && conf.get("enabled") == Some(&Value::Bool(true)) {
                out.push(Violation::new(
                    conf_path,
                    "EC2 Fast Launch cannot be pre-enabled on a cross-account distribution \
                     (amiDistributionConfiguration.targetAccountIds is set); enable it from the destination account",
                ));
            }
        }
    }
}

/// Placeholders that SSM parameter names in the policy may use.
pub const PARAMETER_PLACEHOLDERS: &[&str] = &[
    "imagebuilder:name",
    "imagebuilder:version",
    "imagebuilder:buildVersion",
];

fn policy_rules(doc: &Value, out: &mut Vec<Violation>) {
    let Some(Value::Array(rules)) = doc.get("rules") else {
        return;
    };
    let mut names: HashMap<&str, usize> = HashMap::new();
    for (i, rule) in rules.iter().enumerate() {
        let path = index("rules", i);
        if let Some(name) = rule.get("name").and_then(Value::as_str) {
            if let Some(first) = names.insert(name, i) {
                out.push(Violation::new(
                    child(&path, "name"),
                    format!("rule names must be distinct: {name:?} is also rules[{first}]"),
                ));
            }
        }
        if let Some(Value::Array(entries)) = rule.get("distribute") {
            for (k, entry) in entries.iter().enumerate() {
                let entry_path = index(&child(&path, "distribute"), k);
                check_tag_keys(entry.get("tags"), &child(&entry_path, "tags"), out);
            }
        }
        if let Some(Value::Array(params)) = rule.get("ssmParameters") {
            for (k, param) in params.iter().enumerate() {
                if let Some(name) = param.get("name").and_then(Value::as_str) {
                    let name_path = child(&index(&child(&path, "ssmParameters"), k), "name");
                    check_placeholders(name, PARAMETER_PLACEHOLDERS, &name_path, out);
                }
            }
        }
        if let Some(Value::Array(templates)) = rule.get("launchTemplates") {
            for (k, template) in templates.iter().enumerate() {
                launch_template_rule(template, &index(&child(&path, "launchTemplates"), k), out);
            }
        }
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
    if has("tag") {
        for key in ["region", "accountId"] {
            if has(key) {
                let plural = if key == "region" {
                    "regions"
                } else {
                    "accounts"
                };
                out.push(Violation::new(
                    child(path, key),
                    format!("a template found by `tag` takes `{plural}`, not `{key}`"),
                ));
            }
        }
    } else {
        if !has("region") {
            out.push(Violation::new(
                child(path, "region"),
                "is required for a template named by `launchTemplateId` or `launchTemplateName`",
            ));
        }
        for key in ["regions", "accounts"] {
            if has(key) {
                let single = if key == "regions" {
                    "region"
                } else {
                    "accountId"
                };
                out.push(Violation::new(
                    child(path, key),
                    format!("only a template found by `tag` takes `{key}`; use `{single}`"),
                ));
            }
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use serde_json::json;

    fn messages(kind: DocumentKind, doc: Value) -> Vec<String> {
        validate(kind, &doc)
            .iter()
            .map(ToString::to_string)
            .collect()
    }

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

    #[test]
    fn distribution_cross_field_rules() {
        let found = messages(
            DocumentKind::CreateDistributionConfiguration,
            json!({
                "name": "dist",
                "tags": {"aws:owner": "x"},
                "distributions": [
                    {"region": "us-west-2",
                     "amiDistributionConfiguration": {"name": "Name {{imagebuilder:buildTime}}", "targetAccountIds": ["111122223333"]},
                     "fastLaunchConfigurations": [{"enabled": true, "launchTemplate": {"launchTemplateId": "lt-0ab1234c56d789012", "launchTemplateName": "x12"}}]},
                    {"region": "us-west-2"}
                ]
            }),
        );
        let has = |words: &str| {
            assert!(
                found.iter().any(|f| f.contains(words)),
                "{words:?} not in {found:#?}"
            )
        };
        has("`distributions[1].region`: Regions must be distinct: us-west-2 is also at distributions[0]");
        has("unknown parameter `{{imagebuilder:buildTime}}`");
        has("`distributions[0].fastLaunchConfigurations[0].launchTemplate`: set exactly one of");
        has("EC2 Fast Launch cannot be pre-enabled on a cross-account distribution");
        has("`tags key \"aws:owner\"`: tag keys may not start with `aws:`");
        assert_eq!(found.len(), 5, "{found:#?}");
    }

    #[test]
    fn placeholders_allow_inner_spaces() {
        let found = messages(
            DocumentKind::CreateDistributionConfiguration,
            json!({"name": "dist", "distributions": [{"region": "us-east-1",
                "amiDistributionConfiguration": {"name": "My {{ imagebuilder:buildVersion }} at {{imagebuilder:buildDate}}"}}]}),
        );
        assert!(found.is_empty(), "{found:?}");
    }

    #[test]
    fn policy_launch_template_selectors() {
        let found = messages(
            DocumentKind::Policy,
            json!({"rules": [{"name": "r", "launchTemplates": [
                {"launchTemplateId": "lt-0123456789abcdef0", "launchTemplateName": "web"},
                {"launchTemplateName": "web"},
                {"tag": {"key": "k", "value": "v"}, "region": "us-east-1"},
                {"launchTemplateName": "web", "region": "us-east-1", "regions": ["*"]}
            ], "ssmParameters": [{"name": "/x/{{imagebuilder:date}}"}]}, {"name": "r"}]}),
        );
        let has = |words: &str| {
            assert!(
                found.iter().any(|f| f.contains(words)),
                "{words:?} not in {found:#?}"
            )
        };
        has("`rules[0].launchTemplates[0]`: set exactly one of `launchTemplateId`, `launchTemplateName` and `tag` (found 2)");
        has("`rules[0].launchTemplates[1].region`: is required");
        has("`rules[0].launchTemplates[2].region`: a template found by `tag` takes `regions`");
        has(
            "`rules[0].launchTemplates[3].regions`: only a template found by `tag` takes `regions`",
        );
        has("`rules[0].ssmParameters[0].name`: unknown parameter `{{imagebuilder:date}}`");
        has("`rules[1].name`: rule names must be distinct");
        assert_eq!(found.len(), 6, "{found:#?}");
    }
}
