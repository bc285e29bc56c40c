//! Field schemas and patterns shared by the documents amiflow checks (Image Builder API limits).

use serde_json::Value;

use crate::schema::violation::Violation;
use crate::schema::{Schema, Text};

// Patterns and limits from the Image Builder API reference.
pub const ACCOUNT_ID: &str = r"^[0-9]{12}$";
pub const LAUNCH_TEMPLATE_ID: &str = r"^lt-[a-z0-9-_]{17}$";
pub const LAUNCH_TEMPLATE_NAME: &str = r"^[a-zA-Z0-9().\-/_]+$";
pub const LICENSE_CONFIGURATION_ARN: &str =
    r"^arn:aws[^:]*:license-manager:[^:]+:[0-9]{12}:license-configuration:lic-[a-z0-9-_]{32}$";
pub const ORGANIZATION_ARN: &str =
    r"^arn:aws[^:]*:organizations::[0-9]{12}:organization/o-[a-z0-9]{10,32}$";
pub const ORGANIZATIONAL_UNIT_ARN: &str = r"^arn:aws[^:]*:organizations::[0-9]{12}:ou/o-[a-z0-9]{10,32}/ou-[a-z0-9]{4,32}-[a-z0-9]{8,32}$";
pub const AMI_NAME: &str = r"^[-_A-Za-z0-9{][-_A-Za-z0-9\s:{}\.]+[-_A-Za-z0-9}]$";
pub const RESOURCE_NAME: &str = r"^[-_A-Za-z-0-9][-_A-Za-z0-9 ]{1,126}[-_A-Za-z-0-9]$";
pub const TAG_KEY: &str = r"^(?!aws:)[a-zA-Z0-9\s_.:/=+\-@]*$";
/// `SsmParameterConfiguration.parameterName` (1 to 1011 characters).
pub const PARAMETER_NAME: &str = r"^[a-zA-Z0-9_.\-\/]+$";
pub const REGION: &str = r"^[a-z]{2}(-[a-z]+)+-[0-9]+$";
pub const REGION_OR_ALL: &str = r"^(\*|[a-z]{2}(-[a-z]+)+-[0-9]+)$";

pub const DATA_TYPES: &[&str] = &["text", "aws:ec2:image"];

pub static STRING: Schema = Schema::Text(Text::len(1, 1024));
pub static STRINGS: Schema = Schema::Array {
    items: &STRING,
    min: 1,
    max: 1024,
};
pub static ACCOUNT: Schema = Schema::Text(Text::pattern(12, 12, ACCOUNT_ID));
pub static ACCOUNTS: Schema = Schema::Array {
    items: &ACCOUNT,
    min: 1,
    max: 1536,
};
pub static BOOL: Schema = Schema::Bool;
pub static POSITIVE: Schema = Schema::Integer {
    min: 1,
    max: i32::MAX as i64,
};
/// The longest tag key and tag value Image Builder takes.
pub const MAX_TAG_KEY: usize = 128;
pub const MAX_TAG_VALUE: usize = 256;
/// Tag maps (`tags`, `amiTags`, DistributeImage `tags`): 50 entries, keys 1..128 not `aws:`, values up to 256.
pub static TAGS: Schema = Schema::Map {
    key: Text::pattern(1, MAX_TAG_KEY, r"^[a-zA-Z0-9\s_.:/=+\-@]*$"),
    value: Text::len(0, MAX_TAG_VALUE),
    max: 50,
};
pub static CLIENT_TOKEN: Schema = Schema::Text(Text::len(1, 64));
pub static DESCRIPTION: Schema = Schema::Text(Text::len(1, 1024));

/// The `aws:` prefix is reserved for AWS; regex-lite has no look-ahead, so it is checked here.
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

/// `arn:<partition>:imagebuilder:<region>:<account>:distribution-configuration/<name>`.
pub static DISTRIBUTION_CONFIGURATION_ARN: Schema = Schema::Text(Text::pattern(
    1,
    1024,
    crate::input::arn::DISTRIBUTION_CONFIGURATION_ARN_PATTERN,
));

/// A launch template named by id or by name, as the Image Builder and EC2 APIs take them.
pub static LAUNCH_TEMPLATE_ID_FIELD: Schema =
    Schema::Text(Text::pattern(20, 20, LAUNCH_TEMPLATE_ID));
pub static LAUNCH_TEMPLATE_NAME_FIELD: Schema =
    Schema::Text(Text::pattern(3, 128, LAUNCH_TEMPLATE_NAME));

#[cfg(test)]
mod tests {
    use super::*;
    use crate::input::arn::{
        DISTRIBUTION_CONFIGURATION_ARN_PATTERN, EXECUTION_ROLE_PATTERN,
        IMAGE_BUILD_VERSION_ARN_PATTERN, IMAGE_PIPELINE_ARN_PATTERN,
    };
    use crate::policy::accounts::{ROOT_ID_PATTERN, UNIT_ID_PATTERN};
    use crate::schema::matches;

    /// The patterns are written as the Image Builder API reference writes them; each must compile
    /// and read the same in regex-lite: `-` and `_` after a range are literals, `\s` is ASCII.
    #[test]
    fn every_pattern_reads_as_the_api_reference_means_it() {
        let cases: &[(&'static str, &[&str], &[&str])] = &[
            (ACCOUNT_ID, &["123456789012"], &["12345678901", "12345678901a"]),
            (LAUNCH_TEMPLATE_ID, &["lt-0123456789abcdef0", "lt-0123456789abc-_f0"], &["lt-0123456789ABCDEF0"]),
            (LAUNCH_TEMPLATE_NAME, &["web(1).a-b/c_d"], &["web server"]),
            (
                LICENSE_CONFIGURATION_ARN,
                &["arn:aws:license-manager:us-east-1:123456789012:license-configuration:lic-0123456789abcdef0123456789abcdef"],
                &["arn:aws:license-manager:us-east-1:123456789012:license-configuration:lic-0123"],
            ),
            (ORGANIZATION_ARN, &["arn:aws:organizations::123456789012:organization/o-abcdef0123"], &["arn:aws:organizations::123456789012:organization/o-abc"]),
            (
                ORGANIZATIONAL_UNIT_ARN,
                &["arn:aws:organizations::123456789012:ou/o-abcdef0123/ou-ab12-cdefgh34"],
                &["arn:aws:organizations::123456789012:ou/o-abcdef0123/ou-AB12-cdefgh34"],
            ),
            (AMI_NAME, &["web {{ imagebuilder:buildDate }}", "web\tami-1.2"], &["web\u{3000}ami", "web#ami", "-"]),
            (RESOURCE_NAME, &["web-server_1 a", "-a-"], &["ab", "web.server"]),
            (PARAMETER_NAME, &["/amiflow/web/latest"], &["/amiflow/web latest"]),
            (REGION, &["us-east-1", "us-gov-west-1"], &["US-east-1", "*"]),
            (REGION_OR_ALL, &["*", "eu-west-3"], &["**", "eu-west"]),
            (UNIT_ID_PATTERN, &["ou-ab12-cdefgh34"], &["ou-ab-cdefgh34"]),
            (ROOT_ID_PATTERN, &["r-ab12"], &["r-AB12"]),
            (
                IMAGE_BUILD_VERSION_ARN_PATTERN,
                &["arn:aws:imagebuilder:us-east-1:123456789012:image/web-ami_1/1.0.2/3", "arn:aws-cn:imagebuilder:cn-north-1:aws:image/web/1.0.0/1"],
                &["arn:aws:imagebuilder:us-east-1:123456789012:image/web/1.0.2", "arn:aws:imagebuilder:us-east-1:123456789012:image/Web/1.0.2/3"],
            ),
            (
                DISTRIBUTION_CONFIGURATION_ARN_PATTERN,
                &["arn:aws:imagebuilder:us-east-1:123456789012:distribution-configuration/web-dist"],
                &["arn:aws:imagebuilder:us-east-1:123456789012:distribution-configuration/"],
            ),
            (EXECUTION_ROLE_PATTERN, &["amiflow-distribute", "arn:aws:iam::123456789012:role/path/amiflow"], &["amiflow distribute"]),
            (
                IMAGE_PIPELINE_ARN_PATTERN,
                &["arn:aws:imagebuilder:us-east-1:123456789012:image-pipeline/web-pipeline"],
                &["arn:aws:imagebuilder:us-east-1:123456789012:image/web/1.0.0/1"],
            ),
        ];
        for (pattern, good, bad) in cases {
            for text in *good {
                assert!(matches(pattern, text), "{pattern} should match {text:?}");
            }
            for text in *bad {
                assert!(
                    !matches(pattern, text),
                    "{pattern} should not match {text:?}"
                );
            }
        }
    }
}
