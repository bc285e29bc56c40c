//! DistributeImage calls: checked before any is sent, then made concurrently, each reported.

use std::sync::Arc;

use amiflow_common::aws::limit::CallLimit;
use amiflow_common::context::Context;
use amiflow_common::error::FunctionError;
use amiflow_common::executor::{Executor, Plan, Source, Takes};
use amiflow_common::imagebuilder::ImageBuilder;
use amiflow_common::pipeline::Pipeline;
use amiflow_model::error::InputError;
use amiflow_model::input::arn::arn_region;
use amiflow_model::input::distribute::{allowed_by_policy, check_call};
use amiflow_model::plan::target::DistributeCall;
use amiflow_model::report::action::{Action, ActionKind};
use amiflow_model::report::detail::Detail;
use amiflow_model::report::distribute::DistributeDetail;
use amiflow_model::schema::violation::Violation;
use aws_sdk_imagebuilder::error::{DisplayErrorContext, ProvideErrorMetadata, SdkError};
use aws_sdk_imagebuilder::operation::distribute_image::DistributeImageError;
use futures::future::join_all;

const KIND: ActionKind = ActionKind::DistributeImage;

fn action(call: &DistributeCall, detail: impl Into<Detail>) -> Action {
    let arn = &call.distribution_configuration_arn;
    Action {
        kind: KIND,
        region: arn_region(arn).unwrap_or_default().to_string(),
        account_id: arn.split(':').nth(4).unwrap_or_default().to_string(),
        target: arn.clone(),
        ami: call
            .source_image
            .starts_with("ami-")
            .then(|| call.source_image.clone()),
        detail: detail.into(),
        product: None,
        image: None,
    }
}

/// The distribute-image executor: the home Region's Image Builder client, one call limit.
pub struct ImageDistributor {
    images: Arc<ImageBuilder>,
    home_region: String,
    limit: CallLimit,
}

/// A call to make, with what stops it from being sent (checked once, when planned).
pub struct Checked {
    call: DistributeCall,
    problems: Vec<Violation>,
}

impl ImageDistributor {
    /// DistributeImage runs in the function's own Region: the configuration must be there too.
    pub fn new(pipeline: &Pipeline) -> Result<Self, FunctionError> {
        Ok(Self {
            home_region: pipeline.images.home_region()?.to_string(),
            images: pipeline.images.clone(),
            limit: CallLimit::new(pipeline.settings.max_concurrency),
        })
    }

    fn check(&self, call: DistributeCall) -> Checked {
        let problems = check_call(&call, &self.home_region);
        Checked { call, problems }
    }

    async fn send(&self, call: &DistributeCall, dry_run: bool) -> Action {
        if dry_run {
            let detail = DistributeDetail::WouldDistribute {
                source: call.source_image.clone(),
                role: call.execution_role.clone(),
                token: call.client_token.clone(),
            };
            return action(call, detail);
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
                let detail = DistributeDetail::Distributing {
                    source: call.source_image.clone(),
                    product: product.clone(),
                    origin: call.origin.clone(),
                };
                let mut done = action(call, detail);
                done.product = product;
                done
            }
            Err(e) => action(call, explain(call, &e)),
        }
    }
}

impl Executor for ImageDistributor {
    type Target = Checked;
    const KIND: ActionKind = KIND;
    /// A direct DistributeImage request. A reconcile is no work here: a distribution is a
    /// promotion made once, not a value to hold.
    const TAKES: Takes = Takes {
        calls: true,
        ..Takes::IMAGES
    };

    /// An image's calls; a direct request is all or nothing: one that cannot be sent, or that
    /// the policy does not allow, is refused before any call.
    fn plan(&self, source: Source<'_>, _: &Context) -> Result<Plan<Checked>, InputError> {
        match source {
            Source::Image(planner) => Ok(match planner.distributions() {
                Ok(calls) => Plan::Targets(calls.into_iter().map(|c| self.check(c)).collect()),
                Err(loop_guard) => Plan::Ignore(loop_guard),
            }),
            Source::Call { call, policy } => {
                let checked = self.check(call.clone());
                if !checked.problems.is_empty() {
                    return Err(checked.problems.into());
                }
                allowed_by_policy(&checked.call, policy)?;
                Ok(Plan::Targets(vec![checked]))
            }
        }
    }

    async fn apply(&self, targets: Vec<Checked>, context: &Context) -> Vec<Action> {
        join_all(targets.iter().map(|Checked { call, problems }| async move {
            if let Some(why) = context.deadline.refuses_start() {
                action(call, why)
            } else if problems.is_empty() {
                self.send(call, context.dry_run).await
            } else {
                let problems = problems.clone();
                action(call, DistributeDetail::NotSent { problems })
            }
        }))
        .await
    }
}

/// Error details a person can act on.
fn explain(call: &DistributeCall, error: &SdkError<DistributeImageError>) -> DistributeDetail {
    let message = error.message().unwrap_or_default().to_string();
    match error.code() {
        Some("IdempotentParameterMismatchException") => DistributeDetail::TokenReused {
            token: call.client_token.clone(),
            message,
        },
        Some("ResourceNotFoundException") => DistributeDetail::NotFound {
            message,
            source: call.source_image.clone(),
            configuration: call.distribution_configuration_arn.clone(),
        },
        Some(code) => DistributeDetail::Refused {
            code: code.to_string(),
            message,
        },
        None => DistributeDetail::Failed {
            message: DisplayErrorContext(error).to_string(),
        },
    }
}
