//! `--reconnect`: when a stream is worth following again, and how long to
//! wait before each new request.

use std::time::Duration;

use super::limits::Limits;
use crate::ending::Ending;
use crate::failure::Failure;

/// What `--reconnect` asks for.
#[derive(Debug, Clone, Copy)]
pub struct Reconnect {
    /// Reconnections allowed in all; unlimited when `None`.
    pub max: Option<u32>,
    /// No wait is longer, whatever `retry:`, the backoff or `Retry-After` say.
    pub max_wait: Duration,
}

/// EventSource's reconnection time when the stream sets none.
pub(super) const DEFAULT_RETRY: Duration = Duration::from_secs(3);

impl Reconnect {
    /// The wait before a reconnection: the server's `Retry-After` when it
    /// gave one, else the stream's `retry:` time, doubled for each failed
    /// attempt in a row with random jitter (so clients that lost the same
    /// server do not all come back at once); never over `max_wait`.
    pub(super) fn wait(
        &self,
        retry: Option<u64>,
        failures: u32,
        retry_after: Option<Duration>,
    ) -> Duration {
        let wait = retry_after.unwrap_or_else(|| {
            let base = retry.map_or(DEFAULT_RETRY, Duration::from_millis);
            if failures == 0 {
                base
            } else {
                let backoff = base.saturating_mul(1 << failures.min(20));
                // Between half and all of the backoff.
                backoff.mul_f64(0.5 + 0.5 * jitter())
            }
        });
        wait.min(self.max_wait)
    }
}

/// A number in [0, 1), different on every call: randomness enough for a
/// backoff, from the standard library's randomly keyed hasher.
pub(super) fn jitter() -> f64 {
    use std::hash::{BuildHasher, Hasher};
    let bits = std::collections::hash_map::RandomState::new()
        .build_hasher()
        .finish();
    (bits >> 11) as f64 / (1u64 << 53) as f64
}

/// Whether `err` is `--idle-timeout` firing or an empty reply.
pub(super) fn is_lost_before_head(err: &anyhow::Error) -> bool {
    matches!(
        err.downcast_ref::<Failure>(),
        Some(Failure::IdleTimeout(_) | Failure::EmptyReply(_))
    )
}

/// Why a stream that ended this way is worth reconnecting to, if it is: not
/// after its end marker, an error of ssecat's own, or `--max-time`.
pub(super) fn reconnect_reason(read: &anyhow::Result<Ending>, limits: Limits) -> Option<String> {
    if limits.out_of_time() {
        return None;
    }
    match read {
        Ok(Ending::Done) => None,
        Ok(Ending::EndOfInput) => Some("the server ended the stream".to_owned()),
        Ok(Ending::Unfinished { bytes }) => Some(format!(
            "the server ended the stream inside an event ({bytes} bytes dropped)"
        )),
        Err(err) => match err.downcast_ref::<Failure>()? {
            failure @ (Failure::CutShort(_) | Failure::Timeout(_) | Failure::IdleTimeout(_)) => {
                Some(failure.to_string())
            }
            _ => None,
        },
    }
}

/// Whether a failed reconnection is tried again, why, and after what the
/// server asked: connection failures, timeouts and 5xx are; of the 4xx,
/// only 408 and 429.
pub(super) fn retry_on(err: &anyhow::Error, limits: Limits) -> Option<(String, Option<Duration>)> {
    if limits.out_of_time() {
        return None;
    }
    match err.downcast_ref::<Failure>()? {
        failure @ Failure::Status(status) if matches!(status.code, 408 | 429 | 500..=599) => {
            Some((failure.to_string(), status.retry_delay))
        }
        failure @ (Failure::Connect(_)
        | Failure::EmptyReply(_)
        | Failure::Timeout(_)
        | Failure::IdleTimeout(_)) => Some((failure.to_string(), None)),
        _ => None,
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn reconnection_waits_back_off_with_jitter_and_are_capped() {
        let policy = Reconnect {
            max: None,
            max_wait: Duration::from_secs(30),
        };
        let ms = Duration::from_millis;
        assert_eq!(policy.wait(None, 0, None), DEFAULT_RETRY);
        assert_eq!(policy.wait(Some(200), 0, None), ms(200));
        for _ in 0..100 {
            // Doubled for each failure in a row, then between half and all of it.
            let once = policy.wait(Some(200), 1, None);
            assert!((ms(200)..=ms(400)).contains(&once), "{once:?}");
            let twice = policy.wait(Some(200), 2, None);
            assert!((ms(400)..=ms(800)).contains(&twice), "{twice:?}");
        }
        // Retry-After wins; the cap holds whatever the source.
        assert_eq!(policy.wait(Some(200), 3, Some(ms(50))), ms(50));
        assert_eq!(policy.wait(Some(200), 40, None), Duration::from_secs(30));
        assert_eq!(
            policy.wait(None, 0, Some(Duration::from_secs(3600))),
            Duration::from_secs(30)
        );
    }
}
