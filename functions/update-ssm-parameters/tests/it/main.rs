//! update-ssm-parameters, in one test binary: against moto and the fake front through the real SDK
//! clients (values, types, provenance, accounts, rollback, reconcile, organizational units,
//! sessions, the real binary under Lambda's concurrency), and on the wire with aws-smithy-mocks
//! where moto falls short.

mod identity;
mod images;
mod instances;
mod limits;
mod provenance;
mod reconcile;

mod requests;
mod rollback;
mod session;
mod ssm;
mod units;
