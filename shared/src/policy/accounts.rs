//! What a policy's `accounts` entry names: every account with an AMI (`*`), one account, or every
//! ACTIVE account under an organizational unit (`ou-...`) or the organization's root (`r-...`).

use crate::schema::fields::ACCOUNT_ID;
use crate::schema::matches;
use crate::schema::violation::Violation;

/// AWS Organizations' pattern of an organizational unit id.
pub const UNIT_ID_PATTERN: &str = r"^ou-[0-9a-z]{4,32}-[a-z0-9]{8,32}$";
/// AWS Organizations' pattern of a root id.
pub const ROOT_ID_PATTERN: &str = r"^r-[0-9a-z]{4,32}$";

/// One `accounts` entry, read.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Accounts<'a> {
    /// `*`: every account that has an AMI of its own in the Region.
    WithAmi,
    One(&'a str),
    /// An organizational unit or the root: every ACTIVE account under it, nested units included.
    Under(&'a str),
}

impl<'a> Accounts<'a> {
    /// Reads a validated entry.
    pub fn of(entry: &'a str) -> Self {
        if entry == "*" {
            Accounts::WithAmi
        } else if is_unit(entry) {
            Accounts::Under(entry)
        } else {
            Accounts::One(entry)
        }
    }
}

/// Whether `entry` names an organizational unit or the root.
pub fn is_unit(entry: &str) -> bool {
    entry.starts_with("ou-") || entry.starts_with("r-")
}

/// Why `entry` at `path` is no `accounts` entry, naming what it should be.
pub fn check_entry(entry: &str, path: &str, out: &mut Vec<Violation>) {
    let problem = if entry == "*" || matches(ACCOUNT_ID, entry) {
        return;
    } else if entry.starts_with("ou-") {
        if matches(UNIT_ID_PATTERN, entry) {
            return;
        }
        format!("{entry:?} is no organizational unit id: it must match {UNIT_ID_PATTERN}")
    } else if entry.starts_with("r-") {
        if matches(ROOT_ID_PATTERN, entry) {
            return;
        }
        format!("{entry:?} is no root id: it must match {ROOT_ID_PATTERN}")
    } else {
        format!(
            "{entry:?} is no account: give a 12-digit account id, an organizational unit id (ou-...), \
             the root id (r-...), or \"*\" (every account with an AMI of its own)"
        )
    };
    out.push(Violation::new(path, problem));
}

#[cfg(test)]
mod tests {
    use super::*;

    fn problems(entry: &str) -> Vec<String> {
        let mut out = Vec::new();
        check_entry(entry, "accounts[0]", &mut out);
        out.iter().map(ToString::to_string).collect()
    }

    #[test]
    fn reads_each_kind_of_entry() {
        assert_eq!(Accounts::of("*"), Accounts::WithAmi);
        assert_eq!(Accounts::of("123456789012"), Accounts::One("123456789012"));
        assert_eq!(
            Accounts::of("ou-ab12-cdefgh34"),
            Accounts::Under("ou-ab12-cdefgh34")
        );
        assert_eq!(Accounts::of("r-ab12"), Accounts::Under("r-ab12"));
    }

    #[test]
    fn malformed_units_are_named() {
        for good in ["*", "123456789012", "ou-ab12-cdefgh34", "r-ab12"] {
            assert!(problems(good).is_empty(), "{good}");
        }
        assert_eq!(
            problems("ou-AB12-cdefgh34"),
            [format!(
                "`accounts[0]`: \"ou-AB12-cdefgh34\" is no organizational unit id: it must match {UNIT_ID_PATTERN}"
            )]
        );
        assert!(problems("r-x")[0].contains("\"r-x\" is no root id"));
        assert!(problems("1234")[0].contains("\"1234\" is no account"));
    }
}
