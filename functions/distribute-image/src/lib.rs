//! distribute-image: promotes an already-built image with Image Builder's DistributeImage, for
//! each `distribute` entry of the policy rules that match it, or exactly as a direct request says.
//! Idempotent by client token; a loop guard leaves its own products alone.

pub mod distribute;
