//! Hand-made samples for the tests of what adds them up.

use std::time::Duration;

use super::level::Level;
use super::sample::{GapBasis, Outcome, Sample, TokenBasis};

pub fn ms(ms: u64) -> Duration {
    Duration::from_millis(ms)
}

/// A completed request due at 0 and sent at once: first token at `ttft`
/// ms, then one token every `gap` ms, `tokens` in all.
pub fn sample(ttft: u64, gap: u64, tokens: u64) -> Sample {
    let gaps = vec![ms(gap); tokens.saturating_sub(1) as usize];
    Sample {
        due: ms(0),
        sent: ms(0),
        head: Some(ms(ttft / 2)),
        first_token: Some(ms(ttft)),
        first_output: Some(ms(ttft)),
        end: ms(ttft) + gaps.iter().sum::<Duration>(),
        output_tokens: tokens,
        token_basis: TokenBasis::Usage,
        gaps,
        gap_basis: GapBasis::PerToken,
        outcome: Outcome::Ok,
        error: None,
    }
}

/// A request that failed after 5 ms, before any text.
pub fn failed(outcome: Outcome) -> Sample {
    Sample {
        first_token: None,
        first_output: None,
        end: ms(5),
        output_tokens: 0,
        gaps: Vec::new(),
        outcome,
        error: Some(format!("{} happened", outcome.name())),
        ..sample(1, 1, 1)
    }
}

pub fn concurrency(level: u64) -> Level {
    Level {
        concurrency: Some(level),
        rate: None,
    }
}

/// Within HDR's precision: 3 significant digits.
#[track_caller]
pub fn assert_close(found: f64, truth: f64) {
    assert!(
        (found - truth).abs() <= truth / 1000.0,
        "{found} is not {truth} within 0.1%"
    );
}
