//! Making each planned parameter hold its AMI: one batched read per (Region, account), a write
//! only where one is due, and a read-back for `aws:ec2:image` values.

use std::collections::HashMap;
use std::time::Duration;

use amiflow_common::aws::clients::AccountClient;
use amiflow_common::aws::sessions::Session;
use amiflow_common::build_tags::built_from;
use amiflow_common::context::Context;
use amiflow_common::executor::Takes;
use amiflow_common::pipeline::Pipeline;
use amiflow_common::placed_executor::{OnePlacement, PlacedExecutor};
use amiflow_common::placement::{fail_each, PlacedClients};
use amiflow_model::decide::record::{explains, read_record, write_record};
use amiflow_model::decide::{decide, Current, Decision};
use amiflow_model::plan::target::ParameterTarget;
use amiflow_model::plan::unique::unique_by;
use amiflow_model::report::action::{Action, ActionKind};
use amiflow_model::report::detail::{CallFailure, Detail, Read};
use amiflow_model::report::parameter::ParameterDetail;
use futures::future::join_all;

use crate::read_back::read_back;
use crate::ssm::{Described, Put, Ssm};

const KIND: ActionKind = ActionKind::SsmParameter;

fn action(target: &ParameterTarget, detail: impl Into<Detail>) -> Action {
    Action::planned(KIND, target, detail)
}

/// This function in a target account: its own session name, and only the calls it makes.
pub const SESSION: Session = Session {
    name: "amiflow-update-ssm-parameters",
    policy: r#"{"Version":"2012-10-17","Statement":[{"Sid":"UpdateSsmParameters","Effect":"Allow","Action":["ssm:GetParameters","ssm:DescribeParameters","ssm:PutParameter","ec2:DescribeImages"],"Resource":"*"}]}"#,
};

/// The clients of one Region: SSM for the parameters, EC2 for the AMIs' build tags.
#[derive(Clone)]
pub struct Clients {
    pub ssm: aws_sdk_ssm::Client,
    pub ec2: aws_sdk_ec2::Client,
}

/// The update-ssm-parameters executor: clients per (Region, account), the path it may write
/// under, and how long it waits for SSM to validate an AMI.
pub struct ParameterWriter {
    clients: PlacedClients<Clients>,
    path_prefix: Option<String>,
    read_back: Duration,
}

impl ParameterWriter {
    pub fn new(pipeline: &Pipeline) -> Self {
        let clients = PlacedClients::new(pipeline, SESSION, |config| Clients {
            ssm: amiflow_common::client!(aws_sdk_ssm, config),
            ec2: amiflow_common::client!(aws_sdk_ec2, config),
        });
        Self::with_clients(pipeline, clients)
    }

    /// With clients made elsewhere (tests add mock interceptors to theirs).
    pub fn with_clients(pipeline: &Pipeline, clients: PlacedClients<Clients>) -> Self {
        Self {
            clients,
            path_prefix: pipeline.settings.parameter_path_prefix.clone(),
            read_back: pipeline.settings.read_back,
        }
    }
}

impl PlacedExecutor for ParameterWriter {
    type Target = ParameterTarget;
    type Clients = Clients;
    const KIND: ActionKind = KIND;
    const TAKES: Takes = Takes::HELD_VALUES;

    fn clients(&self) -> &PlacedClients<Clients> {
        &self.clients
    }

    async fn apply_placement<'a>(&'a self, at: OnePlacement<'a, Self>) -> Vec<Action> {
        Group::new(self, &at).apply(&at.targets).await
    }
}

/// The parameters of one (Region, account) and what an invocation does to them.
pub(crate) struct Group<'a> {
    ssm: Ssm,
    ec2: AccountClient<aws_sdk_ec2::Client>,
    writer: &'a ParameterWriter,
    context: &'a Context,
}

/// An existing parameter: its value, what DescribeParameters says of it, and the build its AMI's
/// tag names (read only where no record explains the value).
struct Existing<'a> {
    value: &'a String,
    described: &'a Described,
    built_from: Option<&'a amiflow_model::input::arn::ImageBuildVersionArn>,
}

impl<'a> Group<'a> {
    /// One placement of the plan: SSM for its parameters, EC2 for their AMIs' build tags.
    fn new(writer: &'a ParameterWriter, at: &OnePlacement<'a, ParameterWriter>) -> Self {
        let clients = &at.clients;
        let ssm = clients.with(clients.client.ssm.clone());
        Self {
            ssm: Ssm {
                ssm,
                limit: at.limit.clone(),
            },
            ec2: clients.with(clients.client.ec2.clone()),
            writer,
            context: at.context,
        }
    }

    /// Why a target fails before any call, if it does. Such targets stay out of batched reads,
    /// so they cannot fail their neighbours.
    fn refusal(&self, target: &ParameterTarget) -> Option<ParameterDetail> {
        if let Some(problem) = &target.name_problem {
            return Some(ParameterDetail::InvalidName {
                problem: problem.clone(),
            });
        }
        let prefix = self.writer.path_prefix.as_deref()?;
        let inside = target.name == prefix
            || target
                .name
                .strip_prefix(prefix)
                .is_some_and(|rest| rest.starts_with('/'));
        (!inside).then(|| ParameterDetail::OutsidePrefix {
            prefix: prefix.to_string(),
        })
    }

    async fn apply(&self, targets: &[&ParameterTarget]) -> Vec<Action> {
        let names: Vec<String> = unique_by(
            targets
                .iter()
                .filter(|t| self.refusal(t).is_none())
                .map(|t| t.name.clone()),
            String::clone,
        );
        // What exists, with its record, tier, data type and last writer (one read per 50 names),
        // and who this function is here, side by side.
        let (described, me) = futures::join!(self.ssm.describe(&names), self.ssm.ssm.caller.arn());
        let described = match described {
            Ok(d) => d,
            Err(e) => {
                return fail_each(
                    targets,
                    action,
                    Read::ParameterDescriptions.failed(e).into(),
                )
            }
        };
        let current = match self.values(&names, &described, me.as_deref()).await {
            Ok(current) => current,
            Err(e) => return fail_each(targets, action, Read::ParameterValues.failed(e).into()),
        };
        // The build each differing value's AMI is from, where no record written beside it says.
        let unexplained: Vec<&str> = targets
            .iter()
            .filter_map(|t| {
                let value = current.get(&t.name)?;
                let description = described
                    .get(&t.name)
                    .and_then(|d| d.description.as_deref());
                let explained = explains(description, value);
                let differs = t.placement.ami.as_ref().is_ok_and(|ami| ami != value);
                (differs && !explained).then_some(value.as_str())
            })
            .collect();
        let built = match built_from(&self.ec2, &self.ssm.limit, &unexplained).await {
            Ok(b) => b,
            Err(e) => return fail_each(targets, action, Read::ParameterBuildTags.failed(e).into()),
        };
        let writes = targets.iter().map(|t| {
            let existing =
                current
                    .get(&t.name)
                    .zip(described.get(&t.name))
                    .map(|(value, described)| Existing {
                        value,
                        described,
                        built_from: built.get(value),
                    });
            self.apply_one(t, existing)
        });
        let mut actions: Vec<Action> = join_all(writes).await;
        read_back(&self.ssm, self.writer.read_back, targets, &mut actions).await;
        actions
    }

    /// Each existing parameter's value. Where this function wrote the current version, the
    /// record it wrote beside the value names it, so no read is needed. A write that gives no
    /// description leaves the record in place beside another value, but SSM names each
    /// version's writer: a value anyone else wrote is read (GetParameters, 10 names a call).
    async fn values(
        &self,
        names: &[String],
        described: &HashMap<String, Described>,
        me: Option<&str>,
    ) -> Result<HashMap<String, String>, CallFailure> {
        let mut values = HashMap::new();
        let mut unread = Vec::new();
        for name in names {
            let Some(d) = described.get(name) else {
                continue;
            };
            let own_record = me
                .filter(|me| d.last_modified_user.as_deref() == Some(*me))
                .and(d.description.as_deref())
                .and_then(read_record)
                .and_then(|r| r.ami);
            match own_record {
                Some(ami) => {
                    values.insert(name.clone(), ami);
                }
                None => unread.push(name.clone()),
            }
        }
        if !unread.is_empty() {
            values.extend(self.ssm.values(&unread).await?);
        }
        Ok(values)
    }

    async fn apply_one(&self, target: &ParameterTarget, existing: Option<Existing<'_>>) -> Action {
        if let Some(refusal) = self.refusal(target) {
            return action(target, refusal);
        }
        let ami = target.placement.ami.as_deref().unwrap_or_default();
        let described = existing.as_ref().map(|e| e.described);
        let other_type = described.and_then(|d| d.data_type.as_deref());
        if let Some(other) = other_type.filter(|t| *t != target.data_type) {
            let detail = ParameterDetail::DataType {
                existing: other.to_string(),
                wanted: target.data_type.clone(),
            };
            return action(target, detail);
        }
        let build = &target.build;
        let decision = decide(
            existing.as_ref().map(|e| Current {
                value: e.value,
                description: e.described.description.as_deref(),
                built_from: e.built_from,
            }),
            ami,
            &build.arn,
            build.intent,
        );
        let was = existing.map(|e| e.value.clone());
        let rolled_back_from = match decision {
            Decision::Unchanged => {
                let ami = ami.to_string();
                return action(target, ParameterDetail::Holds { ami });
            }
            Decision::Skip(why) => {
                let value = was.unwrap_or_default();
                return action(target, ParameterDetail::Kept { value, why });
            }
            Decision::Create => None,
            Decision::Update { rolled_back_from } => rolled_back_from,
        };
        if let Some(why) = self.context.deadline.refuses_start() {
            return action(target, why);
        }
        if self.context.dry_run {
            let detail = ParameterDetail::WouldWrite {
                was,
                rolled_back_from,
                data_type: target.data_type.clone(),
                origin: target.origin.clone(),
            };
            return action(target, detail);
        }
        let put = Put {
            name: &target.name,
            value: ami,
            data_type: &target.data_type,
            description: write_record(&build.arn, ami, rolled_back_from.as_ref()),
            overwrite_keeping: was
                .is_some()
                .then(|| described.and_then(|d| d.tier.clone())),
        };
        let detail = match (self.ssm.put(put).await, was) {
            (Ok(version), Some(was)) => ParameterDetail::Updated {
                version,
                was,
                rolled_back_from,
            },
            (Ok(version), None) => ParameterDetail::Created { version },
            (Err(e), _) => ParameterDetail::WriteFailed(e),
        };
        action(target, detail)
    }
}
