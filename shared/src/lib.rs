//! amiflow's domain model: everything the three functions decide, with no AWS SDK in sight.
//!
//! The functions' crates own the I/O; this crate turns inputs (an event, an image, a policy)
//! into plans and turns outcomes into reports, so the rules can be tested from JSON alone.

pub mod arn;
pub mod decide;
pub mod distribute;
pub mod distribution;
pub mod distribution_schema;
pub mod error;
pub mod event;
pub mod fields;
pub mod glob;
pub mod image;
pub mod parameter_name;
pub mod placeholder;
pub mod plan;
pub mod policy;
pub mod policy_schema;
pub mod report;
pub mod schema;
pub mod suggest;
pub mod target;
pub mod template_decision;
pub mod token;
pub mod unique;
pub mod validate;
pub mod violation;
pub mod warnings;

pub use arn::{BuildVersion, ImageBuildVersionArn};
pub use error::InputError;
pub use event::{Invocation, Request};
pub use image::{Ami, Image};
pub use policy::Policy;
pub use report::{Action, ActionKind, Answer, Outcome, Report};

/// Tag that marks images produced by amiflow's own DistributeImage calls (the loop guard).
pub const SOURCE_IMAGE_TAG: &str = "amiflow:source-image";
