//! The update-launch-templates executor: EC2 clients per (Region, account), applying each
//! placement's templates as one group.

use amiflow_common::aws::sessions::Session;
use amiflow_common::context::Context;
use amiflow_common::executor::{plan_image, Executor, Plan, Source, Takes};
use amiflow_common::pipeline::Pipeline;
use amiflow_common::placement::PlacedClients;
use amiflow_model::error::InputError;
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

/// A target that fails before any template is found: named by its selector.
pub(crate) fn failed(target: &TemplateTarget, why: Detail) -> Action {
    action(target, &target.selector.to_string(), why)
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

impl Executor for TemplateUpdater {
    type Target = TemplateTarget;
    const KIND: ActionKind = KIND;
    /// A template's default is a value to hold: it rolls back and reconciles.
    const TAKES: Takes = Takes {
        rollback: true,
        reconcile: true,
        ..Takes::IMAGES
    };

    fn plan(&self, source: Source<'_>, _: &Context) -> Result<Plan<TemplateTarget>, InputError> {
        plan_image(source, |planner| planner.launch_templates())
    }

    async fn apply(&self, targets: Vec<TemplateTarget>, context: &Context) -> Vec<Action> {
        self.clients
            .run(
                &targets,
                context,
                |client, limit, members| async move {
                    let group = Group {
                        ec2: Ec2 { ec2: client, limit },
                        context,
                    };
                    group.apply(&members).await
                },
                failed,
            )
            .await
    }
}
