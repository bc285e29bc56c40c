//! Image Builder distribution configuration CLI inputs (create / update): their schemas and
//! the cross-field rules the API documents.

use serde_json::Value;

use amiflow_model::policy::placeholder::check_placeholders;
use amiflow_model::schema::fields::*;
use amiflow_model::schema::violation::{child, distinct, index, Violation};
use amiflow_model::schema::{Field, Schema, Text};

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
    Field::required("launchTemplateId", &LAUNCH_TEMPLATE_ID_FIELD),
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
            Field::optional("launchTemplateId", &LAUNCH_TEMPLATE_ID_FIELD),
            Field::optional("launchTemplateName", &LAUNCH_TEMPLATE_NAME_FIELD),
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

pub fn distribution_rules(doc: &Value, out: &mut Vec<Violation>) {
    let Some(Value::Array(distributions)) = doc.get("distributions") else {
        return;
    };
    distinct(distributions, "region", "distributions", "Regions", out);
    for (i, dist) in distributions.iter().enumerate() {
        let path = index("distributions", i);
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

#[cfg(test)]
mod tests {
    use crate::documents::test_support::{assert_has, messages};
    use crate::documents::DocumentKind;
    use serde_json::json;

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
        let has = |words: &str| assert_has(&found, words);
        has("`distributions[1].region`: Regions must be distinct: \"us-west-2\" is also distributions[0]");
        has("unknown parameter `{{imagebuilder:buildTime}}`");
        has("`distributions[0].fastLaunchConfigurations[0].launchTemplate`: set exactly one of");
        has("EC2 Fast Launch cannot be pre-enabled on a cross-account distribution");
        has("`tags key \"aws:owner\"`: tag keys may not start with `aws:`");
        assert_eq!(found.len(), 5, "{found:#?}");
    }

    #[test]
    fn ssm_parameter_names_follow_the_api_pattern() {
        let found = messages(
            DocumentKind::CreateDistributionConfiguration,
            json!({"name": "dist", "distributions": [{"region": "us-east-1", "ssmParameterConfigurations": [
                {"parameterName": "/golden/al2023/latest"},
                {"parameterName": "/golden/Golden AL2023/latest"},
                {"parameterName": format!("/{}", "x".repeat(1011))}
            ]}]}),
        );
        let path = "`distributions[0].ssmParameterConfigurations";
        assert_has(&found, &format!("{path}[1].parameterName`: must match ^[a-zA-Z0-9_.\\-\\/]+$, got \"/golden/Golden AL2023/latest\""));
        assert_has(
            &found,
            &format!("{path}[2].parameterName`: length must be 1 to 1011 characters, is 1012"),
        );
        assert_eq!(found.len(), 2, "{found:#?}");
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
}
