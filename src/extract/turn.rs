//! The assembled response of one LLM stream, the same shape for every
//! dialect.

use std::collections::HashMap;
use std::sync::LazyLock;

use super::json_path::{self, string_value, Query, Step, Template};
use super::Dialect;

/// What the events of a stream add up to. Dialects only add to it; the
/// writers read (and may drain) `text` and `reasoning` after each event.
#[derive(Debug, Default)]
pub struct Turn {
    pub dialect: Option<Dialect>,
    pub model: Option<String>,
    pub id: Option<String>,
    /// The answer text received (and not yet drained).
    pub text: String,
    /// Reasoning or thinking text, which is never part of the answer.
    pub reasoning: String,
    /// In the order they started.
    pub tool_calls: Vec<ToolCall>,
    /// As the provider spells it (`stop`, `length`, `end_turn`, `MAX_TOKENS`, …).
    pub finish_reason: Option<String>,
    pub usage: Option<Usage>,
    /// The end marker of the dialect arrived (`[DONE]`, `message_stop`, …).
    pub ended: bool,
    /// The provider's message, when the stream reported an error.
    pub error: Option<String>,
    /// The stream completes at its end without a marker, as Gemini's does
    /// after a chunk with a finish reason.
    pub complete_at_end: bool,
    /// Events read (`[DONE]` aside).
    pub events: u64,
    /// The type of the last event read (its `event:` field).
    pub last_event_type: String,
    /// How many times answer text was added (a delta with no text does not count).
    pub deltas: u64,
    /// Characters of answer text added in all (drained or not).
    pub text_chars: u64,
    /// The answer came whole, in one JSON document rather than a stream
    /// (the request did not ask for one): see [`super::Reader::read_document`].
    pub document: bool,
    /// Where in `tool_calls` the call at each provider slot is.
    slots: Slots,
    /// The last chunk read in full, which the next ones are read against:
    /// it speeds reading up and changes nothing read.
    pub template: Template,
}

/// Provider slot → position in `tool_calls`. Its `Debug` leaves the map out:
/// the calls carry their slots, and a `HashMap` lists in no stable order.
#[derive(Default)]
struct Slots(HashMap<u64, usize>);

impl std::fmt::Debug for Slots {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        write!(f, "Slots({})", self.0.len())
    }
}

/// One tool (function) call, assembled from its pieces.
#[derive(Debug, Default)]
pub struct ToolCall {
    /// The provider's position for the call, which later pieces refer to;
    /// for a call that arrived whole or without one, its place in
    /// [`Turn::tool_calls`].
    pub slot: u64,
    pub id: Option<String>,
    pub name: String,
    /// The arguments: the joined string of their pieces.
    pub arguments: String,
}

/// Token counts, when the stream carries them.
#[derive(Debug, Default, Clone, Copy, PartialEq, Eq)]
pub struct Usage {
    pub input_tokens: Option<u64>,
    pub output_tokens: Option<u64>,
}

/// The slot a piece names by its raw `index`; 0 when absent or unreadable.
pub fn slot(index: Option<&str>) -> u64 {
    index.and_then(|raw| raw.parse().ok()).unwrap_or(0)
}

/// Whether a choice or candidate, by its raw `index`, is the first one (an
/// absent index is): with more than one asked for (`n`, `candidateCount`)
/// the others arrive too, in chunks of their own and in any order.
pub fn is_first(index: Option<&str>) -> bool {
    matches!(index, None | Some("0" | "null"))
}

/// Appends the text of a raw JSON string to `out`, for text gathered from
/// several parts of a document before it is added as one delta; anything
/// but a string is ignored.
pub fn gather(raw: Option<&str>, out: &mut String) {
    if let Some(raw) = raw {
        json_path::push_string(raw, out);
    }
}

impl Turn {
    /// Appends answer text from a raw JSON string; anything else is ignored.
    pub fn push_text(&mut self, raw: Option<&str>) {
        if let Some(raw) = raw {
            let before = self.text.len();
            if json_path::push_string(raw, &mut self.text) {
                self.count_text(before);
            }
        }
    }

    /// Appends answer text already unescaped: what one event or document
    /// carries, gathered from its parts, so that it counts as one delta.
    pub fn push_text_str(&mut self, text: &str) {
        let before = self.text.len();
        self.text.push_str(text);
        self.count_text(before);
    }

    /// Counts the text added since `text` was `before` bytes long as a delta,
    /// when there is any: for readers that append the parts of one event
    /// to `text` themselves, without a buffer of their own.
    pub fn count_text(&mut self, before: usize) {
        if self.text.len() > before {
            self.deltas += 1;
            self.text_chars += self.text[before..].chars().count() as u64;
        }
    }

    /// Appends reasoning text from a raw JSON string.
    pub fn push_reasoning(&mut self, raw: Option<&str>) {
        if let Some(raw) = raw {
            json_path::push_string(raw, &mut self.reasoning);
        }
    }

    /// The tool call at the provider's `slot`, started when it is new.
    pub fn tool_call(&mut self, slot: u64) -> &mut ToolCall {
        match self.slots.0.get(&slot) {
            // (Checked, as `tool_calls` is public and could have changed.)
            Some(&i) if self.tool_calls.get(i).is_some_and(|call| call.slot == slot) => {
                &mut self.tool_calls[i]
            }
            _ => {
                self.slots.0.insert(slot, self.tool_calls.len());
                self.tool_calls.push(ToolCall {
                    slot,
                    ..ToolCall::default()
                });
                self.tool_calls.last_mut().expect("just pushed")
            }
        }
    }

    /// Starts a call that no slot names (a later piece finds it as the last).
    pub fn new_tool_call(&mut self) -> &mut ToolCall {
        let slot = self.tool_calls.len() as u64;
        self.tool_calls.push(ToolCall {
            slot,
            ..ToolCall::default()
        });
        self.tool_calls.last_mut().expect("just pushed")
    }

    /// A tool call that arrives whole; `arguments` is raw JSON (an object, or
    /// a string holding JSON).
    pub fn push_tool_call(
        &mut self,
        id: Option<&str>,
        name: Option<&str>,
        arguments: Option<&str>,
    ) {
        self.new_tool_call().set(id, name, arguments);
    }

    pub fn set_model(&mut self, raw: Option<&str>) {
        set_string(&mut self.model, raw);
    }

    pub fn set_id(&mut self, raw: Option<&str>) {
        set_string(&mut self.id, raw);
    }

    /// Sets the model unless an earlier event did: for dialects that
    /// repeat it on every chunk.
    pub fn set_model_once(&mut self, raw: Option<&str>) {
        if self.model.is_none() {
            self.set_model(raw);
        }
    }

    pub fn set_id_once(&mut self, raw: Option<&str>) {
        if self.id.is_none() {
            self.set_id(raw);
        }
    }

    pub fn set_finish_reason(&mut self, raw: Option<&str>) {
        set_string(&mut self.finish_reason, raw);
    }

    /// Records token counts from raw JSON numbers; absent ones are kept.
    pub fn set_usage(&mut self, input: Option<&str>, output: Option<&str>) {
        let count = |raw: Option<&str>| raw.and_then(|raw| raw.parse::<u64>().ok());
        let (input, output) = (count(input), count(output));
        if input.is_none() && output.is_none() {
            return;
        }
        let usage = self.usage.get_or_insert_with(Usage::default);
        usage.input_tokens = input.or(usage.input_tokens);
        usage.output_tokens = output.or(usage.output_tokens);
    }

    /// Records an error from the raw JSON of an `error` member: a string,
    /// or an object with a `message`. `null` is no error.
    pub fn fail_with(&mut self, raw: Option<&str>) {
        match raw {
            None | Some("null") => {}
            Some(raw) => self.fail(error_message(raw)),
        }
    }

    /// Records an error message; the first one is kept.
    pub fn fail(&mut self, message: String) {
        self.error.get_or_insert(message);
    }

    /// Whether the answer is complete, given that the stream ended cleanly
    /// (`true`) or was cut short.
    /// Without a known dialect there is no end marker to wait for: any clean
    /// end after an event is complete.
    pub fn complete(&self, clean_end: bool) -> bool {
        let at_end = self.complete_at_end || (self.dialect.is_none() && self.events > 0);
        self.ended || (clean_end && at_end)
    }
}

impl ToolCall {
    /// Fills in what a piece of the call carries. The id and the name are
    /// set once (the first non-empty one wins: some servers repeat them on
    /// every piece); the arguments are appended.
    pub fn set(&mut self, id: Option<&str>, name: Option<&str>, arguments: Option<&str>) {
        if self.id.is_none() {
            set_string(&mut self.id, id);
        }
        if self.name.is_empty() {
            if let Some(name) = name.and_then(string_value) {
                self.name = name.into_owned();
            }
        }
        match arguments {
            Some(raw) if raw.starts_with('"') => {
                json_path::push_string(raw, &mut self.arguments);
            }
            Some(raw) if raw != "null" => push_compact(raw, &mut self.arguments),
            _ => {}
        }
    }
}

/// Appends the JSON text `raw` without the whitespace between its tokens:
/// arguments given as an object in a pretty-printed document read as
/// compactly as the one-line events of a stream give them.
fn push_compact(raw: &str, out: &mut String) {
    let mut in_string = false;
    let mut escaped = false;
    for c in raw.chars() {
        if in_string {
            match c {
                _ if escaped => escaped = false,
                '\\' => escaped = true,
                '"' => in_string = false,
                _ => {}
            }
        } else if c == '"' {
            in_string = true;
        } else if matches!(c, ' ' | '\t' | '\n' | '\r') {
            continue;
        }
        out.push(c);
    }
}

fn set_string(field: &mut Option<String>, raw: Option<&str>) {
    if let Some(value) = raw.and_then(string_value) {
        if !value.is_empty() {
            *field = Some(value.into_owned());
        }
    }
}

static MESSAGE: LazyLock<Query<1>> = LazyLock::new(|| Query::new(&[&[Step::Key("message")]]));

/// The message of an `error` member; its JSON text when it has none.
fn error_message(raw: &str) -> String {
    member_message(raw).unwrap_or_else(|| raw.to_owned())
}

/// The message an `error` member holds, in the shapes providers use: a
/// string, or an object with a `message` string.
pub fn member_message(raw: &str) -> Option<String> {
    if let Some(text) = string_value(raw) {
        return Some(text.into_owned());
    }
    let [message] = MESSAGE.find(raw)?;
    Some(string_value(message?)?.into_owned())
}
