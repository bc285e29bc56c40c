//! DistributeImage calls: the loop guard that leaves amiflow's own products alone, and the call
//! itself with the loop-guard tag added.

use std::collections::BTreeMap;

use crate::decide::tags::SOURCE_IMAGE_TAG;
use crate::input::ignore::IgnoreReason;

use super::target::{DistributeCall, Origin};

/// Why to leave an image alone when it is a product of amiflow's own DistributeImage.
pub(super) fn loop_guard(tags: &BTreeMap<String, String>) -> Option<IgnoreReason> {
    tags.get(SOURCE_IMAGE_TAG)
        .map(|source| IgnoreReason::LoopGuard {
            tag: SOURCE_IMAGE_TAG,
            source: source.clone(),
        })
}

/// A DistributeImage call: the given tags plus the loop-guard tag.
pub fn distribute_call(
    source_image: &str,
    configuration: &str,
    role: &str,
    tags: &BTreeMap<String, String>,
    client_token: String,
    origin: Origin,
) -> DistributeCall {
    let mut tags = tags.clone();
    tags.insert(SOURCE_IMAGE_TAG.to_string(), source_image.to_string());
    DistributeCall {
        source_image: source_image.to_string(),
        distribution_configuration_arn: configuration.to_string(),
        execution_role: role.to_string(),
        tags,
        client_token,
        origin,
    }
}
