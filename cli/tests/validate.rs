//! The `amiflow validate` command as a user runs it: output and exit status.

use std::path::PathBuf;
use std::process::{Command, Output};

/// A file of the model's fixtures (policies), or of this crate's own (Image Builder documents).
fn fixture(path: &str) -> String {
    let root = env!("CARGO_MANIFEST_DIR");
    match path.starts_with("policy") || path.ends_with("policy-bad.json") {
        true => format!("{root}/../shared/tests/fixtures/{path}"),
        false => format!("{root}/tests/fixtures/{path}"),
    }
}

fn run(args: &[&str]) -> Output {
    Command::new(env!("CARGO_BIN_EXE_amiflow"))
        .args(args)
        .output()
        .expect("amiflow runs")
}

/// A file of `text` in a scratch folder of this test (`name`), removed when dropped.
struct Scratch {
    dir: PathBuf,
    file: PathBuf,
}

impl Scratch {
    fn new(name: &str, file: &str, text: &str) -> Self {
        let dir = std::env::temp_dir().join(format!("amiflow-cli-{name}-{}", std::process::id()));
        std::fs::create_dir_all(&dir).unwrap();
        let file = dir.join(file);
        std::fs::write(&file, text).unwrap();
        Self { dir, file }
    }

    fn path(&self) -> &str {
        self.file.to_str().unwrap()
    }
}

impl Drop for Scratch {
    fn drop(&mut self) {
        let _ = std::fs::remove_dir_all(&self.dir);
    }
}

fn stdout(out: &Output) -> String {
    String::from_utf8_lossy(&out.stdout).into_owned()
}

#[test]
fn valid_seed_examples_and_policy_exit_0() {
    let out = run(&[
        "validate",
        &fixture("seeds/000-create-distribution-configuration.json"),
        &fixture("seeds/001-fast-launch.json"),
        &fixture("policy/spec-example.json"),
    ]);
    assert_eq!(out.status.code(), Some(0), "{}", stdout(&out));
    let text = stdout(&out);
    assert!(
        text.contains("valid create-distribution-configuration input"),
        "{text}"
    );
    assert!(
        text.contains("policy/spec-example.json: valid amiflow policy"),
        "{text}"
    );
}

#[test]
fn update_seed_example_exits_1_naming_the_right_keys() {
    let out = run(&[
        "validate",
        &fixture("seeds/000-update-distribution-configuration.json"),
    ]);
    assert_eq!(out.status.code(), Some(1));
    let text = stdout(&out);
    assert!(
        text.contains("invalid update-distribution-configuration input (3 violations)"),
        "{text}"
    );
    assert!(text.contains("did you mean `launchPermission`?"), "{text}");
    assert!(text.contains("unknown field `tags` at `distributions[1].amiDistributionConfiguration`; did you mean `amiTags`?"), "{text}");
}

#[test]
fn own_bad_documents_exit_1_with_every_violation() {
    let out = run(&[
        "validate",
        &fixture("invalid/policy-bad.json"),
        &fixture("distribution-bad.json"),
    ]);
    assert_eq!(out.status.code(), Some(1));
    let text = stdout(&out);
    for expected in [
        "unknown field `launchTemplate` at `rules[0]`; did you mean `launchTemplates`?",
        "`rules[0].ssmParameters[0].accounts[0]`: \"12345\" is no account",
        "`rules[0].distribute[0].tags key \"aws:owner\"`: tag keys may not start with `aws:`",
        "`rules[0].distribute[0].executionRole`: must match",
        "`distributions[0].s3ExportConfiguration.diskImageFormat`: must be one of \"VMDK\", \"RAW\", \"VHD\", got \"QCOW2\"",
        "`clientToken`: length must be 1 to 64 characters, is 65",
        "`distributions[1].region`: Regions must be distinct",
        "`distributions[0].containerDistributionConfiguration.targetRepository.service`: must be one of \"ECR\"",
        "`tags`: must have at most 50 entries, has 51",
    ] {
        assert!(text.contains(expected), "missing {expected:?} in:\n{text}");
    }
}

#[test]
fn unreadable_or_not_json_exits_2_even_beside_invalid_files() {
    let missing = run(&["validate", "/nonexistent/policy.json"]);
    assert_eq!(missing.status.code(), Some(2));
    let broken = Scratch::new("broken", "broken.json", "{\"rules\": [");
    let out = run(&[
        "validate",
        &fixture("invalid/policy-bad.json"),
        broken.path(),
    ]);
    assert_eq!(out.status.code(), Some(2));
    assert!(String::from_utf8_lossy(&out.stderr).contains("not JSON"));
}

#[test]
fn no_files_is_a_usage_error() {
    assert_eq!(run(&["validate"]).status.code(), Some(2));
    assert_eq!(run(&[]).status.code(), Some(2));
}

#[test]
fn rules_without_a_pipeline_that_reach_templates_or_other_accounts_warn_and_still_exit_0() {
    let policy = Scratch::new(
        "warn",
        "policy.json",
        r#"{"rules": [
            {"name": "golden", "match": {"imageName": "golden-al2023*"},
             "launchTemplates": [{"launchTemplateName": "web", "region": "us-east-1"}]},
            {"name": "home", "ssmParameters": [{"name": "/p"}]}
        ]}"#,
    );
    let out = run(&[
        "validate",
        policy.path(),
        &fixture("policy/spec-example.json"),
    ]);
    assert_eq!(out.status.code(), Some(0), "{}", stdout(&out));
    let text = stdout(&out);
    let warnings: Vec<&str> = text.lines().filter(|l| l.contains("warning:")).collect();
    assert_eq!(warnings.len(), 1, "{text}");
    assert!(
        warnings[0].starts_with(
            "  warning: rules[0] (golden) writes to launch templates but matches no pipelineArn: \
             anyone who can build an image named golden-al2023* in this account (say \
             golden-al2023-experiment) can move these targets"
        ),
        "{text}"
    );
    assert!(
        text.contains("add match.pipelineArn for production rules"),
        "{text}"
    );
}

#[test]
fn a_rule_that_writes_to_an_organizational_unit_or_the_root_warns_like_one_for_every_account() {
    let policy = Scratch::new(
        "warn-units",
        "policy.json",
        r#"{"rules": [
            {"name": "unit", "ssmParameters": [{"name": "/u", "accounts": ["ou-ab12-cdefgh34"]}]},
            {"name": "root", "ssmParameters": [{"name": "/r", "accounts": ["r-ab12"]}]},
            {"name": "one", "ssmParameters": [{"name": "/o", "accounts": ["123456789012"]}]}
        ]}"#,
    );
    let out = run(&["validate", policy.path()]);
    assert_eq!(out.status.code(), Some(0), "{}", stdout(&out));
    let text = stdout(&out);
    let warnings: Vec<&str> = text.lines().filter(|l| l.contains("warning:")).collect();
    assert_eq!(warnings.len(), 2, "{text}");
    for (warning, rule) in warnings.iter().zip(["rules[0] (unit)", "rules[1] (root)"]) {
        assert!(
            warning.starts_with(&format!(
                "  warning: {rule} writes to other accounts but matches no pipelineArn"
            )),
            "{text}"
        );
    }
}

// Every JSON example in the Image Builder documentation seeds, validated as the real API sees it.
// The create examples are valid; the update examples write `launchPermissions` and `tags` inside
// `amiDistributionConfiguration`, which the API rejects.

#[derive(Debug, PartialEq, Eq)]
enum DocumentKind {
    CreateDistributionConfiguration,
    UpdateDistributionConfiguration,
}

/// What `amiflow validate` says of a seed: the kind it told, and every violation it listed.
fn check(file: &str) -> (DocumentKind, Vec<String>) {
    let out = run(&["validate", &fixture(&format!("seeds/{file}"))]);
    let text = stdout(&out);
    let kind = match text.contains("update-distribution-configuration input") {
        true => DocumentKind::UpdateDistributionConfiguration,
        false => DocumentKind::CreateDistributionConfiguration,
    };
    let violations = text
        .lines()
        .filter_map(|line| line.strip_prefix("  - "))
        .map(str::to_string)
        .collect();
    (kind, violations)
}

#[test]
fn create_examples_are_valid() {
    for file in [
        "000-create-distribution-configuration.json",
        "000-cross-account-distribution.json",
        "001-example1-accounts.json",
        "001-example2-organizations.json",
        "001-example3-ssm-parameter.json",
        "001-fast-launch.json",
        "001-vm-export.json",
    ] {
        let (kind, violations) = check(file);
        assert_eq!(
            kind,
            DocumentKind::CreateDistributionConfiguration,
            "{file}"
        );
        assert!(violations.is_empty(), "{file}: {violations:#?}");
    }
}

#[test]
fn update_example_from_000_names_launch_permission_and_ami_tags() {
    let (kind, violations) = check("000-update-distribution-configuration.json");
    assert_eq!(kind, DocumentKind::UpdateDistributionConfiguration);
    assert_eq!(
        violations,
        [
            "unknown field `launchPermissions` at `distributions[0].amiDistributionConfiguration`; did you mean `launchPermission`?",
            "unknown field `launchPermissions` at `distributions[1].amiDistributionConfiguration`; did you mean `launchPermission`?",
            "unknown field `tags` at `distributions[1].amiDistributionConfiguration`; did you mean `amiTags`?",
        ]
    );
}

#[test]
fn update_example_from_001_also_has_an_arn_the_api_rejects() {
    let (kind, violations) = check("001-update-ami-distribution-configuration.json");
    assert_eq!(kind, DocumentKind::UpdateDistributionConfiguration);
    // The resource name in this example ends in `.json`; the ARN pattern allows [a-z0-9-_] only.
    assert!(
        violations[0].starts_with("`distributionConfigurationArn`: must match"),
        "{violations:#?}"
    );
    assert_eq!(
        &violations[1..],
        [
            "unknown field `launchPermissions` at `distributions[0].amiDistributionConfiguration`; did you mean `launchPermission`?",
            "unknown field `launchPermissions` at `distributions[1].amiDistributionConfiguration`; did you mean `launchPermission`?",
            "unknown field `tags` at `distributions[1].amiDistributionConfiguration`; did you mean `amiTags`?",
        ]
    );
}

#[test]
fn a_malformed_organizational_unit_is_refused_naming_it() {
    let policy = Scratch::new(
        "ou",
        "policy.json",
        r#"{"rules": [{"name": "prod", "ssmParameters": [
            {"name": "/amiflow/golden", "accounts": ["ou-ab12-cdefgh34", "ou-Prod", "r-ab12"]}]}]}"#,
    );
    let out = run(&["validate", policy.path()]);
    assert_eq!(out.status.code(), Some(1), "{}", stdout(&out));
    let text = stdout(&out);
    assert!(text.contains("(1 violations)"), "{text}");
    assert!(
        text.contains(
            "`rules[0].ssmParameters[0].accounts[1]`: \"ou-Prod\" is no organizational unit id"
        ),
        "{text}"
    );
}
