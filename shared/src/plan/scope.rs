//! What a request covers: every rule and account (an event), or only some (a reconcile scoped
//! with `rules` or `accounts`).

/// The rules and accounts a plan covers; `None` covers all of them.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct Scope {
    /// Only these rules, by name. A scope of named rules leaves out the images' own distribution
    /// settings, which belong to no rule.
    pub rules: Option<Vec<String>>,
    /// Only targets in these accounts.
    pub accounts: Option<Vec<String>>,
}

impl Scope {
    /// Everything: what an event covers.
    pub fn everything() -> Self {
        Self::default()
    }

    pub fn covers_rule(&self, name: &str) -> bool {
        self.rules
            .as_ref()
            .is_none_or(|rules| rules.iter().any(|r| r == name))
    }

    pub fn covers_account(&self, account: &str) -> bool {
        self.accounts
            .as_ref()
            .is_none_or(|accounts| accounts.iter().any(|a| a == account))
    }

    pub fn covers_distribution_settings(&self) -> bool {
        self.rules.is_none()
    }
}
