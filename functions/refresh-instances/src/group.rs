//! One (Region, account): the templates amiflow keeps there (found as update-launch-templates
//! finds them), the groups that opted in, and for each group that runs a kept template, its
//! refreshes, the decision, and the refresh it needs.

use amiflow_common::context::Context;
use amiflow_common::placed_executor::{OnePlacement, PlacedExecutor};
use amiflow_common::placement::fail_each;
use amiflow_model::decide::refresh::{decide_refresh, KeptTemplate, RefreshDecision};
use amiflow_model::input::Request;
use amiflow_model::plan::target::TemplateTarget;
use amiflow_model::plan::unique::unique_by;
use amiflow_model::report::action::Action;
use amiflow_model::report::detail::{Detail, Read};
use amiflow_model::report::refresh::RefreshDetail;
use futures::future::join_all;
use update_launch_templates::ec2::Ec2;
use update_launch_templates::lookup::{resolve, NotFound};

use crate::autoscaling::{AutoScaling, Group, NotStarted};
use crate::refresher::{InstanceRefresher, KIND};

pub(crate) struct Placement<'a> {
    pub(crate) autoscaling: AutoScaling,
    pub(crate) ec2: Ec2,
    pub(crate) refresher: &'a InstanceRefresher,
    pub(crate) context: &'a Context,
}

impl<'a> Placement<'a> {
    /// One placement of the plan: Auto Scaling for its groups, EC2 for the templates they use.
    pub(crate) fn new(
        refresher: &'a InstanceRefresher,
        at: &OnePlacement<'a, InstanceRefresher>,
    ) -> Self {
        let clients = &at.clients;
        let client = clients.with(clients.client.autoscaling.clone());
        let ec2 = clients.with(clients.client.ec2.clone());
        let limit = at.limit.clone();
        Self {
            autoscaling: AutoScaling {
                client,
                limit: limit.clone(),
            },
            ec2: Ec2 { ec2, limit },
            refresher,
            context: at.context,
        }
    }
}

/// A template amiflow keeps here, and the target that found it (for the report).
struct Kept<'a> {
    template: KeptTemplate,
    target: &'a TemplateTarget,
    /// Whether this invocation looks at its groups (a result names only the templates it changed).
    wanted: bool,
}

impl<'a> Placement<'a> {
    fn action(&self, target: &TemplateTarget, group: &str, detail: impl Into<Detail>) -> Action {
        let image = Some(target.build.arn.to_string());
        Action::at(KIND, &target.placement, group, image, detail)
    }

    pub(crate) async fn apply(&self, targets: &[&'a TemplateTarget]) -> Vec<Action> {
        let mut actions = Vec::new();
        let kept = match self.kept(targets).await {
            Ok(kept) => kept,
            Err(why) => return fail_each(targets, InstanceRefresher::failed, why),
        };
        if !kept.iter().any(|k| k.wanted) {
            return actions;
        }
        let groups = match self.autoscaling.opted_in().await {
            Ok(groups) => groups,
            Err(error) => {
                let why = Read::Groups.failed(error);
                return fail_each(targets, InstanceRefresher::failed, why.into());
            }
        };
        let runs = groups.iter().filter_map(|group| {
            let setting = group.view.template.as_ref();
            let found = kept
                .iter()
                .find(|k| setting.is_some_and(|s| s.names(&k.template)));
            // A kept template this invocation does not look at (the result did not change it).
            // A group on no template amiflow keeps here is said so by a reconcile, which covers
            // every rule; an image's run covers only that image's templates.
            let kept = match found {
                Some(k) if !k.wanted => return None,
                None if !self.context.reconciles() => return None,
                other => other,
            };
            Some(async move { (group, self.refresh(group, kept).await) })
        });
        for (group, refreshed) in join_all(runs).await {
            actions.push(
                refreshed
                    .unwrap_or_else(|detail| self.action(targets[0], &group.view.name, detail)),
            );
        }
        actions
    }

    /// Every template amiflow keeps here: those the targets' selectors find and may change.
    async fn kept(&self, targets: &[&'a TemplateTarget]) -> Result<Vec<Kept<'a>>, Detail> {
        let found = join_all(
            targets
                .iter()
                .map(|t| async move { (*t, resolve(&self.ec2, t).await) }),
        )
        .await;
        let mut kept = Vec::new();
        for (target, templates) in found {
            let templates = match templates {
                Ok(templates) => templates,
                // update-launch-templates reports a template that is not there.
                Err(NotFound::Missing(_)) => continue,
                Err(NotFound::Call(error)) => return Err(Read::Templates.failed(error).into()),
            };
            for template in templates.into_iter().filter(|t| t.managed) {
                let (Some(default_version), Some(latest_version)) =
                    (template.default_version, template.latest_version)
                else {
                    continue;
                };
                let placement = &target.placement;
                let wanted = match &self.context.request {
                    Request::Changed(changed) => {
                        changed.includes(&placement.region, &placement.account_id, &template.id)
                    }
                    _ => true,
                };
                let template = KeptTemplate {
                    id: template.id,
                    name: template.name,
                    default_version,
                    latest_version,
                };
                kept.push(Kept {
                    template,
                    target,
                    wanted,
                });
            }
        }
        Ok(unique_by(kept, |k| k.template.id.clone()))
    }

    /// What one group needs, and the refresh, if one is due: the action, or (for a group on no
    /// kept template) the reason to report it under the first target's placement.
    async fn refresh(
        &self,
        group: &Group,
        kept: Option<&Kept<'_>>,
    ) -> Result<Action, RefreshDetail> {
        let Some(kept) = kept else {
            let decision = decide_refresh(&group.view, None, &[], &self.refresher.preferences);
            // With no kept template, the decision is NoTemplate or NotKept.
            return Err(match decision {
                RefreshDecision::NotKept { template } => RefreshDetail::NotKept { template },
                _ => RefreshDetail::NoTemplate,
            });
        };
        let (name, target) = (&group.view.name, kept.target);
        let template = &kept.template;
        let refreshes = match self.autoscaling.refreshes(name).await {
            Ok(refreshes) => refreshes,
            Err(error) => {
                let why = Read::Refreshes.failed(error);
                return Ok(self.action(target, name, why));
            }
        };
        let decision = decide_refresh(
            &group.view,
            Some(template),
            &refreshes,
            &self.refresher.preferences,
        );
        let (id, version) = (template.id.clone(), template.default_version);
        let detail = match decision {
            RefreshDecision::NoTemplate => RefreshDetail::NoTemplate,
            RefreshDecision::NotKept { template } => RefreshDetail::NotKept { template },
            RefreshDecision::BadTag { tag, problem } => RefreshDetail::BadTag { tag, problem },
            RefreshDecision::InProgress { id, status } => RefreshDetail::InProgress { id, status },
            RefreshDecision::OnVersion => RefreshDetail::OnVersion {
                template: id,
                version,
            },
            RefreshDecision::EndedBefore {
                id: refresh,
                status,
                reason,
            } => RefreshDetail::EndedBefore {
                id: refresh,
                status,
                reason,
                template: id,
                version,
            },
            RefreshDecision::Start {
                replacing,
                preferences,
            } => {
                if let Some(why) = self.context.deadline.refuses_start() {
                    return Ok(self.action(target, name, why));
                }
                if self.context.dry_run {
                    RefreshDetail::WouldStart {
                        template: id,
                        version,
                        replacing,
                    }
                } else {
                    match self
                        .autoscaling
                        .start(group, &id, version, &preferences)
                        .await
                    {
                        Ok(refresh) => {
                            let detail = RefreshDetail::Started {
                                id: refresh.clone(),
                                template: id,
                                version,
                                replacing,
                            };
                            let mut action = self.action(target, name, detail);
                            action.product = Some(refresh);
                            return Ok(action);
                        }
                        Err(NotStarted::InProgress) => RefreshDetail::InProgress {
                            id: "(started meanwhile)".into(),
                            status: "InProgress".into(),
                        },
                        Err(NotStarted::Failed(error)) => RefreshDetail::StartFailed(error),
                    }
                }
            }
        };
        Ok(self.action(target, name, detail))
    }
}
