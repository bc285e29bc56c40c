//! Targets grouped by where they live, (Region, account), each group served by one client.

use std::collections::HashMap;
use std::future::Future;

use amiflow_model::plan::target::{Placed, Placement};
use amiflow_model::report::action::Action;
use amiflow_model::report::detail::Detail;
use aws_config::SdkConfig;
use futures::future::join_all;

use crate::aws::clients::{AccountClient, ClientCache};
use crate::aws::limit::{CallLimit, PER_PLACEMENT};
use crate::aws::sessions::Session;
use crate::context::Context;
use crate::pipeline::Pipeline;

/// Where a group of targets lives: one Region and one account's credentials serve all of them.
#[derive(Debug, Clone, PartialEq, Eq, Hash)]
pub struct PlacementKey {
    pub region: String,
    pub account_id: String,
    pub cross_account: bool,
}

/// Groups targets by (Region, account), keeping first-seen order of groups and of targets in each.
pub fn group_by_placement<T>(
    targets: &[T],
    placement: impl Fn(&T) -> &Placement,
) -> Vec<(PlacementKey, Vec<&T>)> {
    let mut groups: Vec<(PlacementKey, Vec<&T>)> = Vec::new();
    // An index, not a scan of the groups: 3,200 placements would make 5 million comparisons.
    let mut index: HashMap<PlacementKey, usize> = HashMap::new();
    for target in targets {
        let p = placement(target);
        let key = PlacementKey {
            region: p.region.clone(),
            account_id: p.account_id.clone(),
            cross_account: p.cross_account,
        };
        match index.get(&key) {
            Some(&at) => groups[at].1.push(target),
            None => {
                index.insert(key.clone(), groups.len());
                groups.push((key, vec![target]));
            }
        }
    }
    groups
}

/// What an executor that acts per (Region, account) owns: its service's clients per Region
/// (with each account's credentials) and its call limit.
pub struct PlacedClients<C> {
    clients: ClientCache<C>,
    pub limit: CallLimit,
}

impl<C: Clone> PlacedClients<C> {
    /// Clients made by `factory` (tests pass one that adds mock interceptors), acting in other
    /// accounts as `session`.
    pub fn new(
        pipeline: &Pipeline,
        session: Session,
        factory: impl Fn(&SdkConfig) -> C + Send + Sync + 'static,
    ) -> Self {
        Self {
            clients: ClientCache::new(pipeline.aws.clone(), session, factory),
            limit: CallLimit::new(pipeline.settings.max_concurrency),
        }
    }

    /// Runs `work` once per (Region, account) with that placement's client and credentials, all
    /// placements at once. A target whose build has no AMI in its placement (the image has none
    /// there, or an organizational unit resolved to no account) fails with no call; a placement
    /// where no target has one asks not even for credentials. Where no credentials can be had
    /// (another account and no role, or AssumeRole failed), every target there fails.
    pub async fn run<'a, T, Work, Fut>(
        &self,
        targets: &'a [T],
        context: &Context,
        work: Work,
        fail: impl Fn(&T, Detail) -> Action,
    ) -> Vec<Action>
    where
        T: Placed,
        Work: Fn(AccountClient<C>, CallLimit, Vec<&'a T>) -> Fut,
        Fut: Future<Output = Vec<Action>>,
    {
        let groups = group_by_placement(targets, |t| t.placement());
        let runs = groups.into_iter().map(|(key, members)| {
            let (work, fail) = (&work, &fail);
            async move {
                // The AMI is a build's: a reconcile or a result naming several builds puts targets
                // of builds with and without an AMI here in one placement. Those without fail on
                // their own; the others go on.
                let (placed, no_ami): (Vec<&T>, Vec<&T>) =
                    members.into_iter().partition(|t| t.placement().ami.is_ok());
                let mut actions: Vec<Action> = no_ami
                    .iter()
                    .filter_map(|t| {
                        let why = t.placement().ami.as_ref().err()?;
                        Some(fail(t, why.clone().into()))
                    })
                    .collect();
                let Some(first) = placed.first() else {
                    return actions;
                };
                let client = self.clients.get(
                    &first.build().arn.partition,
                    &key.region,
                    &key.account_id,
                    key.cross_account,
                    context.invocation,
                );
                actions.extend(match client.await {
                    Ok(client) => {
                        let limit = self.limit.for_placement(PER_PLACEMENT);
                        work(client, limit, placed).await
                    }
                    Err(reason) => fail_each(&placed, fail, reason.into()),
                });
                actions
            }
        });
        join_all(runs).await.into_iter().flatten().collect()
    }
}

/// The same failure for every target of a group (a read for all of them failed).
pub fn fail_each<T>(
    targets: &[&T],
    fail: impl Fn(&T, Detail) -> Action,
    why: Detail,
) -> Vec<Action> {
    targets.iter().map(|t| fail(t, why.clone())).collect()
}

#[cfg(test)]
mod tests {
    use super::*;

    fn at(region: &str, account: &str) -> Placement {
        Placement {
            region: region.into(),
            account_id: account.into(),
            ami: Ok("ami-1".into()),
            cross_account: account != "1",
        }
    }

    #[test]
    fn groups_in_first_seen_order() {
        let targets = [at("a", "1"), at("b", "1"), at("a", "2"), at("a", "1")];
        let groups = group_by_placement(&targets, |t| t);
        let shape: Vec<(String, String, usize)> = groups
            .iter()
            .map(|(k, m)| (k.region.clone(), k.account_id.clone(), m.len()))
            .collect();
        assert_eq!(
            shape,
            [
                ("a".into(), "1".into(), 2),
                ("b".into(), "1".into(), 1),
                ("a".into(), "2".into(), 1)
            ]
        );
        assert!(groups[2].0.cross_account);
    }
}
