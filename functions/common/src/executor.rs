//! What a function brings to the pipeline: which requests it acts on, how it plans its targets,
//! and how it applies them. The pipeline owns everything else, and names no function.

use std::future::Future;

use amiflow_model::error::InputError;
use amiflow_model::input::ignore::IgnoreReason;
use amiflow_model::input::Request;
use amiflow_model::plan::target::DistributeCall;
use amiflow_model::plan::Planner;
use amiflow_model::policy::Policy;
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

/// What a function plans from: one image build, or a call given whole (a direct request), with
/// the policy whose `distribute` entries it must be one of.
pub enum Source<'a> {
    Image(&'a Planner<'a>),
    Call {
        call: &'a DistributeCall,
        policy: &'a Policy,
    },
}

/// An executor's plan for one source.
#[derive(Debug)]
pub enum Plan<T> {
    Targets(Vec<T>),
    /// Leave the source alone, with this reason (a success, with no further call).
    Ignore(IgnoreReason),
}

/// The request kinds a function takes besides an image's event or direct request, each of
/// which every function takes.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Takes {
    /// `{"imageBuildVersionArn": ..., "rollback": true}`: it writes values to move back.
    pub rollback: bool,
    /// `{"reconcile": true}`: it holds targets a reconcile repairs.
    pub reconcile: bool,
    /// update-launch-templates' results, delivered by EventBridge.
    pub results: bool,
    /// A direct DistributeImage request.
    pub calls: bool,
}

impl Takes {
    /// Images only.
    pub const IMAGES: Takes = Takes {
        rollback: false,
        reconcile: false,
        results: false,
        calls: false,
    };

    /// A function that writes a value to hold (a parameter, a template's default): it rolls
    /// back and reconciles.
    pub const HELD_VALUES: Takes = Takes {
        rollback: true,
        reconcile: true,
        ..Takes::IMAGES
    };
}

/// One function's part of the invocation flow. Implemented by a named struct that owns its
/// clients and its call limit; the per-invocation facts come in the `Context`.
pub trait Executor: Send + Sync {
    /// One planned target.
    type Target: Send + Sync;

    /// What this function's actions are (the report's `kind`, the metrics' `Kind`).
    const KIND: ActionKind;

    /// The request kinds it takes besides images; any other is ignored or refused (`admit`).
    const TAKES: Takes = Takes::IMAGES;

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

/// What a function that takes `takes` does with `request`: an image's event or direct request is
/// acted on, and so is each kind it takes; a reconcile or a result of another function is no work
/// for it; a rollback or a direct DistributeImage request it does not take is a mistake to refuse.
pub fn admit(kind: ActionKind, takes: Takes, request: &Request) -> Admission {
    let function = kind.function_name();
    let taken = match request {
        Request::Image(image) => !image.is_rollback() || takes.rollback,
        Request::Reconcile(_) => takes.reconcile,
        Request::Changed(_) => takes.results,
        Request::Distribute(_) => takes.calls,
        Request::Ignore(_) => false,
    };
    if taken {
        return Admission::Act;
    }
    match request {
        Request::Image(_) => Admission::Refuse(InputError::new(
            "rollback",
            format!(
                "{function} writes no value to move back: a rollback is for the functions that keep SSM \
                 parameters and launch templates"
            ),
        )),
        Request::Reconcile(_) => Admission::Ignore(IgnoreReason::NotTaken {
            function,
            why: "keeps no value a reconcile could repair: what it does is made once, not held".into(),
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
