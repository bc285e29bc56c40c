//! The reconcile request (`{"reconcile": true}`): apply the newest build of every image the
//! policy's rules match, as its event would be applied, so that a missed event, a target added to
//! the policy or a value moved back by hand is put right.

use serde_json::Value;

use crate::error::InputError;
use crate::plan::scope::Scope;
use crate::policy::Policy;
use crate::schema::fields::{ACCOUNTS, BOOL};
use crate::schema::violation::Violation;
use crate::schema::{check, quoted, Field, Schema, Text};

static RULE_NAMES: Schema = Schema::Array {
    items: &Schema::Text(Text::len(1, 128)),
    min: 1,
    max: 1000,
};

static RECONCILE: Schema = Schema::Object(&[
    Field::required("reconcile", &BOOL),
    Field::optional("rules", &RULE_NAMES),
    Field::optional("accounts", &ACCOUNTS),
    Field::optional("dryRun", &BOOL),
]);

/// A reconcile request: which rules and accounts it covers, and whether it only plans.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct ReconcileRequest {
    /// The rules (`rules`; every rule, and the images' own distribution settings, by default)
    /// and the accounts (`accounts`: a new account's back-fill) it covers.
    pub scope: Scope,
    /// Plan and report, write nothing, whatever `AMIFLOW_DRY_RUN` says: the drift report.
    pub dry_run: bool,
}

impl ReconcileRequest {
    pub(super) fn parse(input: &Value) -> Result<Self, InputError> {
        let mut violations = Vec::new();
        check(input, &RECONCILE, "", &mut violations);
        // Not a boolean is the schema's to say; `false` is this.
        if input.get("reconcile") == Some(&Value::Bool(false)) {
            violations.push(Violation::new(
                "reconcile",
                "must be true: a reconcile request is {\"reconcile\": true}",
            ));
        }
        if !violations.is_empty() {
            return Err(violations.into());
        }
        let strings = |key: &str| -> Option<Vec<String>> {
            input.get(key).and_then(Value::as_array).map(|list| {
                list.iter()
                    .filter_map(Value::as_str)
                    .map(str::to_string)
                    .collect()
            })
        };
        Ok(Self {
            scope: Scope {
                rules: strings("rules"),
                accounts: strings("accounts"),
            },
            dry_run: input.get("dryRun") == Some(&Value::Bool(true)),
        })
    }

    /// Refuses rule names the policy does not have, naming each (and nothing is written).
    pub fn check_rules(&self, policy: &Policy) -> Result<(), InputError> {
        let known: Vec<&str> = policy.rules.iter().map(|r| r.name.as_str()).collect();
        let violations: Vec<Violation> = self
            .scope
            .rules
            .iter()
            .flatten()
            .enumerate()
            .filter(|(_, name)| !known.contains(&name.as_str()))
            .map(|(i, name)| {
                let names = match known.is_empty() {
                    true => "the policy has no rules".to_string(),
                    false => format!("the policy's rules are {}", quoted(&known)),
                };
                Violation::new(
                    format!("rules[{i}]"),
                    format!("no rule is named {name:?}: {names}"),
                )
            })
            .collect();
        match violations.is_empty() {
            true => Ok(()),
            false => Err(violations.into()),
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use serde_json::json;

    #[test]
    fn parses_scope_and_dry_run() {
        let request = ReconcileRequest::parse(&json!({"reconcile": true, "rules": ["golden"],
            "accounts": ["210987654321"], "dryRun": true}))
        .unwrap();
        let scope = &request.scope;
        assert_eq!(scope.rules.as_deref(), Some(&["golden".to_string()][..]));
        assert!(request.dry_run);
        assert!(scope.covers_account("210987654321") && !scope.covers_account("123456789012"));
        assert!(scope.covers_rule("golden") && !scope.covers_rule("silver"));
        assert!(!scope.covers_distribution_settings());
        let everything = ReconcileRequest::parse(&json!({"reconcile": true})).unwrap();
        assert_eq!(everything.scope, Scope::everything());
        assert!(!everything.dry_run);
    }

    #[test]
    fn a_reconcile_that_is_not_a_boolean_is_named_once() {
        let error = ReconcileRequest::parse(&json!({"reconcile": "yes"}))
            .unwrap_err()
            .to_string();
        assert_eq!(error.matches("`reconcile`").count(), 1, "{error}");
    }

    #[test]
    fn malformed_requests_name_the_field() {
        for (input, words) in [
            (json!({"reconcile": false}), "`reconcile`: must be true"),
            (
                json!({"reconcile": "yes"}),
                "`reconcile`: must be true or false",
            ),
            (
                json!({"reconcile": true, "accounts": ["12"]}),
                "`accounts[0]`",
            ),
            (
                json!({"reconcile": true, "rules": []}),
                "`rules`: must have 1 to 1000 items",
            ),
            (
                json!({"reconcile": true, "dryrun": true}),
                "did you mean `dryRun`?",
            ),
        ] {
            let err = ReconcileRequest::parse(&input).unwrap_err().to_string();
            assert!(err.contains(words), "{err} should say {words}");
        }
    }

    #[test]
    fn unknown_rule_names_are_refused_by_name() {
        let policy =
            Policy::parse(r#"{"rules": [{"name": "golden"}, {"name": "silver"}]}"#).unwrap();
        let request =
            ReconcileRequest::parse(&json!({"reconcile": true, "rules": ["golden", "bronze"]}))
                .unwrap();
        let err = request.check_rules(&policy).unwrap_err().to_string();
        assert_eq!(
            err,
            "`rules[1]`: no rule is named \"bronze\": the policy's rules are \"golden\", \"silver\""
        );
    }
}
