//! The Auto Scaling calls refresh-instances makes in one (Region, account): the opted-in groups
//! (a server-side tag filter), a group's refreshes, and StartInstanceRefresh, turned from and into
//! the model's views.

use std::collections::BTreeMap;

use amiflow_common::aws::clients::AccountClient;
use amiflow_common::aws::limit::CallLimit;
use amiflow_common::error::call_failure;
use amiflow_common::{every_page, override_as, send_as};
use amiflow_model::decide::refresh::{GroupView, InstanceView, PastRefresh, TemplateSetting};
use amiflow_model::decide::tags::REFRESH_TAG;
use amiflow_model::policy::refresh::RefreshPreferences;
use amiflow_model::report::detail::CallFailure;
use aws_sdk_autoscaling::error::ProvideErrorMetadata;
use aws_sdk_autoscaling::types::{
    AlarmSpecification, AutoScalingGroup, DesiredConfiguration, Filter, LaunchTemplate,
    LaunchTemplateSpecification, MixedInstancesPolicy, RefreshPreferences as Preferences,
};
use aws_sdk_autoscaling::Client;

/// DescribeAutoScalingGroups' largest page; DescribeInstanceRefreshes' is 100.
const GROUPS_PAGE: i32 = 100;
const REFRESHES_PAGE: i32 = 10;

/// A group as described, and what the decision reads of it.
pub struct Group {
    pub view: GroupView,
    /// Its mixed instances policy, kept as it is in a refresh's desired configuration.
    mixed: Option<MixedInstancesPolicy>,
}

/// How a refresh start ended, where it did not start.
pub enum NotStarted {
    /// Another refresh became active meanwhile.
    InProgress,
    Failed(CallFailure),
}

pub struct AutoScaling {
    pub client: AccountClient<Client>,
    pub limit: CallLimit,
}

fn setting(spec: Option<&LaunchTemplateSpecification>) -> Option<TemplateSetting> {
    let spec = spec?;
    Some(TemplateSetting {
        id: spec.launch_template_id().map(str::to_string),
        name: spec.launch_template_name().map(str::to_string),
        version: spec.version().map(str::to_string),
    })
}

fn mixed_template(policy: Option<&MixedInstancesPolicy>) -> Option<&LaunchTemplateSpecification> {
    policy?.launch_template()?.launch_template_specification()
}

fn group(g: &AutoScalingGroup) -> Group {
    let template = setting(g.launch_template())
        .or_else(|| setting(mixed_template(g.mixed_instances_policy())));
    let instances = g
        .instances()
        .iter()
        .map(|i| InstanceView {
            id: i.instance_id().unwrap_or_default().to_string(),
            template: setting(i.launch_template()),
        })
        .collect();
    let tags: BTreeMap<String, String> = g
        .tags()
        .iter()
        .filter_map(|t| Some((t.key()?.to_string(), t.value()?.to_string())))
        .collect();
    Group {
        view: GroupView {
            name: g.auto_scaling_group_name().unwrap_or_default().to_string(),
            template,
            instances,
            tags,
        },
        mixed: g.mixed_instances_policy().cloned(),
    }
}

fn preferences(p: &RefreshPreferences) -> Preferences {
    let alarms = (!p.alarms.is_empty()).then(|| {
        AlarmSpecification::builder()
            .set_alarms(Some(p.alarms.clone()))
            .build()
    });
    let checkpoints =
        (!p.checkpoint_percentages.is_empty()).then(|| p.checkpoint_percentages.clone());
    Preferences::builder()
        .min_healthy_percentage(p.min_healthy_percentage)
        .set_max_healthy_percentage(p.max_healthy_percentage)
        .set_instance_warmup(p.instance_warmup)
        .set_checkpoint_percentages(checkpoints)
        .set_checkpoint_delay(p.checkpoint_delay)
        .set_bake_time(p.bake_time)
        .set_alarm_specification(alarms)
        .auto_rollback(p.auto_rollback)
        // Instances already on the version are never replaced.
        .skip_matching(true)
        .build()
}

impl AutoScaling {
    fn account(&self) -> aws_sdk_autoscaling::config::Builder {
        override_as!(aws_sdk_autoscaling, self.client.credentials)
    }

    /// Every group tagged `amiflow:refresh=true`, found by the service's own tag filter.
    pub async fn opted_in(&self) -> Result<Vec<Group>, CallFailure> {
        let filter = Filter::builder()
            .name(format!("tag:{REFRESH_TAG}"))
            .values("true")
            .build();
        let request = self
            .client
            .client
            .describe_auto_scaling_groups()
            .filters(filter)
            .max_records(GROUPS_PAGE);
        let pages = every_page!(
            self.limit,
            request,
            self.account(),
            "DescribeAutoScalingGroups"
        )?;
        Ok(pages
            .iter()
            .flat_map(|p| p.auto_scaling_groups())
            .map(group)
            .collect())
    }

    /// The group's refreshes, newest first (only the latest few matter).
    pub async fn refreshes(&self, group: &str) -> Result<Vec<PastRefresh>, CallFailure> {
        let request = self
            .client
            .client
            .describe_instance_refreshes()
            .auto_scaling_group_name(group)
            .max_records(REFRESHES_PAGE);
        let answer = send_as!(self.limit, request, self.account())
            .map_err(|e| call_failure("DescribeInstanceRefreshes", &e))?;
        Ok(answer
            .instance_refreshes()
            .iter()
            .map(|r| {
                let desired = r.desired_configuration();
                let spec = desired
                    .and_then(|d| d.launch_template())
                    .or_else(|| mixed_template(desired.and_then(|d| d.mixed_instances_policy())));
                PastRefresh {
                    id: r.instance_refresh_id().unwrap_or_default().to_string(),
                    status: r
                        .status()
                        .map(|s| s.as_str().to_string())
                        .unwrap_or_default(),
                    reason: r.status_reason().map(str::to_string),
                    desired: setting(spec),
                }
            })
            .collect())
    }

    /// Starts a refresh of `group` to `version` of `template_id`, named as a number.
    pub async fn start(
        &self,
        group: &Group,
        template_id: &str,
        version: i64,
        preferences: &RefreshPreferences,
    ) -> Result<String, NotStarted> {
        let spec = LaunchTemplateSpecification::builder()
            .launch_template_id(template_id)
            .version(version.to_string())
            .build();
        // A group on a mixed instances policy keeps its overrides and distribution: only the
        // template's version changes.
        let desired = match &group.mixed {
            Some(mixed) => {
                let template = LaunchTemplate::builder()
                    .launch_template_specification(spec)
                    .set_overrides(mixed.launch_template().map(|t| t.overrides().to_vec()))
                    .build();
                let policy = MixedInstancesPolicy::builder()
                    .launch_template(template)
                    .set_instances_distribution(mixed.instances_distribution().cloned())
                    .build();
                DesiredConfiguration::builder()
                    .mixed_instances_policy(policy)
                    .build()
            }
            None => DesiredConfiguration::builder()
                .launch_template(spec)
                .build(),
        };
        let request = self
            .client
            .client
            .start_instance_refresh()
            .auto_scaling_group_name(&group.view.name)
            .desired_configuration(desired)
            .preferences(self::preferences(preferences));
        match send_as!(self.limit, request, self.account()) {
            Ok(started) => Ok(started
                .instance_refresh_id()
                .unwrap_or_default()
                .to_string()),
            Err(e) if e.code() == Some("InstanceRefreshInProgress") => Err(NotStarted::InProgress),
            Err(e) => Err(NotStarted::Failed(call_failure("StartInstanceRefresh", &e))),
        }
    }
}
