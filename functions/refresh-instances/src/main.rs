use refresh_instances::refresher::InstanceRefresher;

#[tokio::main(flavor = "current_thread")]
async fn main() -> Result<(), lambda_runtime::Error> {
    amiflow_common::pipeline::run(|pipeline| Ok(InstanceRefresher::new(pipeline))).await
}
