//! What the three amiflow functions share beyond the pure model: settings from the environment,
//! SDK clients per (Region, account) with assumed-role credentials, Image Builder reads and retry
//! rules, the invocation flow (classify, GetImage, plan, execute, report) and its errors.

pub mod bounded;
pub mod clients;
pub mod credentials;
pub mod error;
pub mod imagebuilder;
pub mod invocation;
pub mod placement;
pub mod retry;
pub mod settings;

pub use clients::{AwsContext, ClientCache};
pub use error::FunctionError;
pub use invocation::{finish, ignored, Prepared, Runtime, Target};
pub use settings::Settings;
