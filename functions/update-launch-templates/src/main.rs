use update_launch_templates::TemplateUpdater;

#[tokio::main(flavor = "current_thread")]
async fn main() -> Result<(), lambda_runtime::Error> {
    amiflow_common::run(|pipeline| Ok(TemplateUpdater::new(pipeline))).await
}
