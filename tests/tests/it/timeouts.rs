//! A hung connection costs one call its timeout, never the whole invocation: the SDK clients
//! amiflow builds carry attempt and operation timeouts.

use std::time::Duration;

use amiflow_common::aws::config::load_base_config;

#[tokio::test]
async fn a_call_to_a_server_that_never_answers_times_out() {
    amiflow_testkit::env();
    // Accepts connections and never answers: a hung endpoint.
    let listener = std::net::TcpListener::bind("127.0.0.1:0").unwrap();
    let url = format!("http://{}", listener.local_addr().unwrap());
    std::thread::spawn(move || {
        let mut held = Vec::new();
        for stream in listener.incoming().flatten() {
            held.push(stream);
        }
    });
    let base = load_base_config(Duration::from_secs(2)).await;
    let config = aws_sdk_ssm::config::Builder::from(&base).endpoint_url(url);
    let ssm = aws_sdk_ssm::Client::from_conf(config.build());
    let call = ssm.get_parameters().names("/hung").send();
    // The outer bound only keeps a broken build from hanging the suite; the call must fail on its own.
    let outcome = tokio::time::timeout(Duration::from_secs(60), call)
        .await
        .expect("the SDK's own timeout ends the call");
    let error = outcome.expect_err("nothing answered");
    let text = aws_smithy_types::error::display::DisplayErrorContext(&error).to_string();
    assert!(
        text.to_lowercase().contains("timeout") || text.contains("timed out"),
        "{text}"
    );
}
