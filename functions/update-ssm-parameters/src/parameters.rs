//! Making each planned parameter hold its AMI: one batched read per (Region, account), a write
//! only where one is due, and a read-back for `aws:ec2:image` values.

use std::collections::HashMap;
use std::time::Duration;

use amiflow_common::placement::{fail_each, PlacedClients};
use amiflow_common::provenance::built_from;
use amiflow_common::{AccountClient, CallError, Deadline, Executor, Pipeline, Plan, Session};
use amiflow_model::decide::{
    self, decide, explains, provenance, record, rollback_note, Decision, Intent,
};
use amiflow_model::plan::{ParameterTarget, Planner};
use amiflow_model::unique::unique_by;
use amiflow_model::{Action, ActionKind, ImageBuildVersionArn, Outcome, Request};
use aws_sdk_ssm::Client;
use futures::future::join_all;

use crate::ssm::{Described, Put, Ssm};

const KIND: ActionKind = ActionKind::SsmParameter;

fn action(target: &ParameterTarget, outcome: Outcome, detail: impl Into<String>) -> Action {
    target.placement.action(KIND, &target.name, outcome, detail)
}

/// This function in a target account: its own session name, and only the calls it makes.
pub const SESSION: Session = Session {
    name: "amiflow-update-ssm-parameters",
    policy: r#"{"Version":"2012-10-17","Statement":[{"Sid":"UpdateSsmParameters","Effect":"Allow","Action":["ssm:GetParameters","ssm:DescribeParameters","ssm:PutParameter","ec2:DescribeImages"],"Resource":"*"}]}"#,
};

/// The clients of one Region: SSM for the parameters, EC2 for the AMIs' build tags.
#[derive(Clone)]
pub struct Clients {
    pub ssm: Client,
    pub ec2: aws_sdk_ec2::Client,
}

/// The update-ssm-parameters executor: clients per (Region, account), the path it may write
/// under, and how long it waits for SSM to validate an AMI.
pub struct ParameterWriter {
    ssm: PlacedClients<Clients>,
    path_prefix: Option<String>,
    read_back: Duration,
}

/// An image's parameter targets.
pub struct ParameterWork {
    image: ImageBuildVersionArn,
    intent: Intent,
    targets: Vec<ParameterTarget>,
}

impl ParameterWriter {
    pub fn new(pipeline: &Pipeline) -> Self {
        let clients = PlacedClients::new(pipeline, SESSION, |config| Clients {
            ssm: Client::new(config),
            ec2: aws_sdk_ec2::Client::new(config),
        });
        Self::with_clients(pipeline, clients)
    }

    /// With clients made elsewhere (tests add mock interceptors to theirs).
    pub fn with_clients(pipeline: &Pipeline, ssm: PlacedClients<Clients>) -> Self {
        Self {
            ssm,
            path_prefix: pipeline.settings.parameter_path_prefix.clone(),
            read_back: pipeline.settings.read_back,
        }
    }
}

impl Executor for ParameterWriter {
    type Work = ParameterWork;
    const KIND: ActionKind = KIND;
    const ROLLS_BACK: bool = true;

    fn plan(&self, planner: &Planner<'_>, request: &Request) -> Plan<ParameterWork> {
        Plan::Work(ParameterWork {
            targets: planner.parameters(),
            image: request.image.clone(),
            intent: request.intent(),
        })
    }

    /// One action per target, grouped by (Region, account).
    async fn apply(&self, work: ParameterWork, deadline: Deadline) -> Vec<Action> {
        let image = &work.image;
        self.ssm
            .run(
                &image.partition,
                &work.targets,
                |clients: AccountClient<Clients>, limit, members| async move {
                    let (credentials, caller) = (clients.credentials, clients.caller);
                    let group = Group {
                        ssm: Ssm {
                            ssm: AccountClient {
                                client: clients.client.ssm,
                                credentials: credentials.clone(),
                                caller: caller.clone(),
                            },
                            limit,
                        },
                        ec2: AccountClient {
                            client: clients.client.ec2,
                            credentials,
                            caller,
                        },
                        writer: self,
                        image,
                        intent: work.intent,
                        deadline,
                    };
                    group.apply(&members).await
                },
                failed,
            )
            .await
    }
}

/// The parameters of one (Region, account) and what an invocation does to them.
struct Group<'a> {
    ssm: Ssm,
    ec2: AccountClient<aws_sdk_ec2::Client>,
    writer: &'a ParameterWriter,
    image: &'a ImageBuildVersionArn,
    intent: Intent,
    deadline: Deadline,
}

/// An existing parameter: its value, what DescribeParameters says of it, and the build its AMI's
/// tag names (read only where no record explains the value).
struct Existing<'a> {
    value: &'a String,
    described: &'a Described,
    built_from: Option<&'a ImageBuildVersionArn>,
}

fn failed(target: &ParameterTarget, reason: String) -> Action {
    action(target, Outcome::Failed, reason)
}

impl Group<'_> {
    /// Why a target fails before any call, if it does. Such targets stay out of batched reads,
    /// so they cannot fail their neighbours.
    fn refusal(&self, target: &ParameterTarget) -> Option<String> {
        if let Err(reason) = &target.placement.ami {
            return Some(reason.clone());
        }
        if let Some(problem) = &target.name_problem {
            return Some(problem.clone());
        }
        let prefix = self.writer.path_prefix.as_deref()?;
        let inside = target.name == prefix
            || target
                .name
                .strip_prefix(prefix)
                .is_some_and(|rest| rest.starts_with('/'));
        (!inside).then(|| {
            format!(
                "outside {prefix}, the only path this function may write under (AMIFLOW_PARAMETER_PATH_PREFIX, \
                 and its IAM policy): name it under {prefix}/, or widen the stack's ParameterPathPrefix"
            )
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
                return fail_each(targets, failed, &format!("cannot describe parameters: {e}"))
            }
        };
        let current = match self.values(&names, &described, me.as_deref()).await {
            Ok(current) => current,
            Err(e) => return fail_each(targets, failed, &format!("cannot read parameters: {e}")),
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
            Err(e) => {
                let why =
                    format!("cannot read the build tags of the AMIs the parameters hold: {e}");
                return fail_each(targets, failed, &why);
            }
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
        self.read_back(targets, &mut actions).await;
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
    ) -> Result<HashMap<String, String>, CallError> {
        let mut values = HashMap::new();
        let mut unread = Vec::new();
        for name in names {
            let Some(d) = described.get(name) else {
                continue;
            };
            let own_record = me
                .filter(|me| d.last_modified_user.as_deref() == Some(*me))
                .and(d.description.as_deref())
                .and_then(record)
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
        if let Some(reason) = self.refusal(target) {
            return failed(target, reason);
        }
        let ami = target.placement.ami.as_deref().unwrap_or_default();
        let described = existing.as_ref().map(|e| e.described);
        let other_type = described.and_then(|d| d.data_type.as_deref());
        if let Some(other) = other_type.filter(|t| *t != target.data_type) {
            return failed(
                target,
                format!(
                    "exists with data type {other}, and SSM cannot change a parameter's data type to {}: \
                     set dataType to {other} for it in the policy, or delete the parameter",
                    target.data_type
                ),
            );
        }
        let decision = decide(
            existing.as_ref().map(|e| decide::Current {
                value: e.value,
                description: e.described.description.as_deref(),
                built_from: e.built_from,
            }),
            ami,
            self.image,
            self.intent,
        );
        let was = existing.map(|e| e.value.as_str()).unwrap_or_default();
        let (outcome, overwrite, rolled_back_from) = match decision {
            Decision::Unchanged => {
                return action(target, Outcome::Unchanged, format!("already holds {ami}"))
            }
            Decision::Skip(reason) => return action(target, Outcome::Skipped, reason),
            Decision::Create => (Outcome::Created, false, None),
            Decision::Update { rolled_back_from } => (Outcome::Updated, true, rolled_back_from),
        };
        let rollback_note = rollback_note(rolled_back_from.as_ref());
        if let Some(why) = self.deadline.refuses_start() {
            return failed(target, why);
        }
        if self.writer.ssm.dry_run {
            let what = match overwrite {
                true => format!("would update from {was}"),
                false => "would create".to_string(),
            };
            let (data_type, origin) = (&target.data_type, &target.origin);
            let detail = format!("{rollback_note}{what} ({data_type}, {origin})");
            return action(target, Outcome::Planned, detail);
        }
        let put = Put {
            name: &target.name,
            value: ami,
            data_type: &target.data_type,
            description: provenance(self.image, ami, rolled_back_from.as_ref()),
            overwrite_keeping: overwrite.then(|| described.and_then(|d| d.tier.clone())),
        };
        match self.ssm.put(put).await {
            Ok(version) if overwrite => action(
                target,
                outcome,
                format!("{rollback_note}version {version} (was {was})"),
            ),
            Ok(version) => action(target, outcome, format!("version {version}")),
            Err(e) => failed(target, e.to_string()),
        }
    }

    /// `aws:ec2:image` values are validated by the service after PutParameter returns: wait up to
    /// the read-back window for each written value to show, and report one still pending as such.
    async fn read_back(&self, targets: &[&ParameterTarget], actions: &mut [Action]) {
        const PAUSE: Duration = Duration::from_millis(300);
        let mut pending: Vec<usize> = actions
            .iter()
            .enumerate()
            .filter(|(i, a)| {
                matches!(a.outcome, Outcome::Created | Outcome::Updated)
                    && targets[*i].data_type == "aws:ec2:image"
            })
            .map(|(i, _)| i)
            .collect();
        let window = self.writer.read_back;
        let started = std::time::Instant::now();
        let mut first = true;
        while !pending.is_empty() && (first || started.elapsed() < window) {
            if !first {
                tokio::time::sleep(PAUSE.min(window.saturating_sub(started.elapsed()))).await;
            }
            first = false;
            let names = unique_by(
                pending.iter().map(|&i| targets[i].name.clone()),
                String::clone,
            );
            let Ok(current) = self.ssm.values(&names).await else {
                continue;
            };
            pending.retain(|&i| current.get(&targets[i].name) != actions[i].ami.as_ref());
        }
        for i in pending {
            let a = &mut actions[i];
            a.outcome = Outcome::Failed;
            a.detail = format!(
                "{}, but after {} s SSM still shows the old value: it validates an aws:ec2:image value \
                 after the write (the AMI must exist and be shared with {} in {}), so it is pending or was \
                 rejected; the retry confirms it or writes it again",
                a.detail,
                window.as_secs(),
                a.account_id,
                a.region
            );
        }
    }
}
