//! amiflow's domain model: everything the four functions decide, with no AWS SDK in sight.
//!
//! The functions' crates own the I/O; this crate turns inputs (an event or request, an image, a
//! policy) into plans, decides what each target needs, and turns outcomes into reports, so every
//! rule can be tested from JSON alone. Its parts, in the order an invocation meets them:
//!
//! - `input`: what a function is invoked with (events, direct and reconcile requests, a Lambda
//!   destination record), and what Image Builder answers about an image.
//! - `policy`: the policy document: its types, its schema and the rules its values follow.
//! - `plan`: the planner: targets per (Region, account) for an image, client tokens, and the
//!   newest build a reconcile applies.
//! - `decide`: the decision every write makes (no regression, rollback, records).
//! - `report`: actions with typed reasons, the report, and the answer a function returns.
//! - `schema`: the small JSON schema engine the policy and requests are checked with.

pub mod decide;
pub mod error;
pub mod input;
pub mod plan;
pub mod policy;
pub mod report;
pub mod schema;
