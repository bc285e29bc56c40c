//! update-launch-templates, in one test binary: against moto and the fake front through the real
//! SDK clients (versions, defaults, tags, pruning, accounts, rollback, reconcile, sessions), and
//! on the wire with aws-smithy-mocks where moto falls short.

mod launch_templates;
mod left_alone;
mod reconcile;
mod requests;
mod rollback;
mod session;
mod version_tags;
