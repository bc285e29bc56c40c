//! Fuzzed input, 10,000 a function: random JSON, and the valid inputs of every kind (events, direct
//! and reconcile requests, DistributeImage requests, destination records) mutated at random. None
//! may panic, and none may write: the policy names targets in a Region of its own, for image names
//! nothing builds, and the front's log shows no write there.

use std::panic::AssertUnwindSafe;

use amiflow_common::executor::Executor;
use amiflow_common::pipeline::Pipeline;
use amiflow_testkit::function::{settings, Function};
use amiflow_testkit::{env, event_json, image_arn, unique};
use distribute_image::distribute::ImageDistributor;
use futures::FutureExt;
use refresh_instances::refresher::InstanceRefresher;
use serde_json::{json, Map, Value};
use update_launch_templates::updater::TemplateUpdater;
use update_ssm_parameters::parameters::ParameterWriter;

const OWN_REGION: &str = "sa-east-1";
const INPUTS: usize = 10_000;

/// A small seeded generator (xorshift64*): every run tries the same inputs.
struct Random(u64);

impl Random {
    fn next(&mut self) -> u64 {
        self.0 ^= self.0 >> 12;
        self.0 ^= self.0 << 25;
        self.0 ^= self.0 >> 27;
        self.0.wrapping_mul(0x2545_f491_4f6c_dd1d)
    }

    fn below(&mut self, n: usize) -> usize {
        (self.next() % n as u64) as usize
    }

    fn text(&mut self) -> String {
        const PIECES: [&str; 12] = [
            "",
            "a",
            "AVAILABLE",
            "arn:aws:imagebuilder:",
            "ami-0123456789abcdef0",
            "ou-ab12-cdefgh34",
            "\u{0}",
            "é",
            "1.0.0/1",
            "*",
            "{{imagebuilder:name}}",
            "aws.imagebuilder",
        ];
        (0..self.below(3))
            .map(|_| PIECES[self.below(PIECES.len())])
            .collect()
    }

    /// Any JSON value, at most `depth` deep.
    fn value(&mut self, depth: usize) -> Value {
        match self.below(if depth == 0 { 5 } else { 7 }) {
            0 => Value::Null,
            1 => json!(self.below(2) == 1),
            2 => json!(self.next() as i64 >> self.below(64)),
            3 => json!(self.next() as f64 / 7.0),
            4 => json!(self.text()),
            5 => Value::Array((0..self.below(4)).map(|_| self.value(depth - 1)).collect()),
            _ => {
                let keys = [
                    "source",
                    "detail-type",
                    "detail",
                    "resources",
                    "imageBuildVersionArn",
                    "reconcile",
                    "rules",
                    "accounts",
                    "dryRun",
                    "rollback",
                    "sourceImage",
                    "id",
                    "x",
                ];
                let map: Map<String, Value> = (0..self.below(5))
                    .map(|_| {
                        (
                            keys[self.below(keys.len())].to_string(),
                            self.value(depth - 1),
                        )
                    })
                    .collect();
                Value::Object(map)
            }
        }
    }

    /// `valid`, with one to three random changes: a member removed, replaced or added, anywhere.
    fn mutate(&mut self, mut valid: Value) -> Value {
        for _ in 0..=self.below(3) {
            let replacement = self.value(2);
            self.change(&mut valid, replacement);
        }
        valid
    }

    /// One change at `at` or somewhere below it.
    fn change(&mut self, at: &mut Value, replacement: Value) {
        match at {
            Value::Object(map) if !map.is_empty() && self.below(3) != 0 => {
                let key = map
                    .keys()
                    .nth(self.below(map.len()))
                    .cloned()
                    .unwrap_or_default();
                match self.below(4) {
                    0 => {
                        map.remove(&key);
                    }
                    1 => {
                        map.insert(key, replacement);
                    }
                    _ => {
                        if let Some(child) = map.get_mut(&key) {
                            self.change(child, replacement);
                        }
                    }
                }
            }
            Value::Object(map) => {
                map.insert("added".into(), replacement);
            }
            Value::Array(list) => list.push(replacement),
            other => *other = replacement,
        }
    }
}

/// The valid inputs of every kind, for images that do not exist.
fn valid_inputs() -> Vec<Value> {
    let arn = image_arn(&unique("fuzz-never"), "1.0.0/1");
    vec![
        event_json(&arn, "AVAILABLE"),
        json!({"imageBuildVersionArn": arn}),
        json!({"imageBuildVersionArn": arn, "rollback": true}),
        json!({"reconcile": true, "rules": ["fuzz"], "accounts": ["210987654321"], "dryRun": false}),
        // A role the policy does not allow: refused before any call, however it is mutated.
        json!({"sourceImage": "ami-0123456789abcdef0", "executionRole": "OtherRole",
            "distributionConfigurationArn": "arn:aws:imagebuilder:sa-east-1:123456789012:distribution-configuration/fuzz"}),
        json!({"version": "0", "id": "d", "source": "lambda", "detail-type": "Lambda Function Invocation Result - Success",
            "detail": {"responsePayload": {"image": arn, "actions": [{"kind": "launch-template",
                "region": OWN_REGION, "accountId": "123456789012", "target": "lt-0123456789abcdef0",
                "outcome": "updated"}]}}}),
    ]
}

fn policy() -> Value {
    json!({"rules": [{"name": "fuzz", "match": {"imageName": "fuzz-never-*"},
        "ssmParameters": [{"name": "/fuzz/{{imagebuilder:name}}", "regions": [OWN_REGION]}],
        "launchTemplates": [{"tag": {"key": "amiflow:image", "value": "fuzz"}, "regions": [OWN_REGION]}],
        "distribute": [{"distributionConfigurationArn":
            "arn:aws:imagebuilder:sa-east-1:123456789012:distribution-configuration/fuzz", "executionRole": "DistributionRole"}]}]})
}

/// Feeds one function `INPUTS` fuzzed inputs; none may panic.
async fn fuzz<E: Executor>(seed: u64, executor: impl FnOnce(&Pipeline) -> E) {
    let app = Function::in_region(OWN_REGION, policy(), settings(false, None), executor).await;
    let mut random = Random(seed);
    let valid = valid_inputs();
    for i in 0..INPUTS {
        let input = match i % 2 {
            0 => random.value(4),
            _ => {
                let chosen = valid[random.below(valid.len())].clone();
                random.mutate(chosen)
            }
        };
        let run = AssertUnwindSafe(app.invoke(input.clone()))
            .catch_unwind()
            .await;
        assert!(
            run.is_ok(),
            "input {i} made {} panic: {input}",
            E::KIND.function_name()
        );
    }
}

#[tokio::test]
async fn fuzzed_inputs_cause_no_panic_and_no_write() {
    fuzz(1, ParameterWriter::new).await;
    fuzz(2, TemplateUpdater::new).await;
    fuzz(3, |p| ImageDistributor::new(p).expect("a Region")).await;
    fuzz(4, InstanceRefresher::new).await;
    let front = &env().front;
    let writes = [
        ("ssm", "PutParameter"),
        ("ec2", "CreateLaunchTemplateVersion"),
        ("ec2", "ModifyLaunchTemplate"),
        ("imagebuilder", "DistributeImage"),
        ("autoscaling", "StartInstanceRefresh"),
    ];
    for (service, operation) in writes {
        let made = front.requests_in(OWN_REGION, service, operation, "");
        assert!(
            made.is_empty(),
            "{service}:{operation} was called: {made:#?}"
        );
    }
}
