//! A small declarative schema for JSON documents, walked once to report every violation with its
//! JSON path. The policy, the requests and (in the CLI) Image Builder distribution documents all
//! use it, so all speak the same error language ("unknown field ... did you mean ...", "must
//! match ...").

pub mod fields;
mod suggest;
pub mod violation;

use std::collections::HashMap;
use std::sync::{LazyLock, Mutex};

use regex_lite::Regex;
use serde_json::Value;

use suggest::nearest;
use violation::{child, index, Violation};

#[derive(Debug, Clone, Copy)]
pub struct Text {
    pub min: usize,
    pub max: usize,
    pub pattern: Option<&'static str>,
}

impl Text {
    pub const fn len(min: usize, max: usize) -> Self {
        Self {
            min,
            max,
            pattern: None,
        }
    }
    pub const fn pattern(min: usize, max: usize, pattern: &'static str) -> Self {
        Self {
            min,
            max,
            pattern: Some(pattern),
        }
    }
}

#[derive(Debug)]
pub enum Schema {
    Object(&'static [Field]),
    Text(Text),
    Enum(&'static [&'static str]),
    Bool,
    Integer {
        min: i64,
        max: i64,
    },
    Array {
        items: &'static Schema,
        min: usize,
        max: usize,
    },
    /// A string-to-string map such as tags.
    Map {
        key: Text,
        value: Text,
        max: usize,
    },
}

#[derive(Debug)]
pub struct Field {
    pub name: &'static str,
    pub required: bool,
    pub schema: &'static Schema,
}

impl Field {
    pub const fn required(name: &'static str, schema: &'static Schema) -> Self {
        Self {
            name,
            required: true,
            schema,
        }
    }
    pub const fn optional(name: &'static str, schema: &'static Schema) -> Self {
        Self {
            name,
            required: false,
            schema,
        }
    }
}

/// Walks `value` against `schema`, adding every violation found below `path`.
pub fn check(value: &Value, schema: &Schema, path: &str, out: &mut Vec<Violation>) {
    match (schema, value) {
        (Schema::Object(fields), Value::Object(map)) => {
            // Sorted, so the report is the same whether or not serde_json preserves key order.
            for (key, v) in sorted(map) {
                match fields.iter().find(|f| f.name == key) {
                    Some(field) => check(v, field.schema, &child(path, key), out),
                    None => out.push(Violation::UnknownField {
                        parent: path.to_string(),
                        field: key.clone(),
                        suggestion: nearest(key, fields.iter().map(|f| f.name)),
                    }),
                }
            }
            for field in fields.iter().filter(|f| f.required) {
                if !map.contains_key(field.name) {
                    out.push(Violation::new(child(path, field.name), "is required"));
                }
            }
        }
        (Schema::Object(_), _) => out.push(Violation::new(
            path,
            format!("must be an object, got {}", kind(value)),
        )),
        (Schema::Text(rule), Value::String(s)) => check_text(s, rule, path, out),
        (Schema::Enum(allowed), Value::String(s)) => {
            if !allowed.contains(&s.as_str()) {
                out.push(Violation::new(
                    path,
                    format!("must be one of {}, got {s:?}", quoted(allowed)),
                ));
            }
        }
        (Schema::Bool, Value::Bool(_)) => {}
        (Schema::Integer { min, max }, Value::Number(n)) => match n.as_i64() {
            Some(i) if (*min..=*max).contains(&i) => {}
            _ => out.push(Violation::new(
                path,
                format!("must be a whole number from {min} to {max}, got {n}"),
            )),
        },
        (Schema::Array { items, min, max }, Value::Array(list)) => {
            if list.len() < *min || list.len() > *max {
                out.push(Violation::new(
                    path,
                    format!("must have {min} to {max} items, has {}", list.len()),
                ));
            }
            for (i, item) in list.iter().enumerate() {
                check(item, items, &index(path, i), out);
            }
        }
        (
            Schema::Map {
                key,
                value: value_rule,
                max,
            },
            Value::Object(map),
        ) => {
            if map.len() > *max {
                out.push(Violation::new(
                    path,
                    format!("must have at most {max} entries, has {}", map.len()),
                ));
            }
            for (k, v) in sorted(map) {
                check_text(k, key, &format!("{path} key {k:?}"), out);
                match v {
                    Value::String(s) => check_text(s, value_rule, &child(path, k), out),
                    other => out.push(Violation::new(
                        child(path, k),
                        format!("must be a string, got {}", kind(other)),
                    )),
                }
            }
        }
        (expected, _) => {
            let want = match expected {
                Schema::Text(_) | Schema::Enum(_) => "a string",
                Schema::Bool => "true or false",
                Schema::Integer { .. } => "a whole number",
                Schema::Array { .. } => "an array",
                Schema::Map { .. } | Schema::Object(_) => "an object",
            };
            out.push(Violation::new(
                path,
                format!("must be {want}, got {}", kind(value)),
            ));
        }
    }
}

fn sorted(map: &serde_json::Map<String, Value>) -> Vec<(&String, &Value)> {
    let mut entries: Vec<_> = map.iter().collect();
    entries.sort_by(|a, b| a.0.cmp(b.0));
    entries
}

pub fn check_text(s: &str, rule: &Text, path: &str, out: &mut Vec<Violation>) {
    let length = s.chars().count();
    if length < rule.min || length > rule.max {
        out.push(Violation::new(
            path,
            format!(
                "length must be {} to {} characters, is {length}",
                rule.min, rule.max
            ),
        ));
    }
    if let Some(pattern) = rule.pattern {
        if !matches(pattern, s) {
            out.push(Violation::new(
                path,
                format!("must match {pattern}, got {s:?}"),
            ));
        }
    }
}

/// Regex match with compiled patterns kept for the process's life (schemas use a fixed set).
pub fn matches(pattern: &'static str, text: &str) -> bool {
    static CACHE: LazyLock<Mutex<HashMap<&'static str, Regex>>> = LazyLock::new(Default::default);
    let mut cache = CACHE
        .lock()
        .unwrap_or_else(|poisoned| poisoned.into_inner());
    cache
        .entry(pattern)
        .or_insert_with(|| Regex::new(pattern).expect("schema patterns are valid regexes"))
        .is_match(text)
}

fn kind(value: &Value) -> &'static str {
    match value {
        Value::Null => "null",
        Value::Bool(_) => "a boolean",
        Value::Number(_) => "a number",
        Value::String(_) => "a string",
        Value::Array(_) => "an array",
        Value::Object(_) => "an object",
    }
}

/// `"a", "b"`: names as a message lists them.
pub(crate) fn quoted(items: &[&str]) -> String {
    items
        .iter()
        .map(|i| format!("{i:?}"))
        .collect::<Vec<_>>()
        .join(", ")
}

#[cfg(test)]
mod tests {
    use super::*;
    use serde_json::json;

    static INNER: Schema = Schema::Object(&[Field::required("id", &ID)]);
    static ID: Schema = Schema::Text(Text::pattern(1, 5, "^[a-z]+$"));
    static LIST: Schema = Schema::Array {
        items: &INNER,
        min: 1,
        max: 2,
    };
    static ROOT: Schema = Schema::Object(&[
        Field::required("items", &LIST),
        Field::optional("flag", &Schema::Bool),
        Field::optional("mode", &Schema::Enum(&["A", "B"])),
    ]);

    fn violations(value: Value) -> Vec<String> {
        let mut out = Vec::new();
        check(&value, &ROOT, "", &mut out);
        out.iter().map(|v| v.to_string()).collect()
    }

    #[test]
    fn reports_every_violation_with_its_path() {
        let found = violations(json!({
            "items": [{"id": "ok"}, {"id": "TOO-LONG"}, {}],
            "flag": "yes",
            "mode": "C",
            "flga": true
        }));
        assert!(
            found.contains(&"`items`: must have 1 to 2 items, has 3".to_string()),
            "{found:?}"
        );
        assert!(
            found
                .iter()
                .any(|v| v.starts_with("`items[1].id`: length must be 1 to 5")),
            "{found:?}"
        );
        assert!(
            found
                .iter()
                .any(|v| v.starts_with("`items[1].id`: must match")),
            "{found:?}"
        );
        assert!(
            found.contains(&"`items[2].id`: is required".to_string()),
            "{found:?}"
        );
        assert!(
            found.contains(&"`flag`: must be true or false, got a string".to_string()),
            "{found:?}"
        );
        assert!(
            found.contains(&"`mode`: must be one of \"A\", \"B\", got \"C\"".to_string()),
            "{found:?}"
        );
        assert!(
            found.contains(
                &"unknown field `flga` at `the top level`; did you mean `flag`?".to_string()
            ),
            "{found:?}"
        );
        assert_eq!(found.len(), 7, "{found:?}");
    }

    #[test]
    fn valid_document_has_no_violations() {
        assert!(violations(json!({"items": [{"id": "abc"}], "mode": "B"})).is_empty());
    }
}
