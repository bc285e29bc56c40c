//! update-ssm-parameters: keeps SSM output parameters (`aws:ec2:image`) on the newest AMI of an
//! image, in every Region and account the policy and the image's distribution settings name.

mod parameters;

use amiflow_common::clients::ClientCache;
use amiflow_common::invocation::{finish, Prepared, Runtime};
use amiflow_common::FunctionError;
use amiflow_model::plan::Planner;
use amiflow_model::Report;
use lambda_runtime::LambdaEvent;
use serde_json::Value;

pub struct App {
    pub runtime: Runtime,
    ssm: ClientCache<aws_sdk_ssm::Client>,
}

impl App {
    pub fn new(runtime: Runtime) -> Self {
        Self::with_ssm_factory(runtime, aws_sdk_ssm::Client::new)
    }

    /// As `new`, with SSM clients built by `factory` (tests use it to add mock interceptors).
    pub fn with_ssm_factory(
        runtime: Runtime,
        factory: impl Fn(&aws_config::SdkConfig) -> aws_sdk_ssm::Client + Send + Sync + 'static,
    ) -> Self {
        let ssm = ClientCache::new(runtime.aws.clone(), factory);
        Self { runtime, ssm }
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
        let planned =
            Planner::new(&self.runtime.policy, &target.image, &target.own_account).parameters();
        let actions = parameters::apply(self, &target.image.arn, planned).await;
        finish(Report::new(
            target.image.arn.to_string(),
            self.runtime.settings.dry_run,
            actions,
        ))
    }
}
