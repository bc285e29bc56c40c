//! refresh-instances: rolls the Auto Scaling groups that opted in (`amiflow:refresh=true`) to the
//! default version of the launch template amiflow keeps for them, with a safe instance refresh:
//! the version named as a number, SkipMatching on, one refresh at a time.

mod autoscaling;
mod group;
pub mod refresher;
