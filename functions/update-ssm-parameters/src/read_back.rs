//! SSM validates an `aws:ec2:image` value after PutParameter returns (the AMI must exist and be
//! shared with the account): each written value is read back, within a window, and one that does
//! not show is reported failed, so that Lambda's retry confirms it or writes it again.

use std::time::{Duration, Instant};

use amiflow_model::plan::target::ParameterTarget;
use amiflow_model::plan::unique::unique_by;
use amiflow_model::report::action::{Action, Outcome};
use amiflow_model::report::detail::Detail;
use amiflow_model::report::parameter::ParameterDetail;

use crate::ssm::Ssm;

const PAUSE: Duration = Duration::from_millis(300);

/// Waits up to the read-back `window` for each written `aws:ec2:image` value to show.
pub(crate) async fn read_back(
    ssm: &Ssm,
    window: Duration,
    targets: &[&ParameterTarget],
    actions: &mut [Action],
) {
    let mut pending: Vec<usize> = actions
        .iter()
        .enumerate()
        .filter(|(i, a)| {
            matches!(a.outcome(), Outcome::Created | Outcome::Updated)
                && targets[*i].data_type == "aws:ec2:image"
        })
        .map(|(i, _)| i)
        .collect();
    let started = Instant::now();
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
        let Ok(current) = ssm.values(&names).await else {
            continue;
        };
        pending.retain(|&i| current.get(&targets[i].name) != actions[i].ami.as_ref());
    }
    for i in pending {
        let action = &mut actions[i];
        let Detail::Parameter(written) = action.detail.clone() else {
            continue;
        };
        action.detail = Detail::Parameter(ParameterDetail::NotValidated {
            written: Box::new(written),
            window_secs: window.as_secs(),
            account: action.account_id.clone(),
            region: action.region.clone(),
        });
    }
}
