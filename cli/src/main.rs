//! `amiflow validate FILE...`: checks amiflow policy documents and Image Builder
//! distribution-configuration CLI input files, printing every violation.
//! A valid policy may also get warnings (rules anyone who builds an image can set off); they do
//! not change the exit status: 0 all valid, 1 any invalid, 2 a file could not be read or is not JSON.

use std::process::ExitCode;

mod distribution_schema;
mod documents;
mod warnings;

use amiflow_model::policy::Policy;
use documents::{validate, DocumentKind};
use serde_json::Value;
use warnings::policy_warnings;

const USAGE: &str = "usage: amiflow validate FILE...\n\n\
Validates amiflow policy documents and Image Builder create/update-distribution-configuration\n\
CLI input files (the kind is told from the keys). Exit 0: all valid; 1: any invalid; 2: unreadable or not JSON.\n\
Warnings about valid policies do not change the exit status.";

enum Verdict {
    Valid,
    Invalid,
    Unreadable,
}

fn validate_file(path: &str) -> Verdict {
    let text = match std::fs::read_to_string(path) {
        Ok(text) => text,
        Err(e) => {
            eprintln!("{path}: cannot read: {e}");
            return Verdict::Unreadable;
        }
    };
    let value: Value = match serde_json::from_str(&text) {
        Ok(value) => value,
        Err(e) => {
            eprintln!("{path}: not JSON: {e}");
            return Verdict::Unreadable;
        }
    };
    let Some(kind) = DocumentKind::detect(&value) else {
        println!(
            "{path}: invalid: not a known document: expected `rules` (amiflow policy), or `distributions` with \
             `name` (create) or `distributionConfigurationArn` (update)"
        );
        return Verdict::Invalid;
    };
    let violations = validate(kind, &value);
    if violations.is_empty() {
        println!("{path}: valid {}", kind.describe());
        let policy = (kind == DocumentKind::Policy)
            .then(|| Policy::from_value(&value).ok())
            .flatten();
        for warning in policy.iter().flat_map(policy_warnings) {
            println!("  warning: {warning}");
        }
        return Verdict::Valid;
    }
    println!(
        "{path}: invalid {} ({} violations)",
        kind.describe(),
        violations.len()
    );
    for violation in violations {
        println!("  - {violation}");
    }
    Verdict::Invalid
}

fn main() -> ExitCode {
    let args: Vec<String> = std::env::args().skip(1).collect();
    let files = match args.split_first() {
        Some((command, files)) if command == "validate" && !files.is_empty() => files,
        Some((flag, _)) if flag == "-h" || flag == "--help" => {
            println!("{USAGE}");
            return ExitCode::SUCCESS;
        }
        _ => {
            eprintln!("{USAGE}");
            return ExitCode::from(2);
        }
    };
    let mut status = 0u8;
    for file in files {
        let code = match validate_file(file) {
            Verdict::Valid => 0,
            Verdict::Invalid => 1,
            Verdict::Unreadable => 2,
        };
        status = status.max(code);
    }
    ExitCode::from(status)
}
