//! The tags amiflow reads and writes, each with the one meaning it has.

/// Image Builder tags every AMI it makes with the image build version ARN it came from.
pub const BUILD_TAG: &str = "Ec2ImageBuilderArn";

/// A launch template amiflow may change (the IAM conditions of both templates say the same).
pub const MANAGED_TAG: (&str, &str) = ("amiflow:managed", "true");

/// Beside each version it creates, amiflow tags the template with the version's number and the
/// record written in its description. Version numbers are never reused and a version never
/// changes, so while that version is both the default and the latest, the find that lists the
/// template also says what it holds, and no read of its versions is needed.
pub const VERSION_TAG: &str = "amiflow:version";
pub const RECORD_TAG: &str = "amiflow:record";

/// An Auto Scaling group whose instances refresh-instances rolls to its template's default
/// version (`true`; the IAM condition on StartInstanceRefresh says the same).
pub const REFRESH_TAG: &str = "amiflow:refresh";

/// Marks images produced by amiflow's own DistributeImage calls (the loop guard).
pub const SOURCE_IMAGE_TAG: &str = "amiflow:source-image";
