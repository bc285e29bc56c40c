//! Two instances of the function at once, as Lambda runs them: the real binary, twice, against a
//! Runtime API emulator that allows the template's reserved concurrency of 1. Events for an older
//! and a newer build arrive together, in either order; the newer build wins every time.

use std::time::Duration;

use amiflow_testkit::resources::parameter;
use amiflow_testkit::runtime::run_queued;
use amiflow_testkit::{ami_id, event_json, one_parameter, publish, unique, HOME_ACCOUNT};

const FUNCTION: &str = "arn:aws:lambda:us-east-1:123456789012:function:update-ssm-parameters";

#[tokio::test]
async fn one_invocation_at_a_time_lets_the_newer_build_win_in_either_order() {
    for newer_first in [false, true] {
        let name = unique("instances");
        let param = format!("/amiflow/{name}/latest");
        let here = [("us-east-1", HOME_ACCOUNT)];
        let (old, new) = (
            publish(&name, "1.0.0/1", &here),
            publish(&name, "1.0.0/2", &here),
        );
        let policy = ("AMIFLOW_POLICY", one_parameter(&param).to_string());
        let binary = env!("CARGO_BIN_EXE_update-ssm-parameters");
        let events = match newer_first {
            true => [&new, &old],
            false => [&old, &new],
        }
        .map(|arn| event_json(arn, "AVAILABLE"));
        let answers = tokio::task::spawn_blocking(move || {
            run_queued(
                binary,
                FUNCTION,
                1,
                2,
                &[policy],
                &events,
                Duration::from_secs(60),
            )
        })
        .await
        .expect("the emulator ran");
        assert_eq!(answers.len(), 2, "{answers:#?}");
        assert!(answers.iter().all(|a| !a.error), "{answers:#?}");
        let held = parameter(HOME_ACCOUNT, "us-east-1", &param)
            .await
            .expect("written");
        assert_eq!(
            held.value,
            ami_id(&name, "1.0.0/2", "us-east-1", HOME_ACCOUNT),
            "newer first: {newer_first}"
        );
    }
}
