//! Who the function's own calls are: GetCallerIdentity, asked once while warm. Parameter Store
//! names each version's writer, so this ARN tells a value this function wrote from anyone else's.

use std::sync::{Arc, Mutex};

use aws_config::SdkConfig;
use aws_smithy_types::error::display::DisplayErrorContext;

use super::sessions::lock;

#[derive(Debug)]
pub struct Identity {
    base: SdkConfig,
    arn: tokio::sync::OnceCell<Arc<str>>,
    /// The invocation whose GetCallerIdentity failed: its other placements do not ask again in
    /// turn (each waiting out the call's timeout where STS is unreachable); the next one does.
    failed_in: Mutex<Option<u64>>,
}

impl Identity {
    pub fn new(base: SdkConfig) -> Self {
        Self {
            base,
            arn: Default::default(),
            failed_in: Default::default(),
        }
    }

    /// The function's own ARN (on Lambda its execution role's session), or `None` where STS
    /// cannot say in this invocation: then no value is taken as this function's own write.
    pub async fn own_arn(&self, invocation: u64) -> Option<Arc<str>> {
        let asked = self.arn.get_or_try_init(|| {
            Box::pin(async {
                if *lock(&self.failed_in) == Some(invocation) {
                    return Err(None);
                }
                let identity = aws_sdk_sts::Client::new(&self.base)
                    .get_caller_identity()
                    .send()
                    .await;
                let why = match identity.map(|out| out.arn().map(Arc::<str>::from)) {
                    Ok(Some(arn)) => return Ok(arn),
                    Ok(None) => "no Arn in the answer".to_string(),
                    Err(e) => DisplayErrorContext(e).to_string(),
                };
                *lock(&self.failed_in) = Some(invocation);
                Err(Some(why))
            })
        });
        match asked.await {
            Ok(arn) => Some(arn.clone()),
            Err(why) => {
                if let Some(why) = why {
                    tracing::warn!(error = %why, "GetCallerIdentity failed: no value is taken as this function's own write");
                }
                None
            }
        }
    }
}
