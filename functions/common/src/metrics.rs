//! One CloudWatch Embedded Metric Format record per invocation, under namespace `amiflow`, with
//! the dimensions `Function` and `Kind`, the report's counts and `Drift` (targets a reconcile
//! found out of place), written to the function's log.
//! metrics_cloudwatch_embedded writes the records; its collector is process-wide, so recording
//! and flushing one invocation's figures happen under one lock.

use std::sync::{Mutex, OnceLock};
use std::time::Duration;

use amiflow_model::report::action::ActionKind;
use amiflow_model::report::{Report, Summary};
use metrics::{counter, describe_counter, describe_gauge, gauge, Unit};
use metrics_cloudwatch_embedded::{Builder, Collector};

pub const NAMESPACE: &str = "amiflow";

fn collector() -> Option<&'static Collector> {
    static COLLECTOR: OnceLock<Option<&'static Collector>> = OnceLock::new();
    *COLLECTOR.get_or_init(|| {
        let collector = Builder::new()
            .cloudwatch_namespace(NAMESPACE)
            // An invocation with no failure still reports `Failed: 0`, so the alarm sees data.
            .emit_zeros(true)
            .init()
            .inspect_err(|e| tracing::warn!(error = %e, "metrics are off: no EMF collector"))
            .ok()?;
        for name in COUNTS
            .iter()
            .map(|(name, _)| *name)
            .chain(["Targets", "Drift"])
        {
            describe_counter!(name, Unit::Count, "");
        }
        describe_gauge!("DurationMs", Unit::Milliseconds, "");
        Some(collector)
    })
}

/// A report count and the metric that carries it.
type Count = (&'static str, fn(&Summary) -> usize);

const COUNTS: [Count; 6] = [
    ("Created", |s| s.created),
    ("Updated", |s| s.updated),
    ("Unchanged", |s| s.unchanged),
    ("Skipped", |s| s.skipped),
    ("Planned", |s| s.planned),
    ("Failed", |s| s.failed),
];

/// The invoked function's name (`arn:aws:lambda:<region>:<account>:function:<name>[:<alias>]`),
/// else the kind's default name.
pub fn function_name(context: &lambda_runtime::Context, kind: ActionKind) -> String {
    context
        .invoked_function_arn
        .split(':')
        .nth(6)
        .filter(|name| !name.is_empty())
        .unwrap_or(kind.function_name())
        .to_string()
}

/// Records one invocation and returns the EMF record for it (one JSON line).
pub fn record(function: &str, kind: ActionKind, report: &Report, duration: Duration) -> String {
    let summary = &report.summary;
    static ONE_AT_A_TIME: Mutex<()> = Mutex::new(());
    let _one = ONE_AT_A_TIME.lock().unwrap_or_else(|p| p.into_inner());
    let Some(collector) = collector() else {
        return String::new();
    };
    let labels = [
        ("Function", function.to_string()),
        ("Kind", kind.as_str().to_string()),
    ];
    let mut targets = 0;
    for (name, count) in COUNTS {
        targets += count(summary);
        counter!(name, &labels).increment(count(summary) as u64);
    }
    counter!("Targets", &labels).increment(targets as u64);
    // Drift: how often events were missed or a target was moved back, for an alarm or a dashboard.
    counter!("Drift", &labels).increment(report.drift() as u64);
    gauge!("DurationMs", &labels).set(duration.as_secs_f64() * 1000.0);
    let mut written = Vec::new();
    if let Err(e) = collector.flush(&mut written) {
        tracing::warn!(error = %e, "cannot write the EMF record");
    }
    // The collector writes a record for every label set it has seen; a deployed function has one.
    let ours = format!("\"Function\":{}", serde_json::Value::from(function));
    String::from_utf8_lossy(&written)
        .lines()
        .find(|line| line.contains(&ours) && line.contains(kind.as_str()))
        .unwrap_or_default()
        .to_string()
}

#[cfg(test)]
mod tests {
    use super::*;
    use amiflow_model::plan::target::Placement;
    use amiflow_model::report::action::Action;
    use amiflow_model::report::detail::CallFailure;
    use amiflow_model::report::parameter::ParameterDetail;
    use serde_json::Value;

    /// A reconcile's report: two parameters created, one updated, one failed.
    fn report() -> Report {
        let at = Placement {
            region: "us-east-1".into(),
            account_id: "123456789012".into(),
            ami: Ok("ami-1".into()),
            cross_account: false,
        };
        let action =
            |detail: ParameterDetail| Action::at(ActionKind::SsmParameter, &at, "/p", None, detail);
        let failure = CallFailure::new("PutParameter", None, "throttled");
        let actions = vec![
            action(ParameterDetail::Created { version: 1 }),
            action(ParameterDetail::Created { version: 1 }),
            action(ParameterDetail::Updated {
                version: 2,
                was: "ami-0".into(),
                rolled_back_from: None,
            }),
            action(ParameterDetail::WriteFailed(failure)),
        ];
        Report::new("reconcile", false, true, actions)
    }

    #[test]
    fn the_record_is_emf_with_the_reports_counts() {
        let line = record(
            "metrics-test",
            ActionKind::SsmParameter,
            &report(),
            Duration::from_millis(1500),
        );
        let emf: Value = serde_json::from_str(&line).expect("one JSON record");
        let directive = &emf["_aws"]["CloudWatchMetrics"][0];
        assert_eq!(directive["Namespace"], NAMESPACE);
        assert_eq!(
            directive["Dimensions"][0],
            serde_json::json!(["Function", "Kind"])
        );
        let names: Vec<&str> = directive["Metrics"]
            .as_array()
            .unwrap()
            .iter()
            .map(|m| m["Name"].as_str().unwrap())
            .collect();
        for name in [
            "Created",
            "Updated",
            "Unchanged",
            "Skipped",
            "Planned",
            "Failed",
            "Targets",
            "Drift",
            "DurationMs",
        ] {
            assert!(names.contains(&name), "{name} missing from {line}");
        }
        assert_eq!(emf["Function"], "metrics-test");
        assert_eq!(emf["Kind"], "ssm-parameter");
        assert_eq!(
            (emf["Created"].as_u64(), emf["Failed"].as_u64()),
            (Some(2), Some(1))
        );
        assert_eq!(
            (emf["Unchanged"].as_u64(), emf["Targets"].as_u64()),
            (Some(0), Some(4))
        );
        assert_eq!(
            emf["Drift"].as_u64(),
            Some(3),
            "the reconcile repaired three targets"
        );
        assert_eq!(emf["DurationMs"].as_f64(), Some(1500.0));
        // The next invocation counts only its own targets.
        let empty = Report::new("arn", false, false, Vec::new());
        let again = record(
            "metrics-test",
            ActionKind::SsmParameter,
            &empty,
            Duration::ZERO,
        );
        let again: Value = serde_json::from_str(&again).unwrap();
        assert_eq!(
            (
                again["Created"].as_u64(),
                again["Targets"].as_u64(),
                again["Drift"].as_u64()
            ),
            (Some(0), Some(0), Some(0))
        );
    }
}
