//! Making each planned launch template's default version use its AMI: templates resolved and read
//! in batches per (Region, account), a version created only where one is due, old versions pruned.

use amiflow_common::placement::PlacedClients;
use amiflow_common::provenance::built_from;
use amiflow_common::{CallError, Deadline, Executor, Pipeline, Plan, Session};
use amiflow_model::decide::{explains, Intent};
use amiflow_model::plan::{Planner, TemplateSelector, TemplateTarget};
use amiflow_model::unique::unique_by;
use amiflow_model::{Action, ActionKind, ImageBuildVersionArn, Outcome, Request};
use aws_sdk_ec2::types::Filter;
use aws_sdk_ec2::Client;
use futures::future::join_all;

use crate::ec2::{Ec2, Lookup, TemplateRef};

const KIND: ActionKind = ActionKind::LaunchTemplate;

pub(crate) fn action(
    target: &TemplateTarget,
    name: &str,
    outcome: Outcome,
    detail: impl Into<String>,
) -> Action {
    target.placement.action(KIND, name, outcome, detail)
}

fn failed(target: &TemplateTarget, reason: String) -> Action {
    action(
        target,
        &target.selector.to_string(),
        Outcome::Failed,
        reason,
    )
}

/// This function in a target account: its own session name, and only the calls it makes.
pub const SESSION: Session = Session {
    name: "amiflow-update-launch-templates",
    policy: r#"{"Version":"2012-10-17","Statement":[{"Sid":"UpdateLaunchTemplates","Effect":"Allow","Action":["ec2:DescribeLaunchTemplates","ec2:DescribeLaunchTemplateVersions","ec2:CreateLaunchTemplateVersion","ec2:ModifyLaunchTemplate","ec2:CreateTags","ec2:DeleteLaunchTemplateVersions","ec2:DescribeImages"],"Resource":"*"}]}"#,
};

/// The update-launch-templates executor: EC2 clients per (Region, account).
pub struct TemplateUpdater {
    ec2: PlacedClients<Client>,
}

/// An image's launch template targets, and the event whose id seeds the client tokens.
pub struct TemplateWork {
    image: ImageBuildVersionArn,
    intent: Intent,
    event_id: String,
    targets: Vec<TemplateTarget>,
}

impl TemplateUpdater {
    pub fn new(pipeline: &Pipeline) -> Self {
        Self::with_clients(PlacedClients::new(pipeline, SESSION, Client::new))
    }

    /// With clients made elsewhere (tests add mock interceptors to theirs).
    pub fn with_clients(ec2: PlacedClients<Client>) -> Self {
        Self { ec2 }
    }
}

impl Executor for TemplateUpdater {
    type Work = TemplateWork;
    const KIND: ActionKind = KIND;
    const ROLLS_BACK: bool = true;

    fn plan(&self, planner: &Planner<'_>, request: &Request) -> Plan<TemplateWork> {
        Plan::Work(TemplateWork {
            targets: planner.launch_templates(),
            image: request.image.clone(),
            intent: request.intent(),
            event_id: request.event_id.clone(),
        })
    }

    async fn apply(&self, work: TemplateWork, deadline: Deadline) -> Vec<Action> {
        let (image, event_id) = (&work.image, work.event_id.as_str());
        self.ec2
            .run(
                &image.partition,
                &work.targets,
                |client, limit, members| async move {
                    let group = Group {
                        ec2: Ec2 { ec2: client, limit },
                        image,
                        intent: work.intent,
                        event_id,
                        deadline,
                        dry_run: self.ec2.dry_run,
                    };
                    group.apply(&members).await
                },
                failed,
            )
            .await
    }
}

/// Why a selector found no template to act on.
#[derive(Debug, thiserror::Error)]
enum ResolveError {
    #[error("{0}")]
    NoAmi(String),
    #[error(transparent)]
    Call(#[from] CallError),
    #[error("no launch template named {name} in {account}/{region}")]
    NoSuchName {
        name: String,
        account: String,
        region: String,
    },
    #[error("no launch template {id} in {account}/{region}")]
    NoSuchId {
        id: String,
        account: String,
        region: String,
    },
}

/// The templates of one (Region, account) and what an invocation does to them.
pub(crate) struct Group<'a> {
    pub(crate) ec2: Ec2,
    pub(crate) image: &'a ImageBuildVersionArn,
    pub(crate) intent: Intent,
    pub(crate) event_id: &'a str,
    pub(crate) deadline: Deadline,
    pub(crate) dry_run: bool,
}

impl Group<'_> {
    async fn apply(&self, targets: &[&TemplateTarget]) -> Vec<Action> {
        let lookups = targets
            .iter()
            .map(|target| async move { (*target, self.resolve(target).await) });
        let mut actions = Vec::new();
        let mut resolved: Vec<(&TemplateTarget, TemplateRef)> = Vec::new();
        for (target, found) in join_all(lookups).await {
            match found {
                Ok(found) if found.is_empty() => {
                    tracing::info!(selector = %target.selector, region = %target.placement.region,
                        account_id = %target.placement.account_id, "no launch template matches");
                }
                Ok(found) => resolved.extend(found.into_iter().map(|t| (target, t))),
                Err(reason) => actions.push(failed(target, reason.to_string())),
            }
        }
        // One template is one target, however many selectors reach it: the first one wins.
        let resolved = unique_by(resolved, |(_, t)| t.id.clone());
        let reads = join_all(
            resolved
                .iter()
                .map(|(target, template)| async move { self.read(target, template).await }),
        )
        .await;
        // The build each differing default AMI was made by, in one batched read, where the
        // record written beside it in the same version does not say.
        let differing: Vec<&str> = resolved
            .iter()
            .zip(&reads)
            .filter_map(|((target, _), read)| {
                let default = &read.as_ref().ok()?.0;
                let default_ami = default.image_id.as_deref()?;
                let explained = explains(default.description.as_deref(), default_ami);
                let differs = target.placement.ami.as_deref().ok() != Some(default_ami);
                (differs && !explained).then_some(default_ami)
            })
            .collect();
        let built = match built_from(&self.ec2.ec2, &self.ec2.limit, &differing).await {
            Ok(built) => built,
            Err(e) => {
                let why = format!("cannot read the build tags of the templates' AMIs: {e}");
                actions.extend(
                    resolved
                        .iter()
                        .map(|(t, r)| action(t, &r.id, Outcome::Failed, why.clone())),
                );
                return actions;
            }
        };
        let runs = resolved
            .iter()
            .zip(reads)
            .map(|((target, template), read)| {
                let built = &built;
                async move {
                    match read {
                        Err(ended) => ended,
                        Ok(versions) => {
                            let built_from =
                                versions.0.image_id.as_ref().and_then(|id| built.get(id));
                            self.apply_one(target, template, &versions, built_from)
                                .await
                        }
                    }
                }
            });
        actions.extend(join_all(runs).await);
        actions
    }

    /// The templates a target's selector names in its (Region, account).
    async fn resolve(&self, target: &TemplateTarget) -> Result<Vec<TemplateRef>, ResolveError> {
        let placement = &target.placement;
        if let Err(reason) = &placement.ami {
            return Err(ResolveError::NoAmi(reason.clone()));
        }
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
        let found = self.ec2.find(lookup).await?;
        match &target.selector {
            TemplateSelector::Id(id) if found.is_empty() => Err(ResolveError::NoSuchId {
                id: id.clone(),
                account,
                region,
            }),
            TemplateSelector::Name(name) if found.is_empty() => Err(ResolveError::NoSuchName {
                name: name.clone(),
                account,
                region,
            }),
            _ => Ok(found),
        }
    }
}
