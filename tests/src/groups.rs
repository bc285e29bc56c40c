//! Auto Scaling groups in moto, as the refresh tests need them: a group on a launch template,
//! opted in or not, with its instances; what it runs; and the refreshes the front keeps for it.

use aws_sdk_autoscaling::types::{LaunchTemplateSpecification, Tag};

use crate::resources::sdk_config_as;

pub async fn autoscaling_client(account: &str, region: &str) -> aws_sdk_autoscaling::Client {
    aws_sdk_autoscaling::Client::new(&sdk_config_as(account, region).await)
}

/// Creates group `name` on `version` of launch template `template_id`, with `instances`
/// instances and `tags`.
pub async fn auto_scaling_group(
    account: &str,
    region: &str,
    name: &str,
    template_id: &str,
    version: &str,
    instances: i32,
    tags: &[(&str, &str)],
) {
    let client = autoscaling_client(account, region).await;
    let spec = LaunchTemplateSpecification::builder()
        .launch_template_id(template_id)
        .version(version)
        .build();
    let mut create = client
        .create_auto_scaling_group()
        .auto_scaling_group_name(name)
        .launch_template(spec)
        .min_size(0)
        .max_size(10)
        .desired_capacity(instances)
        .availability_zones(format!("{region}a"));
    for (key, value) in tags {
        let tag = Tag::builder()
            .key(*key)
            .value(*value)
            .resource_id(name)
            .resource_type("auto-scaling-group")
            .propagate_at_launch(false)
            .build();
        create = create.tags(tag);
    }
    create.send().await.expect("moto creates the group");
}

/// What a group runs: its own launch template version setting, and each instance's version.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct GroupState {
    pub version: String,
    pub instances: Vec<String>,
}

pub async fn group_state(account: &str, region: &str, name: &str) -> GroupState {
    let client = autoscaling_client(account, region).await;
    let describe = client.describe_auto_scaling_groups();
    let groups = describe.auto_scaling_group_names(name).send().await;
    let groups = groups.expect("the group is described");
    let group = &groups.auto_scaling_groups()[0];
    let version = |spec: Option<&LaunchTemplateSpecification>| {
        spec.and_then(|s| s.version())
            .unwrap_or_default()
            .to_string()
    };
    GroupState {
        version: version(group.launch_template()),
        instances: group
            .instances()
            .iter()
            .map(|i| version(i.launch_template()))
            .collect(),
    }
}

/// A group's instance refreshes, newest first: (id, status, the desired template version).
pub async fn refreshes(account: &str, region: &str, name: &str) -> Vec<(String, String, String)> {
    let client = autoscaling_client(account, region).await;
    let describe = client.describe_instance_refreshes();
    let answer = describe.auto_scaling_group_name(name).send().await;
    let answer = answer.expect("the front describes refreshes");
    answer
        .instance_refreshes()
        .iter()
        .map(|r| {
            let desired = r
                .desired_configuration()
                .and_then(|d| d.launch_template())
                .and_then(|t| t.version())
                .unwrap_or_default();
            (
                r.instance_refresh_id().unwrap_or_default().to_string(),
                r.status()
                    .map(|s| s.as_str().to_string())
                    .unwrap_or_default(),
                desired.to_string(),
            )
        })
        .collect()
}
