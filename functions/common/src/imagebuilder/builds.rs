//! The builds a reconcile applies, found with Image Builder's list calls in the function's own
//! account and Region (every page: the service pages 25 at a time): for a rule that matches a
//! pipeline, ListImagePipelineImages; for any other, ListImages (owner `Self`) for the image
//! names and versions, then ListImageBuildVersions from the highest version down until a build
//! the rule matches is found. The model chooses (`plan::newest`).

use std::collections::BTreeMap;

use amiflow_model::input::arn::ImageBuildVersionArn;
use amiflow_model::plan::newest::{self, Candidate};
use amiflow_model::plan::scope::Scope;
use amiflow_model::plan::unique::unique_by;
use amiflow_model::policy::{Policy, Rule};
use amiflow_model::report::detail::CallFailure;
use aws_sdk_imagebuilder::types::Ownership;
use aws_sdk_imagebuilder::Client;
use futures::future::join_all;

use super::convert::candidate;
use super::ImageBuilder;
use crate::error::FunctionError;

/// The builds a list call names in its image summaries (ListImageBuildVersions,
/// ListImagePipelineImages: each its own output type), across every page, with the pipeline asked
/// for, if one was.
macro_rules! builds_listed {
    ($builder:expr, $request:expr, $operation:literal, $pipeline:expr) => {{
        let pages = crate::every_page!($builder.listing, $request, $operation).map_err(unlisted)?;
        let summaries = pages.iter().flat_map(|p| p.image_summary_list());
        summaries
            .filter_map(|s| candidate(s, $pipeline))
            .collect::<Vec<Candidate>>()
    }};
}

/// One image version ListImages names: the ARN of `<name>/<x.y.z>`, without a build number.
struct Version {
    arn: String,
    name: String,
    version: (u64, u64, u64),
}

impl ImageBuilder {
    /// The newest build of every image name each rule in `scope` matches, each once.
    pub(crate) async fn newest_builds(
        &self,
        policy: &Policy,
        scope: &Scope,
    ) -> Result<Vec<ImageBuildVersionArn>, FunctionError> {
        let client = self.client(self.home_region()?);
        let rules: Vec<&Rule> = policy
            .rules
            .iter()
            .filter(|r| scope.covers_rule(&r.name))
            .collect();
        let (by_pipeline, by_name): (Vec<&Rule>, Vec<&Rule>) = rules
            .into_iter()
            .partition(|r| newest::pipeline(r).is_some());
        // Each pipeline listed once, whatever number of rules match on it, all side by side.
        let mut pipelines: Vec<(&str, Vec<&Rule>)> = Vec::new();
        for rule in by_pipeline {
            let pipeline = newest::pipeline(rule).unwrap_or_default();
            match pipelines.iter_mut().find(|(p, _)| *p == pipeline) {
                Some((_, rules)) => rules.push(rule),
                None => pipelines.push((pipeline, vec![rule])),
            }
        }
        let listings = pipelines.iter().map(|(pipeline, rules)| async {
            let request = client.list_image_pipeline_images();
            let request = request.image_pipeline_arn(*pipeline);
            let candidates =
                builds_listed!(self, request, "ListImagePipelineImages", Some(*pipeline));
            let newest = rules
                .iter()
                .flat_map(|rule| newest::newest_per_name(rule, &candidates));
            Ok::<_, FunctionError>(newest.collect::<Vec<_>>())
        });
        let mut chosen = Vec::new();
        for found in join_all(listings).await {
            chosen.extend(found?);
        }
        if !by_name.is_empty() {
            let versions = self.versions(&client).await?;
            let searches = versions.iter().map(|(name, versions)| {
                let rules: Vec<&Rule> = by_name
                    .iter()
                    .copied()
                    .filter(|r| newest::matches_name(r, name))
                    .collect();
                self.newest_of_name(&client, versions, rules)
            });
            for found in join_all(searches).await {
                chosen.extend(found?);
            }
        }
        let chosen = unique_by(chosen, ImageBuildVersionArn::to_string);
        tracing::info!(builds = chosen.len(), "reconcile: newest builds found");
        Ok(chosen)
    }

    /// Every AMI image version of this account, by name, highest version first.
    async fn versions(
        &self,
        client: &Client,
    ) -> Result<BTreeMap<String, Vec<Version>>, FunctionError> {
        let request = client.list_images().owner(Ownership::SelfValue);
        let pages = crate::every_page!(self.listing, request, "ListImages").map_err(unlisted)?;
        let mut by_name: BTreeMap<String, Vec<Version>> = BTreeMap::new();
        for image in pages.iter().flat_map(|p| p.image_version_list()) {
            let is_ami = image.r#type().is_none_or(|t| t.as_str() == "AMI");
            let parsed = image.version().and_then(newest::semantic_version);
            if let (true, Some(arn), Some(name), Some(version)) =
                (is_ami, image.arn(), image.name(), parsed)
            {
                by_name.entry(name.to_string()).or_default().push(Version {
                    arn: arn.to_string(),
                    name: name.to_string(),
                    version,
                });
            }
        }
        for versions in by_name.values_mut() {
            versions.sort_by_key(|v| std::cmp::Reverse(v.version));
        }
        Ok(by_name)
    }

    /// For each of `rules`, the newest build of this name it matches: versions are read from
    /// the highest down, and the search stops once every rule has its build.
    async fn newest_of_name(
        &self,
        client: &Client,
        versions: &[Version],
        mut rules: Vec<&Rule>,
    ) -> Result<Vec<ImageBuildVersionArn>, FunctionError> {
        let mut found = Vec::new();
        for version in versions {
            if rules.is_empty() {
                break;
            }
            let candidates = self.builds_of(client, version).await?;
            rules.retain(|rule| {
                let newest = newest::newest_per_name(rule, &candidates);
                let searching = newest.is_empty();
                found.extend(newest);
                searching
            });
        }
        Ok(found)
    }

    /// Every build of one image version.
    async fn builds_of(
        &self,
        client: &Client,
        version: &Version,
    ) -> Result<Vec<Candidate>, FunctionError> {
        let request = client
            .list_image_build_versions()
            .image_version_arn(&version.arn);
        let builds = builds_listed!(self, request, "ListImageBuildVersions", None);
        tracing::debug!(image = %version.name, builds = builds.len(), "reconcile: builds listed");
        Ok(builds)
    }
}

fn unlisted(failure: CallFailure) -> FunctionError {
    FunctionError::BuildsUnavailable(failure)
}
