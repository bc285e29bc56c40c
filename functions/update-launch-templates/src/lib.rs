//! update-launch-templates: gives launch templates a new version with the image's AMI and makes
//! it the default, in every Region and account the policy and the image's distribution settings name.

pub mod ec2;
mod templates;

use amiflow_common::clients::ClientCache;
use amiflow_common::invocation::{finish, Prepared, Runtime};
use amiflow_common::FunctionError;
use amiflow_model::plan::Planner;
use amiflow_model::Report;
use lambda_runtime::LambdaEvent;
use serde_json::Value;

pub struct App {
    pub runtime: Runtime,
    ec2: ClientCache<aws_sdk_ec2::Client>,
}

impl App {
    pub fn new(runtime: Runtime) -> Self {
        Self::with_ec2_factory(runtime, aws_sdk_ec2::Client::new)
    }

    /// As `new`, with EC2 clients built by `factory` (tests use it to add mock interceptors).
    pub fn with_ec2_factory(
        runtime: Runtime,
        factory: impl Fn(&aws_config::SdkConfig) -> aws_sdk_ec2::Client + Send + Sync + 'static,
    ) -> Self {
        let ec2 = ClientCache::new(runtime.aws.clone(), factory);
        Self { runtime, ec2 }
    }

    pub async fn from_env() -> Result<Self, FunctionError> {
        Ok(Self::new(Runtime::from_env().await?))
    }

    pub async fn handle(&self, event: LambdaEvent<Value>) -> Result<Value, FunctionError> {
        let (input, context) = event.into_parts();
        let target = match self.runtime.prepare(&input, &context).await? {
            Prepared::Ignored(answer) => return Ok(answer),
            Prepared::Act(target) => target,
        };
        let planned = Planner::new(&self.runtime.policy, &target.image, &target.own_account)
            .launch_templates();
        let actions =
            templates::apply(self, &target.image.arn, &target.request.event_id, planned).await;
        finish(Report::new(
            target.image.arn.to_string(),
            self.runtime.settings.dry_run,
            actions,
        ))
    }
}
