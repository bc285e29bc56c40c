use update_launch_templates::updater::TemplateUpdater;

#[tokio::main(flavor = "current_thread")]
async fn main() -> Result<(), lambda_runtime::Error> {
    amiflow_common::pipeline::run(|pipeline| Ok(TemplateUpdater::new(pipeline))).await
}
