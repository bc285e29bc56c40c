//! Every JSON example in the Image Builder documentation seeds, validated as the real API sees it.
//! The create examples are valid; the update examples write `launchPermissions` and `tags` inside
//! `amiDistributionConfiguration`, which the API rejects.

use amiflow_model::validate::{validate, DocumentKind};
use serde_json::Value;

fn check(file: &str) -> (DocumentKind, Vec<String>) {
    let path = format!("{}/tests/fixtures/seeds/{file}", env!("CARGO_MANIFEST_DIR"));
    let value: Value = serde_json::from_str(&std::fs::read_to_string(&path).unwrap()).unwrap();
    let kind = DocumentKind::detect(&value).expect("seed documents have a known kind");
    (
        kind,
        validate(kind, &value)
            .iter()
            .map(ToString::to_string)
            .collect(),
    )
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
