//! The model's behaviour from JSON fixtures, in one test binary: the planner's expansion rules,
//! what each target gets, scopes and organizational units, and the reconcile's choice of builds.

mod organizations;
mod planner;
mod targets;

use amiflow_model::decide::Intent;
use amiflow_model::input::image::ResolvedImage;
use amiflow_model::plan::target::Build;
use amiflow_model::plan::Planner;
use amiflow_model::policy::Policy;

/// The planner of an event for `image`, whose client tokens are seeded with `event_id`.
pub fn planner_for<'a>(
    policy: &'a Policy,
    image: &'a ResolvedImage,
    event_id: &str,
) -> Planner<'a> {
    let build = Build {
        arn: image.arn.clone(),
        intent: Intent::Forward,
        token_seed: event_id.to_string(),
    };
    Planner::everything(policy, image, OWNER, build)
}

/// The planner of an event for `image`.
pub fn planner<'a>(policy: &'a Policy, image: &'a ResolvedImage) -> Planner<'a> {
    planner_for(policy, image, "event-1")
}

pub const OWNER: &str = "111111111111";
pub const OTHER: &str = "222222222222";
