//! `{{ name }}` placeholders: one parser for the validator (which names are allowed where) and
//! the planner (what they render to).

use std::sync::LazyLock;

use regex_lite::{Captures, Regex};

use crate::schema::violation::Violation;

static PLACEHOLDER: LazyLock<Regex> =
    LazyLock::new(|| Regex::new(r"\{\{\s*([^{}]*?)\s*\}\}").expect("static pattern"));

/// Placeholders that SSM parameter names in the policy may use.
pub const PARAMETER_PLACEHOLDERS: &[&str] = &[
    "imagebuilder:name",
    "imagebuilder:version",
    "imagebuilder:buildVersion",
];

/// The names inside `{{ ... }}` in `text` (inner spaces allowed).
pub fn placeholders(text: &str) -> impl Iterator<Item = &str> {
    PLACEHOLDER
        .captures_iter(text)
        .map(|c| c.get(1).map_or("", |m| m.as_str()))
}

/// `text` with each placeholder replaced by `value(name)`; a name it has no value for stays as written.
pub fn render(text: &str, value: impl Fn(&str) -> Option<String>) -> String {
    PLACEHOLDER
        .replace_all(text, |c: &Captures| {
            let name = c.get(1).map_or("", |m| m.as_str());
            value(name).unwrap_or_else(|| c[0].to_string())
        })
        .into_owned()
}

pub fn check_placeholders(text: &str, allowed: &[&str], path: &str, out: &mut Vec<Violation>) {
    for name in placeholders(text) {
        if !allowed.contains(&name) {
            let names: Vec<String> = allowed.iter().map(|a| format!("{{{{{a}}}}}")).collect();
            out.push(Violation::new(
                path,
                format!(
                    "unknown parameter `{{{{{name}}}}}`; the parameters are {}",
                    names.join(", ")
                ),
            ));
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn renders_known_names_with_inner_spaces_and_leaves_others() {
        let out = render(
            "/a/{{ imagebuilder:name }}/{{x}}/{{imagebuilder:name}}",
            |n| (n == "imagebuilder:name").then(|| "golden".to_string()),
        );
        assert_eq!(out, "/a/golden/{{x}}/golden");
        assert_eq!(
            placeholders("{{ a }} and {{b}}").collect::<Vec<_>>(),
            ["a", "b"]
        );
    }
}
