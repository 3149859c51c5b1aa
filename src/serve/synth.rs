//! `serve --text`: answers made up from one text, in the wire format of the
//! API each request names, at the pace asked for (`--ttft`, `--itl` or
//! `--tps`, `--tokens-per-chunk`, `--jitter`).

use std::ops::Range;
use std::sync::Arc;
use std::time::{Duration, SystemTime, UNIX_EPOCH};

use hyper::body::Bytes;

use super::body::{Script, Step};
use super::fault::Kind;
use super::reply::Reply;
use crate::extract::wire::{self, Answer, Api, Finish, Speak};

/// The text and the pace of every answer.
#[derive(Debug, Clone)]
pub struct Synthesis {
    text: Arc<str>,
    /// Where each token is in `text`.
    tokens: Arc<[Range<usize>]>,
    pace: Pace,
}

/// When the chunks of an answer go.
#[derive(Debug, Clone, Copy, PartialEq)]
pub struct Pace {
    /// Until the first chunk of text.
    pub ttft: Duration,
    /// Between chunks.
    pub gap: Duration,
    pub tokens_per_chunk: u64,
    /// Each wait varies at random by up to this much, either way.
    pub jitter: Duration,
    /// The seed of the jitter; each request draws from its own stream of it.
    pub seed: u64,
}

impl Synthesis {
    pub fn new(text: &str, pace: Pace) -> Self {
        let start = text.as_ptr() as usize;
        let tokens = wire::tokens(text)
            .into_iter()
            .map(|token| {
                let at = token.as_ptr() as usize - start;
                at..at + token.len()
            })
            .collect();
        Synthesis {
            text: Arc::from(text),
            tokens,
            pace,
        }
    }

    /// The answer to the `number`th request, to `api`, with `fault` if one
    /// hits it.
    pub fn reply(
        &self,
        api: Api,
        path_and_query: &str,
        body: &[u8],
        fault: Option<Kind>,
        number: u64,
    ) -> Reply {
        let ask = match api.ask(path_and_query, body) {
            Ok(ask) => ask,
            Err(message) => return error_reply(api, 400, &message, None),
        };
        if let Some(Kind::Status { code, retry_after }) = fault {
            let message = format!("ssecat serve: status {code}, as --fault asked");
            return error_reply(api, code, &message, retry_after);
        }
        let answer = Answer {
            id: api.answer_id(number),
            model: ask.model.clone().unwrap_or_else(|| "ssecat".to_owned()),
            created: SystemTime::now()
                .duration_since(UNIX_EPOCH)
                .map_or(0, |since| since.as_secs()),
            input_tokens: ask.input_tokens,
        };
        let limit = ask
            .max_tokens
            .map_or(usize::MAX, |max| usize::try_from(max).unwrap_or(usize::MAX));
        let (count, finish) = match self.tokens.len() {
            all if all > limit => (limit, Finish::Length),
            all => (all, Finish::Stop),
        };
        let mut timing = Timing::new(self.pace, number);
        if !ask.stream {
            let chunks = count.div_ceil(self.pace.tokens_per_chunk as usize);
            let at = (0..chunks)
                .map(|_| timing.next())
                .last()
                .unwrap_or(Duration::ZERO);
            let text = self.text_of(0..count);
            let whole = api.whole(&ask, &answer, text, count as u64, finish);
            return Reply::json(200, whole, at);
        }
        let speaker = api.speaker(&ask, answer);
        Reply::streamed(
            speaker.content_type(),
            Box::new(Stream {
                synthesis: self.clone(),
                speaker,
                count,
                finish,
                timing,
                sent: 0,
                fault,
                stage: Stage::Open,
                at: Duration::ZERO,
            }),
        )
    }

    fn text_of(&self, tokens: Range<usize>) -> &str {
        let last = (tokens.end.checked_sub(1)).and_then(|last| self.tokens.get(last));
        match (self.tokens.get(tokens.start), last) {
            (Some(first), Some(last)) if !tokens.is_empty() => &self.text[first.start..last.end],
            _ => "",
        }
    }
}

/// An error in the API's own shape.
fn error_reply(api: Api, status: u16, message: &str, retry_after: Option<u64>) -> Reply {
    Reply::json(status, api.error_body(status, message), Duration::ZERO).retry_after(retry_after)
}

/// When each chunk goes: the first after `ttft`, each next one `gap` after
/// the one before, each wait varied by the jitter.
struct Timing {
    pace: Pace,
    rng: fastrand::Rng,
    at: Option<Duration>,
}

impl Timing {
    fn new(pace: Pace, number: u64) -> Self {
        Timing {
            pace,
            rng: fastrand::Rng::with_seed(pace.seed ^ number.wrapping_mul(0x9E37_79B9_7F4A_7C15)),
            at: None,
        }
    }

    fn next(&mut self) -> Duration {
        let wait = match self.at {
            None => self.pace.ttft,
            Some(_) => self.pace.gap,
        };
        let jitter = self.pace.jitter.as_secs_f64() * (self.rng.f64() * 2.0 - 1.0);
        let wait = Duration::from_secs_f64((wait.as_secs_f64() + jitter).max(0.0));
        let at = self.at.unwrap_or(Duration::ZERO) + wait;
        self.at = Some(at);
        at
    }
}

#[derive(Debug, Clone, Copy, PartialEq, Eq)]
enum Stage {
    Open,
    Deltas,
    Close,
    End,
}

/// A streamed answer, written chunk by chunk as it is due.
struct Stream {
    synthesis: Synthesis,
    speaker: Box<dyn Speak>,
    /// The tokens to send, after `max_tokens`.
    count: usize,
    finish: Finish,
    timing: Timing,
    /// Tokens sent so far.
    sent: usize,
    fault: Option<Kind>,
    stage: Stage,
    /// When the last chunk went.
    at: Duration,
}

impl Stream {
    fn chunks_sent(&self) -> u64 {
        self.sent
            .div_ceil(self.synthesis.pace.tokens_per_chunk as usize) as u64
    }

    /// The fault that strikes now, after the chunks sent so far.
    fn fault_now(&mut self) -> Option<Step> {
        let sent = self.chunks_sent();
        let step = match self.fault? {
            Kind::CutAfter(n) if n == sent => Step::Cut,
            Kind::StallAfter(n) if n == sent => Step::Stall,
            Kind::ErrorAfter(n) if n == sent => {
                let mut bytes = Vec::new();
                self.speaker
                    .fail("ssecat serve: an error, as --fault asked", &mut bytes);
                self.stage = Stage::End;
                // At the time the next chunk was due.
                let at = self.timing.next();
                Step::Send {
                    at,
                    bytes: Bytes::from(bytes),
                }
            }
            _ => return None,
        };
        self.fault = None;
        Some(step)
    }
}

impl Script for Stream {
    fn next(&mut self) -> Step {
        loop {
            let mut bytes = Vec::new();
            match self.stage {
                Stage::Open => {
                    self.speaker.open(&mut bytes);
                    self.stage = Stage::Deltas;
                }
                Stage::Deltas => {
                    if let Some(step) = self.fault_now() {
                        return step;
                    }
                    if self.sent == self.count {
                        self.stage = Stage::Close;
                        continue;
                    }
                    let per_chunk = self.synthesis.pace.tokens_per_chunk as usize;
                    let end = self.count.min(self.sent + per_chunk);
                    let text = self.synthesis.text_of(self.sent..end);
                    self.speaker
                        .delta(text, (end - self.sent) as u64, &mut bytes);
                    self.sent = end;
                    self.at = self.timing.next();
                }
                Stage::Close => {
                    // With no text at all, the end comes when the first
                    // token would have.
                    if self.sent == 0 {
                        self.at = self.timing.next();
                    }
                    self.speaker.close(self.finish, &mut bytes);
                    self.stage = Stage::End;
                }
                Stage::End => return Step::End,
            }
            if !bytes.is_empty() {
                return Step::Send {
                    at: self.at,
                    bytes: Bytes::from(bytes),
                };
            }
        }
    }
}
