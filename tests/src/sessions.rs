//! What a function asks STS for in a target account, and how a refusal reads: the front records
//! every AssumeRole (session name, session policy), and refuses the roles of `REFUSED_ACCOUNT`
//! with AccessDenied, as STS does when a role does not trust the caller.

use amiflow_common::executor::Executor;
use amiflow_common::pipeline::Pipeline;
use amiflow_model::report::action::Outcome;
use amiflow_model::report::detail::{Detail, Failure, Unreachable};
use amiflow_model::report::Report;

use crate::function::Function;
use crate::{env, event_json, image_json, unique, TARGET_ACCOUNT};

/// An account whose target role does not trust the functions: the front refuses it from the
/// start of every test binary.
pub const REFUSED_ACCOUNT: &str = "999999999999";

/// An image with AMIs in `TARGET_ACCOUNT` and `REFUSED_ACCOUNT` (us-east-1 and us-west-2): its
/// ARN. Only the target account's AMIs are registered in moto: the refused one is never reached.
fn refusing_scenario(name: &str) -> String {
    let amis = [
        ("us-east-1", TARGET_ACCOUNT),
        ("us-east-1", REFUSED_ACCOUNT),
        ("us-west-2", TARGET_ACCOUNT),
        ("us-west-2", REFUSED_ACCOUNT),
    ];
    let registered = [amis[0], amis[2]];
    let arn = crate::publish(name, "1.0.0/1", &registered);
    env().front.put_image(image_json(name, "1.0.0/1", &amis));
    arn
}

/// Runs a function over a target account and a refusing one (`policy` is given the image's name
/// and the two accounts): checks the refusal fails that account by name ([`assert_refused`]), and
/// the target account was assumed as `session` allowing exactly `actions` ([`assert_assumed_as`]).
pub async fn assert_narrow_session_and_named_refusal<E: Executor>(
    policy: impl FnOnce(&str, [&str; 2]) -> serde_json::Value,
    executor: impl FnOnce(&Pipeline) -> E,
    session: &str,
    actions: &[&str],
) {
    let name = unique(session);
    let arn = refusing_scenario(&name);
    let policy = policy(&name, [TARGET_ACCOUNT, REFUSED_ACCOUNT]);
    let app = Function::new(policy, false, Some("AmiflowTarget"), executor).await;
    let answer = app.invoke(event_json(&arn, "AVAILABLE")).await;
    let error = answer.expect_err("the refused account's targets fail");
    assert_refused(error.report().expect("a report"), session);
    assert_assumed_as(TARGET_ACCOUNT, session, actions);
}

/// A policy that keeps the launch templates tagged `amiflow:image = <name>` in `accounts`, in
/// us-east-1 and us-west-2: the plan of the functions that act on launch templates.
pub fn templates_tagged_in(name: &str, accounts: [&str; 2]) -> serde_json::Value {
    let tag = serde_json::json!({"key": "amiflow:image", "value": name});
    let regions = ["us-east-1", "us-west-2"];
    let selector = serde_json::json!({"tag": tag, "regions": regions, "accounts": accounts});
    serde_json::json!({"rules": [{"name": "r", "launchTemplates": [selector]}]})
}

/// The AssumeRole requests of `session` into `account`, as the front saw them.
pub fn assumed(account: &str, session: &str) -> Vec<serde_json::Value> {
    env()
        .front
        .requests("sts", "AssumeRole", &format!(":{account}:role/"))
        .into_iter()
        .map(|r| r.body)
        .filter(|body| body["RoleSessionName"] == session)
        .collect()
}

/// Checks the refused account's targets (one per Region) failed, naming the role, the account
/// and what would allow it, after one AssumeRole for that account, not one per Region.
fn assert_refused(report: &Report, session: &str) {
    let refused: Vec<_> = report
        .actions
        .iter()
        .filter(|a| a.account_id == REFUSED_ACCOUNT)
        .collect();
    assert_eq!(refused.len(), 2, "one target per Region: {report:#?}");
    for action in refused {
        assert_eq!(action.outcome(), Outcome::Failed);
        let Detail::Failed(Failure::Unreachable(Unreachable::Refused {
            account,
            role_arn,
            message,
        })) = &action.detail
        else {
            panic!("a refusal, not {:?}", action.detail)
        };
        assert_eq!(account, REFUSED_ACCOUNT);
        assert_eq!(role_arn, "arn:aws:iam::999999999999:role/AmiflowTarget");
        assert!(message.contains("AccessDenied"), "{message}");
        let text = action.detail.to_string();
        for words in ["TargetAccountIds", "target-account-role.yaml"] {
            assert!(text.contains(words), "{words:?} not in {text}");
        }
    }
    assert_eq!(
        assumed(REFUSED_ACCOUNT, session).len(),
        1,
        "a refusal is asked once per account"
    );
}

/// Checks what a function asked STS for when it assumed the target role in `account`: its own
/// session name, and a session policy that allows exactly `actions`.
fn assert_assumed_as(account: &str, session: &str, actions: &[&str]) {
    let requests = assumed(account, session);
    let request = requests
        .first()
        .unwrap_or_else(|| panic!("no AssumeRole of {session} into {account}"));
    let policy: serde_json::Value =
        serde_json::from_str(request["Policy"].as_str().expect("a session policy")).expect("JSON");
    let mut allowed: Vec<String> = policy["Statement"]
        .as_array()
        .expect("statements")
        .iter()
        .flat_map(|s| s["Action"].as_array().cloned().unwrap_or_default())
        .filter_map(|a| a.as_str().map(str::to_string))
        .collect();
    allowed.sort_unstable();
    let mut expected: Vec<String> = actions.iter().map(|a| a.to_string()).collect();
    expected.sort_unstable();
    assert_eq!(
        allowed, expected,
        "the session policy allows only this function's calls"
    );
}
