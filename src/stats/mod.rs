//! `--stats` and `--stats-json`: what a stream's timing and contents add up
//! to, and the live counters the progress spinner shows. Every time is
//! taken with a monotonic clock when the bytes are received, not when they
//! are printed.

mod histogram;
mod summary;
mod timeline;

use std::sync::atomic::{AtomicU64, Ordering};
use std::sync::Arc;
use std::time::Instant;

use crate::extract::Reader;
use crate::sse::Event;

use histogram::Histogram;
pub use summary::{Outcome, Summary, TimedFrom};
pub use timeline::{Mark, Timeline};

/// What the response said about itself: the status line and content type.
#[derive(Debug, Clone, Default)]
pub struct Response {
    pub url: String,
    pub status: u16,
    pub http_version: String,
    pub content_type: Option<String>,
}

/// The requests of an HTTP run, as the exchange tells them.
#[derive(Debug, Default)]
pub struct Requests {
    pub first_sent: Option<Instant>,
    /// The last response (after redirects and reconnections).
    pub response: Option<Response>,
    pub reconnects: u32,
}

/// The counters the progress spinner reads while the stream runs.
#[derive(Debug, Default)]
pub struct Live {
    pub events: AtomicU64,
    pub bytes: AtomicU64,
    pub deltas: AtomicU64,
}

impl Requests {
    /// A request was sent: the first one starts the clock.
    pub fn sent(&mut self) {
        self.first_sent.get_or_insert_with(Instant::now);
    }

    /// A response head came; the last one is reported.
    pub fn responded(&mut self, response: Response) {
        self.response = Some(response);
    }

    pub fn reconnected(&mut self) {
        self.reconnects += 1;
    }
}

/// Everything `--stats` tells about one run.
#[derive(Debug)]
pub struct Stats {
    /// The URL, or the file name (`-` for standard input).
    pub source: String,
    pub requests: Requests,
    pub body: Recorder,
}

impl Stats {
    /// `answer`: a reader for the LLM answer's figures when the output
    /// does not read all of it (for a summary; the spinner needs only
    /// counts).
    pub fn starting_now(source: &str, answer: Option<Reader>) -> Self {
        Stats {
            source: source.to_owned(),
            requests: Requests::default(),
            body: Recorder::starting_now(answer),
        }
    }

    /// The figures of the run, which ended as `outcome`.
    pub fn summary(&self, outcome: Outcome) -> Summary {
        let Stats {
            source,
            requests,
            body,
        } = self;
        let start = requests.first_sent.unwrap_or(body.start);
        let since_start =
            |at: Option<Instant>| at.map(|at| millis(at.saturating_duration_since(start)));
        let ended = body.ended.unwrap_or_else(Instant::now);
        let answer = body.answer.clone().unwrap_or_default();
        // Generation speed: what came after the first delta, over the time
        // from it to the last event. With usage, the tokens of the deltas
        // after the first are taken as the same share of the count.
        let generating = match (body.first_token, body.last_event) {
            (Some(first), Some(last)) if last > first => Some((last - first).as_secs_f64()),
            _ => None,
        };
        let later_deltas = answer.deltas.saturating_sub(1) as f64;
        let (tokens, basis) = match answer.tokens_out {
            Some(tokens) if answer.deltas > 0 => {
                (tokens as f64 * later_deltas / answer.deltas as f64, "usage")
            }
            _ => (later_deltas, "deltas"),
        };
        let tokens_per_s = generating
            .filter(|_| tokens > 0.0)
            .map(|seconds| round3(tokens / seconds));
        let gap = |quantile| body.gaps.quantile(quantile).map(micros_to_millis);
        let response = requests.response.as_ref();
        Summary {
            url: response.map_or(source, |r| &r.url).to_owned(),
            status: response.map(|r| r.status),
            http_version: response.map(|r| r.http_version.clone()),
            content_type: response.and_then(|r| r.content_type.clone()),
            ttfb_ms: since_start(body.first_byte),
            first_event_ms: since_start(body.first_event),
            first_token_ms: since_start(body.first_token),
            duration_ms: millis(ended.saturating_duration_since(start)),
            events: body.events,
            bytes: body.bytes,
            text_chars: body.answer.as_ref().map(|a| a.text_chars),
            tokens_in: answer.tokens_in,
            tokens_out: answer.tokens_out,
            deltas: body.answer.as_ref().map(|a| a.deltas),
            tokens_per_s,
            tokens_per_s_basis: tokens_per_s.map(|_| basis),
            gap_ms: (!body.gaps.is_empty()).then(|| summary::Gaps {
                p50: gap(0.5).unwrap_or_default(),
                p90: gap(0.9).unwrap_or_default(),
                p99: gap(0.99).unwrap_or_default(),
                max: micros_to_millis(body.gaps.max()),
            }),
            finish_reason: answer.finish_reason,
            dialect: answer.dialect,
            reconnects: requests.reconnects,
            exit_code: outcome.exit_code,
            error: outcome.error,
            timed_from: match requests.first_sent {
                Some(_) => TimedFrom::Request,
                None => TimedFrom::Open,
            },
        }
    }
}

/// Records what a stream's body brings.
#[derive(Debug)]
pub struct Recorder {
    /// When the input was opened; an HTTP run counts from its first request.
    start: Instant,
    first_byte: Option<Instant>,
    first_event: Option<Instant>,
    first_token: Option<Instant>,
    /// The first answer text, reasoning or tool call.
    first_output: Option<Instant>,
    last_event: Option<Instant>,
    ended: Option<Instant>,
    events: u64,
    bytes: u64,
    gaps: Histogram,
    live: Arc<Live>,
    /// Reads the LLM answer when the output format does not, for a
    /// summary: its figures are wanted in every format.
    reader: Option<Reader>,
    answer: Option<Answer>,
    /// Each event, when asked for.
    timeline: Option<Timeline>,
}

/// What the LLM reader found, taken when the stream ends.
#[derive(Debug, Clone, Default)]
struct Answer {
    dialect: Option<&'static str>,
    finish_reason: Option<String>,
    tokens_in: Option<u64>,
    tokens_out: Option<u64>,
    deltas: u64,
    text_chars: u64,
}

impl Recorder {
    pub fn starting_now(reader: Option<Reader>) -> Self {
        Recorder {
            start: Instant::now(),
            first_byte: None,
            first_event: None,
            first_token: None,
            first_output: None,
            last_event: None,
            ended: None,
            events: 0,
            bytes: 0,
            gaps: Histogram::default(),
            live: Arc::default(),
            reader,
            answer: None,
            timeline: None,
        }
    }

    /// Keeps each event's time and tokens too: see [`Recorder::timeline`].
    pub fn keeping_timeline(mut self) -> Self {
        self.timeline = Some(Timeline::default());
        self
    }

    /// When the first answer text came.
    pub fn first_token(&self) -> Option<Instant> {
        self.first_token
    }

    /// When the first output of any kind came: answer text, reasoning or
    /// a tool call (known when the recorder reads the answer itself).
    pub fn first_output(&self) -> Option<Instant> {
        self.first_output.or(self.first_token)
    }

    /// The answer as its reader read it, when the recorder reads it.
    pub fn answer(&self) -> Option<&Reader> {
        self.reader.as_ref()
    }

    /// Each event so far, when [`Recorder::keeping_timeline`].
    pub fn timeline(&self) -> Option<&Timeline> {
        self.timeline.as_ref()
    }

    /// The counters, for a spinner on another thread.
    pub fn live(&self) -> Arc<Live> {
        Arc::clone(&self.live)
    }

    /// A chunk of `len` body bytes arrived at `at`.
    pub fn chunk(&mut self, len: usize, at: Instant) {
        self.first_byte.get_or_insert(at);
        self.bytes += len as u64;
        self.live.bytes.store(self.bytes, Ordering::Relaxed);
    }

    /// An event was decoded from the chunk received at `at`. `answer` is
    /// the output's own LLM reader, when it has one.
    pub fn event(&mut self, event: &Event<'_>, at: Instant, answer: Option<&Reader>) {
        self.events += 1;
        self.first_event.get_or_insert(at);
        if let Some(last) = self.last_event.replace(at) {
            self.gaps.record(micros(at - last));
        }
        let reader = match (answer, &mut self.reader) {
            (Some(reader), _) => Some(reader),
            (None, Some(own)) => {
                let calls_before = own.turn().tool_calls.len();
                own.read(event);
                // Only counted: the answer itself is not kept.
                let turn = own.turn_mut();
                let output = !turn.text.is_empty()
                    || !turn.reasoning.is_empty()
                    || turn.tool_calls.len() > calls_before;
                if output {
                    self.first_output.get_or_insert(at);
                }
                turn.text.clear();
                turn.reasoning.clear();
                Some(&*own)
            }
            (None, None) => None,
        };
        let deltas = reader.map_or(0, |reader| reader.turn().deltas);
        if deltas > 0 {
            self.first_token.get_or_insert(at);
        }
        if let Some(timeline) = &mut self.timeline {
            let before = self.live.deltas.load(Ordering::Relaxed);
            let output_tokens = reader.and_then(|reader| reader.turn().usage?.output_tokens);
            timeline.marks.push(Mark {
                at: at.saturating_duration_since(self.start),
                deltas: deltas.saturating_sub(before),
                output_tokens,
            });
        }
        self.live.events.store(self.events, Ordering::Relaxed);
        self.live.deltas.store(deltas, Ordering::Relaxed);
    }

    /// The stream is over; `answer` as for [`Recorder::event`].
    pub fn end(&mut self, answer: Option<&Reader>) {
        self.ended = Some(Instant::now());
        let Some(reader) = answer.or(self.reader.as_ref()) else {
            return;
        };
        let turn = reader.turn();
        // Not an LLM stream: there are no answer figures.
        if turn.dialect.is_none() && !reader.is_pointer() {
            return;
        }
        let usage = turn.usage.unwrap_or_default();
        self.answer = Some(Answer {
            dialect: turn.dialect.map(|dialect| dialect.name()),
            finish_reason: turn.finish_reason.clone(),
            tokens_in: usage.input_tokens,
            tokens_out: usage.output_tokens,
            deltas: turn.deltas,
            text_chars: turn.text_chars,
        });
    }
}

fn micros(duration: std::time::Duration) -> u64 {
    u64::try_from(duration.as_micros()).unwrap_or(u64::MAX)
}

fn micros_to_millis(micros: u64) -> f64 {
    micros as f64 / 1000.0
}

/// Milliseconds, to the microsecond.
fn millis(duration: std::time::Duration) -> f64 {
    micros_to_millis(micros(duration))
}

fn round3(value: f64) -> f64 {
    (value * 1000.0).round() / 1000.0
}
