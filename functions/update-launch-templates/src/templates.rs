//! Making each planned launch template's default version use its AMI: templates resolved and read
//! in batches per (Region, account), a version created only where one is due, old versions pruned.

use std::collections::HashMap;

use amiflow_common::placement::run_by_placement;
use amiflow_common::{CallError, CallLimit, ClientCache, Executor, Pipeline, Plan};
use amiflow_model::decide::{
    decide_template, provenance, versions_to_prune, TemplateDecision, TemplateVersion,
};
use amiflow_model::plan::{Planner, TemplateSelector, TemplateTarget};
use amiflow_model::token::client_token;
use amiflow_model::unique::unique_by;
use amiflow_model::{Action, ActionKind, ImageBuildVersionArn, Outcome, Request};
use aws_config::SdkConfig;
use aws_sdk_ec2::types::Filter;
use aws_sdk_ec2::Client;
use futures::future::join_all;

use crate::ec2::{self, TemplateRef};

const KIND: ActionKind = ActionKind::LaunchTemplate;

fn action(
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

/// The update-launch-templates executor: EC2 clients per (Region, account), one call limit.
pub struct TemplateUpdater {
    ec2: ClientCache<Client>,
    limit: CallLimit,
    dry_run: bool,
}

/// An image's launch template targets, and the event whose id seeds the client tokens.
pub struct TemplateWork {
    image: ImageBuildVersionArn,
    event_id: String,
    targets: Vec<TemplateTarget>,
}

impl TemplateUpdater {
    pub fn new(pipeline: &Pipeline) -> Self {
        Self::with_ec2_factory(pipeline, Client::new)
    }

    /// As `new`, with EC2 clients built by `factory` (tests use it to add mock interceptors).
    pub fn with_ec2_factory(
        pipeline: &Pipeline,
        factory: impl Fn(&SdkConfig) -> Client + Send + Sync + 'static,
    ) -> Self {
        Self {
            ec2: ClientCache::new(pipeline.aws.clone(), factory),
            limit: CallLimit::new(pipeline.settings.max_concurrency),
            dry_run: pipeline.settings.dry_run,
        }
    }
}

impl Executor for TemplateUpdater {
    type Work = TemplateWork;
    const KIND: ActionKind = KIND;

    fn plan(&self, planner: &Planner<'_>, request: &Request) -> Plan<TemplateWork> {
        Plan::Work(TemplateWork {
            image: request.image.clone(),
            event_id: request.event_id.clone(),
            targets: planner.launch_templates(),
        })
    }

    async fn apply(&self, work: TemplateWork) -> Vec<Action> {
        let TemplateWork {
            image,
            event_id,
            targets,
        } = work;
        run_by_placement(
            &targets,
            |t| &t.placement,
            &self.ec2,
            &image.partition,
            |client, members| {
                let group = Group {
                    client,
                    limit: &self.limit,
                    image: &image,
                    event_id: &event_id,
                    dry_run: self.dry_run,
                };
                async move { group.apply(&members).await }
            },
            failed,
        )
        .await
    }
}

/// Why a selector found no template to act on.
#[derive(Debug, thiserror::Error)]
enum ResolveError {
    #[error(transparent)]
    Call(#[from] CallError),
    #[error("no launch template named {name} in {account}/{region}")]
    NoSuchName {
        name: String,
        account: String,
        region: String,
    },
}

struct Group<'a> {
    client: Client,
    limit: &'a CallLimit,
    image: &'a ImageBuildVersionArn,
    event_id: &'a str,
    dry_run: bool,
}

impl Group<'_> {
    async fn apply(&self, targets: &[&TemplateTarget]) -> Vec<Action> {
        let mut actions = Vec::new();
        let mut resolved: Vec<(&TemplateTarget, TemplateRef)> = Vec::new();
        for target in targets {
            if let Err(reason) = &target.placement.ami {
                actions.push(failed(target, reason.clone()));
                continue;
            }
            match self.resolve(target).await {
                Ok(found) if found.is_empty() => {
                    tracing::info!(selector = %target.selector, region = %target.placement.region,
                        account_id = %target.placement.account_id, "no launch template matches");
                }
                Ok(found) => resolved.extend(found.into_iter().map(|t| (*target, t))),
                Err(reason) => actions.push(failed(target, reason.to_string())),
            }
        }
        // One template is one target, however many selectors reach it: the first one wins.
        let resolved = unique_by(resolved, |(_, t)| t.id.clone());
        if resolved.is_empty() {
            return actions;
        }
        let versions = match ec2::default_and_latest(&self.client, self.limit).await {
            Ok(v) => v,
            Err(e) => {
                let reason = format!("cannot describe launch template versions: {e}");
                actions.extend(
                    resolved
                        .iter()
                        .map(|(t, r)| action(t, &r.id, Outcome::Failed, reason.clone())),
                );
                return actions;
            }
        };
        let runs = resolved
            .iter()
            .map(|(target, template)| self.apply_one(target, template, &versions));
        actions.extend(join_all(runs).await);
        actions
    }

    async fn resolve(&self, target: &TemplateTarget) -> Result<Vec<TemplateRef>, ResolveError> {
        let (filter, wanted) = match &target.selector {
            TemplateSelector::Id(id) => {
                return Ok(vec![TemplateRef {
                    id: id.clone(),
                    name: String::new(),
                }])
            }
            TemplateSelector::Name(name) => (
                Filter::builder()
                    .name("launch-template-name")
                    .values(name)
                    .build(),
                Some(name),
            ),
            TemplateSelector::Tag(tag) => (
                Filter::builder()
                    .name(format!("tag:{}", tag.key))
                    .values(&tag.value)
                    .build(),
                None,
            ),
        };
        let found = ec2::find_templates(&self.client, self.limit, filter).await?;
        match wanted {
            Some(name) if found.is_empty() => Err(ResolveError::NoSuchName {
                name: name.clone(),
                account: target.placement.account_id.clone(),
                region: target.placement.region.clone(),
            }),
            _ => Ok(found),
        }
    }

    async fn apply_one(
        &self,
        target: &TemplateTarget,
        template: &TemplateRef,
        versions: &HashMap<String, (TemplateVersion, TemplateVersion)>,
    ) -> Action {
        let ami = target.placement.ami.as_deref().unwrap_or_default();
        let fail = |detail: String| action(target, &template.id, Outcome::Failed, detail);
        let Some((default, latest)) = versions.get(&template.id) else {
            return fail(format!(
                "no launch template {} in {}/{}",
                template.id, target.placement.account_id, target.placement.region
            ));
        };
        let decision =
            decide_template(default, latest, ami, self.image, target.set_default_version);
        let (outcome, mut detail, new_latest) = match decision {
            TemplateDecision::Skip(reason) => {
                return action(target, &template.id, Outcome::Skipped, reason)
            }
            TemplateDecision::Unchanged(reason) => (Outcome::Unchanged, reason, latest.number),
            TemplateDecision::MakeDefault(version) if self.dry_run => (
                Outcome::Planned,
                format!("would make version {version} (created by an earlier attempt) the default"),
                latest.number,
            ),
            TemplateDecision::MakeDefault(version) => {
                if let Err(e) =
                    ec2::make_default(&self.client, self.limit, &template.id, version).await
                {
                    return fail(e.to_string());
                }
                (
                    Outcome::Updated,
                    format!("made version {version} (created by an earlier attempt) the default"),
                    version,
                )
            }
            TemplateDecision::Create { source_version } if self.dry_run => {
                let then = if target.set_default_version {
                    " and make it the default"
                } else {
                    ""
                };
                (
                    Outcome::Planned,
                    format!("would create a version from version {source_version}{then}"),
                    latest.number,
                )
            }
            TemplateDecision::Create { source_version } => {
                let token = client_token(&[
                    self.event_id,
                    &target.placement.region,
                    &target.placement.account_id,
                    &template.id,
                ]);
                let description = provenance(self.image);
                let created = ec2::create_version(
                    &self.client,
                    self.limit,
                    &template.id,
                    source_version,
                    ami,
                    &description,
                    &token,
                )
                .await;
                let version = match created {
                    Ok(version) => version,
                    Err(e) => return fail(e.to_string()),
                };
                if target.set_default_version {
                    if let Err(e) =
                        ec2::make_default(&self.client, self.limit, &template.id, version).await
                    {
                        return fail(format!("created version {version}, but {e}"));
                    }
                    (
                        Outcome::Updated,
                        format!("version {version} from version {source_version}, now the default"),
                        version,
                    )
                } else {
                    (
                        Outcome::Updated,
                        format!("version {version} from version {source_version} (setDefaultVersion is false: not the default)"),
                        version,
                    )
                }
            }
        };
        if let Some(keep) = target.keep_versions {
            let default_now = if target.set_default_version && outcome == Outcome::Updated {
                new_latest
            } else {
                default.number
            };
            match self
                .prune(
                    &template.id,
                    default_now,
                    new_latest.max(latest.number),
                    keep,
                )
                .await
            {
                Ok(None) => {}
                Ok(Some(note)) => detail = format!("{detail}; {note}"),
                Err(e) => return fail(format!("{detail}, but pruning failed: {e}")),
            }
        }
        if !template.name.is_empty() {
            detail = format!("{} ({detail})", template.name);
        }
        action(target, &template.id, outcome, detail)
    }

    /// Deletes the oldest versions beyond `keep`; says what it did (or would do in a dry run).
    async fn prune(
        &self,
        template_id: &str,
        default: i64,
        latest: i64,
        keep: u32,
    ) -> Result<Option<String>, CallError> {
        // Versions are numbered from 1, so a template whose latest is within `keep` has nothing to prune.
        if latest <= i64::from(keep) {
            return Ok(None);
        }
        let all = ec2::all_versions(&self.client, self.limit, template_id).await?;
        let doomed = versions_to_prune(&all, default, latest, keep);
        if doomed.is_empty() {
            return Ok(None);
        }
        let list = doomed
            .iter()
            .map(i64::to_string)
            .collect::<Vec<_>>()
            .join(", ");
        if self.dry_run {
            return Ok(Some(format!("would prune versions {list}")));
        }
        let deleted = ec2::delete_versions(&self.client, self.limit, template_id, &doomed).await?;
        Ok(Some(format!(
            "pruned versions {}",
            deleted
                .iter()
                .map(i64::to_string)
                .collect::<Vec<_>>()
                .join(", ")
        )))
    }
}
