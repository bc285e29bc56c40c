//! The refresh-instances executor: Auto Scaling and EC2 clients per (Region, account), the
//! policy's refresh preferences, and each placement's groups handled as one (`group.rs`).

use amiflow_common::aws::sessions::Session;
use amiflow_common::context::Context;
use amiflow_common::executor::{plan_image, Executor, Plan, Source, Takes};
use amiflow_common::pipeline::Pipeline;
use amiflow_common::placement::PlacedClients;
use amiflow_model::error::InputError;
use amiflow_model::plan::target::TemplateTarget;
use amiflow_model::policy::refresh::RefreshPreferences;
use amiflow_model::report::action::{Action, ActionKind};
use amiflow_model::report::detail::Detail;
use update_launch_templates::ec2::Ec2;

use crate::autoscaling::AutoScaling;
use crate::group::Placement;

pub(crate) const KIND: ActionKind = ActionKind::AutoScalingGroup;

/// This function in a target account: its own session name, and only the calls it makes
/// (starting a refresh that names a launch template also authorizes launching from it).
pub const SESSION: Session = Session {
    name: "amiflow-refresh-instances",
    policy: r#"{"Version":"2012-10-17","Statement":[{"Sid":"RefreshInstances","Effect":"Allow","Action":["autoscaling:DescribeAutoScalingGroups","autoscaling:DescribeInstanceRefreshes","autoscaling:StartInstanceRefresh","ec2:DescribeLaunchTemplates","ec2:DescribeLaunchTemplateVersions","ec2:RunInstances","ec2:CreateTags","iam:PassRole"],"Resource":"*"}]}"#,
};

/// The clients of one Region: Auto Scaling for the groups, EC2 for the templates amiflow keeps.
#[derive(Clone)]
pub struct Clients {
    pub autoscaling: aws_sdk_autoscaling::Client,
    pub ec2: aws_sdk_ec2::Client,
}

pub struct InstanceRefresher {
    clients: PlacedClients<Clients>,
    pub(crate) preferences: RefreshPreferences,
}

impl InstanceRefresher {
    pub fn new(pipeline: &Pipeline) -> Self {
        Self {
            clients: PlacedClients::new(pipeline, SESSION, |config| Clients {
                autoscaling: amiflow_common::client!(aws_sdk_autoscaling, config),
                ec2: amiflow_common::client!(aws_sdk_ec2, config),
            }),
            preferences: pipeline.policy.instance_refresh.clone(),
        }
    }
}

/// A target that fails before any group is looked at (no AMI, no credentials): named by the
/// template selector that put its placement in the plan.
fn failed(target: &TemplateTarget, why: Detail) -> Action {
    let image = Some(target.build.arn.to_string());
    Action::at(
        KIND,
        &target.placement,
        target.selector.to_string(),
        image,
        why,
    )
}

impl Executor for InstanceRefresher {
    type Target = TemplateTarget;
    const KIND: ActionKind = KIND;
    /// update-launch-templates' results (the templates it changed), and reconciles. A rollback is
    /// update-launch-templates' to make; its result then arrives here.
    const TAKES: Takes = Takes {
        reconcile: true,
        results: true,
        ..Takes::IMAGES
    };

    /// The launch templates the policy keeps for the image: their groups are the ones to look at.
    fn plan(&self, source: Source<'_>, _: &Context) -> Result<Plan<TemplateTarget>, InputError> {
        plan_image(source, |planner| planner.launch_templates())
    }

    async fn apply(&self, targets: Vec<TemplateTarget>, context: &Context) -> Vec<Action> {
        self.clients
            .run(
                &targets,
                context,
                |clients, limit, members| async move {
                    let placement = Placement {
                        autoscaling: AutoScaling {
                            client: clients.with(clients.client.autoscaling.clone()),
                            limit: limit.clone(),
                        },
                        ec2: Ec2 {
                            ec2: clients.with(clients.client.ec2.clone()),
                            limit,
                        },
                        refresher: self,
                        context,
                    };
                    placement.apply(&members).await
                },
                failed,
            )
            .await
    }
}
