//! Container images (`type: DOCKER`) have no AMIs: the shared pipeline answers them ignored after
//! GetImage, for every function, before its executor plans or applies anything. The executors
//! here only count their calls (the functions' own crates depend on this one, so their
//! executors cannot be built here); update-ssm-parameters is also tested with its own.

use std::sync::atomic::{AtomicUsize, Ordering};

use amiflow_common::{Deadline, Executor, Plan};
use amiflow_model::plan::{DistributeCall, Planner};
use amiflow_model::{Action, ActionKind, Answer, InputError, Policy, Request};
use amiflow_testkit::{container_image_json, env, event_json, unique, Function};
use serde_json::json;

trait Kind: Send + Sync {
    const KIND: ActionKind;
}

struct Distribute;
impl Kind for Distribute {
    const KIND: ActionKind = ActionKind::DistributeImage;
}

struct Templates;
impl Kind for Templates {
    const KIND: ActionKind = ActionKind::LaunchTemplate;
}

/// An executor that plans work for any image and counts each call it gets.
struct Counting<K> {
    calls: AtomicUsize,
    _kind: K,
}

impl<K: Kind> Executor for Counting<K> {
    type Work = ();
    const KIND: ActionKind = K::KIND;

    fn plan(&self, _planner: &Planner<'_>, _request: &Request) -> Plan<()> {
        self.calls.fetch_add(1, Ordering::SeqCst);
        Plan::Work(())
    }

    fn plan_direct(&self, _policy: &Policy, _call: DistributeCall) -> Result<(), InputError> {
        self.calls.fetch_add(1, Ordering::SeqCst);
        Ok(())
    }

    async fn apply(&self, _work: (), _deadline: Deadline) -> Vec<Action> {
        self.calls.fetch_add(1, Ordering::SeqCst);
        Vec::new()
    }
}

async fn ignores_container_images<K: Kind>(kind: K) {
    let name = unique("Container App");
    let image = container_image_json(&name, "1.0.0/1", &["us-east-1", "eu-west-1"]);
    let arn = image["arn"].as_str().unwrap().to_string();
    env().standin.put_image(image);
    let policy = json!({"rules": [{"name": "all",
        "ssmParameters": [{"name": "/containers/{{imagebuilder:name}}"}],
        "launchTemplates": [{"launchTemplateName": "web", "region": "us-east-1"}],
        "distribute": [{"distributionConfigurationArn": "arn:aws:imagebuilder:us-east-1:123456789012:distribution-configuration/prod",
                        "executionRole": "DistributionRole"}]}]});
    let app = Function::new(policy, false, None, |_| Counting {
        calls: AtomicUsize::new(0),
        _kind: kind,
    })
    .await;
    for input in [
        event_json(&arn, "AVAILABLE"),
        json!({"imageBuildVersionArn": arn}),
    ] {
        match app.invoke(input).await {
            Ok(Answer::Ignored { reason }) => assert!(
                reason.contains(&format!("image {arn} is a container image (type DOCKER")),
                "{reason}"
            ),
            other => panic!("expected the container image to be ignored, got {other:?}"),
        }
    }
    assert_eq!(
        app.executor.calls.load(Ordering::SeqCst),
        0,
        "no plan, no apply"
    );
    let segment = arn.split('/').nth(1).unwrap().to_string();
    assert_eq!(env().standin.requests("GetImage", &segment).len(), 2);
    assert!(env()
        .standin
        .requests("DistributeImage", &segment)
        .is_empty());
}

#[tokio::test]
async fn distribute_image_ignores_container_images_after_get_image() {
    ignores_container_images(Distribute).await;
}

#[tokio::test]
async fn update_launch_templates_ignores_container_images_after_get_image() {
    ignores_container_images(Templates).await;
}
