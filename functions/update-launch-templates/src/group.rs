//! The templates of one (Region, account): found by their selectors, read, their default AMIs'
//! builds read in one batch, then each changed as its decision says (`change.rs`).

use amiflow_common::build_tags::built_from;
use amiflow_common::context::Context;
use amiflow_common::placed_executor::PlacedExecutor;
use amiflow_model::decide::record::explains;
use amiflow_model::plan::target::TemplateTarget;
use amiflow_model::plan::unique::unique_by;
use amiflow_model::report::action::Action;
use amiflow_model::report::detail::Read;
use futures::future::join_all;

use crate::change::Change;
use crate::ec2::{Ec2, TemplateRef};
use crate::lookup::{resolve, NotFound};
use crate::updater::{action, TemplateUpdater};

pub(crate) struct Group<'a> {
    pub(crate) ec2: Ec2,
    pub(crate) context: &'a Context,
}

impl Group<'_> {
    pub(crate) async fn apply(&self, targets: &[&TemplateTarget]) -> Vec<Action> {
        let lookups = targets
            .iter()
            .map(|target| async move { (*target, resolve(&self.ec2, target).await) });
        let mut actions = Vec::new();
        let mut resolved: Vec<(&TemplateTarget, TemplateRef)> = Vec::new();
        for (target, found) in join_all(lookups).await {
            match found {
                Ok(found) if found.is_empty() => {
                    tracing::info!(selector = %target.selector, region = %target.placement.region,
                        account_id = %target.placement.account_id, "no launch template matches");
                }
                Ok(found) => resolved.extend(found.into_iter().map(|t| (target, t))),
                Err(NotFound::Missing(detail)) => {
                    actions.push(TemplateUpdater::failed(target, detail.into()))
                }
                Err(NotFound::Call(error)) => {
                    let why = Read::Templates.failed(error);
                    actions.push(TemplateUpdater::failed(target, why.into()));
                }
            }
        }
        // One template is one target, however many selectors reach it: the first one wins.
        let changes: Vec<Change> = unique_by(resolved, |(_, t)| t.id.clone())
            .into_iter()
            .map(|(target, template)| Change {
                group: self,
                target,
                template,
            })
            .collect();
        let reads = join_all(changes.iter().map(Change::read)).await;
        // The build each differing default AMI was made by, in one batched read, where the
        // record written beside it in the same version does not say.
        let differing: Vec<&str> = changes
            .iter()
            .zip(&reads)
            .filter_map(|(change, read)| {
                let default = &read.as_ref().ok()?.0;
                let default_ami = default.image_id.as_deref()?;
                let explained = explains(default.description.as_deref(), default_ami);
                let differs = change.target.placement.ami.as_deref().ok() != Some(default_ami);
                (differs && !explained).then_some(default_ami)
            })
            .collect();
        let built = match built_from(&self.ec2.ec2, &self.ec2.limit, &differing).await {
            Ok(built) => built,
            Err(error) => {
                let why = Read::TemplateBuildTags.failed(error);
                let each = changes
                    .iter()
                    .map(|c| action(c.target, &c.template.id, why.clone()));
                actions.extend(each);
                return actions;
            }
        };
        let runs = changes.iter().zip(reads).map(|(change, read)| {
            let built = &built;
            async move {
                match read {
                    Err(ended) => ended,
                    Ok(versions) => {
                        let default_built_from =
                            versions.0.image_id.as_ref().and_then(|id| built.get(id));
                        change.apply(&versions, default_built_from).await
                    }
                }
            }
        });
        actions.extend(join_all(runs).await);
        actions
    }
}
