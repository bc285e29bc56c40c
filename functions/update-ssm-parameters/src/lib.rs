//! update-ssm-parameters: keeps SSM parameters (`aws:ec2:image`) on the newest AMI, in every
//! Region and account the policy and the image's distribution settings name.

pub mod parameters;
mod read_back;
mod ssm;
