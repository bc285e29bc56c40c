//! Test resources in moto as the tests' accounts see them: SDK configuration per account,
//! SSM parameters, launch templates.

use crate::{env, HOME_ACCOUNT};

/// SDK configuration acting as `account` in `region`: the dummy credentials for the home account,
/// credentials from STS AssumeRole (as moto grants them) for any other.
pub async fn sdk_config_as(account: &str, region: &str) -> aws_config::SdkConfig {
    let base = home_config(region).await;
    if account == HOME_ACCOUNT {
        return base;
    }
    as_session(base, account, "AmiflowTarget", "amiflow-test").await
}

/// SDK configuration acting as a person in the home account: a session of another role, so a
/// service records another caller than amiflow's own.
pub async fn sdk_config_as_person(region: &str) -> aws_config::SdkConfig {
    as_session(home_config(region).await, HOME_ACCOUNT, "Operator", "alice").await
}

/// Someone other than amiflow (a person, or Image Builder's own distribution) writes `value` to
/// the `aws:ec2:image` parameter `name` in the home account's us-east-1: SSM records that caller
/// as the version's writer, and keeps any earlier description where `description` is `None`.
pub async fn written_by_someone_else(name: &str, value: &str, description: Option<&str>) {
    let ssm = aws_sdk_ssm::Client::new(&sdk_config_as_person("us-east-1").await);
    ssm.put_parameter()
        .name(name)
        .value(value)
        .r#type(aws_sdk_ssm::types::ParameterType::String)
        .data_type("aws:ec2:image")
        .set_description(description.map(String::from))
        .overwrite(true)
        .send()
        .await
        .unwrap();
}

async fn home_config(region: &str) -> aws_config::SdkConfig {
    env();
    aws_config::defaults(aws_config::BehaviorVersion::latest())
        .region(aws_config::Region::new(region.to_string()))
        .load()
        .await
}

async fn as_session(
    base: aws_config::SdkConfig,
    account: &str,
    role: &str,
    session: &str,
) -> aws_config::SdkConfig {
    let assumed = aws_sdk_sts::Client::new(&base)
        .assume_role()
        .role_arn(format!("arn:aws:iam::{account}:role/{role}"))
        .role_session_name(session)
        .send()
        .await
        .expect("moto assumes any role");
    let creds = assumed.credentials().expect("credentials");
    base.to_builder()
        .credentials_provider(
            aws_credential_types::provider::SharedCredentialsProvider::new(
                aws_credential_types::Credentials::new(
                    creds.access_key_id(),
                    creds.secret_access_key(),
                    Some(creds.session_token().to_string()),
                    None,
                    "assumed-for-test",
                ),
            ),
        )
        .build()
}

async fn ssm_client(account: &str, region: &str) -> aws_sdk_ssm::Client {
    aws_sdk_ssm::Client::new(&sdk_config_as(account, region).await)
}

/// A parameter as SSM holds it in one account and Region.
pub struct StoredParameter {
    pub value: String,
    pub version: i64,
    pub data_type: String,
    pub description: String,
}

/// Reads parameter `name` in (`account`, `region`) with its description, or `None` if absent.
pub async fn parameter(account: &str, region: &str, name: &str) -> Option<StoredParameter> {
    let client = ssm_client(account, region).await;
    let got = client.get_parameter().name(name).send().await.ok()?;
    let p = got.parameter()?;
    let described = client
        .describe_parameters()
        .parameter_filters(
            aws_sdk_ssm::types::ParameterStringFilter::builder()
                .key("Name")
                .option("Equals")
                .values(name)
                .build()
                .unwrap(),
        )
        .send()
        .await
        .unwrap();
    Some(StoredParameter {
        value: p.value().unwrap_or_default().to_string(),
        version: p.version(),
        data_type: p.data_type().unwrap_or_default().to_string(),
        description: described
            .parameters()
            .first()
            .and_then(|d| d.description())
            .unwrap_or_default()
            .to_string(),
    })
}

/// An EC2 client acting as `account` in `region`.
pub async fn ec2_client(account: &str, region: &str) -> aws_sdk_ec2::Client {
    aws_sdk_ec2::Client::new(&sdk_config_as(account, region).await)
}

/// Creates a template amiflow may change (tagged `amiflow:managed=true`, plus `tags`) whose
/// version 1 uses an old AMI; returns its id.
pub async fn launch_template(
    account: &str,
    region: &str,
    name: &str,
    tags: &[(&str, &str)],
) -> String {
    let mut tags = tags.to_vec();
    tags.push(("amiflow:managed", "true"));
    unmanaged_launch_template(account, region, name, &tags).await
}

/// Creates a template with exactly `tags`; returns its id.
pub async fn unmanaged_launch_template(
    account: &str,
    region: &str,
    name: &str,
    tags: &[(&str, &str)],
) -> String {
    let mut request = ec2_client(account, region)
        .await
        .create_launch_template()
        .launch_template_name(name)
        .launch_template_data(
            aws_sdk_ec2::types::RequestLaunchTemplateData::builder()
                .image_id("ami-00000000000000001")
                .instance_type("t3.micro".into())
                .build(),
        );
    if !tags.is_empty() {
        let mut spec = aws_sdk_ec2::types::TagSpecification::builder()
            .resource_type(aws_sdk_ec2::types::ResourceType::LaunchTemplate);
        for (k, v) in tags {
            spec = spec.tags(aws_sdk_ec2::types::Tag::builder().key(*k).value(*v).build());
        }
        request = request.tag_specifications(spec.build());
    }
    let created = request.send().await.unwrap();
    created
        .launch_template()
        .unwrap()
        .launch_template_id()
        .unwrap()
        .to_string()
}

/// A launch template's default version, its AMI and description, and how many versions it has.
pub struct TemplateState {
    pub default: i64,
    pub default_ami: String,
    pub default_description: String,
    pub versions: usize,
    /// The template's tags, as DescribeTags gives them.
    pub tags: std::collections::BTreeMap<String, String>,
}

pub async fn launch_template_state(account: &str, region: &str, id: &str) -> TemplateState {
    let client = ec2_client(account, region).await;
    let default = client
        .describe_launch_template_versions()
        .launch_template_id(id)
        .versions("$Default")
        .send()
        .await
        .unwrap();
    let default = &default.launch_template_versions()[0];
    let all = client
        .describe_launch_template_versions()
        .launch_template_id(id)
        .max_results(200)
        .send()
        .await
        .unwrap();
    let filter = aws_sdk_ec2::types::Filter::builder()
        .name("resource-id")
        .values(id)
        .build();
    let tags = client.describe_tags().filters(filter).send().await.unwrap();
    TemplateState {
        tags: tags
            .tags()
            .iter()
            .filter_map(|t| Some((t.key()?.to_string(), t.value()?.to_string())))
            .collect(),
        default: default.version_number().unwrap(),
        default_ami: default
            .launch_template_data()
            .and_then(|d| d.image_id())
            .unwrap_or_default()
            .to_string(),
        default_description: default
            .version_description()
            .unwrap_or_default()
            .to_string(),
        versions: all.launch_template_versions().len(),
    }
}

/// Registers one AMI per (Region, account) in moto, tagged as Image Builder tags its output AMIs;
/// returns their ids in the same order.
pub async fn register_amis(image_arn: &str, amis: &[(&str, &str)]) -> Vec<String> {
    let tag = |key: &str, value: &str| {
        aws_sdk_ec2::types::Tag::builder()
            .key(key)
            .value(value)
            .build()
    };
    let mut ids = Vec::new();
    for (region, account) in amis {
        let ec2 = ec2_client(account, region).await;
        let registered = ec2
            .register_image()
            .name(format!("{image_arn} {}", ids.len()))
            .send()
            .await
            .expect("moto registers the AMI");
        let id = registered.image_id().expect("an AMI id").to_string();
        ec2.create_tags()
            .resources(&id)
            .tags(tag("Ec2ImageBuilderArn", image_arn))
            .tags(tag("CreatedBy", "EC2 Image Builder"))
            .send()
            .await
            .expect("moto tags the AMI");
        ids.push(id);
    }
    ids
}
