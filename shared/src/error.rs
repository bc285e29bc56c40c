use std::fmt;

use crate::schema::violation::Violation;

/// Input that amiflow refuses before making any call: names the field and the rule it breaks.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
pub struct InputError {
    pub violations: Vec<Violation>,
}

impl InputError {
    pub fn new(path: impl Into<String>, rule: impl Into<String>) -> Self {
        Self {
            violations: vec![Violation::new(path, rule)],
        }
    }
}

impl From<Vec<Violation>> for InputError {
    fn from(violations: Vec<Violation>) -> Self {
        Self { violations }
    }
}

impl fmt::Display for InputError {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        let parts: Vec<String> = self.violations.iter().map(|v| v.to_string()).collect();
        f.write_str(&parts.join("; "))
    }
}
