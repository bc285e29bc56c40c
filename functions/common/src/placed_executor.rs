//! The executors that act per (Region, account) on an image's targets: the two writers and
//! refresh-instances. Each brings its targets, its clients and its work on one placement; the
//! planning, the grouping, the credentials and the failures before any call are written here once.

use std::future::Future;

use amiflow_model::error::InputError;
use amiflow_model::plan::target::Placed;
use amiflow_model::report::action::{Action, ActionKind};
use amiflow_model::report::detail::Detail;

use crate::aws::clients::AccountClient;
use crate::aws::limit::CallLimit;
use crate::context::Context;
use crate::executor::{Executor, Plan, Source, Takes};
use crate::placement::PlacedClients;

/// One function's part of the flow, where it acts per (Region, account): every such function is
/// an `Executor` through it.
pub trait PlacedExecutor: Send + Sync {
    /// One planned target.
    type Target: Placed + Send + Sync;
    /// The clients of one Region (one service's, or a struct of several).
    type Clients: Clone + Send + Sync;

    /// What this function's actions are (the report's `kind`, the metrics' `Kind`).
    const KIND: ActionKind;

    /// The request kinds it takes besides images.
    const TAKES: Takes = Takes::IMAGES;

    /// Its clients per (Region, account) and its call limit.
    fn clients(&self) -> &PlacedClients<Self::Clients>;

    /// A target that fails before its placement's work starts (no AMI there, no credentials):
    /// named as the plan named it.
    fn failed(target: &Self::Target, why: Detail) -> Action {
        Action::planned(Self::KIND, target, why)
    }

    /// One placement's targets: one action per target.
    fn apply_placement<'a>(
        &'a self,
        at: OnePlacement<'a, Self>,
    ) -> impl Future<Output = Vec<Action>> + Send + 'a;
}

/// One (Region, account) of a plan: its targets, with that placement's clients (its account's
/// credentials) and its share of the call limit.
pub struct OnePlacement<'a, E: PlacedExecutor + ?Sized> {
    pub clients: AccountClient<E::Clients>,
    pub limit: CallLimit,
    pub targets: Vec<&'a E::Target>,
    pub context: &'a Context,
}

impl<P: PlacedExecutor> Executor for P {
    type Target = P::Target;
    const KIND: ActionKind = P::KIND;
    const TAKES: Takes = P::TAKES;

    /// An image's targets; a direct DistributeImage call plans nothing here.
    fn plan(&self, source: Source<'_>, _: &Context) -> Result<Plan<P::Target>, InputError> {
        Ok(Plan::Targets(match source {
            Source::Image(planner) => P::Target::planned(planner),
            Source::Call { .. } => Vec::new(),
        }))
    }

    async fn apply(&self, targets: Vec<P::Target>, context: &Context) -> Vec<Action> {
        let work = |clients, limit, targets| {
            let placement = OnePlacement {
                clients,
                limit,
                targets,
                context,
            };
            self.apply_placement(placement)
        };
        self.clients().run(&targets, context, work, P::failed).await
    }
}
