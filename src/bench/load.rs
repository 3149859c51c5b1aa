//! The load of one level of a test: closed loop (N streams in flight, each
//! sending its next request when the last one ends) or open loop (requests
//! due at a rate, sent when due however many are in flight), bounded by a
//! number of requests or a duration, after a warm-up.

use std::future::Future;
use std::sync::atomic::{AtomicU64, Ordering};
use std::sync::Arc;
use std::time::{Duration, Instant};

use tokio::sync::mpsc;
use tokio::task::JoinSet;

use super::sample::Sample;

/// How requests are sent.
#[derive(Debug, Clone, Copy, PartialEq)]
pub enum Load {
    /// This many streams in flight, each request sent when one ends.
    Closed { concurrency: u64 },
    /// Requests due at this rate (a second), each sent when due.
    Open { rate: f64, arrival: Arrival },
}

/// When the requests of an open loop are due.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Arrival {
    /// At random, as independent users arrive: exponential gaps.
    Poisson,
    /// Evenly, one every 1/rate seconds.
    Constant,
}

/// How much of the load: the requests after the warm-up, or a duration.
#[derive(Debug, Clone, Copy, PartialEq)]
pub struct Bound {
    /// Requests measured (the warm-up's not counted).
    pub requests: Option<u64>,
    /// No request starts after this long (those in flight finish).
    pub duration: Option<Duration>,
    /// Requests sent first and measured, but left out of the figures.
    pub warmup: u64,
}

/// One finished request: its number (from 0, the warm-up first), whether
/// it was part of the warm-up, and what it measured.
#[derive(Debug)]
pub struct Finished {
    pub number: u64,
    pub warmup: bool,
    pub sample: Sample,
}

/// Runs one level: each request is `request(number, due)`, a future that
/// sends it and measures it; every finished one goes to `finished` at once.
/// Returns when all have finished (or the receiver is gone).
pub async fn run<F, R>(
    load: Load,
    bound: Bound,
    seed: u64,
    request: F,
    finished: mpsc::UnboundedSender<Finished>,
) where
    F: Fn(u64, Instant) -> R + Send + Sync + 'static,
    R: Future<Output = Sample> + Send + 'static,
{
    let request = Arc::new(request);
    let deadline = bound.duration.map(|duration| Instant::now() + duration);
    let total = bound
        .requests
        .map(|requests| requests.saturating_add(bound.warmup));
    let started = move |number: u64, due: Instant| {
        total.is_none_or(|total| number < total) && deadline.is_none_or(|end| due < end)
    };
    let mut tasks = JoinSet::new();
    match load {
        Load::Closed { concurrency } => {
            let next = Arc::new(AtomicU64::new(0));
            for _ in 0..concurrency {
                let (next, request, finished) =
                    (Arc::clone(&next), Arc::clone(&request), finished.clone());
                tasks.spawn(async move {
                    loop {
                        // Due when its stream is free: a closed loop has no
                        // schedule to fall behind.
                        let due = Instant::now();
                        let number = next.fetch_add(1, Ordering::Relaxed);
                        if !started(number, due) {
                            return;
                        }
                        let sample = request(number, due).await;
                        let done = Finished {
                            number,
                            warmup: number < bound.warmup,
                            sample,
                        };
                        if finished.send(done).is_err() {
                            return;
                        }
                    }
                });
            }
        }
        Load::Open { rate, arrival } => {
            let mut rng = fastrand::Rng::with_seed(seed);
            let start = Instant::now();
            let mut due = start;
            for number in 0.. {
                if number > 0 {
                    due = match due.checked_add(gap(rate, arrival, &mut rng)) {
                        Some(due) => due,
                        None => break,
                    };
                }
                if !started(number, due) {
                    break;
                }
                tokio::time::sleep_until(due.into()).await;
                let (request, finished) = (Arc::clone(&request), finished.clone());
                tasks.spawn(async move {
                    let sample = request(number, due).await;
                    let warmup = number < bound.warmup;
                    let _ = finished.send(Finished {
                        number,
                        warmup,
                        sample,
                    });
                });
                // Finished tasks are reaped as the schedule goes, so a long
                // test holds only those in flight.
                while tasks.try_join_next().is_some() {}
            }
        }
    }
    while tasks.join_next().await.is_some() {}
}

/// The time from one request to the next of an open loop.
fn gap(rate: f64, arrival: Arrival, rng: &mut fastrand::Rng) -> Duration {
    let mean = 1.0 / rate;
    let seconds = match arrival {
        Arrival::Constant => mean,
        // Inverse transform: 1 − u is in (0, 1], so the logarithm is finite.
        Arrival::Poisson => -(1.0 - rng.f64()).ln() * mean,
    };
    Duration::try_from_secs_f64(seconds).unwrap_or(Duration::MAX)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn poisson_gaps_average_one_over_the_rate_and_repeat_with_the_seed() {
        let gaps = |seed| {
            let mut rng = fastrand::Rng::with_seed(seed);
            (0..20_000)
                .map(|_| gap(50.0, Arrival::Poisson, &mut rng).as_secs_f64())
                .collect::<Vec<f64>>()
        };
        let (first, again) = (gaps(7), gaps(7));
        assert_eq!(first, again);
        let mean = first.iter().sum::<f64>() / first.len() as f64;
        assert!((mean - 0.02).abs() < 0.001, "mean gap {mean}");
        let short = first.iter().filter(|&&gap| gap < 0.02).count() as f64 / 20_000.0;
        // P(gap < mean) = 1 − 1/e for exponential gaps.
        assert!((short - 0.632).abs() < 0.02, "share below the mean {short}");
        let mut rng = fastrand::Rng::with_seed(1);
        assert_eq!(
            gap(4.0, Arrival::Constant, &mut rng),
            Duration::from_millis(250)
        );
    }
}
