//! refresh-instances, in one test binary: against moto's Auto Scaling groups and the fake front's
//! instance refreshes, through the real SDK clients.

mod refresh;
mod session;
