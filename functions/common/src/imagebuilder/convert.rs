//! Image Builder's SDK shapes turned into the model's: what amiflow plans from.

use std::collections::{BTreeMap, HashMap};

use amiflow_model::input::distribution::{
    AmiDistributionConfiguration, Distribution, LaunchPermissionConfiguration,
    LaunchTemplateConfiguration, SsmParameterConfiguration,
};
use amiflow_model::input::image::{
    Ami, Container, Image, ImageDistributionConfiguration, ImageState, OutputResources,
};
use amiflow_model::plan::newest::Candidate;
use aws_sdk_imagebuilder::types;

pub(crate) fn owned(s: Option<&str>) -> Option<String> {
    s.map(str::to_string)
}

pub(crate) fn state_from_sdk(state: &types::ImageState) -> ImageState {
    ImageState {
        status: state
            .status()
            .map(|st| st.as_str().to_string())
            .unwrap_or_default(),
        reason: owned(state.reason()),
    }
}

/// The model's view of an SDK image: what amiflow plans from. The type and container outputs
/// are read to tell container images (which amiflow leaves alone); container distribution, S3
/// export and Fast Launch settings are not: amiflow acts on none of them.
pub fn image_from_sdk(image: &types::Image) -> Image {
    Image {
        arn: image.arn().unwrap_or_default().to_string(),
        name: image.name().unwrap_or_default().to_string(),
        version: image.version().unwrap_or_default().to_string(),
        image_type: image.r#type().map(|t| t.as_str().to_string()),
        state: image.state().map(state_from_sdk),
        tags: tags(image.tags()),
        source_pipeline_arn: owned(image.source_pipeline_arn()),
        date_created: owned(image.date_created()),
        output_resources: image.output_resources().map(|o| OutputResources {
            amis: each(o.amis(), |a| Ami {
                region: a.region().unwrap_or_default().to_string(),
                image: a.image().unwrap_or_default().to_string(),
                name: owned(a.name()),
                description: owned(a.description()),
                account_id: owned(a.account_id()),
                state: a.state().map(state_from_sdk),
            }),
            containers: each(o.containers(), |c| Container {
                region: owned(c.region()),
                image_uris: c.image_uris().to_vec(),
            }),
        }),
        distribution_configuration: image.distribution_configuration().map(|d| {
            ImageDistributionConfiguration {
                arn: owned(d.arn()),
                name: owned(d.name()),
                distributions: each(d.distributions(), distribution_from_sdk),
            }
        }),
    }
}

fn distribution_from_sdk(d: &types::Distribution) -> Distribution {
    Distribution {
        region: d.region().to_string(),
        ami_distribution_configuration: d.ami_distribution_configuration().map(|a| {
            AmiDistributionConfiguration {
                name: owned(a.name()),
                description: owned(a.description()),
                target_account_ids: a.target_account_ids().to_vec(),
                ami_tags: tags(a.ami_tags()),
                kms_key_id: owned(a.kms_key_id()),
                launch_permission: a
                    .launch_permission()
                    .map(|p| LaunchPermissionConfiguration {
                        user_ids: p.user_ids().to_vec(),
                        user_groups: p.user_groups().to_vec(),
                        organization_arns: p.organization_arns().to_vec(),
                        organizational_unit_arns: p.organizational_unit_arns().to_vec(),
                    }),
            }
        }),
        license_configuration_arns: d.license_configuration_arns().to_vec(),
        launch_template_configurations: each(d.launch_template_configurations(), |l| {
            LaunchTemplateConfiguration {
                launch_template_id: l.launch_template_id().to_string(),
                account_id: owned(l.account_id()),
                set_default_version: Some(l.set_default_version()),
            }
        }),
        ssm_parameter_configurations: each(d.ssm_parameter_configurations(), |s| {
            SsmParameterConfiguration {
                ami_account_id: owned(s.ami_account_id()),
                parameter_name: s.parameter_name().to_string(),
                data_type: s.data_type().map(|t| t.as_str().to_string()),
            }
        }),
        ..Distribution::default()
    }
}

/// Each of `items` converted by `convert`.
fn each<T, U>(items: &[T], convert: impl Fn(&T) -> U) -> Vec<U> {
    items.iter().map(convert).collect()
}

fn tags(tags: Option<&HashMap<String, String>>) -> BTreeMap<String, String> {
    tags.map(|t| t.iter().map(|(k, v)| (k.clone(), v.clone())).collect())
        .unwrap_or_default()
}

/// A build as ListImageBuildVersions or ListImagePipelineImages shows it, if it is a build
/// version of an image (its ARN parses).
pub fn candidate(summary: &types::ImageSummary, pipeline: Option<&str>) -> Option<Candidate> {
    Some(Candidate {
        arn: summary.arn()?.parse().ok()?,
        name: summary.name().unwrap_or_default().to_string(),
        state: summary
            .state()
            .and_then(|s| s.status())
            .map(|s| s.as_str().to_string())
            .unwrap_or_default(),
        image_type: summary
            .r#type()
            .map(|t| t.as_str().to_string())
            .unwrap_or_default(),
        tags: tags(summary.tags()),
        pipeline: pipeline.map(str::to_string),
    })
}
