//! An STS stand-in for AssumeRole (query protocol, XML answers), for what moto cannot show: the
//! session name and session policy a function asks for, and a refusal (`AccessDenied`), as STS
//! gives it when the target role does not trust the caller. Tests point the SDK's STS endpoint at
//! it with `AWS_ENDPOINT_URL_STS`.

use std::collections::HashMap;
use std::sync::{Arc, Mutex};
use std::time::{Duration, SystemTime};

use axum::extract::State;
use axum::http::StatusCode;
use axum::routing::post;
use axum::{Form, Router};

#[derive(Clone)]
pub struct StsStandIn {
    pub url: String,
    refused: Arc<Vec<String>>,
    requests: Arc<Mutex<Vec<HashMap<String, String>>>>,
}

impl StsStandIn {
    /// Starts it and makes it this process's STS endpoint. AssumeRole into any of `refused`
    /// accounts is denied.
    pub fn start(refused: &[&str]) -> Result<Self, String> {
        let (listener, url) = crate::server::bind()?;
        let sts = StsStandIn {
            url,
            refused: Arc::new(refused.iter().map(|a| a.to_string()).collect()),
            requests: Arc::default(),
        };
        let router = Router::new()
            .route("/", post(assume_role))
            .with_state(sts.clone());
        crate::server::serve_in_background("sts-standin", listener, router)?;
        std::env::set_var("AWS_ENDPOINT_URL_STS", &sts.url);
        Ok(sts)
    }

    /// Every AssumeRole request's form fields, in order.
    pub fn requests(&self) -> Vec<HashMap<String, String>> {
        self.requests
            .lock()
            .unwrap_or_else(|p| p.into_inner())
            .clone()
    }
}

/// An account whose target role does not trust the functions.
pub const REFUSED_ACCOUNT: &str = "999999999999";

/// An image with AMIs in `TARGET_ACCOUNT` and `REFUSED_ACCOUNT` (us-east-1 and us-west-2), then
/// an STS that refuses `REFUSED_ACCOUNT`: the stand-in and the image's ARN. The image is
/// published first, since registering its AMIs assumes roles through moto's STS.
fn refusing_scenario(name: &str) -> (StsStandIn, String) {
    let amis = [
        ("us-east-1", crate::TARGET_ACCOUNT),
        ("us-east-1", REFUSED_ACCOUNT),
        ("us-west-2", crate::TARGET_ACCOUNT),
        ("us-west-2", REFUSED_ACCOUNT),
    ];
    let arn = crate::publish(name, "1.0.0/1", &amis);
    let sts = StsStandIn::start(&[REFUSED_ACCOUNT]).expect("STS stand-in");
    (sts, arn)
}

/// Runs a function over a target account and a refusing one (`policy` is given the image's name
/// and the two accounts): checks the refusal fails that account by name ([`assert_refused`]), and
/// the target account was assumed as `session` allowing exactly `actions` ([`assert_assumed_as`]).
pub async fn assert_narrow_session_and_named_refusal<E: amiflow_common::Executor>(
    policy: impl FnOnce(&str, [&str; 2]) -> serde_json::Value,
    executor: impl FnOnce(&amiflow_common::Pipeline) -> E,
    session: &str,
    actions: &[&str],
) {
    let name = crate::unique(session);
    let (sts, arn) = refusing_scenario(&name);
    let policy = policy(&name, [crate::TARGET_ACCOUNT, REFUSED_ACCOUNT]);
    let app = crate::Function::new(policy, false, Some("AmiflowTarget"), executor).await;
    let answer = app.invoke(crate::event_json(&arn, "AVAILABLE")).await;
    let error = answer.expect_err("the refused account's targets fail");
    assert_refused(&sts, error.report().expect("a report"));
    assert_assumed_as(&sts, crate::TARGET_ACCOUNT, session, actions);
}

/// Checks the refused account's targets (one per Region) failed, naming the role, the account
/// and what would allow it, after one AssumeRole for that account, not one per Region.
fn assert_refused(sts: &StsStandIn, report: &amiflow_model::Report) {
    let refused: Vec<&amiflow_model::Action> = report
        .actions
        .iter()
        .filter(|a| a.account_id == REFUSED_ACCOUNT)
        .collect();
    assert_eq!(refused.len(), 2, "one target per Region: {report:#?}");
    for action in refused {
        assert_eq!(action.outcome, amiflow_model::Outcome::Failed);
        for words in [
            "cannot assume arn:aws:iam::999999999999:role/AmiflowTarget in account 999999999999",
            "AccessDenied",
            "TargetAccountIds",
            "target-account-role.yaml",
        ] {
            assert!(
                action.detail.contains(words),
                "{words:?} not in {}",
                action.detail
            );
        }
    }
    let asked = sts
        .requests()
        .iter()
        .filter(|r| {
            r.get("RoleArn")
                .is_some_and(|a| a.contains(REFUSED_ACCOUNT))
        })
        .count();
    assert_eq!(asked, 1, "a refusal is asked once per account");
}

/// Checks what a function asked STS for when it assumed the target role in `account`: its own
/// session name, and a session policy that allows exactly `actions`.
fn assert_assumed_as(sts: &StsStandIn, account: &str, session: &str, actions: &[&str]) {
    let requests = sts.requests();
    let request = requests
        .iter()
        .find(|r| {
            r.get("RoleArn")
                .is_some_and(|arn| arn.contains(&format!("::{account}:")))
        })
        .unwrap_or_else(|| panic!("no AssumeRole for {account} in {requests:#?}"));
    assert_eq!(
        request.get("RoleSessionName").map(String::as_str),
        Some(session)
    );
    let policy: serde_json::Value =
        serde_json::from_str(request.get("Policy").expect("a session policy")).expect("JSON");
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

const XMLNS: &str = "https://sts.amazonaws.com/doc/2011-06-15/";

async fn assume_role(
    State(sts): State<StsStandIn>,
    Form(form): Form<HashMap<String, String>>,
) -> (StatusCode, [(&'static str, &'static str); 1], String) {
    sts.requests
        .lock()
        .unwrap_or_else(|p| p.into_inner())
        .push(form.clone());
    let xml = [("content-type", "text/xml")];
    let role = form.get("RoleArn").cloned().unwrap_or_default();
    let account = role.split(':').nth(4).unwrap_or_default().to_string();
    if form.get("Action").map(String::as_str) != Some("AssumeRole") {
        return (
            StatusCode::BAD_REQUEST,
            xml,
            error("InvalidAction", "only AssumeRole is served"),
        );
    }
    if sts.refused.contains(&account) {
        let message = format!("User: arn:aws:sts::123456789012:assumed-role/amiflow is not authorized to perform: sts:AssumeRole on resource: {role}");
        return (StatusCode::FORBIDDEN, xml, error("AccessDenied", &message));
    }
    let expires = aws_smithy_types::DateTime::from(SystemTime::now() + Duration::from_secs(3600))
        .fmt(aws_smithy_types::date_time::Format::DateTime)
        .unwrap_or_default();
    let session = form.get("RoleSessionName").cloned().unwrap_or_default();
    let body = format!(
        "<AssumeRoleResponse xmlns=\"{XMLNS}\"><AssumeRoleResult><Credentials>\
         <AccessKeyId>ASIA{account}</AccessKeyId><SecretAccessKey>secret</SecretAccessKey>\
         <SessionToken>token</SessionToken><Expiration>{expires}</Expiration></Credentials>\
         <AssumedRoleUser><AssumedRoleId>AROA{account}:{session}</AssumedRoleId>\
         <Arn>arn:aws:sts::{account}:assumed-role/target/{session}</Arn></AssumedRoleUser>\
         </AssumeRoleResult><ResponseMetadata><RequestId>sts-standin</RequestId></ResponseMetadata>\
         </AssumeRoleResponse>"
    );
    (StatusCode::OK, xml, body)
}

fn error(code: &str, message: &str) -> String {
    format!(
        "<ErrorResponse xmlns=\"{XMLNS}\"><Error><Type>Sender</Type><Code>{code}</Code>\
         <Message>{message}</Message></Error><RequestId>sts-standin</RequestId></ErrorResponse>"
    )
}
