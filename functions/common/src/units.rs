//! The accounts under the organizational units and roots the policy names, read from AWS
//! Organizations with list calls only (ListAccountsForParent, and ListChildren for nested units),
//! every page followed: the service can answer an empty page that still carries a token. Read
//! with the function's own credentials (it runs in the management account or a delegated
//! administrator) or through the read-only role `AMIFLOW_ORGANIZATION_ROLE`. What was read is
//! kept for `KEPT` while warm: accounts join rarely, and the hourly reconcile reads them again.
//!
//! Functions built without the `organizations` feature read nothing: a unit in their policy
//! resolves to no account, and says why.

use std::sync::Arc;
#[cfg(feature = "organizations")]
use std::time::{Duration, Instant};

use amiflow_model::plan::organization::Organization;

use crate::aws::AwsContext;

/// How long the accounts under a unit are answered from memory.
#[cfg(feature = "organizations")]
pub const KEPT: Duration = Duration::from_secs(300);

pub struct Units {
    #[cfg(feature = "organizations")]
    reader: reader::Reader,
    #[cfg(not(feature = "organizations"))]
    _context: Arc<AwsContext>,
}

#[cfg(not(feature = "organizations"))]
impl Units {
    pub fn new(context: Arc<AwsContext>, _role: Option<String>) -> Self {
        Self { _context: context }
    }

    pub async fn resolve(&self, units: &[&str], _fresh: bool) -> Organization {
        let mut organization = Organization::default();
        for unit in units {
            organization.insert(
                *unit,
                Err("this function does not read AWS Organizations".into()),
            );
        }
        organization
    }
}

#[cfg(feature = "organizations")]
impl Units {
    pub fn new(context: Arc<AwsContext>, role: Option<String>) -> Self {
        Self {
            reader: reader::Reader::new(context, role),
        }
    }

    /// Each unit's accounts, from memory where read within `KEPT`, else from Organizations;
    /// `fresh`: from Organizations (a new account's back-fill must not miss it).
    pub async fn resolve(&self, units: &[&str], fresh: bool) -> Organization {
        let mut organization = Organization::default();
        // One client (and AssumeRole of the reader role) for every unit read, made when the
        // first unit not remembered needs it; if it cannot be had, each such unit says why.
        let client = tokio::sync::OnceCell::new();
        for unit in units {
            let remembered = self.reader.remembered(unit).filter(|_| !fresh);
            let accounts = match remembered {
                Some(accounts) => Ok(accounts),
                None => match client.get_or_init(|| self.reader.client()).await {
                    Ok(client) => self.reader.read(client, unit).await,
                    Err(why) => Err(why.clone()),
                },
            };
            organization.insert(*unit, accounts);
        }
        organization
    }
}

#[cfg(feature = "organizations")]
mod reader {
    use std::collections::HashMap;
    use std::sync::Mutex;

    use aws_sdk_organizations::types::ChildType;
    use aws_sdk_organizations::Client;

    use super::*;
    use crate::aws::credentials::{AssumeFailure, AssumedRole};
    use crate::aws::limit::CallLimit;
    use crate::aws::sessions::lock;

    /// The read-only session: the reader role's trust needs the `amiflow-` prefix, and the
    /// session policy allows the list calls alone, whatever the role allows.
    const SESSION: &str = "amiflow-organization-reader";
    const SESSION_POLICY: &str = r#"{"Version":"2012-10-17","Statement":[{"Sid":"ListOnly","Effect":"Allow","Action":["organizations:ListChildren","organizations:ListAccountsForParent"],"Resource":"*"}]}"#;

    pub struct Reader {
        context: Arc<AwsContext>,
        role: Option<String>,
        read: Mutex<HashMap<String, (Instant, Vec<String>)>>,
        /// One list call at a time: Organizations allows few per second.
        limit: CallLimit,
    }

    impl Reader {
        pub fn new(context: Arc<AwsContext>, role: Option<String>) -> Self {
            Self {
                context,
                role,
                read: Mutex::default(),
                limit: CallLimit::new(1),
            }
        }

        pub fn remembered(&self, unit: &str) -> Option<Vec<String>> {
            let read = lock(&self.read);
            let (at, accounts) = read.get(unit)?;
            (at.elapsed() < KEPT).then(|| accounts.clone())
        }

        /// A client of Organizations, as the reader role where one is set.
        pub async fn client(&self) -> Result<Client, String> {
            let base = self.context.base();
            let Some(role) = &self.role else {
                return Ok(Client::new(base));
            };
            let sts = self.context.sessions.sts();
            let assumed = AssumedRole::new(sts, role.clone(), SESSION, SESSION_POLICY);
            match assumed.credentials().await {
                Ok(_) => {
                    let provider = aws_credential_types::provider::SharedCredentialsProvider::new(assumed);
                    let config = base.to_builder().credentials_provider(provider).build();
                    Ok(Client::new(&config))
                }
                Err(AssumeFailure::Refused(why) | AssumeFailure::Transient(why)) => Err(format!(
                    "cannot assume {role} (AMIFLOW_ORGANIZATION_ROLE) to read AWS Organizations: {why}"
                )),
            }
        }

        /// Every ACTIVE account under `unit`, nested units included.
        pub async fn read(&self, client: &Client, unit: &str) -> Result<Vec<String>, String> {
            let mut accounts = Vec::new();
            let mut parents = vec![unit.to_string()];
            while let Some(parent) = parents.pop() {
                let request = client.list_accounts_for_parent().parent_id(&parent);
                let pages = crate::every_page!(self.limit, request, "ListAccountsForParent")
                    .map_err(|e| unreadable(unit, &e))?;
                let active = pages.iter().flat_map(|p| p.accounts()).filter(|a| {
                    a.state().map(|s| s.as_str()) == Some("ACTIVE")
                        || (a.state().is_none() && a.status().map(|s| s.as_str()) == Some("ACTIVE"))
                });
                accounts.extend(active.filter_map(|a| a.id().map(str::to_string)));
                let request = client
                    .list_children()
                    .parent_id(&parent)
                    .child_type(ChildType::OrganizationalUnit);
                let pages = crate::every_page!(self.limit, request, "ListChildren")
                    .map_err(|e| unreadable(unit, &e))?;
                parents.extend(
                    pages
                        .iter()
                        .flat_map(|p| p.children())
                        .filter_map(|c| c.id().map(str::to_string)),
                );
            }
            accounts.sort_unstable();
            accounts.dedup();
            lock(&self.read).insert(unit.to_string(), (Instant::now(), accounts.clone()));
            Ok(accounts)
        }
    }

    fn unreadable(unit: &str, error: &amiflow_model::report::detail::CallFailure) -> String {
        match error.code.as_deref() {
            Some("ParentNotFoundException") => {
                format!("the organization has no organizational unit or root {unit} ({error})")
            }
            _ => format!("cannot read the accounts under {unit}: {error}"),
        }
    }
}
