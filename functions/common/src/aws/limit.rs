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

    /// Runs one AWS call while holding a permit of its placement, then one of the total. The
    /// call's future is made (`start`) only once both are held, and on the heap: an SDK call's
    /// future is kilobytes, and 800 placements each holding one inline while they wait took
    /// 29 MB (measured with heaptrack).
    pub async fn call<Fut: Future>(&self, start: impl FnOnce() -> Fut) -> Fut::Output {
        // The semaphores are never closed, so acquiring fails only if they were; run unbounded then.
        let _placement = match &self.placement {
            Some(placement) => placement.acquire().await.ok(),
            None => None,
        };
        let _all = self.all.acquire().await.ok();
        Box::pin(start()).await
    }

    /// Every page of a paginated call, one call (and one permit) at a time. The SDK's paginators
    /// are not used: each allocates a channel of about 40 KB when it is made, so 800 placements
    /// waiting for a permit held 40 MB of them before any call was sent.
    pub async fn pages<Out, E, Fut>(
        &self,
        mut page: impl FnMut(Option<String>) -> Fut,
        next_token: impl Fn(&Out) -> Option<&str>,
    ) -> Result<Vec<Out>, E>
    where
        Fut: Future<Output = Result<Out, E>>,
    {
        let mut pages = Vec::new();
        let mut token: Option<String> = None;
        loop {
            let out = self.call(|| page(token.clone())).await?;
            let next = next_token(&out)
                .filter(|t| !t.is_empty())
                .map(str::to_string);
            pages.push(out);
            // A token that comes back unchanged would loop forever (the SDK's paginators stop too).
            if next.is_none() || next == token {
                return Ok(pages);
            }
            token = next;
        }
    }
}

/// One call of `request` (an SDK fluent builder), made as the account whose per-call override
/// `account` is, under the call limit `limit`: the SDK's own result. A macro: each operation's
/// builder is its own type.
#[macro_export]
macro_rules! send_as {
    ($limit:expr, $request:expr, $account:expr) => {
        $limit
            .call(|| $request.customize().config_override($account).send())
            .await
    };
}

/// Every page of `request` (an SDK fluent builder with a next token), each made as the account
/// whose per-call override `account` is (or as the client's own, without one), under the call
/// limit `limit`: `Ok(pages)`, or the first error as a `CallFailure` naming `operation`. A macro:
/// each operation's builder is its own type.
#[macro_export]
macro_rules! every_page {
    ($limit:expr, $request:expr, $operation:expr) => {
        $limit
            .pages(
                |token| $request.clone().set_next_token(token).send(),
                |page| page.next_token(),
            )
            .await
            .map_err(|e| $crate::error::call_failure($operation, &e))
    };
    ($limit:expr, $request:expr, $account:expr, $operation:expr) => {
        $limit
            .pages(
                |token| {
                    let page = $request.clone().set_next_token(token).customize();
                    page.config_override($account).send()
                },
                |page| page.next_token(),
            )
            .await
            .map_err(|e| $crate::error::call_failure($operation, &e))
    };
}

#[cfg(test)]
mod tests {
    use std::sync::atomic::{AtomicUsize, Ordering};
    use std::time::Duration;

    use futures::future::join_all;

    use super::CallLimit;

    #[tokio::test]
    async fn pages_follow_the_token_until_none_or_repeated() {
        let limit = CallLimit::new(1);
        let asked = std::sync::Mutex::new(Vec::new());
        let answers = |last: &'static str| {
            let asked = &asked;
            move |token: Option<String>| {
                asked.lock().unwrap().push(token.clone());
                let next = match token.as_deref() {
                    None => Some("a"),
                    Some("a") => Some("b"),
                    Some(_) => Some(last),
                };
                async move { Ok::<_, ()>(next) }
            }
        };
        let pages = limit.pages(answers(""), |n| *n).await.unwrap();
        assert_eq!(pages, [Some("a"), Some("b"), Some("")]);
        assert_eq!(
            *asked.lock().unwrap(),
            [None, Some("a".into()), Some("b".into())]
        );
        asked.lock().unwrap().clear();
        let pages = limit.pages(answers("b"), |n| *n).await.unwrap();
        assert_eq!(pages.len(), 3, "stops when the token comes back unchanged");
    }

    #[tokio::test]
    async fn never_exceeds_the_limit() {
        let limit = CallLimit::new(3);
        let running = AtomicUsize::new(0);
        let peak = AtomicUsize::new(0);
        join_all((0..20u64).map(|i| {
            let (running, peak, limit) = (&running, &peak, &limit);
            limit.call(move || async move {
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
            limit.call(move || async move {
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
