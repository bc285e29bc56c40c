//! Why an input is answered with success and left alone (`{"ignored": true, "reason": ...}`).

use std::fmt;

use super::event::{IMAGE_BUILDER_SOURCE, IMAGE_STATE_CHANGE};

/// Why a function leaves an input alone. Each is a success: retrying would change nothing.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum IgnoreReason {
    /// An EventBridge event from another source.
    OtherSource { source: String },
    /// An Image Builder event of another kind (CVE findings, workflow steps, ...).
    OtherDetailType { detail_type: String },
    /// An Image State Change to a state other than AVAILABLE.
    EventState { status: String },
    /// GetImage says the image is not AVAILABLE (deleted, deprecated, or not yet done).
    ImageState { image: String, status: String },
    /// A container image: no AMI to put anywhere.
    Container {
        image: String,
        image_type: Option<String>,
        containers: usize,
    },
    /// A product of amiflow's own DistributeImage (the loop guard).
    LoopGuard { tag: &'static str, source: String },
    /// A request kind this function does not act on, and why.
    NotTaken { function: &'static str, why: String },
    /// update-launch-templates' result changed no launch template.
    NothingChanged,
}

impl fmt::Display for IgnoreReason {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self {
            IgnoreReason::OtherSource { source } => {
                write!(f, "source is {source:?}, not {IMAGE_BUILDER_SOURCE:?}")
            }
            IgnoreReason::OtherDetailType { detail_type } => {
                write!(f, "detail-type is {detail_type:?}, not {IMAGE_STATE_CHANGE:?}")
            }
            IgnoreReason::EventState { status } => {
                write!(f, "image state is {status}; only AVAILABLE images are acted on")
            }
            IgnoreReason::ImageState { image, status } => {
                write!(f, "image {image} is {status}; only AVAILABLE images are acted on")
            }
            IgnoreReason::Container {
                image,
                image_type,
                containers,
            } => write!(
                f,
                "image {image} is a container image (type {}, {containers} container outputs, no AMIs); \
                 amiflow acts only on AMIs",
                image_type.as_deref().unwrap_or("not given"),
            ),
            IgnoreReason::LoopGuard { tag, source } => write!(
                f,
                "the image carries the {tag} tag (distributed by amiflow from {source}); not distributing it again"
            ),
            IgnoreReason::NotTaken { function, why } => write!(f, "{function} {why}"),
            IgnoreReason::NothingChanged => f.write_str(
                "the update-launch-templates result changed no launch template: no group has a new version to run",
            ),
        }
    }
}
