//! Writing Ollama's native answers, as `ssecat serve` gives them at
//! `/api/chat` and `/api/generate`: as Ollama's Go structs marshal
//! (`api.ChatResponse`, `api.GenerateResponse`), in their field order and
//! with no zero metric (`omitempty`).

use std::time::Instant;

use serde::Serialize;
use serde_json::Value;

use crate::extract::wire::{self, Answer, Ask, Finish, Prompt, Speak};

/// Which of Ollama's two native endpoints a request came to.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Endpoint {
    /// `/api/chat`: `messages` in, `message.content` out.
    Chat,
    /// `/api/generate`: `prompt` in, `response` out.
    Generate,
}

/// The streaming request a prompt makes (Ollama streams by default; it is
/// said anyway): the chat's messages, or generate's `prompt` and `system`.
pub fn request(endpoint: Endpoint, prompt: &Prompt) -> Value {
    let options = wire::optional_members([
        ("num_predict", prompt.max_tokens.map(Value::from)),
        ("temperature", prompt.temperature.map(Value::from)),
    ]);
    let ((key, input), system) = match endpoint {
        Endpoint::Chat => (("messages", wire::chat_messages(prompt)), None),
        Endpoint::Generate => (
            ("prompt", prompt.text.clone().into()),
            prompt.system.clone(),
        ),
    };
    wire::members([
        ("model", prompt.model.clone().map(Value::from)),
        (key, Some(input)),
        ("system", system.map(Value::from)),
        ("options", options),
        ("stream", Some(true.into())),
    ])
}

/// What a request asks: `options.num_predict` caps the answer, which is
/// streamed unless `"stream": false`.
pub fn ask(endpoint: Endpoint, body: &[u8]) -> Result<Ask, String> {
    let request = wire::request_object(body)?;
    let texts: Vec<&str> = match endpoint {
        Endpoint::Chat => {
            let mut texts = Vec::new();
            wire::message_texts(&request, &mut texts);
            texts
        }
        Endpoint::Generate => ["system", "prompt"]
            .iter()
            .filter_map(|key| request.get(*key)?.as_str())
            .collect(),
    };
    // Joined by spaces, with nothing for a message without text.
    let prompt = texts
        .into_iter()
        .filter(|text| !text.is_empty())
        .collect::<Vec<_>>()
        .join(" ");
    Ok(Ask {
        model: request
            .get("model")
            .and_then(Value::as_str)
            .map(str::to_owned),
        max_tokens: request
            .get("options")
            .and_then(|options| options.get("num_predict"))
            .and_then(Value::as_u64),
        stream: request.get("stream").and_then(Value::as_bool) != Some(false),
        input_tokens: wire::count_tokens(&prompt),
        ..Ask::default()
    })
}

/// Writes a streamed answer as Ollama does: a line per chunk, then a `done`
/// line with the reason and the metrics. The durations are measured: from
/// the speaker's making to `open` is the load, from `open` to the first
/// chunk the prompt's evaluation, from there to `close` the answer's.
pub struct OllamaSpeaker {
    endpoint: Endpoint,
    model: String,
    /// The answer's creation, in Unix seconds, which `created_at` counts from.
    created: u64,
    input_tokens: u64,
    output_tokens: u64,
    made: Instant,
    opened: Option<Instant>,
    first_chunk: Option<Instant>,
}

pub fn speaker(endpoint: Endpoint, answer: Answer) -> OllamaSpeaker {
    OllamaSpeaker {
        endpoint,
        model: answer.model,
        created: answer.created,
        input_tokens: answer.input_tokens,
        output_tokens: 0,
        made: Instant::now(),
        opened: None,
        first_chunk: None,
    }
}

impl OllamaSpeaker {
    /// Now, as `created_at` says it: the answer's creation plus the time
    /// since the speaker was made.
    fn now(&self) -> String {
        let elapsed = self.made.elapsed();
        rfc3339_nano(
            self.created.saturating_add(elapsed.as_secs()),
            elapsed.subsec_nanos(),
        )
    }

    fn measured_metrics(&self) -> Metrics {
        let now = Instant::now();
        let opened = self.opened.unwrap_or(now);
        let first_chunk = self.first_chunk.unwrap_or(now);
        // Go leaves out a zero duration; a real one never is.
        let nanos = |from: Instant, to: Instant| {
            u64::try_from(to.saturating_duration_since(from).as_nanos())
                .unwrap_or(u64::MAX)
                .max(1)
        };
        let load_duration = nanos(self.made, opened);
        let prompt_eval_duration = nanos(opened, first_chunk);
        let eval_duration = nanos(first_chunk, now);
        Metrics {
            total_duration: load_duration
                .saturating_add(prompt_eval_duration)
                .saturating_add(eval_duration),
            load_duration,
            prompt_eval_count: self.input_tokens,
            prompt_eval_duration,
            eval_count: self.output_tokens,
            eval_duration,
        }
    }
}

impl Speak for OllamaSpeaker {
    fn content_type(&self) -> &'static str {
        "application/x-ndjson"
    }

    fn open(&mut self, _out: &mut Vec<u8>) {
        self.opened.get_or_insert_with(Instant::now);
    }

    fn delta(&mut self, text: &str, tokens: u64, out: &mut Vec<u8>) {
        self.first_chunk.get_or_insert_with(Instant::now);
        self.output_tokens = self.output_tokens.saturating_add(tokens);
        let line = Line {
            model: &self.model,
            created_at: self.now(),
            text,
            end: None,
        };
        write_object(self.endpoint, &line, out);
        out.push(b'\n');
    }

    fn close(&mut self, finish: Finish, out: &mut Vec<u8>) {
        let line = Line {
            model: &self.model,
            created_at: self.now(),
            text: "",
            end: Some((finish, self.measured_metrics())),
        };
        write_object(self.endpoint, &line, out);
        out.push(b'\n');
    }

    fn fail(&mut self, message: &str, out: &mut Vec<u8>) {
        wire::write_json(out, &ErrorBody { error: message });
        out.push(b'\n');
    }
}

/// The `stream: false` answer: the `done` line with the whole text. It was
/// not timed as it was written, so its durations are nominal: 5 ms to load,
/// 1 ms per prompt token, 20 ms per output token.
pub fn whole(
    endpoint: Endpoint,
    answer: &Answer,
    text: &str,
    output_tokens: u64,
    finish: Finish,
) -> Vec<u8> {
    const MS: u64 = 1_000_000;
    let load_duration = 5 * MS;
    let prompt_eval_duration = answer.input_tokens.saturating_mul(MS).max(1);
    let eval_duration = output_tokens.saturating_mul(20 * MS).max(1);
    let metrics = Metrics {
        total_duration: load_duration
            .saturating_add(prompt_eval_duration)
            .saturating_add(eval_duration),
        load_duration,
        prompt_eval_count: answer.input_tokens,
        prompt_eval_duration,
        eval_count: output_tokens,
        eval_duration,
    };
    let line = Line {
        model: &answer.model,
        created_at: rfc3339_nano(answer.created, 0),
        text,
        end: Some((finish, metrics)),
    };
    let mut out = Vec::new();
    // Written whole (gin's `c.JSON`), with no newline after it.
    write_object(endpoint, &line, &mut out);
    out
}

/// Ollama's error body, whatever the status: `{"error":"…"}`.
pub fn error_body(message: &str) -> Vec<u8> {
    let mut out = Vec::new();
    wire::write_json(&mut out, &ErrorBody { error: message });
    out
}

/// What one line says, for either endpoint.
struct Line<'a> {
    model: &'a str,
    created_at: String,
    text: &'a str,
    /// On the `done` line: why, and the metrics.
    end: Option<(Finish, Metrics)>,
}

/// Writes `line` as the endpoint's JSON object.
fn write_object(endpoint: Endpoint, line: &Line<'_>, out: &mut Vec<u8>) {
    let done_reason = line.end.as_ref().map(|(finish, _)| match finish {
        Finish::Stop => "stop",
        Finish::Length => "length",
    });
    let metrics = line.end.as_ref().map(|(_, metrics)| metrics);
    let done = line.end.is_some();
    match endpoint {
        Endpoint::Chat => wire::write_json(
            out,
            &ChatLine {
                model: line.model,
                created_at: &line.created_at,
                message: Message {
                    role: "assistant",
                    content: line.text,
                },
                done_reason,
                done,
                metrics,
            },
        ),
        Endpoint::Generate => wire::write_json(
            out,
            &GenerateLine {
                model: line.model,
                created_at: &line.created_at,
                response: line.text,
                done,
                done_reason,
                metrics,
            },
        ),
    }
}

/// `api.ChatResponse`: `done_reason` comes before `done`.
#[derive(Serialize)]
struct ChatLine<'a> {
    model: &'a str,
    created_at: &'a str,
    message: Message<'a>,
    #[serde(skip_serializing_if = "Option::is_none")]
    done_reason: Option<&'static str>,
    done: bool,
    #[serde(flatten)]
    metrics: Option<&'a Metrics>,
}

#[derive(Serialize)]
struct Message<'a> {
    role: &'static str,
    content: &'a str,
}

/// `api.GenerateResponse`: `done_reason` comes after `done`. Its `context`
/// (the conversation's token ids) is left out, as Ollama does when empty:
/// these answers have no token ids.
#[derive(Serialize)]
struct GenerateLine<'a> {
    model: &'a str,
    created_at: &'a str,
    response: &'a str,
    done: bool,
    #[serde(skip_serializing_if = "Option::is_none")]
    done_reason: Option<&'static str>,
    #[serde(flatten)]
    metrics: Option<&'a Metrics>,
}

/// `api.Metrics`, durations in nanoseconds.
#[derive(Serialize)]
struct Metrics {
    total_duration: u64,
    load_duration: u64,
    #[serde(skip_serializing_if = "is_zero")]
    prompt_eval_count: u64,
    prompt_eval_duration: u64,
    #[serde(skip_serializing_if = "is_zero")]
    eval_count: u64,
    eval_duration: u64,
}

fn is_zero(count: &u64) -> bool {
    *count == 0
}

#[derive(Serialize)]
struct ErrorBody<'a> {
    error: &'a str,
}

/// A UTC time as Go's `time.Time` marshals to JSON (RFC 3339 with
/// nanoseconds, trailing zeros dropped): `2024-11-14T10:00:00.1Z`.
fn rfc3339_nano(unix_seconds: u64, nanos: u32) -> String {
    // Go refuses years past 9999; so does this, by stopping there.
    const LAST_SECOND_OF_9999: u64 = 253_402_300_799;
    let seconds = unix_seconds.min(LAST_SECOND_OF_9999);
    let (year, month, day) = civil_date(seconds / 86_400);
    let of_day = seconds % 86_400;
    let mut time = format!(
        "{year:04}-{month:02}-{day:02}T{:02}:{:02}:{:02}",
        of_day / 3600,
        of_day % 3600 / 60,
        of_day % 60
    );
    if nanos > 0 {
        let fraction = format!("{:09}", nanos.min(999_999_999));
        time.push('.');
        time.push_str(fraction.trim_end_matches('0'));
    }
    time.push('Z');
    time
}

/// The Gregorian (year, month, day) of a count of days since 1970-01-01
/// (Howard Hinnant's `civil_from_days`).
fn civil_date(days: u64) -> (u64, u64, u64) {
    let shifted = days + 719_468;
    let era = shifted / 146_097;
    let day_of_era = shifted % 146_097;
    let year_of_era =
        (day_of_era - day_of_era / 1460 + day_of_era / 36_524 - day_of_era / 146_096) / 365;
    let day_of_year = day_of_era - (365 * year_of_era + year_of_era / 4 - year_of_era / 100);
    let month_from_march = (5 * day_of_year + 2) / 153;
    let day = day_of_year - (153 * month_from_march + 2) / 5 + 1;
    let month = if month_from_march < 10 {
        month_from_march + 3
    } else {
        month_from_march - 9
    };
    let year = year_of_era + era * 400 + u64::from(month <= 2);
    (year, month, day)
}

#[cfg(test)]
mod tests {
    use super::rfc3339_nano;

    #[test]
    fn times_are_written_as_go_marshals_them() {
        assert_eq!(rfc3339_nano(0, 0), "1970-01-01T00:00:00Z");
        assert_eq!(
            rfc3339_nano(1_731_578_400, 100_000_000),
            "2024-11-14T10:00:00.1Z"
        );
        assert_eq!(
            rfc3339_nano(951_868_799, 123_456_789),
            "2000-02-29T23:59:59.123456789Z"
        );
        assert_eq!(
            rfc3339_nano(1_709_251_200, 5),
            "2024-03-01T00:00:00.000000005Z"
        );
        assert_eq!(rfc3339_nano(u64::MAX, 0), "9999-12-31T23:59:59Z");
    }
}
