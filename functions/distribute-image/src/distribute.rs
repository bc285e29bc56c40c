//! DistributeImage calls: checked before any is sent, then made concurrently, each reported.

use amiflow_common::bounded::CallLimit;
use amiflow_model::arn::{arn_partition, arn_region};
use amiflow_model::distribute::check_call;
use amiflow_model::plan::DistributeCall;
use amiflow_model::{Action, ActionKind, Outcome};
use aws_sdk_imagebuilder::error::{DisplayErrorContext, ProvideErrorMetadata, SdkError};
use aws_sdk_imagebuilder::operation::distribute_image::DistributeImageError;
use futures::future::join_all;

use crate::App;

fn action(call: &DistributeCall, outcome: Outcome, detail: impl Into<String>) -> Action {
    let arn = &call.distribution_configuration_arn;
    Action {
        kind: ActionKind::DistributeImage,
        region: arn_region(arn).unwrap_or_default().to_string(),
        account_id: arn.split(':').nth(4).unwrap_or_default().to_string(),
        target: arn.clone(),
        ami: call
            .source_image
            .starts_with("ami-")
            .then(|| call.source_image.clone()),
        outcome,
        detail: detail.into(),
    }
}

pub async fn apply(app: &App, home_region: &str, calls: Vec<DistributeCall>) -> Vec<Action> {
    let limit = CallLimit::new(app.runtime.settings.max_concurrency);
    let runs = calls.iter().map(|call| {
        let limit = &limit;
        async move {
            let problems = check_call(call, home_region);
            if !problems.is_empty() {
                let text: Vec<String> = problems.iter().map(ToString::to_string).collect();
                return action(
                    call,
                    Outcome::Failed,
                    format!("not sent: {}", text.join("; ")),
                );
            }
            if app.runtime.settings.dry_run {
                return action(
                    call,
                    Outcome::Planned,
                    format!(
                        "would distribute {} with role {} (token {})",
                        call.source_image, call.execution_role, call.client_token
                    ),
                );
            }
            let partition = arn_partition(&call.distribution_configuration_arn).unwrap_or("aws");
            let client = app.runtime.images.client(partition, home_region).await;
            let sent = limit
                .call(
                    client
                        .distribute_image()
                        .source_image(&call.source_image)
                        .distribution_configuration_arn(&call.distribution_configuration_arn)
                        .execution_role(&call.execution_role)
                        .set_tags(Some(call.tags.clone().into_iter().collect()))
                        .client_token(&call.client_token)
                        .send(),
                )
                .await;
            match sent {
                Ok(out) => action(
                    call,
                    Outcome::Created,
                    format!(
                        "distributing {} as {} ({})",
                        call.source_image,
                        out.image_build_version_arn()
                            .unwrap_or("an image Image Builder did not name"),
                        call.origin
                    ),
                ),
                Err(e) => action(call, Outcome::Failed, explain(call, &e)),
            }
        }
    });
    join_all(runs).await
}

/// Error details a person can act on.
fn explain(call: &DistributeCall, error: &SdkError<DistributeImageError>) -> String {
    let message = error.message().unwrap_or_default();
    match error.code() {
        Some("IdempotentParameterMismatchException") => format!(
            "client token {} was already used for a DistributeImage with different parameters; \
             give a new clientToken (or none: amiflow derives one from the request) to distribute again: {message}",
            call.client_token
        ),
        Some("ResourceNotFoundException") => format!(
            "not found: {message} (source image {}, distribution configuration {})",
            call.source_image, call.distribution_configuration_arn
        ),
        Some(code) => format!("DistributeImage failed with {code}: {message}"),
        None => format!("DistributeImage failed: {}", DisplayErrorContext(error)),
    }
}
