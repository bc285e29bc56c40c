//! What a function brings to the pipeline: how to plan its own targets and how to apply them.

use std::future::Future;

use amiflow_model::plan::{DistributeCall, Planner};
use amiflow_model::{Action, ActionKind, InputError, Policy, Request};

use crate::deadline::Deadline;

/// An executor's plan for one image.
#[derive(Debug)]
pub enum Plan<W> {
    /// Work to apply.
    Work(W),
    /// Leave the image alone, with this reason (a success, with no further call).
    Ignore(String),
}

/// One function's part of the invocation flow. Implemented by a named struct that owns its
/// clients, its call limit and its dry-run flag; the pipeline owns everything else.
pub trait Executor: Send + Sync {
    /// Everything `apply` needs, made by `plan` (or `plan_direct`) from the model's planner.
    type Work: Send;

    /// What this function's actions are (the report's `kind`, the metrics' `Kind`).
    const KIND: ActionKind;

    /// Whether a direct request may roll this function's targets back to an older build.
    const ROLLS_BACK: bool = false;

    /// This function's targets for an image.
    fn plan(&self, planner: &Planner<'_>, request: &Request) -> Plan<Self::Work>;

    /// The work for a direct DistributeImage request. Only distribute-image takes one.
    fn plan_direct(
        &self,
        _policy: &Policy,
        _call: DistributeCall,
    ) -> Result<Self::Work, InputError> {
        Err(InputError::new(
            "sourceImage",
            format!(
                "a direct DistributeImage request is for distribute-image; this function ({}) takes an \
                 EventBridge event or {{\"imageBuildVersionArn\": ...}}",
                Self::KIND.as_str()
            ),
        ))
    }

    /// Applies the work: one action per target, every target reported, none left out. No
    /// target starts once `deadline` refuses it.
    fn apply(
        &self,
        work: Self::Work,
        deadline: Deadline,
    ) -> impl Future<Output = Vec<Action>> + Send;
}
