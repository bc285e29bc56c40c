//! Image build version ARNs: `arn:<partition>:imagebuilder:<region>:<account>:image/<name>/<x.y.z>/<build>`.

use std::cmp::Ordering;
use std::fmt;
use std::str::FromStr;
use std::sync::LazyLock;

use regex_lite::Regex;

use crate::error::InputError;

pub const IMAGE_BUILD_VERSION_ARN_PATTERN: &str = r"^arn:aws[^:]*:imagebuilder:[^:]+:(?:[0-9]{12}|aws):image/[a-z0-9-_]+/[0-9]+\.[0-9]+\.[0-9]+/[0-9]+$";
pub const DISTRIBUTION_CONFIGURATION_ARN_PATTERN: &str =
    r"^arn:aws[^:]*:imagebuilder:[^:]+:(?:[0-9]{12}|aws):distribution-configuration/[a-z0-9-_]+$";
pub const EXECUTION_ROLE_PATTERN: &str =
    r"^(?:arn:aws(?:-[a-z]+)*:iam::[0-9]{12}:role/)?[a-zA-Z_0-9+=,.@\-_/]+$";
pub const IMAGE_PIPELINE_ARN_PATTERN: &str =
    r"^arn:aws[^:]*:imagebuilder:[^:]+:(?:[0-9]{12}|aws):image-pipeline/[a-z0-9-_]+$";

static IMAGE_ARN: LazyLock<Regex> = LazyLock::new(|| {
    Regex::new(
        r"^arn:(aws[^:]*):imagebuilder:([^:]+):([0-9]{12}|aws):image/([a-z0-9-_]+)/([0-9]+)\.([0-9]+)\.([0-9]+)/([0-9]+)$",
    )
    .expect("static pattern")
});

/// Semantic version x.y.z plus Image Builder's build number: the order "newer build" means.
#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord, Hash)]
pub struct BuildVersion {
    pub major: u64,
    pub minor: u64,
    pub patch: u64,
    pub build: u64,
}

impl fmt::Display for BuildVersion {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(
            f,
            "{}.{}.{}/{}",
            self.major, self.minor, self.patch, self.build
        )
    }
}

#[derive(Debug, Clone, PartialEq, Eq, Hash)]
pub struct ImageBuildVersionArn {
    pub partition: String,
    pub region: String,
    pub account: String,
    pub name: String,
    pub version: BuildVersion,
}

impl ImageBuildVersionArn {
    /// Parses `value`, naming `field` in the error when it is not an image build version ARN.
    pub fn parse_field(value: &str, field: &str) -> Result<Self, InputError> {
        let caps = IMAGE_ARN.captures(value).ok_or_else(|| {
            InputError::new(
                field,
                format!("must be an image build version ARN matching {IMAGE_BUILD_VERSION_ARN_PATTERN}, got {value:?}"),
            )
        })?;
        let number = |i: usize| -> Result<u64, InputError> {
            caps[i].parse().map_err(|_| {
                InputError::new(field, format!("version number {:?} is too large", &caps[i]))
            })
        };
        Ok(Self {
            partition: caps[1].to_string(),
            region: caps[2].to_string(),
            account: caps[3].to_string(),
            name: caps[4].to_string(),
            version: BuildVersion {
                major: number(5)?,
                minor: number(6)?,
                patch: number(7)?,
                build: number(8)?,
            },
        })
    }

    /// `x.y.z`, as `{{imagebuilder:version}}` renders it.
    pub fn semantic_version(&self) -> String {
        let v = self.version;
        format!("{}.{}.{}", v.major, v.minor, v.patch)
    }

    /// Is `self` a newer build of the same image name than `other`? Different names never compare.
    pub fn is_newer_than(&self, other: &ImageBuildVersionArn) -> bool {
        self.same_image_as(other) && self.version.cmp(&other.version) == Ordering::Greater
    }

    pub fn same_image_as(&self, other: &ImageBuildVersionArn) -> bool {
        self.partition == other.partition
            && self.account == other.account
            && self.region == other.region
            && self.name == other.name
    }

    /// The same image at `version` (`x.y.z/n`), if that is a build version.
    pub fn at_version(&self, version: &str) -> Option<Self> {
        let (partition, region, account, name) =
            (&self.partition, &self.region, &self.account, &self.name);
        let arn = format!("arn:{partition}:imagebuilder:{region}:{account}:image/{name}/{version}");
        Self::parse_field(&arn, "").ok()
    }

    /// Finds the first image build version ARN inside free text (a description written by amiflow).
    pub fn find_in(text: &str) -> Option<Self> {
        text.split(|c: char| c.is_whitespace() || c == '"' || c == ',' || c == ';')
            .find_map(|word| Self::parse_field(word.trim_end_matches('.'), "").ok())
    }
}

impl FromStr for ImageBuildVersionArn {
    type Err = InputError;
    fn from_str(s: &str) -> Result<Self, Self::Err> {
        Self::parse_field(s, "imageBuildVersionArn")
    }
}

impl fmt::Display for ImageBuildVersionArn {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        let v = self.version;
        write!(
            f,
            "arn:{}:imagebuilder:{}:{}:image/{}/{}.{}.{}/{}",
            self.partition,
            self.region,
            self.account,
            self.name,
            v.major,
            v.minor,
            v.patch,
            v.build
        )
    }
}

/// The name segment Image Builder gives an image's ARN: the image name, lowercase, with spaces as
/// `-` (`Golden AL2023` is `golden-al2023`). Image names allow `-_A-Za-z0-9` and spaces, so
/// the segment holds only `-_a-z0-9`.
pub fn arn_name_segment(image_name: &str) -> String {
    image_name.to_ascii_lowercase().replace(' ', "-")
}

/// The Region field of any ARN (`arn:partition:service:region:account:resource`).
pub fn arn_region(arn: &str) -> Option<&str> {
    arn.split(':').nth(3).filter(|r| !r.is_empty())
}

/// The partition field of any ARN.
pub fn arn_partition(arn: &str) -> Option<&str> {
    arn.split(':').nth(1).filter(|p| !p.is_empty())
}

#[cfg(test)]
mod tests {
    use super::*;

    fn arn(s: &str) -> ImageBuildVersionArn {
        s.parse().unwrap()
    }

    #[test]
    fn parses_every_part() {
        let a = arn("arn:aws:imagebuilder:us-east-1:123456789012:image/golden-al2023/1.10.3/7");
        assert_eq!(a.partition, "aws");
        assert_eq!(a.region, "us-east-1");
        assert_eq!(a.account, "123456789012");
        assert_eq!(a.name, "golden-al2023");
        assert_eq!(a.semantic_version(), "1.10.3");
        assert_eq!(a.version.build, 7);
        assert_eq!(
            a.to_string(),
            "arn:aws:imagebuilder:us-east-1:123456789012:image/golden-al2023/1.10.3/7"
        );
    }

    #[test]
    fn orders_numerically_then_by_build() {
        let old = arn("arn:aws:imagebuilder:us-east-1:123456789012:image/x/1.9.0/5");
        let new = arn("arn:aws:imagebuilder:us-east-1:123456789012:image/x/1.10.0/1");
        assert!(
            new.is_newer_than(&old),
            "1.10.0 is newer than 1.9.0 (not a string compare)"
        );
        assert!(!old.is_newer_than(&new));
        let build2 = arn("arn:aws:imagebuilder:us-east-1:123456789012:image/x/1.10.0/2");
        assert!(build2.is_newer_than(&new));
        assert!(!new.is_newer_than(&new), "the same build is not newer");
    }

    #[test]
    fn other_image_names_never_compare() {
        let a = arn("arn:aws:imagebuilder:us-east-1:123456789012:image/a/9.0.0/1");
        let b = arn("arn:aws:imagebuilder:us-east-1:123456789012:image/b/1.0.0/1");
        assert!(!a.is_newer_than(&b));
        assert!(!b.is_newer_than(&a));
    }

    #[test]
    fn rejects_with_field_and_rule() {
        let err = ImageBuildVersionArn::parse_field(
            "arn:aws:imagebuilder:us-east-1:123456789012:image/x/1.0",
            "resources[0]",
        )
        .unwrap_err();
        let text = err.to_string();
        assert!(
            text.starts_with("`resources[0]`: must be an image build version ARN"),
            "{text}"
        );
    }

    #[test]
    fn the_name_segment_is_lowercase_with_hyphens() {
        assert_eq!(
            arn_name_segment("Golden AL2023 web_1"),
            "golden-al2023-web_1"
        );
    }

    #[test]
    fn finds_arn_in_description() {
        let found = ImageBuildVersionArn::find_in(
            "Written by amiflow from arn:aws:imagebuilder:eu-west-1:123456789012:image/x/2.0.1/3.",
        )
        .unwrap();
        assert_eq!(found.version.build, 3);
        assert!(ImageBuildVersionArn::find_in("hand-written").is_none());
    }
}
