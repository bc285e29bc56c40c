use update_ssm_parameters::ParameterWriter;

#[tokio::main(flavor = "current_thread")]
async fn main() -> Result<(), lambda_runtime::Error> {
    amiflow_common::run(|pipeline| Ok(ParameterWriter::new(pipeline))).await
}
