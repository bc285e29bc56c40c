//! What a function brings to the pipeline: which requests it acts on, how it plans its targets,
//! and how it applies them. The pipeline owns everything else, and names no function.

use std::future::Future;

use amiflow_model::error::InputError;
use amiflow_model::input::ignore::IgnoreReason;
use amiflow_model::input::Request;
use amiflow_model::plan::target::DistributeCall;
use amiflow_model::plan::Planner;
use amiflow_model::report::action::{Action, ActionKind};

use crate::context::Context;

/// What a function does with a request.
#[derive(Debug)]
pub enum Admission {
    Act,
    /// A success with no AWS call.
    Ignore(IgnoreReason),
    /// Refused as invalid input: nothing is written.
    Refuse(InputError),
}

/// What a function plans from: one image build, or a call given whole (a direct request).
pub enum Source<'a> {
    Image(&'a Planner<'a>),
    Call(&'a DistributeCall),
}

/// An executor's plan for one source.
#[derive(Debug)]
pub enum Plan<T> {
    Targets(Vec<T>),
    /// Leave the source alone, with this reason (a success, with no further call).
    Ignore(IgnoreReason),
}

/// One function's part of the invocation flow. Implemented by a named struct that owns its
/// clients and its call limit; the per-invocation facts come in the `Context`.
pub trait Executor: Send + Sync {
    /// One planned target.
    type Target: Send + Sync;

    /// What this function's actions are (the report's `kind`, the metrics' `Kind`).
    const KIND: ActionKind;

    /// What this function does with `request`. By default: it acts on an image (an event or a
    /// direct request) and on nothing else.
    fn admit(&self, request: &Request) -> Admission {
        admit_images_only(Self::KIND, request)
    }

    /// This function's targets from one source.
    fn plan(&self, source: Source<'_>, context: &Context)
        -> Result<Plan<Self::Target>, InputError>;

    /// Applies the targets: one action per target, every target reported, none left out. No
    /// target starts once the context's deadline refuses it.
    fn apply(
        &self,
        targets: Vec<Self::Target>,
        context: &Context,
    ) -> impl Future<Output = Vec<Action>> + Send;
}

/// The default admission: an image's event or direct request is acted on; a reconcile or a
/// result of another function is no work for this one; a rollback or a direct DistributeImage
/// request is a mistake to refuse.
pub fn admit_images_only(kind: ActionKind, request: &Request) -> Admission {
    let function = kind.function_name();
    match request {
        Request::Image(image) if image.is_rollback() => Admission::Refuse(InputError::new(
            "rollback",
            format!(
                "{function} writes no value to move back: a rollback is for the functions that keep SSM \
                 parameters and launch templates"
            ),
        )),
        Request::Image(_) => Admission::Act,
        Request::Reconcile(_) => Admission::Ignore(IgnoreReason::NotTaken {
            function,
            why: "keeps no target a reconcile could repair".into(),
        }),
        Request::Changed(_) => Admission::Ignore(IgnoreReason::NotTaken {
            function,
            why: "does not act on update-launch-templates' results".into(),
        }),
        Request::Distribute(_) => Admission::Refuse(InputError::new(
            "sourceImage",
            format!(
                "a direct DistributeImage request is for distribute-image; this function ({}) takes an \
                 EventBridge event or {{\"imageBuildVersionArn\": ...}}",
                kind.as_str()
            ),
        )),
        Request::Ignore(reason) => Admission::Ignore(reason.clone()),
    }
}
