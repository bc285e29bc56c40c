use update_ssm_parameters::parameters::ParameterWriter;

#[tokio::main(flavor = "current_thread")]
async fn main() -> Result<(), lambda_runtime::Error> {
    amiflow_common::pipeline::run(|pipeline| Ok(ParameterWriter::new(pipeline))).await
}
