//! An AWS Organizations organization in moto, managed from the home account: one per test
//! binary, each test growing its own organizational units and accounts under the root.

use tokio::sync::OnceCell;

use crate::resources::sdk_config_as;
use crate::HOME_ACCOUNT;

pub async fn organizations_client() -> aws_sdk_organizations::Client {
    aws_sdk_organizations::Client::new(&sdk_config_as(HOME_ACCOUNT, "us-east-1").await)
}

/// The organization's root id (the organization is made on first use).
pub async fn root() -> String {
    static ROOT: OnceCell<String> = OnceCell::const_new();
    ROOT.get_or_init(|| async {
        let client = organizations_client().await;
        let _ = client
            .create_organization()
            .feature_set(aws_sdk_organizations::types::OrganizationFeatureSet::All)
            .send()
            .await;
        let roots = client
            .list_roots()
            .send()
            .await
            .expect("moto lists the root");
        roots.roots()[0].id().expect("a root id").to_string()
    })
    .await
    .clone()
}

/// A new organizational unit named `name` under `parent`: its id.
pub async fn unit(parent: &str, name: &str) -> String {
    let client = organizations_client().await;
    let create = client.create_organizational_unit().parent_id(parent);
    let created = create.name(name).send().await;
    let unit = created.expect("moto creates the unit").organizational_unit;
    unit.and_then(|u| u.id).expect("a unit id")
}

/// A new account, moved under `parent`: its id.
pub async fn account_in(parent: &str, name: &str) -> String {
    let client = organizations_client().await;
    let create = client.create_account().account_name(name);
    let created = create.email(format!("{name}@example.com")).send().await;
    let status = created
        .expect("moto creates the account")
        .create_account_status;
    let id = status.and_then(|s| s.account_id).expect("an account id");
    move_account(&id, &root().await, parent).await;
    id
}

/// Moves `account` from `from` to `to`.
pub async fn move_account(account: &str, from: &str, to: &str) {
    if from == to {
        return;
    }
    organizations_client()
        .await
        .move_account()
        .account_id(account)
        .source_parent_id(from)
        .destination_parent_id(to)
        .send()
        .await
        .expect("moto moves the account");
}
