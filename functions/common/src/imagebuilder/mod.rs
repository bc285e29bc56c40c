//! Image Builder reads: GetImage, turned into the model's image.

use std::sync::Arc;

use amiflow_model::distribution::{
    AmiDistributionConfiguration, Distribution, LaunchPermissionConfiguration,
    LaunchTemplateConfiguration, SsmParameterConfiguration,
};
use amiflow_model::image::{
    Ami, Container, Image, ImageDistributionConfiguration, ImageState, OutputResources,
};
use amiflow_model::ImageBuildVersionArn;
use aws_config::SdkConfig;
use aws_sdk_imagebuilder::error::{DisplayErrorContext, ProvideErrorMetadata};
use aws_sdk_imagebuilder::operation::distribute_image::DistributeImageError;
use aws_sdk_imagebuilder::operation::get_image::GetImageError;
use aws_sdk_imagebuilder::types;

use crate::clients::{AwsContext, ClientCache, Session};
use crate::error::FunctionError;
use crate::retry::ImageBuilderRetry;

/// An Image Builder client whose retries know the service's own throttling codes.
pub fn imagebuilder_client(config: &SdkConfig) -> aws_sdk_imagebuilder::Client {
    let conf = aws_sdk_imagebuilder::config::Builder::from(config)
        .retry_classifier(ImageBuilderRetry::<GetImageError>::new())
        .retry_classifier(ImageBuilderRetry::<DistributeImageError>::new())
        .build();
    aws_sdk_imagebuilder::Client::from_conf(conf)
}

/// Image Builder is called in the function's own account only: this session is never assumed.
const OWN_ACCOUNT_ONLY: Session = Session {
    name: "amiflow-image-builder",
    policy: "",
};

pub struct ImageBuilder {
    clients: ClientCache<aws_sdk_imagebuilder::Client>,
}

impl ImageBuilder {
    pub fn new(context: Arc<AwsContext>) -> Self {
        Self {
            clients: ClientCache::new(context, OWN_ACCOUNT_ONLY, imagebuilder_client),
        }
    }

    /// The client for `region`, with the function's own credentials.
    pub fn client(&self, region: &str) -> aws_sdk_imagebuilder::Client {
        self.clients.own(region)
    }

    pub async fn get_image(&self, arn: &ImageBuildVersionArn) -> Result<Image, FunctionError> {
        let client = self.client(&arn.region);
        let response = client
            .get_image()
            .image_build_version_arn(arn.to_string())
            .send()
            .await
            .map_err(|e| {
                let message = match e.code() {
                    Some("ResourceNotFoundException") => {
                        "Image Builder has no such image".to_string()
                    }
                    _ => DisplayErrorContext(&e).to_string(),
                };
                FunctionError::ImageUnavailable {
                    arn: arn.to_string(),
                    message,
                }
            })?;
        let image = response
            .image()
            .ok_or_else(|| FunctionError::ImageUnavailable {
                arn: arn.to_string(),
                message: "GetImage returned no image".into(),
            })?;
        Ok(image_from_sdk(image))
    }
}

fn owned(s: Option<&str>) -> Option<String> {
    s.map(str::to_string)
}

fn state_from_sdk(state: &types::ImageState) -> ImageState {
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
        tags: image
            .tags()
            .map(|t| t.iter().map(|(k, v)| (k.clone(), v.clone())).collect())
            .unwrap_or_default(),
        source_pipeline_arn: owned(image.source_pipeline_arn()),
        date_created: owned(image.date_created()),
        output_resources: image.output_resources().map(|o| OutputResources {
            amis: o
                .amis()
                .iter()
                .map(|a| Ami {
                    region: a.region().unwrap_or_default().to_string(),
                    image: a.image().unwrap_or_default().to_string(),
                    name: owned(a.name()),
                    description: owned(a.description()),
                    account_id: owned(a.account_id()),
                    state: a.state().map(state_from_sdk),
                })
                .collect(),
            containers: o
                .containers()
                .iter()
                .map(|c| Container {
                    region: owned(c.region()),
                    image_uris: c.image_uris().to_vec(),
                })
                .collect(),
        }),
        distribution_configuration: image.distribution_configuration().map(|d| {
            ImageDistributionConfiguration {
                arn: owned(d.arn()),
                name: owned(d.name()),
                distributions: d
                    .distributions()
                    .iter()
                    .map(distribution_from_sdk)
                    .collect(),
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
                ami_tags: a
                    .ami_tags()
                    .map(|t| t.iter().map(|(k, v)| (k.clone(), v.clone())).collect())
                    .unwrap_or_default(),
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
        launch_template_configurations: d
            .launch_template_configurations()
            .iter()
            .map(|l| LaunchTemplateConfiguration {
                launch_template_id: l.launch_template_id().to_string(),
                account_id: owned(l.account_id()),
                set_default_version: Some(l.set_default_version()),
            })
            .collect(),
        ssm_parameter_configurations: d
            .ssm_parameter_configurations()
            .iter()
            .map(|s| SsmParameterConfiguration {
                ami_account_id: owned(s.ami_account_id()),
                parameter_name: s.parameter_name().to_string(),
                data_type: s.data_type().map(|t| t.as_str().to_string()),
            })
            .collect(),
        ..Distribution::default()
    }
}
