//! What the three amiflow functions share beyond the pure model: the invocation flow (the
//! pipeline), settings from the environment, SDK clients per (Region, account) with assumed-role
//! credentials, Image Builder reads and retry rules, and errors. A function adds only its executor.

pub mod clients;
pub mod credentials;
pub mod deadline;
pub mod error;
pub mod executor;
pub mod imagebuilder;
pub mod limit;
pub mod metrics;
pub mod pipeline;
pub mod placement;
#[cfg(feature = "ec2")]
pub mod provenance;
pub mod retry;
pub mod settings;

pub use clients::{AccountClient, AwsContext, Caller, ClientCache, Session};
pub use deadline::Deadline;
pub use error::{CallError, ClientError, FunctionError};
pub use executor::{Executor, Plan};
pub use limit::CallLimit;
pub use pipeline::{run, Pipeline};
pub use settings::Settings;
