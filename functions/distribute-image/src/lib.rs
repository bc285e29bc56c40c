//! distribute-image: promotes an already-built image with Image Builder's DistributeImage, for
//! each `distribute` entry of the policy rules that match it, or exactly as a direct request says.
//! Idempotent by client token; a loop guard leaves its own products alone.

mod distribute;

use amiflow_common::invocation::{finish, ignored_answer, Prepared, Runtime};
use amiflow_common::FunctionError;
use amiflow_model::distribute::{direct_call, is_direct_request};
use amiflow_model::plan::{loop_guard, Planner};
use amiflow_model::Report;
use lambda_runtime::LambdaEvent;
use serde_json::Value;

pub struct App {
    pub runtime: Runtime,
}

impl App {
    pub fn new(runtime: Runtime) -> Self {
        Self { runtime }
    }

    pub async fn from_env() -> Result<Self, FunctionError> {
        Ok(Self::new(Runtime::from_env().await?))
    }

    fn home_region(&self) -> Result<String, FunctionError> {
        self.runtime
            .aws
            .home_region()
            .map(str::to_string)
            .ok_or_else(|| {
                FunctionError::Configuration("no AWS Region is configured (AWS_REGION)".into())
            })
    }

    pub async fn handle(&self, event: LambdaEvent<Value>) -> Result<Value, FunctionError> {
        let (input, context) = event.into_parts();
        let home_region = self.home_region()?;
        if is_direct_request(&input) {
            let call = direct_call(&input, &home_region)?;
            let source = call.source_image.clone();
            let actions = distribute::apply(self, &home_region, vec![call]).await;
            return finish(Report::new(source, self.runtime.settings.dry_run, actions));
        }
        let target = match self.runtime.prepare(&input, &context).await? {
            Prepared::Ignored(answer) => return Ok(answer),
            Prepared::Act(target) => target,
        };
        if let Some(reason) = loop_guard(&target.image.image.tags) {
            return Ok(ignored_answer(reason));
        }
        let planner = Planner::new(&self.runtime.policy, &target.image, &target.own_account);
        let calls = planner
            .distributions(&target.request.event_id)
            .unwrap_or_default();
        let actions = distribute::apply(self, &home_region, calls).await;
        finish(Report::new(
            target.image.arn.to_string(),
            self.runtime.settings.dry_run,
            actions,
        ))
    }
}
