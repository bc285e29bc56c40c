use distribute_image::App;
use lambda_runtime::{run, service_fn, Error, LambdaEvent};
use serde_json::Value;

#[tokio::main]
async fn main() -> Result<(), Error> {
    lambda_runtime::tracing::init_default_subscriber();
    let app = App::from_env()
        .await
        .inspect_err(|e| tracing::error!(error = %e, "init failed"))?;
    run(service_fn(|event: LambdaEvent<Value>| app.handle(event))).await
}
