//! The accounts under each organizational unit and root the policy names, as AWS Organizations
//! answered for this invocation; the planner turns a unit into one target per account.

use std::collections::HashMap;

/// Each unit's ACTIVE accounts (nested units included), or why they could not be read.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct Organization {
    units: HashMap<String, Result<Vec<String>, String>>,
}

impl Organization {
    /// What was read for `unit`.
    pub fn insert(&mut self, unit: impl Into<String>, accounts: Result<Vec<String>, String>) {
        self.units.insert(unit.into(), accounts);
    }

    /// The accounts under `unit`, or why there are none to write in.
    pub fn accounts(&self, unit: &str) -> Result<&[String], String> {
        match self.units.get(unit) {
            Some(Ok(accounts)) => Ok(accounts),
            Some(Err(why)) => Err(why.clone()),
            None => Err("the organization was not read".into()),
        }
    }
}
