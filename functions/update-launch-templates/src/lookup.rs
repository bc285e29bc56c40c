//! Which templates a target's selector names in its (Region, account): by id, by name, or every
//! template with a tag. refresh-instances finds the templates amiflow keeps the same way.

use amiflow_model::plan::target::{TemplateSelector, TemplateTarget};
use amiflow_model::report::detail::CallFailure;
use amiflow_model::report::template::TemplateDetail;
use aws_sdk_ec2::types::Filter;

use crate::ec2::{Ec2, Lookup, TemplateRef};

/// Why a selector found no template to act on.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum NotFound {
    Call(CallFailure),
    /// An id or a name that names no template here (a tag may find none).
    Missing(TemplateDetail),
}

/// The templates `target`'s selector names.
pub async fn resolve(ec2: &Ec2, target: &TemplateTarget) -> Result<Vec<TemplateRef>, NotFound> {
    let placement = &target.placement;
    let (account, region) = (placement.account_id.clone(), placement.region.clone());
    let lookup = match &target.selector {
        TemplateSelector::Id(id) => Lookup::Id(id),
        TemplateSelector::Name(name) => Lookup::Filter(
            Filter::builder()
                .name("launch-template-name")
                .values(name)
                .build(),
        ),
        TemplateSelector::Tag(tag) => Lookup::Filter(
            Filter::builder()
                .name(format!("tag:{}", tag.key))
                .values(&tag.value)
                .build(),
        ),
    };
    let found = ec2.find(lookup).await.map_err(NotFound::Call)?;
    let missing = match &target.selector {
        TemplateSelector::Id(id) if found.is_empty() => TemplateDetail::NoSuchId {
            id: id.clone(),
            account,
            region,
        },
        TemplateSelector::Name(name) if found.is_empty() => TemplateDetail::NoSuchName {
            name: name.clone(),
            account,
            region,
        },
        _ => return Ok(found),
    };
    Err(NotFound::Missing(missing))
}
