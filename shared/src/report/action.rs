//! One action per target: what was done there, and why, as a typed reason.

use std::fmt;

use serde::ser::SerializeMap;
use serde::{Serialize, Serializer};

use super::detail::Detail;
use crate::plan::target::{Placed, Placement};

#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
pub enum ActionKind {
    SsmParameter,
    LaunchTemplate,
    DistributeImage,
    AutoScalingGroup,
}

impl ActionKind {
    /// The function that acts on this kind of target, as it is deployed by default.
    pub fn function_name(self) -> &'static str {
        match self {
            ActionKind::SsmParameter => "update-ssm-parameters",
            ActionKind::LaunchTemplate => "update-launch-templates",
            ActionKind::DistributeImage => "distribute-image",
            ActionKind::AutoScalingGroup => "refresh-instances",
        }
    }

    pub fn as_str(self) -> &'static str {
        match self {
            ActionKind::SsmParameter => "ssm-parameter",
            ActionKind::LaunchTemplate => "launch-template",
            ActionKind::DistributeImage => "distribute-image",
            ActionKind::AutoScalingGroup => "auto-scaling-group",
        }
    }
}

#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
pub enum Outcome {
    /// A new parameter, a DistributeImage call made, an instance refresh started.
    Created,
    Updated,
    Unchanged,
    Skipped,
    /// A dry run's write.
    Planned,
    Failed,
}

impl Outcome {
    pub fn as_str(self) -> &'static str {
        match self {
            Outcome::Created => "created",
            Outcome::Updated => "updated",
            Outcome::Unchanged => "unchanged",
            Outcome::Skipped => "skipped",
            Outcome::Planned => "planned",
            Outcome::Failed => "failed",
        }
    }

    /// Whether the target was (or, planned, would be) changed.
    pub fn is_change(self) -> bool {
        matches!(self, Outcome::Created | Outcome::Updated | Outcome::Planned)
    }
}

impl fmt::Display for Outcome {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(self.as_str())
    }
}

/// What happened to one target. Its outcome follows from its reason, so the two never disagree.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Action {
    pub kind: ActionKind,
    pub region: String,
    pub account_id: String,
    pub target: String,
    pub ami: Option<String>,
    pub detail: Detail,
    /// What the action made, where it made something to follow up on: the image build version
    /// ARN a DistributeImage call returned, or the id of an instance refresh it started.
    pub product: Option<String>,
    /// The image build the target was planned for (named per action in a reconcile report).
    pub image: Option<String>,
}

impl Action {
    /// The action on a target at `placement`, planned for `image`.
    pub fn at(
        kind: ActionKind,
        placement: &Placement,
        target: impl Into<String>,
        image: Option<String>,
        detail: impl Into<Detail>,
    ) -> Self {
        Self {
            kind,
            region: placement.region.clone(),
            account_id: placement.account_id.clone(),
            target: target.into(),
            ami: placement.ami.as_ref().ok().cloned(),
            detail: detail.into(),
            product: None,
            image,
        }
    }

    /// The action on `target` as planned, for its build's image.
    pub fn planned(kind: ActionKind, target: &impl Placed, detail: impl Into<Detail>) -> Self {
        let image = Some(target.build().arn.to_string());
        Self::at(
            kind,
            target.placement(),
            target.planned_name(),
            image,
            detail,
        )
    }

    pub fn outcome(&self) -> Outcome {
        self.detail.outcome()
    }
}

impl Serialize for Action {
    fn serialize<S: Serializer>(&self, serializer: S) -> Result<S::Ok, S::Error> {
        let mut map = serializer.serialize_map(None)?;
        map.serialize_entry("kind", self.kind.as_str())?;
        map.serialize_entry("region", &self.region)?;
        map.serialize_entry("accountId", &self.account_id)?;
        map.serialize_entry("target", &self.target)?;
        if let Some(image) = &self.image {
            map.serialize_entry("image", image)?;
        }
        if let Some(ami) = &self.ami {
            map.serialize_entry("ami", ami)?;
        }
        map.serialize_entry("outcome", self.outcome().as_str())?;
        map.serialize_entry("detail", &self.detail.to_string())?;
        if let Some(product) = &self.product {
            map.serialize_entry("product", product)?;
        }
        map.end()
    }
}
