//! What an invocation does to one launch template: decide from its default and latest versions,
//! then create a version, make it the default, and prune, as the decision says.

use amiflow_common::CallError;
use amiflow_model::decide::{
    decide_template, provenance, rollback_note, versions_to_prune, TemplateDecision,
    TemplateVersion,
};
use amiflow_model::plan::{Origin, TemplateTarget};
use amiflow_model::token::client_token;
use amiflow_model::{Action, ImageBuildVersionArn, Outcome};

use crate::ec2::{TemplateRef, VersionsError, MANAGED_TAG, VERSION_TAG};
use crate::templates::{action, Group};

impl Group<'_> {
    /// A managed template's default and latest versions, or the action that ends it here: not
    /// amiflow's to change, out of time, gone, or taking its AMI from SSM.
    pub(crate) async fn read(
        &self,
        target: &TemplateTarget,
        template: &TemplateRef,
    ) -> Result<(TemplateVersion, TemplateVersion), Action> {
        let fail = |detail: String| action(target, &template.id, Outcome::Failed, detail);
        if !template.managed {
            return Err(unmanaged(target, template));
        }
        if let Some(why) = self.deadline.refuses_start() {
            return Err(fail(why));
        }
        if let Some(known) = &template.known {
            return Ok((known.clone(), known.clone()));
        }
        let (default, latest) = match self.ec2.default_and_latest(&template.id).await {
            Ok(versions) => versions,
            Err(VersionsError::NotFound(id)) => {
                return Err(fail(format!(
                    "no launch template {id} in {}/{}",
                    target.placement.account_id, target.placement.region
                )))
            }
            Err(e) => {
                return Err(fail(format!(
                    "cannot describe launch template versions: {e}"
                )))
            }
        };
        if let Some(parameter) = default
            .image_id
            .as_deref()
            .and_then(|id| id.strip_prefix("resolve:ssm:"))
        {
            return Err(action(
                target,
                &template.id,
                Outcome::Skipped,
                format!(
                    "its default version {} takes its AMI from SSM parameter {parameter} (resolve:ssm:); \
                     amiflow leaves that indirection alone: keep the parameter current instead \
                     (update-ssm-parameters does, where the policy names it)",
                    default.number
                ),
            ));
        }
        Ok((default, latest))
    }

    /// Makes the template's default version use the target's AMI, as the decision says.
    pub(crate) async fn apply_one(
        &self,
        target: &TemplateTarget,
        template: &TemplateRef,
        (default, latest): &(TemplateVersion, TemplateVersion),
        built_from: Option<&ImageBuildVersionArn>,
    ) -> Action {
        let ami = target.placement.ami.as_deref().unwrap_or_default();
        let fail = |detail: String| action(target, &template.id, Outcome::Failed, detail);
        let decision = decide_template(
            default,
            latest,
            ami,
            self.image,
            target.set_default_version,
            self.intent,
            built_from,
        );
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
                let description = latest.description.as_deref().unwrap_or_default();
                let tagged = match self.make_default(template, version, description).await {
                    Ok(tagged) => tagged,
                    Err(e) => return fail(e.to_string()),
                };
                (
                    Outcome::Updated,
                    format!("made version {version} (created by an earlier attempt) the default{tagged}"),
                    version,
                )
            }
            TemplateDecision::Create {
                source_version,
                rolled_back_from,
            } if self.dry_run => {
                let then = if target.set_default_version {
                    " and make it the default"
                } else {
                    ""
                };
                (
                    Outcome::Planned,
                    format!(
                        "{}would create a version from version {source_version}{then}",
                        rollback_note(rolled_back_from.as_ref())
                    ),
                    latest.number,
                )
            }
            TemplateDecision::Create {
                source_version,
                rolled_back_from,
            } => {
                let token = client_token(&[
                    self.event_id,
                    &target.placement.region,
                    &target.placement.account_id,
                    &template.id,
                ]);
                let description = provenance(self.image, ami, rolled_back_from.as_ref());
                let note = rollback_note(rolled_back_from.as_ref());
                let created = self
                    .ec2
                    .create_version(&template.id, source_version, ami, &description, &token)
                    .await;
                let version = match created {
                    Ok(version) => version,
                    Err(e) => return fail(e.to_string()),
                };
                if target.set_default_version {
                    let tagged = match self.make_default(template, version, &description).await {
                        Ok(tagged) => tagged,
                        Err(e) => return fail(format!("created version {version}, but {e}")),
                    };
                    (
                        Outcome::Updated,
                        format!("{note}version {version} from version {source_version}, now the default{tagged}"),
                        version,
                    )
                } else {
                    (
                        Outcome::Updated,
                        format!("{note}version {version} from version {source_version} (setDefaultVersion is false: not the default)"),
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

    /// Makes `version` the default and, at the same time, tags the template with it and its record
    /// (`description`), so that the next run's find says what the template holds. A failed tag
    /// costs the next run a read, not this update: it is noted, not failed. The tags are trusted
    /// only while the version they name is the default and the latest, so neither call's failure,
    /// nor their order, can make them lie.
    async fn make_default(
        &self,
        template: &TemplateRef,
        version: i64,
        description: &str,
    ) -> Result<String, CallError> {
        let (made, tagged) = futures::join!(
            self.ec2.make_default(&template.id, version),
            self.ec2.tag_version(&template.id, version, description)
        );
        made?;
        Ok(match tagged {
            Ok(()) => String::new(),
            Err(e) => {
                tracing::warn!(template_id = %template.id, version, error = %e,
                    "could not tag the template with its new version; the next run reads its versions");
                format!(" (not tagged {VERSION_TAG}={version}: {e}; the next run reads its versions instead)")
            }
        })
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
        let all = self.ec2.all_versions(template_id).await?;
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
        let deleted = self.ec2.delete_versions(template_id, &doomed).await?;
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

/// A template without `amiflow:managed = true` is not amiflow's to change (its IAM says the same).
fn unmanaged(target: &TemplateTarget, template: &TemplateRef) -> Action {
    let (key, value) = MANAGED_TAG;
    let (outcome, detail) = match target.origin {
        Origin::DistributionSettings => (
            Outcome::Skipped,
            format!(
                "not tagged {key}={value}: Image Builder's own distribution settings update it; \
                 tag it to let amiflow keep it too"
            ),
        ),
        Origin::Rule(_) => (
            Outcome::Failed,
            format!(
                "not tagged {key}={value}, which amiflow needs to change a launch template: \
                 tag it, or take it out of the policy"
            ),
        ),
    };
    action(target, &template.id, outcome, detail)
}
