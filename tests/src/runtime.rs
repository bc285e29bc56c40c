//! A function's real binary, run as Lambda runs it: long-lived processes polling one Runtime API
//! that hands out queued events with the function's reserved concurrency (the emulator in
//! tests/bench/runtime_api.py, shared with the benchmark), pointed at the tests' emulators.

use std::io::Write;
use std::process::Command;
use std::time::Duration;

use crate::{env, moto, HOME_REGION};

/// What an invocation answered: its response or error payload.
#[derive(Debug, Clone)]
pub struct Answered {
    pub request_id: String,
    pub error: bool,
    pub payload: serde_json::Value,
}

/// Runs `events`, queued in order, through `processes` copies of `binary` with at most
/// `concurrency` invocations at once, `environment` added to the emulators' settings; the
/// answers, in the order they came.
pub fn run_queued(
    binary: &str,
    function_arn: &str,
    concurrency: usize,
    processes: usize,
    environment: &[(&str, String)],
    events: &[serde_json::Value],
    timeout: Duration,
) -> Vec<Answered> {
    let url = &env().moto.url;
    let events_file = std::env::temp_dir().join(format!("{}.jsonl", crate::unique("events")));
    let mut file = std::fs::File::create(&events_file).expect("an events file");
    for event in events {
        writeln!(file, "{event}").expect("events written");
    }
    let mut settings: Vec<(&str, String)> = vec![
        ("AWS_REGION", HOME_REGION.into()),
        ("AWS_ENDPOINT_URL", url.clone()),
        ("AWS_ACCESS_KEY_ID", "testing".into()),
        ("AWS_SECRET_ACCESS_KEY", "testing".into()),
        ("AWS_EC2_METADATA_DISABLED", "true".into()),
        ("AWS_CONFIG_FILE", "/dev/null".into()),
        ("AWS_SHARED_CREDENTIALS_FILE", "/dev/null".into()),
        ("RUST_LOG", "warn".into()),
    ];
    settings.extend(environment.iter().map(|(k, v)| (*k, v.clone())));
    let script = moto::workspace_root().join("tests/bench/runtime_api.py");
    let mut command = Command::new(&env().moto.python);
    command.arg("-B").arg(script).args([
        "serve",
        "--function-arn",
        function_arn,
        "--concurrency",
        &concurrency.to_string(),
        "--processes",
        &processes.to_string(),
        "--binary",
        binary,
        "--events",
        &events_file.to_string_lossy(),
        "--timeout",
        &timeout.as_secs().to_string(),
    ]);
    for (key, value) in &settings {
        command.arg("--env").arg(format!("{key}={value}"));
    }
    let output = command.output().expect("the Runtime API emulator runs");
    let _ = std::fs::remove_file(&events_file);
    String::from_utf8_lossy(&output.stdout)
        .lines()
        .filter_map(|line| serde_json::from_str::<serde_json::Value>(line).ok())
        .map(|answer| Answered {
            request_id: answer["requestId"].as_str().unwrap_or_default().to_string(),
            error: answer["error"].as_bool().unwrap_or(true),
            payload: answer["payload"].clone(),
        })
        .collect()
}
