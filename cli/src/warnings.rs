//! Advice on a valid policy, for `amiflow validate`. A rule matches on an image-name glob or on
//! tags, both chosen by whoever builds the image; only `match.pipelineArn` ties a rule to one
//! pipeline. A rule that reaches launch templates or other accounts without it can be set off by
//! anyone who can build an image in the account.

use amiflow_model::policy::accounts::Accounts;
use amiflow_model::policy::{Match, Policy, Rule};

/// One warning per rule that writes to launch templates or to other accounts and matches no
/// `pipelineArn`, each saying why.
pub fn policy_warnings(policy: &Policy) -> Vec<String> {
    policy
        .rules
        .iter()
        .enumerate()
        .filter_map(|(i, rule)| rule_warning(i, rule))
        .collect()
}

fn rule_warning(i: usize, rule: &Rule) -> Option<String> {
    let matcher = rule.matcher.as_ref();
    if matcher.is_some_and(|m| m.pipeline_arn.is_some()) {
        return None;
    }
    let mut writes = Vec::new();
    if !rule.launch_templates.is_empty() {
        writes.push("launch templates");
    }
    if writes_other_accounts(rule) {
        writes.push("other accounts");
    }
    if writes.is_empty() {
        return None;
    }
    Some(format!(
        "rules[{i}] ({}) writes to {} but matches no pipelineArn: anyone who can build {} in this \
         account{} can move these targets (image names and tags are chosen by whoever builds the \
         image); add match.pipelineArn for production rules",
        rule.name,
        writes.join(" and to "),
        builds(matcher),
        matcher
            .and_then(|m| m.image_name.as_deref())
            .and_then(example_name)
            .map(|name| format!(" (say {name})"))
            .unwrap_or_default(),
    ))
}

/// `accounts` with more than one entry or one that names many accounts (`*`, an organizational
/// unit, the root), or an `accountId`: the home account cannot be known here, so these may reach
/// other accounts.
fn writes_other_accounts(rule: &Rule) -> bool {
    let several = |accounts: &Option<Vec<String>>| {
        accounts.as_ref().is_some_and(|list| {
            list.len() > 1
                || list
                    .iter()
                    .any(|a| !matches!(Accounts::of(a), Accounts::One(_)))
        })
    };
    rule.ssm_parameters.iter().any(|p| several(&p.accounts))
        || rule
            .launch_templates
            .iter()
            .any(|t| several(&t.accounts) || t.account_id.is_some())
}

/// The images that match: "an image named golden-* tagged Stage=dev", or "any image".
fn builds(matcher: Option<&Match>) -> String {
    let mut text = match matcher.and_then(|m| m.image_name.as_deref()) {
        Some(glob) => format!("an image named {glob}"),
        None => "any image".to_string(),
    };
    if let Some(tags) = matcher.map(|m| &m.tags).filter(|t| !t.is_empty()) {
        let shown: Vec<String> = tags.iter().map(|(k, v)| format!("{k}={v}")).collect();
        text.push_str(&format!(" tagged {}", shown.join(", ")));
    }
    text
}

/// A name the glob matches that its author likely did not mean: each `*` as `experiment`.
fn example_name(glob: &str) -> Option<String> {
    if !glob.contains('*') {
        return None;
    }
    let mut out = String::new();
    for c in glob.chars() {
        if c != '*' {
            out.push(c);
            continue;
        }
        if out
            .chars()
            .last()
            .is_some_and(|p| p.is_ascii_alphanumeric())
        {
            out.push('-');
        }
        out.push_str("experiment");
    }
    Some(out)
}

#[cfg(test)]
mod tests {
    use super::*;
    use serde_json::json;

    fn warnings(policy: serde_json::Value) -> Vec<String> {
        policy_warnings(&Policy::from_value(&policy).unwrap())
    }

    #[test]
    fn rules_that_reach_templates_or_other_accounts_without_a_pipeline_are_named_with_why() {
        let found = warnings(json!({"rules": [
            {"name": "golden", "match": {"imageName": "golden-al2023*"},
             "launchTemplates": [{"launchTemplateName": "web", "region": "us-east-1"}]},
            {"name": "shared", "match": {"tags": {"Stage": "dev"}},
             "ssmParameters": [{"name": "/p", "accounts": ["*"]}]},
            {"name": "both", "launchTemplates": [{"launchTemplateId": "lt-0123456789abcdef0", "region": "us-east-1", "accountId": "123456789012"}]}
        ]}));
        assert_eq!(found.len(), 3, "{found:#?}");
        assert_eq!(
            found[0],
            "rules[0] (golden) writes to launch templates but matches no pipelineArn: anyone who can \
             build an image named golden-al2023* in this account (say golden-al2023-experiment) can \
             move these targets (image names and tags are chosen by whoever builds the image); add \
             match.pipelineArn for production rules"
        );
        assert!(
            found[1].starts_with("rules[1] (shared) writes to other accounts but matches no pipelineArn: anyone who can build any image tagged Stage=dev in this account can"),
            "{}",
            found[1]
        );
        assert!(
            found[2].starts_with(
                "rules[2] (both) writes to launch templates and to other accounts but"
            ),
            "{}",
            found[2]
        );
    }

    #[test]
    fn pipeline_bound_or_home_only_rules_are_fine() {
        let pipeline = "arn:aws:imagebuilder:us-east-1:123456789012:image-pipeline/golden";
        assert!(warnings(json!({"rules": [
            {"name": "pinned", "match": {"imageName": "golden*", "pipelineArn": pipeline},
             "launchTemplates": [{"tag": {"key": "k", "value": "v"}, "accounts": ["*"]}]},
            {"name": "home", "ssmParameters": [{"name": "/p", "regions": ["*"], "accounts": ["123456789012"]}],
             "distribute": []}
        ]}))
        .is_empty());
        assert_eq!(
            example_name("*-al2023-*").as_deref(),
            Some("experiment-al2023-experiment")
        );
        assert_eq!(example_name("golden"), None);
    }
}
