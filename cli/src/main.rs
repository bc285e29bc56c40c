//! `amiflow validate FILE...`: checks amiflow policy documents and Image Builder
//! distribution-configuration CLI input files, printing every violation.
//! Exit status: 0 all valid, 1 any invalid, 2 a file could not be read or is not JSON.

use std::process::ExitCode;

use amiflow_model::validate::{validate, DocumentKind};
use serde_json::Value;

const USAGE: &str = "usage: amiflow validate FILE...\n\n\
Validates amiflow policy documents and Image Builder create/update-distribution-configuration\n\
CLI input files (the kind is told from the keys). Exit 0: all valid; 1: any invalid; 2: unreadable or not JSON.";

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
