//! DistributeImage calls: checked before any is sent, then made concurrently, each reported.

use amiflow_common::imagebuilder::ImageBuilder;
use amiflow_common::{CallLimit, Deadline, Executor, FunctionError, Pipeline, Plan};
use amiflow_model::arn::arn_region;
use amiflow_model::distribute::{allowed_by_policy, check_call};
use amiflow_model::plan::{DistributeCall, Planner};
use amiflow_model::schema::Violation;
use amiflow_model::{Action, ActionKind, InputError, Outcome, Policy, Request};
use aws_sdk_imagebuilder::error::{DisplayErrorContext, ProvideErrorMetadata, SdkError};
use aws_sdk_imagebuilder::operation::distribute_image::DistributeImageError;
use futures::future::join_all;

fn action(call: &DistributeCall, outcome: Outcome, detail: impl Into<String>) -> Action {
    let arn = &call.distribution_configuration_arn;
    Action {
        kind: ActionKind::DistributeImage,
        region: arn_region(arn).unwrap_or_default().to_string(),
        account_id: arn.split(':').nth(4).unwrap_or_default().to_string(),
        target: arn.clone(),
        ami: call
            .source_image
            .starts_with("ami-")
            .then(|| call.source_image.clone()),
        outcome,
        detail: detail.into(),
        product: None,
    }
}

/// The distribute-image executor: the home Region's Image Builder client, one call limit.
pub struct ImageDistributor {
    images: ImageBuilder,
    home_region: String,
    limit: CallLimit,
    dry_run: bool,
}

/// A call to make, with what stops it from being sent (checked once, when planned).
pub struct Checked {
    call: DistributeCall,
    problems: Vec<Violation>,
}

impl ImageDistributor {
    /// DistributeImage runs in the function's own Region: the configuration must be there too.
    pub fn new(pipeline: &Pipeline) -> Result<Self, FunctionError> {
        let home_region = pipeline.aws.home_region().ok_or_else(|| {
            FunctionError::Configuration("no AWS Region is configured (AWS_REGION)".into())
        })?;
        Ok(Self {
            images: ImageBuilder::new(pipeline.aws.clone()),
            home_region: home_region.to_string(),
            limit: CallLimit::new(pipeline.settings.max_concurrency),
            dry_run: pipeline.settings.dry_run,
        })
    }

    fn check(&self, call: DistributeCall) -> Checked {
        let problems = check_call(&call, &self.home_region);
        Checked { call, problems }
    }

    async fn send(&self, call: &DistributeCall) -> Action {
        if self.dry_run {
            return action(
                call,
                Outcome::Planned,
                format!(
                    "would distribute {} with role {} (token {})",
                    call.source_image, call.execution_role, call.client_token
                ),
            );
        }
        let client = self.images.client(&self.home_region);
        let sent = self
            .limit
            .call(|| {
                client
                    .distribute_image()
                    .source_image(&call.source_image)
                    .distribution_configuration_arn(&call.distribution_configuration_arn)
                    .execution_role(&call.execution_role)
                    .set_tags(Some(call.tags.clone().into_iter().collect()))
                    .client_token(&call.client_token)
                    .send()
            })
            .await;
        match sent {
            Ok(out) => {
                let product = out.image_build_version_arn().map(str::to_string);
                let mut done = action(
                    call,
                    Outcome::Created,
                    format!(
                        "distributing {} as {} ({})",
                        call.source_image,
                        product
                            .as_deref()
                            .unwrap_or("an image Image Builder did not name"),
                        call.origin
                    ),
                );
                done.product = product;
                done
            }
            Err(e) => action(call, Outcome::Failed, explain(call, &e)),
        }
    }
}

impl Executor for ImageDistributor {
    type Work = Vec<Checked>;
    const KIND: ActionKind = ActionKind::DistributeImage;

    fn plan(&self, planner: &Planner<'_>, request: &Request) -> Plan<Vec<Checked>> {
        match planner.distributions(&request.event_id) {
            Ok(calls) => Plan::Work(calls.into_iter().map(|c| self.check(c)).collect()),
            Err(loop_guard) => Plan::Ignore(loop_guard),
        }
    }

    /// A direct request is all or nothing: one that cannot be sent, or that the policy does not
    /// allow, is refused before any call.
    fn plan_direct(
        &self,
        policy: &Policy,
        call: DistributeCall,
    ) -> Result<Vec<Checked>, InputError> {
        let checked = self.check(call);
        if !checked.problems.is_empty() {
            return Err(checked.problems.into());
        }
        allowed_by_policy(&checked.call, policy)?;
        Ok(vec![checked])
    }

    async fn apply(&self, work: Vec<Checked>, deadline: Deadline) -> Vec<Action> {
        join_all(work.iter().map(|Checked { call, problems }| async move {
            if let Some(why) = deadline.refuses_start() {
                action(call, Outcome::Failed, why)
            } else if problems.is_empty() {
                self.send(call).await
            } else {
                let text: Vec<String> = problems.iter().map(ToString::to_string).collect();
                action(
                    call,
                    Outcome::Failed,
                    format!("not sent: {}", text.join("; ")),
                )
            }
        }))
        .await
    }
}

/// Error details a person can act on.
fn explain(call: &DistributeCall, error: &SdkError<DistributeImageError>) -> String {
    let message = error.message().unwrap_or_default();
    match error.code() {
        Some("IdempotentParameterMismatchException") => format!(
            "client token {} was already used for a DistributeImage with different parameters; \
             give a new clientToken (or none: amiflow derives one from the request) to distribute again: {message}",
            call.client_token
        ),
        Some("ResourceNotFoundException") => format!(
            "not found: {message} (source image {}, distribution configuration {})",
            call.source_image, call.distribution_configuration_arn
        ),
        Some(code) => format!("DistributeImage failed with {code}: {message}"),
        None => format!("DistributeImage failed: {}", DisplayErrorContext(error)),
    }
}
