//! Serving a stand-in on 127.0.0.1 from a thread of its own, for the life of the test process.

use axum::Router;

/// A listener on a free loopback port, and its URL.
pub fn bind() -> Result<(std::net::TcpListener, String), String> {
    let listener = std::net::TcpListener::bind("127.0.0.1:0").map_err(|e| e.to_string())?;
    listener.set_nonblocking(true).map_err(|e| e.to_string())?;
    let addr = listener.local_addr().map_err(|e| e.to_string())?;
    Ok((listener, format!("http://{addr}")))
}

/// Serves `router` on `listener` from a thread with its own runtime, so servers outlive any one
/// test's runtime.
pub fn serve_in_background(
    name: &str,
    listener: std::net::TcpListener,
    router: Router,
) -> Result<(), String> {
    std::thread::Builder::new()
        .name(name.into())
        .spawn(move || {
            let runtime = tokio::runtime::Builder::new_current_thread()
                .enable_all()
                .build()
                .expect("tokio runtime");
            runtime.block_on(async move {
                let listener = tokio::net::TcpListener::from_std(listener).expect("listener");
                let _ = axum::serve(listener, router).await;
            });
        })
        .map(|_| ())
        .map_err(|e| e.to_string())
}
