//! What a schema check reports: every violation with its JSON path, in one error language
//! ("unknown field ... did you mean ...", "`path`: rule").

use std::fmt;

#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Violation {
    /// A key that the schema does not define, with the closest one it does.
    UnknownField {
        parent: String,
        field: String,
        suggestion: Option<&'static str>,
    },
    /// A value at `path` that breaks `rule`.
    Rule { path: String, rule: String },
}

impl Violation {
    pub fn new(path: impl Into<String>, rule: impl Into<String>) -> Self {
        Violation::Rule {
            path: path.into(),
            rule: rule.into(),
        }
    }
}

fn shown_path(path: &str) -> &str {
    if path.is_empty() {
        "the top level"
    } else {
        path
    }
}

impl fmt::Display for Violation {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self {
            Violation::UnknownField {
                parent,
                field,
                suggestion,
            } => {
                write!(f, "unknown field `{field}` at `{}`", shown_path(parent))?;
                match suggestion {
                    Some(s) => write!(f, "; did you mean `{s}`?"),
                    None => Ok(()),
                }
            }
            Violation::Rule { path, rule } => write!(f, "`{}`: {rule}", shown_path(path)),
        }
    }
}

/// Joins a JSON path: `parent.key`.
pub fn child(parent: &str, key: &str) -> String {
    if parent.is_empty() {
        key.to_string()
    } else {
        format!("{parent}.{key}")
    }
}

/// Joins a JSON path: `parent[index]`.
pub fn index(parent: &str, i: usize) -> String {
    format!("{parent}[{i}]")
}

/// A violation for every item of `items` (at `path`) whose `key` repeats an earlier item's.
pub fn distinct(
    items: &[serde_json::Value],
    key: &str,
    path: &str,
    what: &str,
    out: &mut Vec<Violation>,
) {
    let mut seen: std::collections::HashMap<&str, usize> = std::collections::HashMap::new();
    for (i, item) in items.iter().enumerate() {
        if let Some(value) = item.get(key).and_then(serde_json::Value::as_str) {
            if let Some(first) = seen.insert(value, i) {
                out.push(Violation::new(
                    child(&index(path, i), key),
                    format!("{what} must be distinct: {value:?} is also {path}[{first}]"),
                ));
            }
        }
    }
}
