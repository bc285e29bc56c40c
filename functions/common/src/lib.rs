//! What the amiflow functions share beyond the pure model: the invocation flow (the pipeline),
//! the per-invocation context, settings from the environment, SDK clients per (Region, account)
//! with assumed-role credentials, Image Builder reads, organizational units, metrics and errors.
//! A function adds only its executor.

pub mod aws;
#[cfg(feature = "ec2")]
pub mod build_tags;
pub mod context;
pub mod deadline;
pub mod error;
pub mod executor;
mod finish;
pub mod imagebuilder;
pub mod metrics;
pub mod pipeline;
pub mod placed_executor;
pub mod placement;
mod planning;
pub mod policy_source;
pub mod settings;
mod units;

/// An SDK client of `service` for `config`, with a retry partition (and retry quota) of its
/// own: one per service and Region, as the services throttle. A macro: each service's client and
/// configuration are their own types.
#[macro_export]
macro_rules! client {
    ($service:ident, $config:expr) => {
        $service::Client::from_conf(
            $service::config::Builder::from($config)
                .retry_partition($crate::aws::config::retry_partition(stringify!($service)))
                .build(),
        )
    };
}
