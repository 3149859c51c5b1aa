//! The figures of one run, as JSON for scripts and as a short table for
//! people.

use std::fmt::{self, Display};

use serde::Serialize;

use crate::escape::{escape_controls, is_hostile};
use crate::plural::plural;

/// How the run ended, as the exit code and the message tell it.
#[derive(Debug, Clone, Default)]
pub struct Outcome {
    pub exit_code: u8,
    pub error: Option<String>,
}

/// `--stats-json`'s object: every key is always present, `null` when the
/// run has no such figure. Times are milliseconds from the first request
/// sent (or the input opened).
#[derive(Debug, Serialize)]
pub struct Summary {
    pub url: String,
    pub status: Option<u16>,
    pub http_version: Option<String>,
    pub content_type: Option<String>,
    /// Time to the first body byte. For a URL, from the first request
    /// sent to the first byte of the response body. For a FILE or standard
    /// input no request is made: from the input opened to the first read
    /// that returned bytes (next to nothing for a file; for a pipe, the wait
    /// for its writer). The summary labels it `first byte` or `first read`.
    pub ttfb_ms: Option<f64>,
    pub first_event_ms: Option<f64>,
    pub first_token_ms: Option<f64>,
    pub duration_ms: f64,
    pub events: u64,
    pub bytes: u64,
    pub text_chars: Option<u64>,
    pub tokens_in: Option<u64>,
    pub tokens_out: Option<u64>,
    pub deltas: Option<u64>,
    pub tokens_per_s: Option<f64>,
    /// `usage` (the provider's output token count) or `deltas` (text
    /// deltas counted as tokens, when the stream carries no usage).
    pub tokens_per_s_basis: Option<&'static str>,
    pub gap_ms: Option<Gaps>,
    pub finish_reason: Option<String>,
    pub dialect: Option<&'static str>,
    pub reconnects: u32,
    pub exit_code: u8,
    pub error: Option<String>,
    /// What the times count from, for the labels of the summary; not in
    /// the JSON, where `ttfb_ms` means either (see above).
    #[serde(skip)]
    pub timed_from: TimedFrom,
}

/// What a run's times count from.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum TimedFrom {
    /// The first request sent, for a URL.
    Request,
    /// The input opened, for a FILE or standard input: no request made.
    Open,
}

/// The time between consecutive events.
#[derive(Debug, Serialize)]
pub struct Gaps {
    pub p50: f64,
    pub p90: f64,
    pub p99: f64,
    pub max: f64,
}

impl Summary {
    /// One line of JSON. Besides what JSON escapes, DEL and the C1
    /// controls are escaped too, so that text from the stream cannot drive
    /// a terminal the line is shown on.
    pub fn to_json(&self) -> String {
        let json = serde_json::to_string(self).expect("a summary always serializes");
        let mut shown = String::with_capacity(json.len());
        for c in json.chars() {
            // JSON has escaped C0 already; DEL and C1 are left.
            if is_hostile(c) {
                shown.push_str(&format!("\\u{:04x}", u32::from(c)));
            } else {
                shown.push(c);
            }
        }
        shown
    }
}

/// `--stats`: one figure a line, the lines without a figure left out.
impl Display for Summary {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        let mut line =
            |label: &str, value: fmt::Arguments<'_>| writeln!(f, "  {label:<12} {value}");
        // What the server or the stream said is shown with its control
        // characters escaped.
        line("source", format_args!("{}", escape_controls(&self.url)))?;
        if let Some(status) = self.status {
            let version = self.http_version.as_deref().unwrap_or("");
            let content_type = self.content_type.as_deref().unwrap_or("no content type");
            let content_type = escape_controls(content_type);
            line(
                "response",
                format_args!("{status}, {version}, {content_type}"),
            )?;
        }
        // Without a request, the first byte is the first read of the input.
        let first_byte = match self.timed_from {
            TimedFrom::Request => "first byte",
            TimedFrom::Open => "first read",
        };
        for (label, time) in [
            (first_byte, self.ttfb_ms),
            ("first event", self.first_event_ms),
            ("first token", self.first_token_ms),
        ] {
            if let Some(time) = time {
                line(label, format_args!("{}", Millis(time)))?;
            }
        }
        line("duration", format_args!("{}", Millis(self.duration_ms)))?;
        line(
            "received",
            format_args!(
                "{}, {}",
                plural(self.events, "event"),
                plural(self.bytes, "byte")
            ),
        )?;
        if let (Some(deltas), Some(chars)) = (self.deltas, self.text_chars) {
            line(
                "text",
                format_args!(
                    "{}, {}",
                    plural(deltas, "delta"),
                    plural(chars, "character")
                ),
            )?;
        }
        if self.tokens_in.is_some() || self.tokens_out.is_some() {
            let count = |n: Option<u64>| n.map_or("?".to_owned(), |n| n.to_string());
            line(
                "tokens",
                format_args!(
                    "{} in, {} out",
                    count(self.tokens_in),
                    count(self.tokens_out)
                ),
            )?;
        }
        if let (Some(rate), Some(basis)) = (self.tokens_per_s, self.tokens_per_s_basis) {
            let unit = if basis == "usage" { "tokens" } else { "deltas" };
            line(
                "speed",
                format_args!("{rate:.1} {unit}/s after the first delta"),
            )?;
        }
        if let Some(gap) = &self.gap_ms {
            line(
                "event gaps",
                format_args!(
                    "p50 {}, p90 {}, p99 {}, max {}",
                    Millis(gap.p50),
                    Millis(gap.p90),
                    Millis(gap.p99),
                    Millis(gap.max)
                ),
            )?;
        }
        match (&self.finish_reason, self.dialect) {
            (Some(reason), Some(dialect)) => {
                let reason = escape_controls(reason);
                line("finish", format_args!("{reason} ({dialect})"))?;
            }
            (None, Some(dialect)) => line("dialect", format_args!("{dialect}"))?,
            _ => {}
        }
        if self.reconnects > 0 {
            line("reconnects", format_args!("{}", self.reconnects))?;
        }
        match &self.error {
            Some(error) => line(
                "exit",
                format_args!("{}: {}", self.exit_code, escape_controls(error)),
            ),
            None => line("exit", format_args!("{}", self.exit_code)),
        }
    }
}

/// A time in milliseconds, shown in ms or, from 10 s on, in seconds.
struct Millis(f64);

impl Display for Millis {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        if self.0 >= 10_000.0 {
            write!(f, "{:.2} s", self.0 / 1000.0)
        } else {
            write!(f, "{:.1} ms", self.0)
        }
    }
}
