//! update-launch-templates: gives launch templates a new version with the image's AMI and makes
//! it the default, in every Region and account the policy and the image's distribution settings
//! name.

mod change;
pub mod ec2;
mod group;
pub mod lookup;
pub mod updater;
