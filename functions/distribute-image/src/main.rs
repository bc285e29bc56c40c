use distribute_image::ImageDistributor;

#[tokio::main(flavor = "current_thread")]
async fn main() -> Result<(), lambda_runtime::Error> {
    amiflow_common::run(ImageDistributor::new).await
}
