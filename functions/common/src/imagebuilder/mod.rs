//! Image Builder reads, in the function's own account: GetImage, turned into the model's image,
//! and the list calls a reconcile finds the newest builds with (`builds.rs`).

mod builds;
pub mod convert;
pub mod retry;

use std::sync::Arc;

use amiflow_model::input::arn::ImageBuildVersionArn;
use amiflow_model::input::image::Image;
use aws_config::SdkConfig;
use aws_sdk_imagebuilder::error::{DisplayErrorContext, ProvideErrorMetadata};
use aws_sdk_imagebuilder::operation::{
    distribute_image::DistributeImageError, get_image::GetImageError,
    list_image_build_versions::ListImageBuildVersionsError,
    list_image_pipeline_images::ListImagePipelineImagesError, list_images::ListImagesError,
};

use crate::aws::clients::ClientCache;
use crate::aws::limit::CallLimit;
use crate::aws::sessions::Session;
use crate::aws::AwsContext;
use crate::error::FunctionError;
use convert::image_from_sdk;
use retry::ImageBuilderRetry;

/// An Image Builder client whose retries know the service's own throttling codes.
pub fn imagebuilder_client(config: &SdkConfig) -> aws_sdk_imagebuilder::Client {
    let conf = aws_sdk_imagebuilder::config::Builder::from(config)
        .retry_partition(crate::aws::config::retry_partition("imagebuilder"))
        .retry_classifier(ImageBuilderRetry::<GetImageError>::new())
        .retry_classifier(ImageBuilderRetry::<DistributeImageError>::new())
        .retry_classifier(ImageBuilderRetry::<ListImagesError>::new())
        .retry_classifier(ImageBuilderRetry::<ListImageBuildVersionsError>::new())
        .retry_classifier(ImageBuilderRetry::<ListImagePipelineImagesError>::new())
        .build();
    aws_sdk_imagebuilder::Client::from_conf(conf)
}

/// Image Builder is called in the function's own account only: this session is never assumed.
const OWN_ACCOUNT_ONLY: Session = Session {
    name: "amiflow-image-builder",
    policy: "",
};

/// List calls a reconcile makes at once.
const LISTING_AT_ONCE: usize = 4;

pub struct ImageBuilder {
    clients: ClientCache<aws_sdk_imagebuilder::Client>,
    home_region: Option<String>,
    listing: CallLimit,
}

impl ImageBuilder {
    pub fn new(context: Arc<AwsContext>) -> Self {
        Self {
            home_region: context.home_region().map(str::to_string),
            clients: ClientCache::new(context, OWN_ACCOUNT_ONLY, imagebuilder_client),
            listing: CallLimit::new(LISTING_AT_ONCE),
        }
    }

    /// The function's own Region, where its Image Builder is.
    pub fn home_region(&self) -> Result<&str, FunctionError> {
        self.home_region.as_deref().ok_or_else(|| {
            FunctionError::Configuration("no AWS Region is configured (AWS_REGION)".into())
        })
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
