use std::future::Future;

use futures::stream::{self, StreamExt};

/// Runs `work` on every item with at most `limit` in flight, keeping the items' order in the result.
pub async fn bounded<T, R, F, Fut>(items: Vec<T>, limit: usize, work: F) -> Vec<R>
where
    F: Fn(T) -> Fut,
    Fut: Future<Output = R>,
{
    stream::iter(items)
        .map(work)
        .buffered(limit.max(1))
        .collect()
        .await
}

#[cfg(test)]
mod tests {
    use std::sync::atomic::{AtomicUsize, Ordering};
    use std::time::Duration;

    use super::bounded;

    #[tokio::test]
    async fn never_exceeds_the_limit_and_keeps_order() {
        let running = AtomicUsize::new(0);
        let peak = AtomicUsize::new(0);
        let out = bounded((0..20).collect(), 3, |i: u64| {
            let (running, peak) = (&running, &peak);
            async move {
                let now = running.fetch_add(1, Ordering::SeqCst) + 1;
                peak.fetch_max(now, Ordering::SeqCst);
                tokio::time::sleep(Duration::from_millis(5 + (i % 3))).await;
                running.fetch_sub(1, Ordering::SeqCst);
                i * 2
            }
        })
        .await;
        assert_eq!(out, (0..20).map(|i| i * 2).collect::<Vec<_>>());
        assert_eq!(peak.load(Ordering::SeqCst), 3);
    }
}

/// The most AWS calls in flight at once, across every target of an invocation
/// (`AMIFLOW_MAX_CONCURRENCY`).
#[derive(Debug, Clone)]
pub struct CallLimit(std::sync::Arc<tokio::sync::Semaphore>);

impl CallLimit {
    pub fn new(limit: usize) -> Self {
        Self(std::sync::Arc::new(tokio::sync::Semaphore::new(
            limit.max(1),
        )))
    }

    /// Runs one AWS call while holding a permit.
    pub async fn call<F: Future>(&self, call: F) -> F::Output {
        let _permit = self
            .0
            .acquire()
            .await
            .expect("the semaphore is never closed");
        call.await
    }
}
