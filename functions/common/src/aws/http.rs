//! The one HTTPS client every SDK client shares: one TLS configuration, and one connection pool
//! per endpoint, so every account's calls to a Region reuse connections.

use aws_smithy_http_client::proxy::ProxyConfig;
use aws_smithy_http_client::tls;
use aws_smithy_runtime_api::client::http::SharedHttpClient;

/// Without it each client (one per service and Region) builds its own TLS configuration and
/// connection pool.
///
/// Every SDK client's construction also calls the connector function once, with no settings and
/// no runtime components, only to load certificates early, and drops what it gets. Building TLS
/// there parses every root certificate again for each client (7% of the CPU samples of 800
/// placements under perf), so that call gets a plain connector; real connectors are built once
/// per timeout setting and cached by the HTTP client.
///
/// TLS runs on ring, not aws-lc (the SDK's default). aws-lc seeds its random generator from CPU
/// jitter entropy the first time a process needs randomness: about 40 ms of CPU in every cold
/// start, spent on the first handshake, which at 128 MB (a 7% share of a core) is half a second.
/// ring reads the kernel's generator. Measured with scripts/bench.sh, 16 Regions at 25 ms a call:
/// the function's CPU 73 -> 33 ms, and at the 128 MB share the handle 840 -> 369 ms
/// (docs/benchmarks.md). What it gives up: aws-lc's post-quantum hybrid key exchange
/// (X25519MLKEM768); ring agrees keys with X25519 alone.
pub fn shared_https_client() -> SharedHttpClient {
    aws_smithy_http_client::Builder::new().build_with_connector_fn(|settings, components| {
        if settings.is_none() && components.is_none() {
            return aws_smithy_http_client::ConnectorBuilder::default().build_http();
        }
        let mut connector = aws_smithy_http_client::ConnectorBuilder::default().tls_provider(
            tls::Provider::Rustls(tls::rustls_provider::CryptoMode::Ring),
        );
        connector.set_connector_settings(settings.cloned());
        if let Some(components) = components {
            connector.set_sleep_impl(components.sleep_impl());
        }
        connector.set_proxy_config(Some(ProxyConfig::from_env()));
        connector.build()
    })
}
