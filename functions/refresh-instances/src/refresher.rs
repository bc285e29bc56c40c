//! The refresh-instances executor: Auto Scaling and EC2 clients per (Region, account), the
//! policy's refresh preferences, and each placement's groups handled as one (`group.rs`).

use amiflow_common::aws::sessions::Session;
use amiflow_common::executor::Takes;
use amiflow_common::pipeline::Pipeline;
use amiflow_common::placed_executor::{OnePlacement, PlacedExecutor};
use amiflow_common::placement::PlacedClients;
use amiflow_model::plan::target::TemplateTarget;
use amiflow_model::policy::refresh::RefreshPreferences;
use amiflow_model::report::action::{Action, ActionKind};

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

impl PlacedExecutor for InstanceRefresher {
    /// The launch templates the policy keeps for the image: their groups are the ones to look at.
    type Target = TemplateTarget;
    type Clients = Clients;
    const KIND: ActionKind = KIND;
    /// update-launch-templates' results (the templates it changed), and reconciles. A rollback is
    /// update-launch-templates' to make; its result then arrives here.
    const TAKES: Takes = Takes {
        reconcile: true,
        results: true,
        ..Takes::IMAGES
    };

    fn clients(&self) -> &PlacedClients<Clients> {
        &self.clients
    }

    async fn apply_placement<'a>(&'a self, at: OnePlacement<'a, Self>) -> Vec<Action> {
        Placement::new(self, &at).apply(&at.targets).await
    }
}
