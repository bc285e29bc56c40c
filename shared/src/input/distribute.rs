//! Direct DistributeImage requests (`cargo lambda invoke`, backfills) and the checks every
//! DistributeImage call passes before it is sent, with DistributeImage's documented constraints.

use std::collections::BTreeMap;

use serde::Deserialize;
use serde_json::Value;

use super::arn::{arn_region, DISTRIBUTION_CONFIGURATION_ARN_PATTERN, EXECUTION_ROLE_PATTERN};
use crate::decide::tags::SOURCE_IMAGE_TAG;
use crate::error::InputError;
use crate::plan::distribute::distribute_call;
use crate::plan::target::{DistributeCall, Origin};
use crate::plan::token::client_token;
use crate::policy::schema::DISTRIBUTE_ENTRY;
use crate::policy::Policy;
use crate::schema::fields::{check_tag_keys, MAX_TAG_VALUE, TAGS};
use crate::schema::violation::Violation;
use crate::schema::{check, Field, Schema, Text};

/// DistributeImage accepts at most 50 tags; amiflow adds its own loop-guard tag to yours.
pub const MAX_TAGS: usize = 50;

static DIRECT_REQUEST: Schema = Schema::Object(&[
    Field::required("sourceImage", &Schema::Text(Text::len(1, 1024))),
    Field::required(
        "distributionConfigurationArn",
        &Schema::Text(Text::pattern(
            1,
            1024,
            DISTRIBUTION_CONFIGURATION_ARN_PATTERN,
        )),
    ),
    Field::required(
        "executionRole",
        &Schema::Text(Text::pattern(1, 2048, EXECUTION_ROLE_PATTERN)),
    ),
    Field::optional("tags", &TAGS),
    Field::optional("clientToken", &Schema::Text(Text::len(1, 64))),
]);

#[derive(Debug, Clone, PartialEq, Eq, Deserialize)]
#[serde(rename_all = "camelCase")]
struct DirectRequest {
    source_image: String,
    distribution_configuration_arn: String,
    execution_role: String,
    #[serde(default)]
    tags: BTreeMap<String, String>,
    #[serde(default)]
    client_token: Option<String>,
}

/// Is `input` a direct DistributeImage request (rather than an event or `{"imageBuildVersionArn"}`)?
pub(crate) fn is_direct_distribution(input: &Value) -> bool {
    input.as_object().is_some_and(|m| {
        m.contains_key("sourceImage")
            || m.contains_key("distributionConfigurationArn")
            || m.contains_key("executionRole")
    })
}

/// Validates a direct request's shape and turns it into the call to make. Without a client
/// token, one is derived from every field of the request, so the same request twice is one
/// distribution. Where it may run (`check_call`) is the executor's to decide.
pub(crate) fn direct_distribution(input: &Value) -> Result<DistributeCall, InputError> {
    let mut violations = Vec::new();
    check(input, &DIRECT_REQUEST, "", &mut violations);
    check_tag_keys(input.get("tags"), "tags", &mut violations);
    if !violations.is_empty() {
        return Err(violations.into());
    }
    let request: DirectRequest = serde_json::from_value(input.clone())
        .map_err(|e| InputError::new("input", format!("is not a DistributeImage request: {e}")))?;
    let token = request.client_token.clone().unwrap_or_else(|| {
        let tags = serde_json::to_string(&request.tags).unwrap_or_default();
        client_token(&[
            "direct",
            &request.source_image,
            &request.distribution_configuration_arn,
            &request.execution_role,
            &tags,
        ])
    });
    Ok(distribute_call(
        &request.source_image,
        &request.distribution_configuration_arn,
        &request.execution_role,
        &request.tags,
        token,
        Origin::DirectRequest,
    ))
}

/// A role as Image Builder reads `executionRole`: an ARN, or a name in the caller's account.
fn role_identity<'a>(role: &'a str, home_account: &'a str) -> (&'a str, &'a str) {
    match role.strip_prefix("arn:") {
        Some(rest) => {
            let account = rest.split(':').nth(3).unwrap_or_default();
            let name = rest.rsplit('/').next().unwrap_or_default();
            (account, name)
        }
        None => (home_account, role.rsplit('/').next().unwrap_or(role)),
    }
}

/// Holds a direct request to the policy: only a (configuration, role) pair that a `distribute`
/// entry names may be sent, whoever may invoke the function. The role may be given as a name
/// or an ARN on either side.
pub fn allowed_by_policy(call: &DistributeCall, policy: &Policy) -> Result<(), InputError> {
    let configuration = &call.distribution_configuration_arn;
    let home = configuration.split(':').nth(4).unwrap_or_default();
    let wanted = role_identity(&call.execution_role, home);
    let mut for_configuration = Vec::new();
    for (i, rule) in policy.rules.iter().enumerate() {
        for (k, entry) in rule.distribute.iter().enumerate() {
            if &entry.distribution_configuration_arn != configuration {
                continue;
            }
            if role_identity(&entry.execution_role, home) == wanted {
                return Ok(());
            }
            for_configuration.push(format!(
                "rules[{i}].distribute[{k}] ({:?}) with executionRole {}",
                rule.name, entry.execution_role
            ));
        }
    }
    let allowed = match for_configuration.is_empty() {
        true => "no distribute entry of the policy names this configuration".to_string(),
        false => format!(
            "the policy allows it only as {}",
            for_configuration.join(", ")
        ),
    };
    Err(InputError::new(
        "distributionConfigurationArn",
        format!(
            "a direct request may distribute only through a (distributionConfigurationArn, executionRole) \
             pair that a distribute entry of the policy names: {configuration} with {} is not one; {allowed}",
            call.execution_role
        ),
    ))
}

/// Checks a planned call against DistributeImage's constraints, every tag it carries (the tag
/// limit counting amiflow's own tag), and the rule that the configuration is in this operation's
/// Region.
pub fn check_call(call: &DistributeCall, home_region: &str) -> Vec<Violation> {
    let mut out = Vec::new();
    let entry = serde_json::json!({
        "distributionConfigurationArn": call.distribution_configuration_arn,
        "executionRole": call.execution_role,
    });
    check(&entry, &DISTRIBUTE_ENTRY, "", &mut out);
    let own: Vec<&String> = call
        .tags
        .keys()
        .filter(|k| k.as_str() != SOURCE_IMAGE_TAG)
        .collect();
    if call.tags.len() > MAX_TAGS {
        out.push(Violation::new(
            "tags",
            format!(
                "DistributeImage takes at most {MAX_TAGS} tags and amiflow adds {SOURCE_IMAGE_TAG}: give at most {}, got {}",
                MAX_TAGS - 1,
                own.len()
            ),
        ));
    }
    check_tags(call, &mut out);
    if call.source_image.is_empty() || call.source_image.chars().count() > 1024 {
        out.push(Violation::new(
            "sourceImage",
            "length must be 1 to 1024 characters",
        ));
    }
    if call.client_token.is_empty() || call.client_token.chars().count() > 64 {
        out.push(Violation::new(
            "clientToken",
            "length must be 1 to 64 characters",
        ));
    }
    if let Some(region) = arn_region(&call.distribution_configuration_arn) {
        if region != home_region {
            out.push(Violation::new(
                "distributionConfigurationArn",
                format!(
                    "the distribution configuration must be in the same Region as this operation: it is in {region}, this function runs in {home_region}"
                ),
            ));
        }
    }
    out
}

/// DistributeImage's rules for each tag: the given ones as given, and the loop guard, whose value
/// is the source image (up to 1,024 characters in a direct request, such as an `ssm:` path).
fn check_tags(call: &DistributeCall, out: &mut Vec<Violation>) {
    let given: serde_json::Map<String, Value> = call
        .tags
        .iter()
        .filter(|(k, _)| k.as_str() != SOURCE_IMAGE_TAG)
        .map(|(k, v)| (k.clone(), Value::String(v.clone())))
        .collect();
    let given = Value::Object(given);
    check(&given, &TAGS, "tags", out);
    check_tag_keys(Some(&given), "tags", out);
    let length = call
        .tags
        .get(SOURCE_IMAGE_TAG)
        .map_or(0, |source| source.chars().count());
    if length > MAX_TAG_VALUE {
        out.push(Violation::new(
            "sourceImage",
            format!(
                "is {length} characters, and amiflow tags the distributed image with \
                 {SOURCE_IMAGE_TAG}=<sourceImage>, whose value DistributeImage limits to \
                 {MAX_TAG_VALUE} characters: give a source image of at most {MAX_TAG_VALUE} characters"
            ),
        ));
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use serde_json::json;

    const CONFIG: &str =
        "arn:aws:imagebuilder:us-east-1:123456789012:distribution-configuration/prod";

    fn request(extra: Value) -> Value {
        let mut base = json!({"sourceImage": "ami-0123456789abcdef0", "distributionConfigurationArn": CONFIG, "executionRole": "DistributionRole"});
        for (k, v) in extra.as_object().unwrap() {
            base[k] = v.clone();
        }
        base
    }

    /// A direct request as distribute-image sees it: shape, then the call's own checks.
    fn direct_call(input: &Value, home_region: &str) -> Result<DistributeCall, InputError> {
        let call = direct_distribution(input)?;
        let problems = check_call(&call, home_region);
        if problems.is_empty() {
            Ok(call)
        } else {
            Err(problems.into())
        }
    }

    fn errors(input: Value) -> String {
        direct_call(&input, "us-east-1").unwrap_err().to_string()
    }

    #[test]
    fn derives_a_stable_token_and_adds_the_loop_guard_tag() {
        let a = direct_call(&request(json!({"tags": {"Stage": "prod"}})), "us-east-1").unwrap();
        let b = direct_call(&request(json!({"tags": {"Stage": "prod"}})), "us-east-1").unwrap();
        assert_eq!(a.client_token, b.client_token);
        let c = direct_call(&request(json!({"tags": {"Stage": "test"}})), "us-east-1").unwrap();
        assert_ne!(a.client_token, c.client_token);
        assert_eq!(
            a.tags.get(SOURCE_IMAGE_TAG).map(String::as_str),
            Some("ami-0123456789abcdef0")
        );
        let given = direct_call(&request(json!({"clientToken": "mine"})), "us-east-1").unwrap();
        assert_eq!(given.client_token, "mine");
    }

    #[test]
    fn rejects_each_rule_with_its_field() {
        assert!(errors(request(json!({"distributionConfigurationArn": "arn:aws:imagebuilder:eu-west-1:123456789012:distribution-configuration/prod"})))
            .contains("must be in the same Region as this operation: it is in eu-west-1"));
        assert!(errors(request(json!({"tags": {"aws:owner": "x"}})))
            .contains("tag keys may not start with `aws:`"));
        let many: serde_json::Map<String, Value> =
            (0..51).map(|i| (format!("k{i}"), json!("v"))).collect();
        assert!(errors(request(json!({"tags": many})))
            .contains("`tags`: must have at most 50 entries, has 51"));
        let fifty: serde_json::Map<String, Value> =
            (0..50).map(|i| (format!("k{i}"), json!("v"))).collect();
        assert!(errors(request(json!({"tags": fifty}))).contains("give at most 49, got 50"));
        assert!(errors(request(
            json!({"executionRole": "arn:aws:iam::12:role/x y"})
        ))
        .contains("`executionRole`: must match"));
        assert!(errors(request(json!({"clientToken": "x".repeat(65)})))
            .contains("`clientToken`: length must be 1 to 64"));
        assert!(errors(request(json!({"sourceImage": ""})))
            .contains("`sourceImage`: length must be 1 to 1024"));
        assert!(errors(json!({"sourceImage": "ami-1"}))
            .contains("`distributionConfigurationArn`: is required"));
        assert!(errors(request(json!({"tag": {}}))).contains("did you mean `tags`?"));
    }

    #[test]
    fn the_loop_guard_tag_value_is_limited_like_every_tag() {
        let path = format!("ssm:/{}", "p".repeat(251));
        assert!(direct_call(&request(json!({"sourceImage": path})), "us-east-1").is_ok());
        let long = format!("ssm:/{}", "p".repeat(252));
        let text = errors(request(json!({"sourceImage": long})));
        assert!(
            text.contains("`sourceImage`: is 257 characters, and amiflow tags the distributed image with amiflow:source-image=<sourceImage>, whose value DistributeImage limits to 256 characters"),
            "{text}"
        );
        // A planned call's given tags are checked too, not only a direct request's shape.
        let mut tags = BTreeMap::new();
        tags.insert("k".repeat(129), "v".repeat(257));
        let call = distribute_call(
            "ami-1",
            CONFIG,
            "Role",
            &tags,
            "t".into(),
            Origin::DirectRequest,
        );
        let found: Vec<String> = check_call(&call, "us-east-1")
            .iter()
            .map(ToString::to_string)
            .collect();
        assert_eq!(found.len(), 2, "{found:#?}");
        assert!(
            found[0].contains("length must be 1 to 128 characters, is 129"),
            "{found:#?}"
        );
        assert!(
            found[1].contains("length must be 0 to 256 characters, is 257"),
            "{found:#?}"
        );
    }

    #[test]
    fn recognizes_direct_requests() {
        assert!(is_direct_distribution(&request(json!({}))));
        assert!(!is_direct_distribution(
            &json!({"imageBuildVersionArn": "x"})
        ));
        assert!(!is_direct_distribution(
            &json!({"source": "aws.imagebuilder"})
        ));
    }

    #[test]
    fn a_direct_request_needs_a_policy_entry_with_the_same_role() {
        let policy = Policy::from_value(&json!({"rules": [{"name": "promote", "distribute": [
            {"distributionConfigurationArn": CONFIG, "executionRole": "DistributionRole"}
        ]}]}))
        .unwrap();
        let call = |role: &str, config: &str| {
            direct_distribution(&request(
                json!({"executionRole": role, "distributionConfigurationArn": config}),
            ))
            .unwrap()
        };
        assert!(allowed_by_policy(&call("DistributionRole", CONFIG), &policy).is_ok());
        let arn = "arn:aws:iam::123456789012:role/DistributionRole";
        assert!(
            allowed_by_policy(&call(arn, CONFIG), &policy).is_ok(),
            "name and ARN are one role"
        );
        let other_account = "arn:aws:iam::210987654321:role/DistributionRole";
        let refused = allowed_by_policy(&call(other_account, CONFIG), &policy)
            .unwrap_err()
            .to_string();
        assert!(
            refused.contains(
                "rules[0].distribute[0] (\"promote\") with executionRole DistributionRole"
            ),
            "{refused}"
        );
        let elsewhere = CONFIG.replace("prod", "outside");
        let refused = allowed_by_policy(&call("DistributionRole", &elsewhere), &policy)
            .unwrap_err()
            .to_string();
        assert!(
            refused.contains("no distribute entry of the policy names this configuration"),
            "{refused}"
        );
        assert!(refused.contains(&elsewhere), "{refused}");
    }
}
