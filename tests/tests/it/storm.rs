//! A throttling storm, tried as a new user would meet one: half of every call to SSM, EC2, STS and
//! Image Builder is throttled with each service's own error, while twelve events (six builds, each
//! delivered twice, as EventBridge may) arrive in shuffled order, each given Lambda's three
//! attempts. In every order both writers converge on the newest build, with no duplicate parameter
//! or template version and no step backwards, and no attempt runs past its deadline. The storm is
//! limited to Regions no other test uses.

use std::collections::{HashMap, VecDeque};
use std::time::{Duration, Instant};

use amiflow_common::executor::Executor;
use amiflow_testkit::function::{settings, Function};
use amiflow_testkit::resources::{ec2_client, launch_template, register_amis, sdk_config_as};
use amiflow_testkit::{env, event_json, image_json, unique, HOME_ACCOUNT, TARGET_ACCOUNT};
use serde_json::{json, Value};
use update_launch_templates::updater::TemplateUpdater;
use update_ssm_parameters::parameters::ParameterWriter;

const OWN_REGION: &str = "eu-north-1";
const REGIONS: [&str; 2] = ["eu-north-1", "eu-south-1"];
const ACCOUNTS: [&str; 2] = [HOME_ACCOUNT, TARGET_ACCOUNT];
const BUILDS: u64 = 6;
const ATTEMPTS: usize = 3;
/// Lambda's timeout for the functions (the template's), from which the deadline is counted.
const TIMEOUT: Duration = Duration::from_secs(300);

/// One order's world: an image with `BUILDS` builds, each with an AMI in every (Region, account),
/// a parameter and a tagged launch template in each.
struct World {
    name: String,
    events: Vec<Value>,
    /// The build each AMI is of.
    builds: HashMap<String, u64>,
}

fn placements() -> Vec<(&'static str, &'static str)> {
    REGIONS
        .iter()
        .flat_map(|r| ACCOUNTS.map(|a| (*r, a)))
        .collect()
}

async fn world(order: usize) -> World {
    let name = unique(&format!("storm-{order}"));
    let mut builds = HashMap::new();
    let mut events = Vec::new();
    for build in 1..=BUILDS {
        let version = format!("1.0.{build}/1");
        let arn =
            format!("arn:aws:imagebuilder:{OWN_REGION}:{HOME_ACCOUNT}:image/{name}/{version}");
        let ids = register_amis(&arn, &placements()).await;
        let mut image = image_json(&name, &version, &placements());
        image["arn"] = json!(arn);
        for (i, id) in ids.iter().enumerate() {
            image["outputResources"]["amis"][i]["image"] = json!(id);
            builds.insert(id.clone(), build);
        }
        env().front.put_image(image);
        events.push(event_json(&arn, "AVAILABLE"));
    }
    for (region, account) in placements() {
        launch_template(account, region, &name, &[("amiflow:image", &name)]).await;
    }
    World {
        name,
        events,
        builds,
    }
}

fn policy(name: &str) -> Value {
    let tag = json!({"key": "amiflow:image", "value": name});
    json!({"rules": [{"name": "storm", "match": {"imageName": name},
        "ssmParameters": [{"name": format!("/storm/{name}"), "regions": REGIONS, "accounts": ACCOUNTS}],
        "launchTemplates": [{"tag": tag, "regions": REGIONS, "accounts": ACCOUNTS}]}]})
}

/// The deliveries of `events`, each twice, shuffled by `seed`.
fn shuffled(events: &[Value], seed: u64) -> Vec<Value> {
    let mut deliveries: Vec<Value> = events.iter().chain(events).cloned().collect();
    let mut state = seed.wrapping_mul(0x9e37_79b9_7f4a_7c15) | 1;
    for i in (1..deliveries.len()).rev() {
        state ^= state << 13;
        state ^= state >> 7;
        state ^= state << 17;
        deliveries.swap(i, (state % (i as u64 + 1)) as usize);
    }
    deliveries
}

/// What Lambda does with one function's queue (reserved concurrency 1): each delivery in turn, a
/// failed one queued again behind the others, at most `ATTEMPTS` times. Returns how many attempts
/// failed, and how many deliveries used every attempt.
async fn deliver<E: Executor>(app: &Function<E>, deliveries: Vec<Value>) -> (usize, usize) {
    let mut queue: VecDeque<(Value, usize)> = deliveries.into_iter().map(|e| (e, 1)).collect();
    let (mut failed, mut exhausted) = (0, 0);
    while let Some((event, attempt)) = queue.pop_front() {
        let started = Instant::now();
        let answer = app.invoke_ending_in(event.clone(), TIMEOUT).await;
        assert!(
            started.elapsed() < TIMEOUT,
            "an attempt ran past its deadline"
        );
        if answer.is_err() {
            failed += 1;
        }
        match answer {
            Ok(_) => {}
            Err(_) if attempt < ATTEMPTS => queue.push_back((event, attempt + 1)),
            Err(_) => exhausted += 1,
        }
    }
    (failed, exhausted)
}

/// How many calls the storm has throttled so far, in all.
fn throttled_so_far(state: &Value) -> u64 {
    state["counts"]
        .as_object()
        .into_iter()
        .flat_map(|services| services.values())
        .flat_map(|ops| ops.as_object().into_iter().flat_map(|o| o.values()))
        .filter_map(Value::as_u64)
        .sum()
}

/// The builds a parameter held, version after version.
async fn parameter_history(world: &World, region: &str, account: &str) -> Vec<u64> {
    let ssm = aws_sdk_ssm::Client::new(&sdk_config_as(account, region).await);
    let history = ssm
        .get_parameter_history()
        .name(format!("/storm/{}", world.name))
        .send()
        .await
        .expect("the parameter exists");
    let values = history.parameters().iter().filter_map(|p| p.value());
    values.map(|v| world.builds[v]).collect()
}

/// The builds of the template's versions amiflow made, in version order, and the default's.
async fn template_history(world: &World, region: &str, account: &str) -> (Vec<u64>, u64) {
    let ec2 = ec2_client(account, region).await;
    let found = ec2
        .describe_launch_templates()
        .launch_template_names(&world.name)
        .send()
        .await
        .expect("the template exists");
    let id = found.launch_templates()[0]
        .launch_template_id()
        .unwrap()
        .to_string();
    let versions = ec2
        .describe_launch_template_versions()
        .launch_template_id(&id)
        .send()
        .await
        .expect("its versions");
    let mut made: Vec<(i64, u64)> = versions
        .launch_template_versions()
        .iter()
        .filter_map(|v| {
            let ami = v.launch_template_data()?.image_id()?;
            Some((v.version_number()?, *world.builds.get(ami)?))
        })
        .collect();
    made.sort_unstable();
    let default = versions
        .launch_template_versions()
        .iter()
        .find(|v| v.default_version() == Some(true))
        .and_then(|v| v.launch_template_data()?.image_id())
        .map_or(0, |ami| world.builds.get(ami).copied().unwrap_or(0));
    (made.into_iter().map(|(_, build)| build).collect(), default)
}

fn strictly_rising(builds: &[u64]) -> bool {
    builds.windows(2).all(|w| w[0] < w[1])
}

#[tokio::test]
async fn at_half_of_all_calls_throttled_every_order_converges_without_a_step_back() {
    let front = &env().front;
    for order in 1..=3 {
        let world = world(order).await;
        let deliveries = shuffled(&world.events, order as u64);
        let (policy, settings) = (policy(&world.name), settings(false, Some("AmiflowTarget")));
        let (parameters, templates) = futures::join!(
            Function::in_region(
                OWN_REGION,
                policy.clone(),
                settings.clone(),
                ParameterWriter::new
            ),
            Function::in_region(OWN_REGION, policy, settings, TemplateUpdater::new),
        );
        let before = throttled_so_far(&front.storm(0.5, order as u64, &REGIONS));
        let started = Instant::now();
        let (parameters, templates) = futures::join!(
            deliver(&parameters, deliveries.clone()),
            deliver(&templates, deliveries)
        );
        let throttled = throttled_so_far(&front.storm(0.0, 0, &[])) - before;
        assert!(
            throttled > 100,
            "the storm throttled only {throttled} calls"
        );
        eprintln!(
            "order {order}: {throttled} calls throttled in {} s; attempts failed (and deliveries that \
             used all {ATTEMPTS}): parameters {} ({}), templates {} ({})",
            started.elapsed().as_secs(),
            parameters.0,
            parameters.1,
            templates.0,
            templates.1
        );
        for (region, account) in placements() {
            let history = parameter_history(&world, region, account).await;
            assert_eq!(
                history.last(),
                Some(&BUILDS),
                "order {order}, {account}/{region}: {history:?}"
            );
            assert!(
                strictly_rising(&history),
                "no duplicate, no step back: {history:?}"
            );
            let (made, default) = template_history(&world, region, account).await;
            assert_eq!(
                default, BUILDS,
                "order {order}, {account}/{region}: {made:?}"
            );
            assert!(
                strictly_rising(&made),
                "no duplicate, no step back: {made:?}"
            );
        }
    }
}
