//! The invocation's deadline, from the Lambda context: a target starts only while there is time
//! left for it, so the report is always written before Lambda ends the invocation.

use std::time::{Duration, Instant, SystemTime, UNIX_EPOCH};

use amiflow_model::report::detail::Failure;

/// Deadlines below this (2001-09-09 in milliseconds since the epoch) are no time since the epoch
/// that Lambda could send, but a time left.
const EPOCH_DEADLINES_FROM_MS: u64 = 1_000_000_000_000;

/// The last moment a target may start: the invocation's deadline less the time one target may
/// take (`margin`).
#[derive(Debug, Clone, Copy)]
pub struct Deadline {
    last_start: Option<Instant>,
    margin: Duration,
}

impl Deadline {
    /// No deadline (a context without one).
    pub fn none() -> Self {
        Self {
            last_start: None,
            margin: Duration::ZERO,
        }
    }

    /// From the context's deadline (milliseconds since the epoch; 0 is none).
    pub fn from_context(context: &lambda_runtime::Context, margin: Duration) -> Self {
        if context.deadline == 0 {
            return Self::none();
        }
        let now_ms = SystemTime::now()
            .duration_since(UNIX_EPOCH)
            .map_or(0, |d| d.as_millis() as u64);
        // Lambda sends a time since the epoch. `cargo lambda watch` sends its timeout instead
        // (600000: ten minutes), which read as a time would be in 1970 and refuse every target.
        let left = if context.deadline < EPOCH_DEADLINES_FROM_MS {
            Duration::from_millis(context.deadline)
        } else {
            Duration::from_millis(context.deadline.saturating_sub(now_ms))
        };
        Self {
            last_start: Some(Instant::now() + left.saturating_sub(margin)),
            margin,
        }
    }

    /// Why a target must not start now, if it must not.
    pub fn refuses_start(&self) -> Option<Failure> {
        let last_start = self.last_start?;
        (Instant::now() >= last_start).then_some(Failure::Deadline {
            margin_secs: self.margin.as_secs(),
        })
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn context_ending_in(ms: u64) -> lambda_runtime::Context {
        let mut context = lambda_runtime::Context::default();
        let now = SystemTime::now()
            .duration_since(UNIX_EPOCH)
            .unwrap()
            .as_millis() as u64;
        context.deadline = now + ms;
        context
    }

    #[test]
    fn a_target_starts_only_while_its_margin_fits() {
        let margin = Duration::from_secs(40);
        assert!(Deadline::from_context(&context_ending_in(300_000), margin)
            .refuses_start()
            .is_none());
        let why = Deadline::from_context(&context_ending_in(30_000), margin)
            .refuses_start()
            .expect("too late to start");
        assert_eq!(why, Failure::Deadline { margin_secs: 40 });
        assert!(
            why.to_string().starts_with("not attempted: deadline"),
            "{why}"
        );
        assert!(
            Deadline::from_context(&lambda_runtime::Context::default(), margin)
                .refuses_start()
                .is_none()
        );
    }

    #[test]
    fn cargo_lambda_watchs_constant_deadline_is_the_time_left() {
        let margin = Duration::from_secs(40);
        let mut watch = lambda_runtime::Context::default();
        watch.deadline = 600_000;
        assert!(Deadline::from_context(&watch, margin)
            .refuses_start()
            .is_none());
        watch.deadline = 30_000;
        assert!(Deadline::from_context(&watch, margin)
            .refuses_start()
            .is_some());
    }
}
