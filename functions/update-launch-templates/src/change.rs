//! What an invocation does to one launch template: decide from its default and latest versions,
//! then create a version, make it the default, and prune, as the decision says.

use amiflow_model::decide::record::write_record;
use amiflow_model::decide::template::{
    decide_template, versions_to_prune, TemplateDecision, TemplateVersion,
};
use amiflow_model::input::arn::ImageBuildVersionArn;
use amiflow_model::plan::target::{Origin, TemplateTarget};
use amiflow_model::plan::token::client_token;
use amiflow_model::report::action::{Action, Outcome};
use amiflow_model::report::detail::{CallFailure, Read};
use amiflow_model::report::template::TemplateDetail;

use crate::ec2::{TemplateRef, VersionsError};
use crate::group::Group;
use crate::updater::action;

/// One template found for one target, in its placement's group.
pub(crate) struct Change<'a> {
    pub(crate) group: &'a Group<'a>,
    pub(crate) target: &'a TemplateTarget,
    pub(crate) template: TemplateRef,
}

type Versions = (TemplateVersion, TemplateVersion);

impl Change<'_> {
    fn action(&self, detail: TemplateDetail) -> Action {
        action(self.target, &self.template.id, detail)
    }

    /// A managed template's default and latest versions, or the action that ends it here: not
    /// amiflow's to change, out of time, gone, or taking its AMI from SSM.
    pub(crate) async fn read(&self) -> Result<Versions, Action> {
        let (target, template) = (self.target, &self.template);
        if !template.managed {
            return Err(self.action(match target.origin {
                Origin::DistributionSettings => TemplateDetail::LeftToImageBuilder,
                _ => TemplateDetail::Unmanaged,
            }));
        }
        if let Some(why) = self.group.context.deadline.refuses_start() {
            return Err(action(target, &template.id, why));
        }
        if let Some(known) = &template.known {
            return Ok((known.clone(), known.clone()));
        }
        let (default, latest) = match self.group.ec2.default_and_latest(&template.id).await {
            Ok(versions) => versions,
            Err(VersionsError::NotFound(id)) => {
                let placement = &target.placement;
                return Err(self.action(TemplateDetail::NoSuchId {
                    id,
                    account: placement.account_id.clone(),
                    region: placement.region.clone(),
                }));
            }
            Err(VersionsError::Call(error)) => {
                let why = Read::TemplateVersions.failed(error);
                return Err(action(target, &template.id, why));
            }
        };
        if let Some(parameter) = default
            .image_id
            .as_deref()
            .and_then(|id| id.strip_prefix("resolve:ssm:"))
        {
            return Err(self.action(TemplateDetail::FromSsm {
                version: default.number,
                parameter: parameter.to_string(),
            }));
        }
        Ok((default, latest))
    }

    /// Makes the template's default version use the target's AMI, as the decision says.
    pub(crate) async fn apply(
        &self,
        (default, latest): &Versions,
        default_built_from: Option<&ImageBuildVersionArn>,
    ) -> Action {
        let (target, template) = (self.target, &self.template);
        let (build, dry_run) = (&target.build, self.group.context.dry_run);
        let ami = target.placement.ami.as_deref().unwrap_or_default();
        let decision = decide_template(
            default,
            latest,
            ami,
            &build.arn,
            target.set_default_version,
            build.intent,
            default_built_from,
        );
        let (done, new_latest) = match decision {
            TemplateDecision::Skip { version, why } => {
                return self.action(TemplateDetail::Kept { version, why })
            }
            TemplateDecision::DefaultHolds => {
                let version = default.number;
                let holds = TemplateDetail::DefaultHolds {
                    version,
                    ami: ami.to_string(),
                };
                (holds, latest.number)
            }
            TemplateDecision::LatestHolds { latest: number } => {
                let holds = TemplateDetail::LatestHolds {
                    latest: number,
                    ami: ami.to_string(),
                    default: default.number,
                };
                (holds, latest.number)
            }
            TemplateDecision::MakeDefault(version) if dry_run => {
                (TemplateDetail::WouldMakeDefault { version }, latest.number)
            }
            TemplateDecision::MakeDefault(version) => {
                let description = latest.description.as_deref().unwrap_or_default();
                let untagged = match self.make_default(version, description).await {
                    Ok(untagged) => untagged,
                    Err(error) => {
                        let created = None;
                        return self.action(TemplateDetail::DefaultFailed { created, error });
                    }
                };
                (TemplateDetail::MadeDefault { version, untagged }, version)
            }
            TemplateDecision::Create {
                source_version,
                rolled_back_from,
            } if dry_run => {
                let would = TemplateDetail::WouldCreate {
                    source_version,
                    make_default: target.set_default_version,
                    rolled_back_from,
                };
                (would, latest.number)
            }
            TemplateDecision::Create {
                source_version,
                rolled_back_from,
            } => {
                // The source version is in the token: a retry of the same attempt is one version,
                // and a repair after someone moved the default back is a new one.
                let source = source_version.to_string();
                let token = client_token(&[
                    &build.token_seed,
                    &target.placement.region,
                    &target.placement.account_id,
                    &template.id,
                    &source,
                ]);
                let description = write_record(&build.arn, ami, rolled_back_from.as_ref());
                let created = self
                    .group
                    .ec2
                    .create_version(&template.id, source_version, ami, &description, &token)
                    .await;
                let version = match created {
                    Ok(version) => version,
                    Err(e) => return self.action(TemplateDetail::CreateFailed(e)),
                };
                let mut untagged = None;
                if target.set_default_version {
                    untagged = match self.make_default(version, &description).await {
                        Ok(untagged) => untagged,
                        Err(error) => {
                            let created = Some(version);
                            return self.action(TemplateDetail::DefaultFailed { created, error });
                        }
                    };
                }
                let made = TemplateDetail::Created {
                    version,
                    source_version,
                    made_default: target.set_default_version,
                    rolled_back_from,
                    untagged,
                };
                (made, version)
            }
        };
        let mut detail = done;
        if let Some(keep) = target.keep_versions {
            let default_now =
                match target.set_default_version && detail.outcome() == Outcome::Updated {
                    true => new_latest,
                    false => default.number,
                };
            match self
                .prune(default_now, new_latest.max(latest.number), keep)
                .await
            {
                Ok(None) => {}
                Ok(Some(versions)) => {
                    detail = TemplateDetail::Pruned {
                        done: Box::new(detail),
                        versions,
                        dry_run,
                    }
                }
                Err(error) => {
                    let done = Box::new(detail);
                    return self.action(TemplateDetail::PruneFailed { done, error });
                }
            }
        }
        if !template.name.is_empty() {
            let name = template.name.clone();
            detail = TemplateDetail::Named {
                name,
                done: Box::new(detail),
            };
        }
        self.action(detail)
    }

    /// Makes `version` the default and, at the same time, tags the template with it and its record
    /// (`description`), so that the next run's find says what the template holds. A failed tag
    /// costs the next run a read, not this update: it is noted (returned), not failed. The tags
    /// are trusted only while the version they name is the default and the latest, so neither
    /// call's failure, nor their order, can make them lie.
    async fn make_default(
        &self,
        version: i64,
        description: &str,
    ) -> Result<Option<CallFailure>, CallFailure> {
        let (id, ec2) = (&self.template.id, &self.group.ec2);
        let (made, tagged) = futures::join!(
            ec2.make_default(id, version),
            ec2.tag_version(id, version, description)
        );
        made?;
        Ok(tagged.err().inspect(|e| {
            tracing::warn!(template_id = %id, version, error = %e,
                "could not tag the template with its new version; the next run reads its versions");
        }))
    }

    /// Deletes the oldest versions beyond `keep`; the versions pruned (or, in a dry run, that
    /// would be), if any.
    async fn prune(
        &self,
        default: i64,
        latest: i64,
        keep: u32,
    ) -> Result<Option<Vec<i64>>, CallFailure> {
        // Versions are numbered from 1, so a template whose latest is within `keep` has nothing to prune.
        if latest <= i64::from(keep) {
            return Ok(None);
        }
        let id = &self.template.id;
        let all = self.group.ec2.all_versions(id).await?;
        let doomed = versions_to_prune(&all, default, latest, keep);
        if doomed.is_empty() {
            return Ok(None);
        }
        if self.group.context.dry_run {
            return Ok(Some(doomed));
        }
        let deleted = self.group.ec2.delete_versions(id, &doomed).await?;
        Ok(Some(deleted))
    }
}
