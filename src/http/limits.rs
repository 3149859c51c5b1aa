//! Limits on waiting: for the next byte (`--idle-timeout`) and for the
//! whole transfer (`--max-time`).

use std::future::Future;
use std::time::Duration;

use tokio::time::Instant;

use crate::failure::Failure;

/// Limits on waiting: for the next byte, and for the whole transfer.
#[derive(Clone, Copy)]
pub(super) struct Limits {
    pub(super) idle: Option<Duration>,
    pub(super) deadline: Option<(Instant, Duration)>,
}

impl Limits {
    /// Whether `--max-time` has run out: nothing more is tried then.
    pub(super) fn out_of_time(&self) -> bool {
        self.deadline.is_some_and(|(at, _)| Instant::now() >= at)
    }

    /// Waits `wait`, or fails when `--max-time` runs out first.
    pub(super) async fn sleep(&self, wait: Duration) -> Result<(), Failure> {
        let only_deadline = Limits {
            idle: None,
            ..*self
        };
        only_deadline.within(tokio::time::sleep(wait)).await
    }

    /// Runs `future` unless a limit fires first.
    pub(super) async fn within<T>(&self, future: impl Future<Output = T>) -> Result<T, Failure> {
        let idle = self
            .idle
            .map(|idle| (Instant::now() + idle, Limit::Idle(idle)));
        let whole = self.deadline.map(|(at, total)| (at, Limit::Whole(total)));
        let first = match (idle, whole) {
            (Some(a), Some(b)) => Some(if a.0 <= b.0 { a } else { b }),
            (a, b) => a.or(b),
        };
        match first {
            None => Ok(future.await),
            Some((at, limit)) => tokio::time::timeout_at(at, future)
                .await
                .map_err(|_| limit.failure()),
        }
    }

    /// The failure of a `--max-time` that ran out.
    pub(super) fn out_of_time_failure(&self) -> Option<Failure> {
        let (_, total) = self.deadline?;
        self.out_of_time().then(|| Limit::Whole(total).failure())
    }
}

/// A limit on waiting that fired.
pub(super) enum Limit {
    /// `--idle-timeout`: no byte for this long.
    Idle(Duration),
    /// `--max-time`: the whole transfer.
    Whole(Duration),
}

impl Limit {
    pub(super) fn failure(self) -> Failure {
        let seconds = |limit: Duration| limit.as_secs_f64();
        match self {
            Limit::Idle(limit) => Failure::IdleTimeout(format!(
                "timed out: no data arrived for {} s (--idle-timeout)",
                seconds(limit)
            )),
            Limit::Whole(limit) => Failure::Timeout(format!(
                "timed out: the transfer took longer than {} s (--max-time)",
                seconds(limit)
            )),
        }
    }
}
