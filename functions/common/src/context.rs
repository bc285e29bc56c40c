//! The facts of one invocation, in one place: what was asked, the deadline, whether it only
//! plans, and which account the function runs in. Every executor reads them from here.

use amiflow_model::input::Request;

use crate::deadline::Deadline;

pub struct Context {
    /// What was asked, classified.
    pub request: Request,
    /// The last moment a target may start.
    pub deadline: Deadline,
    /// Plan and report, write nothing: `AMIFLOW_DRY_RUN`, or the request's own `dryRun`.
    pub dry_run: bool,
    /// The account in the invoked function's ARN; where it has none, each image's owner is
    /// taken as the function's own account.
    pub own_account: Option<String>,
    /// The invocation's number while warm: failures that are not refusals are kept for it alone.
    pub invocation: u64,
}

impl Context {
    /// Whether this invocation reconciles (its report names each action's build, and counts drift).
    pub fn reconciles(&self) -> bool {
        matches!(self.request, Request::Reconcile(_))
    }
}
