//! Where an AMI came from, by the tag Image Builder puts on every AMI it makes
//! (`Ec2ImageBuilderArn` = the image build version ARN). The writers read it for values amiflow's
//! own record does not explain: a value Image Builder's distribution settings, a person or
//! another tool wrote.

use std::collections::HashMap;

use amiflow_model::decide::tags::BUILD_TAG;
use amiflow_model::input::arn::ImageBuildVersionArn;
use amiflow_model::report::detail::CallFailure;
use aws_sdk_ec2::types::Filter;

use crate::aws::clients::AccountClient;
use crate::aws::limit::CallLimit;

/// Values per DescribeImages filter (the API takes up to 200).
const BATCH: usize = 100;

/// The image build each AMI among `values` was made by, where its tag says so. Values that are
/// no AMI id are not asked about; an AMI that no longer exists is simply absent (a filter, not
/// `ImageIds`, so one missing AMI does not fail the rest).
pub async fn built_from(
    ec2: &AccountClient<aws_sdk_ec2::Client>,
    limit: &CallLimit,
    values: &[&str],
) -> Result<HashMap<String, ImageBuildVersionArn>, CallFailure> {
    let mut amis: Vec<String> = values
        .iter()
        .filter(|v| v.starts_with("ami-"))
        .map(|v| v.to_string())
        .collect();
    amis.sort_unstable();
    amis.dedup();
    let mut out = HashMap::new();
    for chunk in amis.chunks(BATCH) {
        let filter = Filter::builder()
            .name("image-id")
            .set_values(Some(chunk.to_vec()))
            .build();
        let request = ec2
            .client
            .describe_images()
            .filters(filter)
            .include_deprecated(true)
            .include_disabled(true);
        let pages = crate::every_page!(
            limit,
            request,
            crate::override_as!(aws_sdk_ec2, ec2.credentials),
            "DescribeImages"
        )?;
        for image in pages.iter().flat_map(|page| page.images()) {
            let built = image
                .tags()
                .iter()
                .find(|t| t.key() == Some(BUILD_TAG))
                .and_then(|t| t.value())
                .and_then(ImageBuildVersionArn::find_in);
            if let (Some(id), Some(built)) = (image.image_id(), built) {
                out.insert(id.to_string(), built);
            }
        }
    }
    Ok(out)
}
