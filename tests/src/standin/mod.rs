//! A stand-in for EC2 Image Builder: no emulator serves it, so this small server speaks its
//! REST-JSON wire format for the operations amiflow calls (`GET /GetImage`,
//! `PUT /DistributeImage`) and rejects what the real service
//! rejects: missing required members, ARN patterns, a configuration in another Region, client
//! tokens reused with other parameters. Errors carry `x-amzn-ErrorType`, as the service's do.
//! It records every request and can be told to fail the next N calls (throttling tests).

mod operations;

use std::collections::{BTreeMap, HashMap};
use std::net::SocketAddr;
use std::sync::{Arc, Mutex};

use axum::body::Bytes;
use axum::extract::{Query, State};
use axum::http::{HeaderMap, StatusCode};
use axum::response::{IntoResponse, Response};
use axum::routing::{get, put};
use axum::Router;
use regex::Regex;
use serde_json::{json, Value};

const IMAGE_ARN: &str = r"^arn:aws[^:]*:imagebuilder:[^:]+:(?:[0-9]{12}|aws):image/[a-z0-9-_]+/[0-9]+\.[0-9]+\.[0-9]+/[0-9]+$";
const CONFIGURATION_ARN: &str =
    r"^arn:aws[^:]*:imagebuilder:[^:]+:(?:[0-9]{12}|aws):distribution-configuration/[a-z0-9-_]+$";
const EXECUTION_ROLE: &str =
    r"^(?:arn:aws(?:-[a-z]+)*:iam::[0-9]{12}:role/)?[a-zA-Z_0-9+=,.@\-_/]+$";

#[derive(Debug, Clone, PartialEq)]
pub struct Recorded {
    pub operation: String,
    /// The JSON body, or for GET operations the query parameters as an object.
    pub body: Value,
}

#[derive(Debug)]
struct Fault {
    operation: String,
    key: String,
    code: String,
    status: u16,
    remaining: usize,
}

#[derive(Debug, Default)]
struct Store {
    images: BTreeMap<String, Value>,
    configurations: BTreeMap<String, Value>,
    tokens: HashMap<String, (Value, Value)>,
    faults: Vec<Fault>,
    requests: Vec<Recorded>,
    requests_seen: u64,
}

#[derive(Clone, Default)]
pub struct StandIn {
    pub url: String,
    store: Arc<Mutex<Store>>,
}

struct ServiceError {
    status: StatusCode,
    code: String,
    message: String,
}

fn error(status: u16, code: impl Into<String>, message: impl Into<String>) -> ServiceError {
    ServiceError {
        status: StatusCode::from_u16(status).unwrap_or(StatusCode::BAD_REQUEST),
        code: code.into(),
        message: message.into(),
    }
}

impl IntoResponse for ServiceError {
    fn into_response(self) -> Response {
        (
            self.status,
            [
                ("x-amzn-ErrorType", self.code),
                ("content-type", "application/json".to_string()),
            ],
            json!({ "message": self.message }).to_string(),
        )
            .into_response()
    }
}

type Reply = Result<(StatusCode, [(&'static str, &'static str); 1], String), ServiceError>;

fn ok(body: Value) -> Reply {
    Ok((
        StatusCode::OK,
        [("content-type", "application/json")],
        body.to_string(),
    ))
}

fn matches(pattern: &str, text: &str) -> bool {
    Regex::new(pattern)
        .map(|r| r.is_match(text))
        .unwrap_or(false)
}

impl StandIn {
    /// Starts the server on a free loopback port, on a thread of its own that lives as long as the
    /// process (so it outlives each test's own Tokio runtime).
    pub fn start_background() -> Result<Self, String> {
        let (listener, url) = crate::server::bind()?;
        let standin = StandIn {
            url,
            store: Arc::default(),
        };
        crate::server::serve_in_background("imagebuilder-standin", listener, standin.router())?;
        Ok(standin)
    }

    /// Serves on `addr` until the process ends (for the `imagebuilder-standin` binary).
    pub async fn serve(
        addr: SocketAddr,
    ) -> std::io::Result<(Self, impl std::future::Future<Output = std::io::Result<()>>)> {
        let listener = tokio::net::TcpListener::bind(addr).await?;
        let standin = StandIn {
            url: format!("http://{}", listener.local_addr()?),
            store: Arc::default(),
        };
        let router = standin.router();
        Ok((standin, async move { axum::serve(listener, router).await }))
    }

    fn router(&self) -> Router {
        Router::new()
            .route("/GetImage", get(operations::get_image))
            .route("/DistributeImage", put(operations::distribute_image))
            .with_state(self.clone())
    }

    fn store(&self) -> std::sync::MutexGuard<'_, Store> {
        self.store.lock().unwrap_or_else(|p| p.into_inner())
    }

    /// Adds an image: a GetImage response (`{"image": {...}}`) or the image object itself.
    pub fn put_image(&self, image: Value) {
        let image = image.get("image").cloned().unwrap_or(image);
        let arn = image["arn"]
            .as_str()
            .expect("an image has an arn")
            .to_string();
        self.store().images.insert(arn, image);
    }

    pub fn put_configuration(&self, configuration: Value) {
        let arn = configuration["arn"]
            .as_str()
            .expect("a configuration has an arn")
            .to_string();
        self.store().configurations.insert(arn, configuration);
    }

    pub fn image(&self, arn: &str) -> Option<Value> {
        self.store().images.get(arn).cloned()
    }

    /// Fails the next `times` calls of `operation` whose request mentions `key`, with `code`.
    pub fn fail(&self, operation: &str, key: &str, code: &str, status: u16, times: usize) {
        self.store().faults.push(Fault {
            operation: operation.into(),
            key: key.into(),
            code: code.into(),
            status,
            remaining: times,
        });
    }

    /// Recorded requests of `operation` whose body mentions `containing`.
    pub fn requests(&self, operation: &str, containing: &str) -> Vec<Recorded> {
        self.store()
            .requests
            .iter()
            .filter(|r| r.operation == operation && r.body.to_string().contains(containing))
            .cloned()
            .collect()
    }

    /// Loads every `*.json` file of `dir`: GetImage responses or images, and distribution configurations.
    pub fn load_fixtures(&self, dir: &std::path::Path) -> std::io::Result<usize> {
        let mut count = 0;
        let mut paths: Vec<_> = std::fs::read_dir(dir)?
            .filter_map(|e| e.ok())
            .map(|e| e.path())
            .collect();
        paths.sort();
        for path in paths
            .into_iter()
            .filter(|p| p.extension().is_some_and(|e| e == "json"))
        {
            let value: Value =
                serde_json::from_str(&std::fs::read_to_string(&path)?).map_err(|e| {
                    std::io::Error::new(
                        std::io::ErrorKind::InvalidData,
                        format!("{}: {e}", path.display()),
                    )
                })?;
            let value = value
                .get("distributionConfiguration")
                .cloned()
                .unwrap_or(value);
            if value.get("image").is_some() || value.get("outputResources").is_some() {
                self.put_image(value);
            } else {
                self.put_configuration(value);
            }
            count += 1;
        }
        Ok(count)
    }

    /// Records the request; answers with an injected fault if one is due.
    fn enter(&self, operation: &str, body: &Value) -> Result<u64, ServiceError> {
        let mut store = self.store();
        store.requests.push(Recorded {
            operation: operation.into(),
            body: body.clone(),
        });
        store.requests_seen += 1;
        let text = body.to_string();
        if let Some(fault) = store
            .faults
            .iter_mut()
            .find(|f| f.operation == operation && f.remaining > 0 && text.contains(&f.key))
        {
            fault.remaining -= 1;
            return Err(error(
                fault.status,
                fault.code.clone(),
                format!("injected {}", fault.code),
            ));
        }
        Ok(store.requests_seen)
    }
}
