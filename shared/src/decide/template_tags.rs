//! What a launch template's own tags say, so that a template amiflow holds is checked with one
//! DescribeLaunchTemplates page and no DescribeLaunchTemplateVersions: the version amiflow made
//! default, while it is still the default and the latest, and the record of what it holds.

use super::record::read_record;
use super::template::TemplateVersion;
use crate::schema::fields::MAX_TAG_VALUE;

/// Whether a record fits in a tag value (AWS's longest is 256 characters; a longer record is not
/// tagged, and the versions are read instead): a build's record does, even for the longest image
/// name Image Builder allows; a rollback's, which also names the build it left, may not.
pub fn fits_a_tag(description: &str) -> bool {
    description.chars().count() <= MAX_TAG_VALUE
}

/// The version the tags describe, if it is the template's default and latest version now.
pub fn tagged_version(
    default: Option<i64>,
    latest: Option<i64>,
    tagged: Option<&str>,
    description: Option<&str>,
) -> Option<TemplateVersion> {
    let number = tagged?.parse::<i64>().ok()?;
    if default != Some(number) || latest != Some(number) {
        return None;
    }
    let description = description?;
    let ami = read_record(description)?.ami?;
    Some(TemplateVersion {
        number,
        image_id: Some(ami),
        description: Some(description.to_string()),
    })
}

#[cfg(test)]
mod tests {
    use super::{fits_a_tag, tagged_version};
    use crate::decide::record::write_record as provenance;
    use crate::input::arn::ImageBuildVersionArn;

    #[test]
    fn a_builds_record_fits_a_tag_and_a_long_rollback_record_may_not() {
        // Image Builder allows names of up to 128 characters; a rollback is of the same image.
        let arn = |name: &str, version: &str| -> ImageBuildVersionArn {
            format!("arn:aws-us-gov:imagebuilder:us-gov-west-1:123456789012:image/{name}/{version}")
                .parse()
                .unwrap()
        };
        let longest = "a".repeat(128);
        let build = arn(&longest, "1000.1000.1000/1000");
        let ami = "ami-0123456789abcdef0";
        assert!(fits_a_tag(&provenance(&build, ami, None)));
        let newer = arn(&longest, "1000.1000.1001/1000");
        assert!(!fits_a_tag(&provenance(&build, ami, Some(&newer))));
        let (golden, golden_newer) = (arn("golden", "1.0.0/2"), arn("golden", "1.0.0/3"));
        assert!(fits_a_tag(&provenance(&golden, ami, Some(&golden_newer))));
    }

    #[test]
    fn tags_say_what_the_template_holds_only_while_their_version_is_default_and_latest() {
        let build = "arn:aws:imagebuilder:us-east-1:123456789012:image/web/1.0.0/2";
        let record = provenance(&build.parse().unwrap(), "ami-0123456789abcdef0", None);
        let known = tagged_version(Some(7), Some(7), Some("7"), Some(&record)).unwrap();
        assert_eq!(known.number, 7);
        assert_eq!(known.image_id.as_deref(), Some("ami-0123456789abcdef0"));
        assert_eq!(known.description.as_deref(), Some(record.as_str()));
        for (default, latest, tagged, description) in [
            (Some(8), Some(8), Some("7"), Some(record.as_str())), // a newer default since
            (Some(7), Some(8), Some("7"), Some(record.as_str())), // a version after amiflow's
            (Some(6), Some(7), Some("7"), Some(record.as_str())), // amiflow's is not the default
            (None, None, Some("7"), Some(record.as_str())),       // numbers not listed
            (Some(7), Some(7), None, Some(record.as_str())),
            (Some(7), Some(7), Some("seven"), Some(record.as_str())),
            (Some(7), Some(7), Some("7"), None),
            (Some(7), Some(7), Some("7"), Some("made by hand")),
            // A record that names no AMI (written before records did) says nothing of the value.
            (
                Some(7),
                Some(7),
                Some("7"),
                Some(&format!("amiflow: AMI of {build}")),
            ),
        ] {
            assert_eq!(
                tagged_version(default, latest, tagged, description),
                None,
                "{default:?} {latest:?} {tagged:?} {description:?}"
            );
        }
    }
}
