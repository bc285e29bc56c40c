//! From a request to targets: the image builds it names (one, the ones a result changed, or
//! the newest of every image the policy's rules match), each read and planned as its own event
//! would be, the plans merged into one set of targets.

use std::sync::Arc;

use amiflow_model::decide::Intent;
use amiflow_model::input::arn::ImageBuildVersionArn;
use amiflow_model::input::ignore::IgnoreReason;
use amiflow_model::input::Request;
use amiflow_model::plan::organization::Organization;
use amiflow_model::plan::scope::Scope;
use amiflow_model::plan::target::Build;
use amiflow_model::plan::Planner;
use amiflow_model::report::RECONCILE_SUBJECT;
use futures::future::join_all;

use crate::context::Context;
use crate::error::FunctionError;
use crate::executor::{Executor, Plan, Source};
use crate::pipeline::Pipeline;

/// What an invocation does: its targets, or why it leaves the input alone.
pub enum Planned<T> {
    Targets { subject: String, targets: Vec<T> },
    Ignored(IgnoreReason),
}

/// One build to plan, and what its client tokens are derived from.
struct Wanted {
    arn: ImageBuildVersionArn,
    intent: Intent,
    token_seed: String,
}

impl Pipeline {
    /// Every target of the request, from the builds it names.
    pub(crate) async fn plan<E: Executor>(
        &self,
        executor: &E,
        context: &Context,
    ) -> Result<Planned<E::Target>, FunctionError> {
        let everything = Scope::everything();
        let (wanted, scope, subject) = match &context.request {
            Request::Distribute(call) => {
                let source = Source::Call {
                    call,
                    policy: &self.policy,
                };
                let plan = executor.plan(source, context)?;
                return Ok(merged(call.source_image.clone(), vec![plan], false));
            }
            Request::Image(request) => {
                let intent = match request.is_rollback() {
                    true => Intent::Rollback,
                    false => Intent::Forward,
                };
                let seed = request.token_seed();
                let one = vec![wanted(request.image.clone(), intent, seed)];
                (one, &everything, request.image.to_string())
            }
            Request::Changed(changed) => {
                let builds = changed.builds();
                let subject = match builds.as_slice() {
                    [one] => one.to_string(),
                    many => format!("{} builds", many.len()),
                };
                let seed = |arn: &ImageBuildVersionArn| format!("{}:{arn}", changed.event_id);
                let all = builds
                    .iter()
                    .map(|b| wanted(b.clone(), Intent::Forward, seed(b)));
                (all.collect(), &everything, subject)
            }
            Request::Reconcile(reconcile) => {
                let builds = self
                    .images
                    .newest_builds(&self.policy, &reconcile.scope)
                    .await?;
                let seed = |arn: &ImageBuildVersionArn| format!("reconcile:{arn}");
                let all = builds
                    .iter()
                    .map(|b| wanted(b.clone(), Intent::Forward, seed(b)));
                (
                    all.collect(),
                    &reconcile.scope,
                    RECONCILE_SUBJECT.to_string(),
                )
            }
            Request::Ignore(reason) => return Ok(Planned::Ignored(reason.clone())),
        };
        // Both only read: the units' accounts need not wait for the images, nor these for them.
        let (organization, images) = futures::join!(
            self.organization(context),
            join_all(wanted.iter().map(|w| self.images.get_image(&w.arn)))
        );
        let mut plans = Vec::new();
        let mut ignored = None;
        for (want, image) in wanted.into_iter().zip(images) {
            let image = image?;
            if let Some(reason) = image.ignore_reason() {
                tracing::info!(image = %want.arn, reason = %reason, "build left alone");
                ignored.get_or_insert(reason);
                continue;
            }
            let image = image.resolve()?;
            let own_account = context.own_account.as_deref().unwrap_or(image.owner());
            let planner = Planner {
                policy: &self.policy,
                image: &image,
                own_account,
                build: Arc::new(Build {
                    arn: want.arn,
                    intent: want.intent,
                    token_seed: want.token_seed,
                }),
                scope,
                organization: &organization,
            };
            plans.push(executor.plan(Source::Image(&planner), context)?);
        }
        // An event whose build is left alone is ignored, with the reason; a reconcile that finds
        // nothing to apply still reports, with no actions.
        let reconciles = context.reconciles();
        match ignored {
            Some(reason) if plans.is_empty() && !reconciles => Ok(Planned::Ignored(reason)),
            _ => Ok(merged(subject, plans, reconciles)),
        }
    }

    /// The accounts under every unit the policy names, read once for this invocation; afresh
    /// for a reconcile scoped to accounts (a new account's back-fill), which memory may not know.
    async fn organization(&self, context: &Context) -> Organization {
        let units = self.policy.units();
        let fresh = matches!(&context.request, Request::Reconcile(r) if r.scope.accounts.is_some());
        match units.is_empty() {
            true => Organization::default(),
            false => self.units.resolve(&units, fresh).await,
        }
    }
}

fn wanted(arn: ImageBuildVersionArn, intent: Intent, token_seed: String) -> Wanted {
    Wanted {
        arn,
        intent,
        token_seed,
    }
}

/// The plans' targets merged. Where no plan has a target and one left its source alone, that
/// is the answer, unless the invocation reports even when empty (a reconcile).
fn merged<T>(subject: String, plans: Vec<Plan<T>>, report_empty: bool) -> Planned<T> {
    let mut targets = Vec::new();
    let mut ignored = None;
    for plan in plans {
        match plan {
            Plan::Targets(more) => targets.extend(more),
            Plan::Ignore(reason) => {
                ignored.get_or_insert(reason);
            }
        }
    }
    match ignored {
        Some(reason) if targets.is_empty() && !report_empty => Planned::Ignored(reason),
        _ => Planned::Targets { subject, targets },
    }
}
