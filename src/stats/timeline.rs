//! A stream's timeline, event by event: when each event came and what it
//! carried, for measuring a stream from the outside (a load test's
//! inter-token latency) rather than summing it up.

use std::time::Duration;

/// More tokens than any event of a real stream carries: a usage that
/// grows by more in one event is not taken as a count per event.
const MAX_TOKENS_PER_EVENT: u64 = 100_000;

/// One event, as received.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Mark {
    /// When its last byte came, since the stream's start.
    pub at: Duration,
    /// Answer text deltas it added (0 for an event without text).
    pub deltas: u64,
    /// The output tokens the stream's usage reported once it was read,
    /// when the stream reports usage (cumulatively, as each dialect does).
    pub output_tokens: Option<u64>,
}

/// Every event of a stream, in order.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct Timeline {
    pub marks: Vec<Mark>,
}

impl Timeline {
    /// The output tokens each event carried, by the stream's own usage
    /// where each event's is known (a usage count that grows event by
    /// event), else `None`: the events' count of tokens is not known.
    pub fn tokens_per_event(&self) -> Option<Vec<u64>> {
        let mut before = 0;
        let mut counts = Vec::with_capacity(self.marks.len());
        for mark in &self.marks {
            // An event with text but no count of its own: not known.
            let now = match mark.output_tokens {
                Some(now) => now,
                None if mark.deltas > 0 => return None,
                None => before,
            };
            counts.push(now.saturating_sub(before));
            before = before.max(now);
        }
        // A count no event carries: the usage is not a count of tokens.
        if counts.iter().any(|&count| count > MAX_TOKENS_PER_EVENT) {
            return None;
        }
        // A count that grows only now and then (once at the end, for many
        // events of text) is no count per event.
        let each_text_counted = self
            .marks
            .iter()
            .zip(&counts)
            .all(|(mark, &count)| mark.deltas == 0 || count > 0);
        each_text_counted.then_some(counts)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn mark(ms: u64, deltas: u64, output_tokens: Option<u64>) -> Mark {
        Mark {
            at: Duration::from_millis(ms),
            deltas,
            output_tokens,
        }
    }

    #[test]
    fn a_growing_usage_gives_each_events_tokens() {
        let timeline = Timeline {
            marks: vec![
                mark(0, 0, Some(0)),
                mark(10, 1, Some(3)),
                mark(20, 1, Some(4)),
                mark(30, 0, Some(4)),
            ],
        };
        assert_eq!(timeline.tokens_per_event(), Some(vec![0, 3, 1, 0]));
    }

    #[test]
    fn an_impossible_count_is_no_count_per_event() {
        let timeline = Timeline {
            marks: vec![mark(10, 1, Some(1)), mark(20, 1, Some(100_000_000_000_000))],
        };
        assert_eq!(timeline.tokens_per_event(), None);
    }

    #[test]
    fn usage_only_at_the_end_gives_no_count_per_event() {
        let timeline = Timeline {
            marks: vec![mark(10, 1, None), mark(20, 1, None), mark(30, 0, Some(9))],
        };
        assert_eq!(timeline.tokens_per_event(), None);
        let once = Timeline {
            marks: vec![
                mark(0, 0, Some(2)),
                mark(10, 1, Some(2)),
                mark(20, 1, Some(9)),
            ],
        };
        assert_eq!(
            once.tokens_per_event(),
            None,
            "the first text event carried none"
        );
    }
}
