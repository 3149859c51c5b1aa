//! One request of a load test, as one stream: sent, decoded and read by
//! the same code as `ssecat URL` (framing, decoder, dialect reader), its
//! events timed as they are received, then summed up in a [`Sample`].

use std::time::Instant;

use crate::ending::Ending;
use crate::extract::{Extraction, Reader};
use crate::failure::Failure;
use crate::framing::{Framing, Unlabelled};
use crate::http::{Exchange, Trace};
use crate::notes::Notes;
use crate::output::DataWriter;
use crate::pipeline::{Options, Origin, Taps};
use crate::stats::{Recorder, Timeline};
use crate::stream;

use super::sample::{GapBasis, Outcome, Sample, TokenBasis};

/// How every request of a test is read.
#[derive(Debug, Clone)]
pub struct Reading {
    pub extraction: Extraction,
    pub max_event_size: usize,
}

/// Sends `exchange` and reads its stream to the end. `due` is when it was
/// due, `start` the start of the test that its times count from.
pub async fn measure(exchange: Exchange, reading: &Reading, due: Instant, start: Instant) -> Sample {
    let since = |at: Instant| at.saturating_duration_since(start);
    let sent = Instant::now();
    let mut head = None;
    let mut trace = |step: Trace<'_>| {
        if let Trace::Response(_) = step {
            head.get_or_insert_with(Instant::now);
        }
    };
    let mut recorder =
        Recorder::starting_now(Some(Reader::new(reading.extraction.clone()))).keeping_timeline();
    let run = match exchange.send(&mut trace).await {
        Ok(source) => {
            // As `--text` reads a response: a body whose content type does
            // not tell is told by its first bytes.
            let framing = match source.framing() {
                Framing::Opaque | Framing::Sniff(_) => Framing::Sniff(Unlabelled::Checked),
                framing => framing,
            };
            let options = Options {
                framing,
                origin: Origin::Response {
                    content_type: source.content_type(),
                },
                last_event_id: String::new(),
                strict: false,
                notes: Notes::silent(),
                structured: true,
                event_types: Vec::new(),
                stop_at_done: true,
                max_event_size: reading.max_event_size,
            };
            let taps = Taps {
                stats: Some(&mut recorder),
                save: None,
            };
            let never = std::future::pending();
            stream::run(source, std::io::sink(), DataWriter, &options, taps, never).await
        }
        Err(err) => Err(err),
    };
    let end = Instant::now();
    let (outcome, error) = outcome(&run, recorder.answer());
    let (output_tokens, token_basis) = output_tokens(recorder.answer());
    let (gaps, gap_basis) = gaps(recorder.timeline());
    Sample {
        due: since(due),
        sent: since(sent),
        head: head.map(since),
        first_token: recorder.first_token().map(since),
        first_output: recorder.first_output().map(since),
        end: since(end),
        output_tokens,
        token_basis,
        gaps,
        gap_basis,
        outcome,
        error,
    }
}

/// How the request ended, by class, and its error in one line.
fn outcome(run: &anyhow::Result<Ending>, answer: Option<&Reader>) -> (Outcome, Option<String>) {
    let turn = answer.map(Reader::turn);
    match run {
        Err(err) => {
            let class = match err.downcast_ref::<Failure>() {
                Some(Failure::Status(status)) => match status.code {
                    429 => Outcome::RateLimited,
                    500.. => Outcome::Http5xx,
                    _ => Outcome::Http4xx,
                },
                Some(Failure::Redirects(_)) => Outcome::Http4xx,
                Some(Failure::Connect(_) | Failure::EmptyReply(_)) => Outcome::Connect,
                Some(Failure::Timeout(_) | Failure::IdleTimeout(_)) => Outcome::Timeout,
                Some(Failure::InStream(_)) => Outcome::InStream,
                Some(Failure::CutShort(_) | Failure::Incomplete(_)) => Outcome::CutShort,
                _ => Outcome::Other,
            };
            let error = crate::exit::one_line(run).unwrap_or_else(|| format!("{err:#}"));
            (class, Some(error))
        }
        Ok(ending) => match turn {
            Some(turn) if turn.error.is_some() => {
                let message = turn.error.as_deref().unwrap_or_default();
                (Outcome::InStream, Some(format!("stream error: {message}")))
            }
            _ if matches!(ending, Ending::Unfinished { .. }) => (
                Outcome::CutShort,
                Some("the stream ended inside an event".to_owned()),
            ),
            Some(turn) if turn.dialect.is_some() && !(turn.ended || turn.complete_at_end) => (
                Outcome::CutShort,
                Some("the stream ended before its end marker".to_owned()),
            ),
            _ => (Outcome::Ok, None),
        },
    }
}

/// The answer's output tokens: the stream's usage when it reported it,
/// else its text deltas.
fn output_tokens(answer: Option<&Reader>) -> (u64, TokenBasis) {
    let turn = answer.map(Reader::turn);
    match turn.and_then(|turn| turn.usage?.output_tokens) {
        Some(tokens) => (tokens, TokenBasis::Usage),
        None => (turn.map_or(0, |turn| turn.deltas), TokenBasis::Deltas),
    }
}

/// The inter-token latencies: each gap before an event that carried
/// tokens, divided among them when the stream's usage told each event's
/// tokens; else the gaps between events of text (inter-chunk latency).
/// The tokens of the first event come with the first token: no gap.
fn gaps(timeline: Option<&Timeline>) -> (Vec<std::time::Duration>, GapBasis) {
    let Some(timeline) = timeline else {
        return (Vec::new(), GapBasis::PerChunk);
    };
    let mut gaps = Vec::new();
    let mut last = None;
    match timeline.tokens_per_event() {
        Some(counts) => {
            for (mark, &tokens) in timeline.marks.iter().zip(&counts) {
                if tokens == 0 {
                    continue;
                }
                if let Some(before) = last.replace(mark.at) {
                    let share = (mark.at - before) / u32::try_from(tokens).unwrap_or(u32::MAX);
                    gaps.extend(std::iter::repeat_n(share, tokens as usize));
                }
            }
            (gaps, GapBasis::PerToken)
        }
        None => {
            for mark in timeline.marks.iter().filter(|mark| mark.deltas > 0) {
                if let Some(before) = last.replace(mark.at) {
                    gaps.push(mark.at - before);
                }
            }
            (gaps, GapBasis::PerChunk)
        }
    }
}
