//! Container images (`type: DOCKER`) have no AMIs: the shared pipeline answers them ignored after
//! GetImage, for every function, before its executor plans or applies anything.

use std::sync::atomic::{AtomicUsize, Ordering};

use amiflow_common::context::Context;
use amiflow_common::executor::{Executor, Plan, Source};
use amiflow_model::error::InputError;
use amiflow_model::input::ignore::IgnoreReason;
use amiflow_model::report::action::{Action, ActionKind};
use amiflow_model::report::answer::Answer;
use amiflow_testkit::function::Function;
use amiflow_testkit::{container_image_json, env, event_json, unique};
use serde_json::json;

/// An executor that plans for any image and counts each call it gets.
struct Counting {
    calls: AtomicUsize,
}

impl Executor for Counting {
    type Target = ();
    const KIND: ActionKind = ActionKind::DistributeImage;

    fn plan(&self, _: Source<'_>, _: &Context) -> Result<Plan<()>, InputError> {
        self.calls.fetch_add(1, Ordering::SeqCst);
        Ok(Plan::Targets(vec![()]))
    }

    async fn apply(&self, _: Vec<()>, _: &Context) -> Vec<Action> {
        self.calls.fetch_add(1, Ordering::SeqCst);
        Vec::new()
    }
}

#[tokio::test]
async fn container_images_are_ignored_after_get_image_with_no_plan_and_no_apply() {
    let name = unique("Container App");
    let image = container_image_json(&name, "1.0.0/1", &["us-east-1", "eu-west-1"]);
    let arn = image["arn"].as_str().unwrap().to_string();
    env().front.put_image(image);
    let policy = json!({"rules": [{"name": "all",
        "ssmParameters": [{"name": "/containers/{{imagebuilder:name}}"}],
        "launchTemplates": [{"launchTemplateName": "web", "region": "us-east-1"}],
        "distribute": [{"distributionConfigurationArn": "arn:aws:imagebuilder:us-east-1:123456789012:distribution-configuration/prod",
                        "executionRole": "DistributionRole"}]}]});
    let app = Function::new(policy, false, None, |_| Counting {
        calls: AtomicUsize::new(0),
    })
    .await;
    for input in [
        event_json(&arn, "AVAILABLE"),
        json!({"imageBuildVersionArn": arn}),
    ] {
        match app.invoke(input).await {
            Ok(Answer::Ignored(IgnoreReason::Container { image, .. })) => assert_eq!(image, arn),
            other => panic!("expected the container image to be ignored, got {other:?}"),
        }
    }
    assert_eq!(
        app.executor.calls.load(Ordering::SeqCst),
        0,
        "no plan, no apply"
    );
    let segment = arn.split('/').nth(1).unwrap().to_string();
    assert_eq!(
        env()
            .front
            .requests("imagebuilder", "GetImage", &segment)
            .len(),
        2
    );
}
