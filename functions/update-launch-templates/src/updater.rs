//! The update-launch-templates executor: EC2 clients per (Region, account), applying each
//! placement's templates as one group.

use amiflow_common::aws::sessions::Session;
use amiflow_common::executor::Takes;
use amiflow_common::pipeline::Pipeline;
use amiflow_common::placed_executor::{OnePlacement, PlacedExecutor};
use amiflow_common::placement::PlacedClients;
use amiflow_model::plan::target::TemplateTarget;
use amiflow_model::report::action::{Action, ActionKind};
use amiflow_model::report::detail::Detail;
use aws_sdk_ec2::Client;

use crate::ec2::Ec2;
use crate::group::Group;

pub(crate) const KIND: ActionKind = ActionKind::LaunchTemplate;

/// The action on a template `name` (an id, or the selector where none was found) of `target`.
pub(crate) fn action(target: &TemplateTarget, name: &str, detail: impl Into<Detail>) -> Action {
    let image = Some(target.build.arn.to_string());
    Action::at(KIND, &target.placement, name, image, detail)
}

/// This function in a target account: its own session name, and only the calls it makes.
pub const SESSION: Session = Session {
    name: "amiflow-update-launch-templates",
    policy: r#"{"Version":"2012-10-17","Statement":[{"Sid":"UpdateLaunchTemplates","Effect":"Allow","Action":["ec2:DescribeLaunchTemplates","ec2:DescribeLaunchTemplateVersions","ec2:CreateLaunchTemplateVersion","ec2:ModifyLaunchTemplate","ec2:CreateTags","ec2:DeleteLaunchTemplateVersions","ec2:DescribeImages"],"Resource":"*"}]}"#,
};

pub struct TemplateUpdater {
    clients: PlacedClients<Client>,
}

impl TemplateUpdater {
    pub fn new(pipeline: &Pipeline) -> Self {
        Self::with_clients(PlacedClients::new(pipeline, SESSION, |config| {
            amiflow_common::client!(aws_sdk_ec2, config)
        }))
    }

    /// With clients made elsewhere (tests add mock interceptors to theirs).
    pub fn with_clients(clients: PlacedClients<Client>) -> Self {
        Self { clients }
    }
}

impl PlacedExecutor for TemplateUpdater {
    type Target = TemplateTarget;
    type Clients = Client;
    const KIND: ActionKind = KIND;
    const TAKES: Takes = Takes::HELD_VALUES;

    fn clients(&self) -> &PlacedClients<Client> {
        &self.clients
    }

    async fn apply_placement<'a>(&'a self, at: OnePlacement<'a, Self>) -> Vec<Action> {
        let ec2 = Ec2 {
            ec2: at.clients,
            limit: at.limit,
        };
        let context = at.context;
        Group { ec2, context }.apply(&at.targets).await
    }
}
