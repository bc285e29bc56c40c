//! A Lambda Runtime API emulator for running a function's real binary, as Lambda runs it, with
//! the concurrency Lambda allows it: with reserved concurrency 1, one invocation at a time is
//! handed out, whatever number of processes poll; the rest wait in the queue, as Lambda's
//! asynchronous queue holds them.

use std::collections::VecDeque;
use std::sync::{Arc, Mutex};
use std::time::{Duration, SystemTime, UNIX_EPOCH};

use axum::body::Bytes;
use axum::extract::{Path, State};
use axum::http::{HeaderMap, HeaderValue, StatusCode};
use axum::routing::{get, post};
use axum::Router;
use tokio::sync::Notify;

/// What an invocation answered: its response or error payload.
#[derive(Debug, Clone)]
pub struct Answered {
    pub request_id: String,
    pub error: bool,
    pub payload: serde_json::Value,
}

#[derive(Default)]
struct Queue {
    waiting: VecDeque<(String, serde_json::Value)>,
    in_flight: usize,
    answered: Vec<Answered>,
}

#[derive(Clone)]
pub struct RuntimeApi {
    /// `host:port`, as `AWS_LAMBDA_RUNTIME_API` takes it.
    pub address: String,
    function_arn: String,
    concurrency: usize,
    queue: Arc<Mutex<Queue>>,
    changed: Arc<Notify>,
}

impl RuntimeApi {
    /// Serves invocations of `function_arn`, at most `concurrency` at once.
    pub fn start(function_arn: &str, concurrency: usize) -> Result<Self, String> {
        let (listener, url) = crate::server::bind()?;
        let api = RuntimeApi {
            address: url.trim_start_matches("http://").to_string(),
            function_arn: function_arn.to_string(),
            concurrency: concurrency.max(1),
            queue: Arc::default(),
            changed: Arc::default(),
        };
        let router = Router::new()
            .route("/2018-06-01/runtime/invocation/next", get(next))
            .route(
                "/2018-06-01/runtime/invocation/{id}/response",
                post(response),
            )
            .route("/2018-06-01/runtime/invocation/{id}/error", post(error))
            .route("/2018-06-01/runtime/init/error", post(init_error))
            .with_state(api.clone());
        crate::server::serve_in_background("runtime-api", listener, router)?;
        Ok(api)
    }

    /// Queues an invocation of `event` (as EventBridge delivers it: asynchronously).
    pub fn invoke(&self, event: serde_json::Value) {
        let id = crate::unique("request");
        self.lock().waiting.push_back((id, event));
        self.changed.notify_waiters();
    }

    /// Waits until `count` invocations have answered (or `timeout` passes); returns the answers.
    pub async fn answers(&self, count: usize, timeout: Duration) -> Vec<Answered> {
        let deadline = tokio::time::Instant::now() + timeout;
        loop {
            let notified = self.changed.notified();
            let answered = self.lock().answered.clone();
            if answered.len() >= count || tokio::time::Instant::now() >= deadline {
                return answered;
            }
            let _ = tokio::time::timeout_at(deadline, notified).await;
        }
    }

    fn lock(&self) -> std::sync::MutexGuard<'_, Queue> {
        self.queue.lock().unwrap_or_else(|p| p.into_inner())
    }

    fn answer(&self, id: String, error: bool, body: &Bytes) {
        let payload = serde_json::from_slice(body).unwrap_or(serde_json::Value::Null);
        let mut queue = self.lock();
        queue.in_flight = queue.in_flight.saturating_sub(1);
        queue.answered.push(Answered {
            request_id: id,
            error,
            payload,
        });
        drop(queue);
        self.changed.notify_waiters();
    }
}

async fn next(State(api): State<RuntimeApi>) -> (StatusCode, HeaderMap, String) {
    loop {
        let notified = api.changed.notified();
        {
            let mut queue = api.lock();
            if queue.in_flight < api.concurrency {
                if let Some((id, event)) = queue.waiting.pop_front() {
                    queue.in_flight += 1;
                    return (StatusCode::OK, headers(&api, &id), event.to_string());
                }
            }
        }
        notified.await;
    }
}

fn headers(api: &RuntimeApi, id: &str) -> HeaderMap {
    let deadline = SystemTime::now() + Duration::from_secs(300);
    let deadline_ms = deadline
        .duration_since(UNIX_EPOCH)
        .unwrap_or_default()
        .as_millis();
    let mut headers = HeaderMap::new();
    for (name, value) in [
        ("lambda-runtime-aws-request-id", id.to_string()),
        ("lambda-runtime-deadline-ms", deadline_ms.to_string()),
        (
            "lambda-runtime-invoked-function-arn",
            api.function_arn.clone(),
        ),
        ("lambda-runtime-trace-id", format!("Root=1-{id}")),
    ] {
        if let Ok(value) = HeaderValue::from_str(&value) {
            headers.insert(name, value);
        }
    }
    headers
}

async fn response(
    State(api): State<RuntimeApi>,
    Path(id): Path<String>,
    body: Bytes,
) -> StatusCode {
    api.answer(id, false, &body);
    StatusCode::ACCEPTED
}

async fn error(State(api): State<RuntimeApi>, Path(id): Path<String>, body: Bytes) -> StatusCode {
    api.answer(id, true, &body);
    StatusCode::ACCEPTED
}

async fn init_error(State(api): State<RuntimeApi>, body: Bytes) -> StatusCode {
    api.answer("init".into(), true, &body);
    StatusCode::ACCEPTED
}

/// Starts `processes` copies of a function binary against `api`, with the tests' emulators as its
/// AWS endpoints and `environment` added. They are killed when the returned guard drops.
pub fn start_processes(
    binary: &str,
    api: &RuntimeApi,
    processes: usize,
    environment: &[(&str, String)],
) -> Processes {
    let env = crate::env();
    let children = (0..processes)
        .map(|_| {
            std::process::Command::new(binary)
                .env_clear()
                .env("PATH", std::env::var("PATH").unwrap_or_default())
                .env("AWS_LAMBDA_RUNTIME_API", &api.address)
                .env(
                    "AWS_LAMBDA_FUNCTION_NAME",
                    api.function_arn.rsplit(':').next().unwrap_or("f"),
                )
                .env("AWS_LAMBDA_FUNCTION_MEMORY_SIZE", "128")
                .env("AWS_LAMBDA_FUNCTION_VERSION", "$LATEST")
                .env("AWS_REGION", crate::HOME_REGION)
                .env("AWS_ENDPOINT_URL", &env.moto.url)
                .env("AWS_ENDPOINT_URL_IMAGEBUILDER", &env.standin.url)
                .env("AWS_ACCESS_KEY_ID", "testing")
                .env("AWS_SECRET_ACCESS_KEY", "testing")
                .env("AWS_EC2_METADATA_DISABLED", "true")
                .env("AWS_CONFIG_FILE", "/dev/null")
                .env("AWS_SHARED_CREDENTIALS_FILE", "/dev/null")
                .env("RUST_LOG", "warn")
                .envs(environment.iter().map(|(k, v)| (*k, v.as_str())))
                .stdout(std::process::Stdio::null())
                .spawn()
                .unwrap_or_else(|e| panic!("cannot start {binary}: {e}"))
        })
        .collect();
    Processes(children)
}

/// Function processes, killed when dropped.
pub struct Processes(Vec<std::process::Child>);

impl Drop for Processes {
    fn drop(&mut self) {
        for child in &mut self.0 {
            let _ = child.kill();
            let _ = child.wait();
        }
    }
}
