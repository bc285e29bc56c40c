//! The operations the stand-in serves, each checking its input as the service documents.

use super::*;

pub(super) async fn get_image(
    State(s): State<StandIn>,
    Query(query): Query<HashMap<String, String>>,
) -> Reply {
    let seen = s.enter("GetImage", &json!(query))?;
    let arn = query.get("imageBuildVersionArn").ok_or_else(|| {
        error(
            400,
            "InvalidRequestException",
            "imageBuildVersionArn is required",
        )
    })?;
    if !matches(IMAGE_ARN, arn) {
        return Err(error(
            400,
            "InvalidRequestException",
            format!("imageBuildVersionArn {arn:?} does not match {IMAGE_ARN}"),
        ));
    }
    let image = s.image(arn).ok_or_else(|| {
        error(
            404,
            "ResourceNotFoundException",
            format!("The image {arn} does not exist"),
        )
    })?;
    ok(json!({ "requestId": format!("standin-{seen}"), "image": image }))
}

/// The Region the request was signed for (SigV4 credential scope): the Region of "this operation".
fn signed_region(headers: &HeaderMap) -> Option<String> {
    let auth = headers.get("authorization")?.to_str().ok()?;
    let scope = auth.split("Credential=").nth(1)?.split(',').next()?;
    scope.split('/').nth(2).map(str::to_string)
}

pub(super) async fn distribute_image(
    State(s): State<StandIn>,
    headers: HeaderMap,
    body: Bytes,
) -> Reply {
    let request: Value = serde_json::from_slice(&body).map_err(|e| {
        error(
            400,
            "InvalidRequestException",
            format!("the body is not JSON: {e}"),
        )
    })?;
    let seen = s.enter("DistributeImage", &request)?;
    let text = |member: &str| request.get(member).and_then(Value::as_str);
    for member in [
        "sourceImage",
        "distributionConfigurationArn",
        "executionRole",
        "clientToken",
    ] {
        if text(member).is_none_or(str::is_empty) {
            return Err(error(
                400,
                "InvalidRequestException",
                format!("{member} is required"),
            ));
        }
    }
    let (source, configuration_arn, role, token) = (
        text("sourceImage").unwrap_or_default(),
        text("distributionConfigurationArn").unwrap_or_default(),
        text("executionRole").unwrap_or_default(),
        text("clientToken").unwrap_or_default(),
    );
    if source.chars().count() > 1024 {
        return Err(error(
            400,
            "InvalidRequestException",
            "sourceImage is longer than 1024",
        ));
    }
    if !matches(CONFIGURATION_ARN, configuration_arn) {
        return Err(error(
            400,
            "InvalidRequestException",
            format!("distributionConfigurationArn does not match {CONFIGURATION_ARN}"),
        ));
    }
    if role.len() > 2048 || !matches(EXECUTION_ROLE, role) {
        return Err(error(
            400,
            "InvalidRequestException",
            format!("executionRole does not match {EXECUTION_ROLE}"),
        ));
    }
    if token.chars().count() > 64 {
        return Err(error(
            400,
            "InvalidRequestException",
            "clientToken is longer than 64",
        ));
    }
    let tags = request
        .get("tags")
        .and_then(Value::as_object)
        .cloned()
        .unwrap_or_default();
    if tags.len() > 50 || tags.keys().any(|k| k.is_empty() || k.starts_with("aws:")) {
        return Err(error(
            400,
            "InvalidRequestException",
            "tags: at most 50, keys not empty and not starting with aws:",
        ));
    }
    // DistributeImage documents keys of at most 128 and values of at most 256 characters; the
    // documented code for a value out of range is taken to be InvalidParameterValueException.
    if let Some((key, value)) = tags
        .iter()
        .find(|(k, v)| k.chars().count() > 128 || v.as_str().map_or(0, |v| v.chars().count()) > 256)
    {
        return Err(error(
            400,
            "InvalidParameterValueException",
            format!(
                "tags: key {key:?} ({} characters) or its value ({} characters) is too long: keys at most 128, values at most 256",
                key.chars().count(),
                value.as_str().map_or(0, |v| v.chars().count())
            ),
        ));
    }
    let configuration_region = configuration_arn.split(':').nth(3).unwrap_or_default();
    if let Some(region) = signed_region(&headers) {
        if region != configuration_region {
            return Err(error(
                400,
                "InvalidRequestException",
                format!("The distribution configuration must be in the same Region as this operation ({region})"),
            ));
        }
    }
    let mut store = s.store();
    if let Some((previous, response)) = store.tokens.get(token) {
        if *previous == request {
            return ok(response.clone());
        }
        return Err(error(
            400,
            "IdempotentParameterMismatchException",
            format!("client token {token} was already used with different parameters"),
        ));
    }
    let Some(configuration) = store.configurations.get(configuration_arn).cloned() else {
        return Err(error(
            404,
            "ResourceNotFoundException",
            format!("The distribution configuration {configuration_arn} does not exist"),
        ));
    };
    let product = product_image(&store, source, seen, &configuration, &tags)?;
    let product_arn = product["arn"].as_str().unwrap_or_default().to_string();
    store.images.insert(product_arn.clone(), product);
    let response = json!({ "clientToken": token, "imageBuildVersionArn": product_arn });
    store
        .tokens
        .insert(token.to_string(), (request, response.clone()));
    ok(response)
}

/// The image DistributeImage creates: the source's name and version with the next build number.
fn product_image(
    store: &Store,
    source: &str,
    seen: u64,
    configuration: &Value,
    tags: &serde_json::Map<String, Value>,
) -> Result<Value, ServiceError> {
    let (prefix, base) = if matches(IMAGE_ARN, source) {
        let image = store.images.get(source).ok_or_else(|| {
            error(
                404,
                "ResourceNotFoundException",
                format!("The image {source} does not exist"),
            )
        })?;
        if image.pointer("/state/status").and_then(Value::as_str) != Some("AVAILABLE") {
            return Err(error(
                400,
                "InvalidRequestException",
                format!("The image {source} is not AVAILABLE"),
            ));
        }
        let prefix = source
            .rsplit_once('/')
            .map(|(p, _)| p.to_string())
            .unwrap_or_default();
        (prefix, image.clone())
    } else {
        let region = configuration["arn"]
            .as_str()
            .and_then(|a| a.split(':').nth(3))
            .unwrap_or("us-east-1");
        let account = configuration["arn"]
            .as_str()
            .and_then(|a| a.split(':').nth(4))
            .unwrap_or("123456789012");
        let prefix = format!("arn:aws:imagebuilder:{region}:{account}:image/distributed/1.0.0");
        (prefix, json!({ "name": "distributed", "version": "1.0.0" }))
    };
    let build = store
        .images
        .keys()
        .filter_map(|arn| {
            arn.strip_prefix(&format!("{prefix}/"))
                .and_then(|b| b.parse::<u64>().ok())
        })
        .max()
        .unwrap_or(0)
        + 1;
    let mut product = base;
    product["arn"] = json!(format!("{prefix}/{build}"));
    product["tags"] = Value::Object(tags.clone());
    product["state"] = json!({ "status": "AVAILABLE" });
    product["distributionConfiguration"] = configuration.clone();
    product["buildType"] = json!("IMPORT");
    if let Some(Value::Array(amis)) = product.pointer_mut("/outputResources/amis") {
        for ami in amis.iter_mut() {
            ami["image"] = json!(format!("ami-0d{seen:015x}"));
        }
    }
    Ok(product)
}
