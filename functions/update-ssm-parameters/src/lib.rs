//! update-ssm-parameters: keeps SSM output parameters (`aws:ec2:image`) on the newest AMI of an
//! image, in every Region and account the policy and the image's distribution settings name.

mod parameters;
mod ssm;

pub use parameters::{Clients, ParameterWriter, SESSION};
