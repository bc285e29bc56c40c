//! The SSM calls amiflow makes in one (Region, account), batched as the API allows, each a small
//! method so that request shapes can be checked with aws-smithy-mocks where moto falls short.

use std::collections::HashMap;

use amiflow_common::aws::clients::AccountClient;
use amiflow_common::aws::limit::CallLimit;
use amiflow_common::error::call_failure;
use amiflow_common::{every_page, override_as, send_as};
use amiflow_model::report::detail::CallFailure;
use aws_sdk_ssm::types::{ParameterStringFilter, ParameterTier, ParameterType};
use aws_sdk_ssm::Client;

/// GetParameters takes at most 10 names; a DescribeParameters filter at most 50 values.
const GET_BATCH: usize = 10;
const DESCRIBE_BATCH: usize = 50;

/// What DescribeParameters says of a parameter: everything but its value.
#[derive(Debug, Clone, Default)]
pub struct Described {
    /// Where amiflow wrote the value, its record of it.
    pub description: Option<String>,
    /// The tier an overwrite must keep.
    pub tier: Option<ParameterTier>,
    /// SSM always answers it; `None` only where an answer leaves it out.
    pub data_type: Option<String>,
    /// The ARN of whoever wrote the current version.
    pub last_modified_user: Option<String>,
}

/// One write: the value, its data type, where it came from, and the tier to keep.
pub struct Put<'a> {
    pub name: &'a str,
    pub value: &'a str,
    pub data_type: &'a str,
    pub description: String,
    /// `None`: a new parameter, in the account's default tier.
    pub overwrite_keeping: Option<Option<ParameterTier>>,
}

/// The parameter calls of one (Region, account), under the executor's call limit.
pub struct Ssm {
    pub ssm: AccountClient<Client>,
    pub limit: CallLimit,
}

impl Ssm {
    /// The override that makes a call as this placement's account.
    fn account(&self) -> aws_sdk_ssm::config::Builder {
        override_as!(aws_sdk_ssm, self.ssm.credentials)
    }

    /// Current values by name (absent: the parameter does not exist).
    pub async fn values(&self, names: &[String]) -> Result<HashMap<String, String>, CallFailure> {
        let client = &self.ssm.client;
        let mut out = HashMap::new();
        for chunk in names.chunks(GET_BATCH) {
            let get = client.get_parameters().set_names(Some(chunk.to_vec()));
            let got = send_as!(self.limit, get, self.account())
                .map_err(|e| call_failure("GetParameters", &e))?;
            for p in got.parameters() {
                if let (Some(name), Some(value)) = (p.name(), p.value()) {
                    out.insert(name.to_string(), value.to_string());
                }
            }
        }
        Ok(out)
    }

    /// Every existing parameter among `names`, described (absent: it does not exist).
    pub async fn describe(
        &self,
        names: &[String],
    ) -> Result<HashMap<String, Described>, CallFailure> {
        const OPERATION: &str = "DescribeParameters";
        let mut out = HashMap::new();
        for chunk in names.chunks(DESCRIBE_BATCH) {
            let filter = ParameterStringFilter::builder()
                .key("Name")
                .option("Equals")
                .set_values(Some(chunk.to_vec()))
                .build()
                .map_err(|e| CallFailure::new(OPERATION, None, &e.to_string()))?;
            let request = self
                .ssm
                .client
                .describe_parameters()
                .parameter_filters(filter)
                // SSM answers 10 a page unless asked for more.
                .max_results(DESCRIBE_BATCH as i32);
            let found = every_page!(self.limit, request, self.account(), OPERATION)?;
            for p in found.iter().flat_map(|page| page.parameters()) {
                if let Some(name) = p.name() {
                    let described = Described {
                        description: p.description().map(str::to_string),
                        tier: p.tier().cloned(),
                        data_type: p.data_type().map(str::to_string),
                        last_modified_user: p.last_modified_user().map(str::to_string),
                    };
                    out.insert(name.to_string(), described);
                }
            }
        }
        Ok(out)
    }

    /// Writes one value; returns the parameter's new version.
    pub async fn put(&self, put: Put<'_>) -> Result<i64, CallFailure> {
        let request = self
            .ssm
            .client
            .put_parameter()
            .name(put.name)
            .value(put.value)
            .r#type(ParameterType::String)
            .data_type(put.data_type)
            .description(put.description)
            .overwrite(put.overwrite_keeping.is_some())
            // An overwrite names the tier it found: a write never changes a parameter's tier.
            .set_tier(put.overwrite_keeping.flatten());
        send_as!(self.limit, request, self.account())
            .map(|out| out.version())
            .map_err(|e| call_failure("PutParameter", &e))
    }
}
