//! What one request of a load test measured: its times, its tokens and how
//! it ended. Every time is an offset since the start of the test, on a
//! monotonic clock; the latencies count from when the request was due, so
//! that time spent waiting to be sent is never hidden (coordinated
//! omission).

use std::time::Duration;

/// How a request ended, as the report counts failures.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, PartialOrd, Ord)]
pub enum Outcome {
    /// The stream ended as its dialect ends one.
    Ok,
    /// HTTP 429 Too Many Requests.
    RateLimited,
    /// Any other 4xx (and a 3xx not followed).
    Http4xx,
    Http5xx,
    /// Could not connect (refused, DNS, TLS).
    Connect,
    /// `--max-time` or `--idle-timeout` fired.
    Timeout,
    /// The provider's error event in the stream.
    InStream,
    /// The stream ended before its end marker, or the connection broke.
    CutShort,
    /// Anything else (a body that is no stream the output can read, …); a
    /// stream in no LLM dialect that ends well is ok (an SSE endpoint).
    Other,
}

impl Outcome {
    pub const ALL: [Outcome; 9] = [
        Outcome::Ok,
        Outcome::RateLimited,
        Outcome::Http4xx,
        Outcome::Http5xx,
        Outcome::Connect,
        Outcome::Timeout,
        Outcome::InStream,
        Outcome::CutShort,
        Outcome::Other,
    ];

    /// The class's name in reports and records.
    pub fn name(self) -> &'static str {
        match self {
            Outcome::Ok => "ok",
            Outcome::RateLimited => "http_429",
            Outcome::Http4xx => "http_4xx",
            Outcome::Http5xx => "http_5xx",
            Outcome::Connect => "connect",
            Outcome::Timeout => "timeout",
            Outcome::InStream => "in_stream_error",
            Outcome::CutShort => "cut_short",
            Outcome::Other => "other",
        }
    }
}

/// Where a request's count of output tokens comes from.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum TokenBasis {
    /// The stream's own usage (`usage.completion_tokens`, …).
    Usage,
    /// Its text deltas, one token each: the stream reported no usage.
    Deltas,
}

impl TokenBasis {
    pub fn name(self) -> &'static str {
        match self {
            TokenBasis::Usage => "usage",
            TokenBasis::Deltas => "deltas",
        }
    }
}

/// What the gaps of a request's inter-token latency are.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum GapBasis {
    /// The gap before each event divided among the tokens it carried (the
    /// stream's usage told each event's tokens).
    PerToken,
    /// The gap between events that carried text: each event's tokens are
    /// not known, so this is inter-chunk latency.
    PerChunk,
}

impl GapBasis {
    pub fn name(self) -> &'static str {
        match self {
            GapBasis::PerToken => "per_token",
            GapBasis::PerChunk => "per_chunk",
        }
    }
}

/// One request of a load test.
#[derive(Debug, Clone, PartialEq)]
pub struct Sample {
    /// When it was due: its place in the schedule (open loop), or when its
    /// worker was free to send it (closed loop).
    pub due: Duration,
    /// When it was sent.
    pub sent: Duration,
    /// When the response head came.
    pub head: Option<Duration>,
    /// When the first answer text came.
    pub first_token: Option<Duration>,
    /// When the first output of any kind came (text, reasoning, a tool call).
    pub first_output: Option<Duration>,
    /// When it ended, however it ended.
    pub end: Duration,
    pub output_tokens: u64,
    pub token_basis: TokenBasis,
    /// The inter-token (or inter-chunk) latencies, in order.
    pub gaps: Vec<Duration>,
    pub gap_basis: GapBasis,
    pub outcome: Outcome,
    /// The error, in one line, when it failed.
    pub error: Option<String>,
}

impl Sample {
    /// Time to first token, from when it was due.
    pub fn ttft(&self) -> Option<Duration> {
        self.first_token.map(|at| at.saturating_sub(self.due))
    }

    /// End-to-end latency, from when it was due.
    pub fn e2e(&self) -> Duration {
        self.end.saturating_sub(self.due)
    }

    /// The wait before it could be sent (the client's queue).
    pub fn queue(&self) -> Duration {
        self.sent.saturating_sub(self.due)
    }

    /// Time per output token after the first: (E2E − TTFT) / (tokens − 1),
    /// as vLLM defines it; none with fewer than two tokens. The first token
    /// is the first output of any kind: the usage counts a reasoning
    /// model's reasoning tokens too, which come before its answer's.
    pub fn tpot(&self) -> Option<Duration> {
        let first = self.first_output.or(self.first_token)?;
        let ttft = first.saturating_sub(self.due);
        let later = u32::try_from(self.output_tokens.checked_sub(1)?).ok()?;
        (later > 0).then(|| self.e2e().saturating_sub(ttft) / later)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn ms(ms: u64) -> Duration {
        Duration::from_millis(ms)
    }

    #[test]
    fn latencies_count_from_when_the_request_was_due() {
        let sample = Sample {
            due: ms(100),
            sent: ms(130),
            head: Some(ms(180)),
            first_token: Some(ms(300)),
            first_output: Some(ms(250)),
            end: ms(1300),
            output_tokens: 11,
            token_basis: TokenBasis::Usage,
            gaps: vec![ms(100); 10],
            gap_basis: GapBasis::PerToken,
            outcome: Outcome::Ok,
            error: None,
        };
        assert_eq!(sample.queue(), ms(30));
        assert_eq!(sample.ttft(), Some(ms(200)));
        assert_eq!(sample.e2e(), ms(1200));
        // From the first output (reasoning, at 250 ms): (1200 − 150) / 10.
        assert_eq!(sample.tpot(), Some(ms(105)));
        let one_token = Sample {
            output_tokens: 1,
            ..sample.clone()
        };
        assert_eq!(one_token.tpot(), None);
        let no_text = Sample {
            first_token: None,
            first_output: None,
            ..sample
        };
        assert_eq!((no_text.ttft(), no_text.tpot()), (None, None));
    }
}
