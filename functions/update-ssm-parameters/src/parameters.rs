//! Making each planned parameter hold its AMI: one batched read per (Region, account), a write
//! only where one is due, and a read-back for `aws:ec2:image` values.

use std::collections::HashMap;
use std::time::Duration;

use amiflow_common::placement::{fail_each, PlacedClients};
use amiflow_common::{CallError, CallLimit, Executor, Pipeline, Plan, Session};
use amiflow_model::decide::{self, decide, provenance, Decision, Intent};
use amiflow_model::plan::{ParameterTarget, Planner};
use amiflow_model::unique::unique_by;
use amiflow_model::{Action, ActionKind, ImageBuildVersionArn, Outcome, Request};
use aws_sdk_ssm::types::{ParameterStringFilter, ParameterType};
use aws_sdk_ssm::Client;
use futures::future::join_all;

/// GetParameters takes at most 10 names; a DescribeParameters filter at most 50 values.
const GET_BATCH: usize = 10;
const DESCRIBE_BATCH: usize = 50;
/// The service validates `aws:ec2:image` after PutParameter returns; give it this long to settle.
const READ_BACK_ATTEMPTS: u32 = 5;
const READ_BACK_PAUSE: Duration = Duration::from_millis(300);

const KIND: ActionKind = ActionKind::SsmParameter;

fn action(target: &ParameterTarget, outcome: Outcome, detail: impl Into<String>) -> Action {
    target.placement.action(KIND, &target.name, outcome, detail)
}

/// This function in a target account: its own session name, and only the calls it makes.
pub const SESSION: Session = Session {
    name: "amiflow-update-ssm-parameters",
    policy: r#"{"Version":"2012-10-17","Statement":[{"Sid":"UpdateSsmParameters","Effect":"Allow","Action":["ssm:GetParameters","ssm:DescribeParameters","ssm:PutParameter","ec2:DescribeImages"],"Resource":"*"}]}"#,
};

/// The update-ssm-parameters executor: SSM clients per (Region, account).
pub struct ParameterWriter {
    ssm: PlacedClients<Client>,
}

/// An image's parameter targets.
pub struct ParameterWork {
    image: ImageBuildVersionArn,
    intent: Intent,
    targets: Vec<ParameterTarget>,
}

impl ParameterWriter {
    pub fn new(pipeline: &Pipeline) -> Self {
        Self::with_clients(PlacedClients::new(pipeline, SESSION, Client::new))
    }

    /// With clients made elsewhere (tests add mock interceptors to theirs).
    pub fn with_clients(ssm: PlacedClients<Client>) -> Self {
        Self { ssm }
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
    async fn apply(&self, work: ParameterWork) -> Vec<Action> {
        let image = &work.image;
        self.ssm
            .run(
                &image.partition,
                &work.targets,
                |client, members| async move {
                    let group = Group {
                        client,
                        limit: &self.ssm.limit,
                        image,
                        intent: work.intent,
                        dry_run: self.ssm.dry_run,
                    };
                    group.apply(&members).await
                },
                failed,
            )
            .await
    }
}

struct Group<'a> {
    client: Client,
    limit: &'a CallLimit,
    image: &'a ImageBuildVersionArn,
    intent: Intent,
    dry_run: bool,
}

struct Current {
    value: String,
}

fn failed(target: &ParameterTarget, reason: String) -> Action {
    action(target, Outcome::Failed, reason)
}

impl Group<'_> {
    async fn apply(&self, targets: &[&ParameterTarget]) -> Vec<Action> {
        let names: Vec<String> = unique_by(
            targets
                .iter()
                .filter(|t| t.placement.ami.is_ok() && t.name_problem.is_none())
                .map(|t| t.name.clone()),
            String::clone,
        );
        let current = match self.values(&names).await {
            Ok(current) => current,
            Err(e) => return fail_each(targets, failed, &format!("cannot read parameters: {e}")),
        };
        // Descriptions only matter where the value differs: an unchanged target costs one batched read.
        let differing: Vec<String> = unique_by(
            targets.iter().filter_map(|t| {
                let ami = t.placement.ami.as_ref().ok()?;
                current
                    .get(&t.name)
                    .filter(|c| &c.value != ami)
                    .map(|_| t.name.clone())
            }),
            String::clone,
        );
        let descriptions = match self.descriptions(&differing).await {
            Ok(d) => d,
            Err(e) => {
                return fail_each(targets, failed, &format!("cannot describe parameters: {e}"))
            }
        };
        let writes = targets
            .iter()
            .map(|t| self.apply_one(t, &current, &descriptions));
        let mut actions: Vec<Action> = join_all(writes).await;
        self.read_back(targets, &mut actions).await;
        actions
    }

    async fn apply_one(
        &self,
        target: &ParameterTarget,
        current: &HashMap<String, Current>,
        descriptions: &HashMap<String, String>,
    ) -> Action {
        let ami = match &target.placement.ami {
            Ok(ami) => ami,
            Err(reason) => return action(target, Outcome::Failed, reason.clone()),
        };
        if let Some(problem) = &target.name_problem {
            return action(target, Outcome::Failed, problem.clone());
        }
        let existing = current.get(&target.name);
        let decision = decide(
            existing.map(|c| decide::Current {
                value: c.value.as_str(),
                description: descriptions.get(&target.name).map(String::as_str),
            }),
            ami,
            self.image,
            self.intent,
        );
        let was = existing.map(|c| c.value.clone()).unwrap_or_default();
        let (outcome, overwrite, rolled_back_from) = match decision {
            Decision::Unchanged => {
                return action(target, Outcome::Unchanged, format!("already holds {ami}"))
            }
            Decision::Skip(reason) => return action(target, Outcome::Skipped, reason),
            Decision::Create => (Outcome::Created, false, None),
            Decision::Update { rolled_back_from } => (Outcome::Updated, true, rolled_back_from),
        };
        let rollback_note = rolled_back_from
            .as_ref()
            .map(|newer| format!("rolled back from {newer}; "))
            .unwrap_or_default();
        if self.dry_run {
            let what = if overwrite {
                format!("would update from {was}")
            } else {
                "would create".to_string()
            };
            return action(
                target,
                Outcome::Planned,
                format!(
                    "{rollback_note}{what} ({}, {})",
                    target.data_type, target.origin
                ),
            );
        }
        let put = self
            .client
            .put_parameter()
            .name(&target.name)
            .value(ami)
            .r#type(ParameterType::String)
            .data_type(&target.data_type)
            .description(provenance(self.image, rolled_back_from.as_ref()))
            .overwrite(overwrite);
        match self.limit.call(put.send()).await {
            Ok(out) if overwrite => action(
                target,
                outcome,
                format!("{rollback_note}version {} (was {was})", out.version()),
            ),
            Ok(out) => action(target, outcome, format!("version {}", out.version())),
            Err(e) => action(
                target,
                Outcome::Failed,
                CallError::new("PutParameter", e).to_string(),
            ),
        }
    }

    /// Current values by name (absent: the parameter does not exist).
    async fn values(&self, names: &[String]) -> Result<HashMap<String, Current>, CallError> {
        let mut out = HashMap::new();
        for chunk in names.chunks(GET_BATCH) {
            let got = self
                .limit
                .call(
                    self.client
                        .get_parameters()
                        .set_names(Some(chunk.to_vec()))
                        .send(),
                )
                .await
                .map_err(|e| CallError::new("GetParameters", e))?;
            for p in got.parameters() {
                if let (Some(name), Some(value)) = (p.name(), p.value()) {
                    out.insert(
                        name.to_string(),
                        Current {
                            value: value.to_string(),
                        },
                    );
                }
            }
        }
        Ok(out)
    }

    /// Descriptions by name, where one is set.
    async fn descriptions(&self, names: &[String]) -> Result<HashMap<String, String>, CallError> {
        let mut out = HashMap::new();
        for chunk in names.chunks(DESCRIBE_BATCH) {
            let filter = ParameterStringFilter::builder()
                .key("Name")
                .option("Equals")
                .set_values(Some(chunk.to_vec()))
                .build()
                .map_err(|e| CallError::new("DescribeParameters", e))?;
            let pages = self
                .client
                .describe_parameters()
                .parameter_filters(filter)
                .into_paginator();
            // DescribeParameters has no item paginator: pages, then their parameters.
            let found = self
                .limit
                .call(pages.send().try_collect())
                .await
                .map_err(|e| CallError::new("DescribeParameters", e))?;
            for p in found.iter().flat_map(|page| page.parameters()) {
                if let (Some(name), Some(description)) = (p.name(), p.description()) {
                    out.insert(name.to_string(), description.to_string());
                }
            }
        }
        Ok(out)
    }

    /// `aws:ec2:image` values are validated by the service after PutParameter returns: confirm
    /// each written value holds, and report the target failed if it does not.
    async fn read_back(&self, targets: &[&ParameterTarget], actions: &mut [Action]) {
        let written: Vec<usize> = actions
            .iter()
            .enumerate()
            .filter(|(i, a)| {
                matches!(a.outcome, Outcome::Created | Outcome::Updated)
                    && targets[*i].data_type == "aws:ec2:image"
            })
            .map(|(i, _)| i)
            .collect();
        let mut pending = written;
        for attempt in 0..READ_BACK_ATTEMPTS {
            if pending.is_empty() {
                return;
            }
            if attempt > 0 {
                tokio::time::sleep(READ_BACK_PAUSE).await;
            }
            let names = unique_by(
                pending.iter().map(|&i| targets[i].name.clone()),
                String::clone,
            );
            let Ok(current) = self.values(&names).await else {
                continue;
            };
            pending.retain(|&i| {
                current.get(&targets[i].name).map(|c| &c.value) != actions[i].ami.as_ref()
            });
        }
        for i in pending {
            actions[i].outcome = Outcome::Failed;
            actions[i].detail = format!(
                "SSM did not keep {} as an aws:ec2:image value (the AMI may not exist or not be shared with {} in {})",
                actions[i].ami.as_deref().unwrap_or_default(),
                actions[i].account_id,
                actions[i].region
            );
        }
    }
}
