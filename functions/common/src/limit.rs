//! How many AWS calls an executor has in flight at once (`AMIFLOW_MAX_CONCURRENCY`).

use std::future::Future;
use std::sync::Arc;

use tokio::sync::Semaphore;

#[derive(Debug, Clone)]
pub struct CallLimit(Arc<Semaphore>);

impl CallLimit {
    pub fn new(limit: usize) -> Self {
        Self(Arc::new(Semaphore::new(limit.max(1))))
    }

    /// Runs one AWS call while holding a permit.
    pub async fn call<F: Future>(&self, call: F) -> F::Output {
        // The semaphore is never closed, so acquiring fails only if it were; run unbounded then.
        let _permit = self.0.acquire().await.ok();
        call.await
    }
}

#[cfg(test)]
mod tests {
    use std::sync::atomic::{AtomicUsize, Ordering};
    use std::time::Duration;

    use futures::future::join_all;

    use super::CallLimit;

    #[tokio::test]
    async fn never_exceeds_the_limit() {
        let limit = CallLimit::new(3);
        let running = AtomicUsize::new(0);
        let peak = AtomicUsize::new(0);
        join_all((0..20u64).map(|i| {
            let (running, peak, limit) = (&running, &peak, &limit);
            limit.call(async move {
                let now = running.fetch_add(1, Ordering::SeqCst) + 1;
                peak.fetch_max(now, Ordering::SeqCst);
                tokio::time::sleep(Duration::from_millis(5 + (i % 3))).await;
                running.fetch_sub(1, Ordering::SeqCst);
            })
        }))
        .await;
        assert_eq!(peak.load(Ordering::SeqCst), 3);
    }
}
