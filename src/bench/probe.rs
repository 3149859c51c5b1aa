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
pub async fn measure(
    exchange: Exchange,
    reading: &Reading,
    due: Instant,
    start: Instant,
) -> Sample {
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

#[cfg(test)]
mod tests {
    use std::time::Duration;

    use super::*;
    use crate::http::{Connect, Policy, RequestInput, RequestSpec};
    use crate::serve::{self, Answers, Pace, Server, Synthesis};

    /// Measures one request of `body` to `path` of a `serve --text` with
    /// this pace, on a multi-threaded runtime (as `bench` runs them).
    fn measured(pace: Pace, path: &str, body: &str) -> Sample {
        let runtime = tokio::runtime::Builder::new_multi_thread()
            .worker_threads(2)
            .enable_all()
            .build()
            .unwrap();
        runtime.block_on(async {
            let listener = tokio::net::TcpListener::bind("127.0.0.1:0").await.unwrap();
            let url = format!("http://{}{path}", listener.local_addr().unwrap());
            let server = Server {
                answers: Answers::Synthesized(Synthesis::new("one two three four five six", pace)),
                faults: Vec::new(),
                log: None,
            };
            tokio::spawn(serve::run(listener, server, std::future::pending()));
            let input = RequestInput {
                json: Some(body),
                ..RequestInput::default()
            };
            let (spec, _) = RequestSpec::new(url.parse().unwrap(), &input).unwrap();
            let exchange = Exchange::new(spec, &Connect::default(), Policy::default()).unwrap();
            let reading = Reading {
                extraction: Extraction::Auto,
                max_event_size: 1 << 20,
            };
            let start = Instant::now();
            // Spawned, as bench runs each request: the measure must be Send.
            tokio::spawn(async move { measure(exchange, &reading, start, start).await })
                .await
                .unwrap()
        })
    }

    fn pace(tokens_per_chunk: u64) -> Pace {
        Pace {
            ttft: Duration::from_millis(40),
            gap: Duration::from_millis(10),
            tokens_per_chunk,
            jitter: Duration::ZERO,
            seed: 1,
        }
    }

    #[test]
    fn a_stream_without_usage_per_event_has_inter_chunk_gaps() {
        let body =
            r#"{"model":"m","stream":true,"messages":[],"stream_options":{"include_usage":true}}"#;
        let sample = measured(pace(2), "/v1/chat/completions", body);
        assert_eq!(
            (sample.outcome, sample.error.as_deref()),
            (Outcome::Ok, None)
        );
        assert_eq!(
            (sample.output_tokens, sample.token_basis),
            (6, TokenBasis::Usage)
        );
        // Three chunks of two words: two gaps between them. The last chunk
        // was due 40 + 2 × 10 ms after the request: never sooner (a slow
        // machine only adds; one gap alone may shrink after a late chunk).
        assert_eq!(sample.gap_basis, GapBasis::PerChunk);
        assert_eq!(sample.gaps.len(), 2, "{:?}", sample.gaps);
        let last = sample.ttft().unwrap() + sample.gaps.iter().sum::<Duration>();
        assert!(last >= Duration::from_millis(60), "{last:?}");
        let ttft = sample.ttft().unwrap();
        assert!(ttft >= Duration::from_millis(40), "{ttft:?}");
        assert!(sample.head.unwrap() <= sample.first_token.unwrap());
        assert!(sample.tpot().unwrap() >= Duration::from_millis(3));
    }

    #[test]
    fn usage_in_every_event_gives_a_gap_per_token() {
        // vLLM's continuous usage: each event's tokens are known.
        let body = r#"{"model":"m","stream":true,"messages":[],"stream_options":{"include_usage":true,"continuous_usage_stats":true}}"#;
        let sample = measured(pace(2), "/v1/chat/completions", body);
        assert_eq!(sample.outcome, Outcome::Ok);
        assert_eq!(sample.gap_basis, GapBasis::PerToken);
        // The first chunk's two tokens came with the first; each later
        // chunk's gap is shared by its two.
        assert_eq!(sample.gaps.len(), 4, "{:?}", sample.gaps);
        assert_eq!(sample.gaps[0], sample.gaps[1]);
        let last = sample.ttft().unwrap() + sample.gaps.iter().sum::<Duration>();
        assert!(last >= Duration::from_millis(60), "{last:?}");
    }

    #[test]
    fn a_stream_without_usage_counts_its_deltas() {
        let body = r#"{"model":"m","stream":true,"messages":[]}"#;
        let sample = measured(pace(1), "/v1/chat/completions", body);
        assert_eq!(
            (sample.output_tokens, sample.token_basis),
            (6, TokenBasis::Deltas)
        );
        assert_eq!(sample.gaps.len(), 5);
    }

    #[test]
    fn failures_are_classed() {
        let sample = measured(pace(1), "/nowhere", "{}");
        assert_eq!(sample.outcome, Outcome::Http4xx);
        assert!(
            sample.error.as_deref().unwrap().contains("404"),
            "{:?}",
            sample.error
        );
        assert_eq!((sample.first_token, sample.output_tokens), (None, 0));
    }
}
