//! How many AWS calls an executor has in flight: at most `AMIFLOW_MAX_CONCURRENCY` in all (each
//! holds a connection, so this bounds memory), and at most a few per (Region, account), so that
//! independent placements go side by side while none floods one account's service quotas.

use std::future::Future;
use std::sync::Arc;

use tokio::sync::Semaphore;

/// Calls in flight at once in one (Region, account). Throttling past the services' per-account
/// rates (PutParameter's is the lowest) is retried with backoff and jitter.
pub const PER_PLACEMENT: usize = 4;

#[derive(Debug, Clone)]
pub struct CallLimit {
    all: Arc<Semaphore>,
    placement: Option<Arc<Semaphore>>,
}

impl CallLimit {
    pub fn new(limit: usize) -> Self {
        Self {
            all: Arc::new(Semaphore::new(limit.max(1))),
            placement: None,
        }
    }

    /// The limit for one (Region, account): its own `per_placement`, within this one's total.
    pub fn for_placement(&self, per_placement: usize) -> Self {
        Self {
            all: self.all.clone(),
            placement: Some(Arc::new(Semaphore::new(per_placement.max(1)))),
        }
    }

    /// Runs one AWS call while holding a permit of its placement, then one of the total.
    pub async fn call<F: Future>(&self, call: F) -> F::Output {
        // The semaphores are never closed, so acquiring fails only if they were; run unbounded then.
        let _placement = match &self.placement {
            Some(placement) => placement.acquire().await.ok(),
            None => None,
        };
        let _all = self.all.acquire().await.ok();
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

    #[tokio::test]
    async fn placements_share_the_total_and_each_keeps_its_own_limit() {
        let total = CallLimit::new(5);
        let placements = [
            total.for_placement(2),
            total.for_placement(2),
            total.for_placement(2),
        ];
        let running: [AtomicUsize; 3] = Default::default();
        let (all, peak_all, peak_one) = (
            AtomicUsize::new(0),
            AtomicUsize::new(0),
            AtomicUsize::new(0),
        );
        join_all((0..30usize).map(|i| {
            let (limit, mine) = (&placements[i % 3], &running[i % 3]);
            let (all, peak_all, peak_one) = (&all, &peak_all, &peak_one);
            limit.call(async move {
                peak_one.fetch_max(mine.fetch_add(1, Ordering::SeqCst) + 1, Ordering::SeqCst);
                peak_all.fetch_max(all.fetch_add(1, Ordering::SeqCst) + 1, Ordering::SeqCst);
                tokio::time::sleep(Duration::from_millis(5)).await;
                all.fetch_sub(1, Ordering::SeqCst);
                mine.fetch_sub(1, Ordering::SeqCst);
            })
        }))
        .await;
        assert_eq!(peak_one.load(Ordering::SeqCst), 2);
        assert_eq!(peak_all.load(Ordering::SeqCst), 5);
    }
}
