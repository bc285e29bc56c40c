//! The fake front in moto's process (tests/fake/moto_front.py), driven through its control API:
//! Image Builder's images and configurations, the request log, injected faults and throttling
//! storms, STS refusals, the end of instance refreshes, and Organizations' empty pages.

use serde_json::{json, Value};

use crate::http::request;

/// One request the front saw: its service, operation, the caller's Region and account, and its
/// body (JSON for JSON protocols, the form fields for query protocols, the query for GETs).
#[derive(Debug, Clone, PartialEq)]
pub struct Recorded {
    pub service: String,
    pub operation: String,
    pub region: String,
    pub account: String,
    pub body: Value,
}

/// The control API of the front at `url`.
#[derive(Debug, Clone)]
pub struct Front {
    pub url: String,
}

impl Front {
    fn call(&self, method: &str, path: &str, body: Option<Value>) -> Value {
        let answer = request(&self.url, method, path, body.as_ref())
            .unwrap_or_else(|e| panic!("the front's control API: {e}"));
        let json = answer.json();
        assert!(
            answer.status == 200,
            "{method} {path}: {} {json}",
            answer.status
        );
        json
    }

    /// Adds an image: a GetImage response (`{"image": {...}}`) or the image object itself.
    pub fn put_image(&self, image: Value) {
        self.call("POST", "/_amiflow/imagebuilder/images", Some(image));
    }

    pub fn put_configuration(&self, configuration: Value) {
        self.call(
            "POST",
            "/_amiflow/imagebuilder/configurations",
            Some(configuration),
        );
    }

    /// The stored image, if any.
    pub fn image(&self, arn: &str) -> Option<Value> {
        let answer = request(
            &self.url,
            "GET",
            &format!("/_amiflow/imagebuilder/images?arn={}", encode(arn)),
            None,
        )
        .unwrap_or_else(|e| panic!("the front's control API: {e}"));
        (answer.status == 200).then(|| answer.json())
    }

    /// The requests of `service` and `operation` whose body mentions `containing`, in order.
    pub fn requests(&self, service: &str, operation: &str, containing: &str) -> Vec<Recorded> {
        self.requests_in("", service, operation, containing)
    }

    /// As `requests`, of those signed for `region` alone (every Region where it is empty).
    pub fn requests_in(
        &self,
        region: &str,
        service: &str,
        operation: &str,
        containing: &str,
    ) -> Vec<Recorded> {
        let path = format!(
            "/_amiflow/requests?service={}&operation={}&contains={}&region={}",
            encode(service),
            encode(operation),
            encode(containing),
            encode(region)
        );
        let entries = self.call("GET", &path, None);
        entries
            .as_array()
            .into_iter()
            .flatten()
            .map(|e| Recorded {
                service: text(e, "service"),
                operation: text(e, "operation"),
                region: text(e, "region"),
                account: text(e, "account"),
                body: e["body"].clone(),
            })
            .collect()
    }

    /// Fails the next `times` requests of `service`/`operation` that mention `containing` with
    /// `code` (in the service's own error shape).
    pub fn fail(
        &self,
        service: &str,
        operation: &str,
        containing: &str,
        code: &str,
        status: u16,
        times: usize,
    ) {
        self.fail_in("", service, operation, containing, (code, status), times)
    }

    /// As `fail`, for requests signed for `region` alone (any Region where it is empty): tests
    /// side by side in one binary each fault their own Regions.
    pub fn fail_in(
        &self,
        region: &str,
        service: &str,
        operation: &str,
        containing: &str,
        (code, status): (&str, u16),
        times: usize,
    ) {
        let mut fault = json!({"service": service, "operation": operation, "contains": containing,
            "code": code, "status": status, "times": times});
        if !region.is_empty() {
            fault["region"] = json!(region);
        }
        self.call("POST", "/_amiflow/faults", Some(fault));
    }

    /// Throttles that share of every request signed for `regions` (every Region, where empty)
    /// with each service's own throttling error; 0 ends the storm. Answers the storm's counts.
    pub fn storm(&self, rate: f64, seed: u64, regions: &[&str]) -> Value {
        let storm = json!({"rate": rate, "seed": seed, "regions": regions});
        self.call("POST", "/_amiflow/storm", Some(storm))
    }

    /// AssumeRole into these accounts is refused (AccessDenied), and into no other.
    pub fn refuse_roles_in(&self, accounts: &[&str]) {
        self.call(
            "POST",
            "/_amiflow/sts/refuse",
            Some(json!({"accounts": accounts})),
        );
    }

    /// Ends the active instance refreshes of `group` with `status`; answers their ids.
    pub fn finish_refreshes(&self, group: &str, status: &str, reason: Option<&str>) -> Vec<String> {
        let mut body = json!({"group": group, "status": status});
        if let Some(reason) = reason {
            body["statusReason"] = json!(reason);
        }
        let answer = self.call("POST", "/_amiflow/autoscaling/refreshes/finish", Some(body));
        answer["finished"]
            .as_array()
            .into_iter()
            .flatten()
            .filter_map(|id| id.as_str().map(str::to_string))
            .collect()
    }

    /// The next `times` Organizations list calls answer an empty page that still has a token.
    pub fn empty_organization_pages(&self, times: usize) {
        self.call(
            "POST",
            "/_amiflow/organizations/empty-pages",
            Some(json!({"times": times})),
        );
    }
}

fn text(entry: &Value, key: &str) -> String {
    entry[key].as_str().unwrap_or_default().to_string()
}

/// Percent-encodes a query value.
fn encode(value: &str) -> String {
    value
        .bytes()
        .map(|b| match b {
            b'A'..=b'Z' | b'a'..=b'z' | b'0'..=b'9' | b'-' | b'_' | b'.' | b'~' => {
                (b as char).to_string()
            }
            other => format!("%{other:02X}"),
        })
        .collect()
}
