//! The assembled response of one LLM stream, the same shape for every
//! dialect.

use super::json_path::{self, string_value};
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
    /// Events read, and how many of them carried answer text.
    pub events: u64,
    /// The type of the last event read (its `event:` field).
    pub last_event_type: String,
    pub deltas: u64,
}

/// One tool (function) call, assembled from its pieces.
#[derive(Debug, Default)]
pub struct ToolCall {
    /// The provider's position for the call, which later pieces refer to.
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

impl Turn {
    /// Appends answer text from a raw JSON string; anything else is ignored.
    pub fn push_text(&mut self, raw: Option<&str>) {
        if let Some(raw) = raw {
            let before = self.text.len();
            if json_path::push_string(raw, &mut self.text) && self.text.len() > before {
                self.deltas += 1;
            }
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
        match self.tool_calls.iter().position(|call| call.slot == slot) {
            Some(i) => &mut self.tool_calls[i],
            None => {
                self.tool_calls.push(ToolCall {
                    slot,
                    ..ToolCall::default()
                });
                self.tool_calls.last_mut().expect("just pushed")
            }
        }
    }

    /// A tool call that arrives whole; `arguments` is raw JSON (an object, or
    /// a string holding JSON).
    pub fn push_tool_call(
        &mut self,
        id: Option<&str>,
        name: Option<&str>,
        arguments: Option<&str>,
    ) {
        let slot = self.tool_calls.len() as u64 + NEW_CALLS;
        let call = self.tool_call(slot);
        call.set(id, name, arguments);
    }

    pub fn set_model(&mut self, raw: Option<&str>) {
        set_string(&mut self.model, raw);
    }

    pub fn set_id(&mut self, raw: Option<&str>) {
        set_string(&mut self.id, raw);
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

/// Calls that arrive whole get slots past any index a provider uses.
const NEW_CALLS: u64 = 1 << 48;

impl ToolCall {
    /// Fills in what a piece of the call carries; arguments are appended.
    pub fn set(&mut self, id: Option<&str>, name: Option<&str>, arguments: Option<&str>) {
        if self.id.is_none() {
            set_string(&mut self.id, id);
        }
        if let Some(name) = name.and_then(string_value) {
            self.name.push_str(&name);
        }
        match arguments {
            Some(raw) if raw.starts_with('"') => {
                json_path::push_string(raw, &mut self.arguments);
            }
            Some(raw) if raw != "null" => self.arguments.push_str(raw),
            _ => {}
        }
    }
}

fn set_string(field: &mut Option<String>, raw: Option<&str>) {
    if let Some(value) = raw.and_then(string_value) {
        if !value.is_empty() {
            *field = Some(value.into_owned());
        }
    }
}

/// The message of an `error` member.
fn error_message(raw: &str) -> String {
    if let Some(text) = string_value(raw) {
        return text.into_owned();
    }
    let message = json_path::lookup(raw, &[json_path::Step::Key("message")]).and_then(string_value);
    match message {
        Some(message) => message.into_owned(),
        None => raw.to_owned(),
    }
}
