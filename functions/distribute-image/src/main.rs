use distribute_image::distribute::ImageDistributor;

#[tokio::main(flavor = "current_thread")]
async fn main() -> Result<(), lambda_runtime::Error> {
    amiflow_common::pipeline::run(ImageDistributor::new).await
}
