//! Writing OpenAI Responses: what `ssecat serve` answers at
//! `/v1/responses`, streamed as the named `response.*` events the reading
//! code next door takes apart, or whole. Errors are OpenAI's own document,
//! written by the Chat Completions module.

use serde_json::{json, Value};

use super::super::wire::{self, Answer, Ask, Finish, Prompt, Speak};

/// The streaming request a prompt makes: the system prompt is the
/// `instructions`, the prompt the `input` text.
pub fn request(prompt: &Prompt) -> Value {
    wire::members([
        ("model", prompt.model.clone().map(Value::from)),
        ("instructions", prompt.system.clone().map(Value::from)),
        ("input", Some(prompt.text.clone().into())),
        ("max_output_tokens", prompt.max_tokens.map(Value::from)),
        ("temperature", prompt.temperature.map(Value::from)),
        ("stream", Some(true.into())),
    ])
}

/// What a response request asks; its prompt is the `instructions` and the
/// text of every input item (or the input, when it is a string).
pub fn ask(_path_and_query: &str, body: &[u8]) -> Result<Ask, String> {
    let body = wire::request_object(body)?;
    let mut texts = Vec::new();
    if let Some(instructions) = body.get("instructions").and_then(Value::as_str) {
        texts.push(instructions);
    }
    match body.get("input") {
        Some(Value::Array(items)) => {
            for content in items.iter().filter_map(|item| item.get("content")) {
                wire::content_texts(content, &mut texts);
            }
        }
        Some(input) => wire::content_texts(input, &mut texts),
        None => {}
    }
    Ok(Ask {
        model: wire::string(&body, "model"),
        max_tokens: wire::count(&body, "max_output_tokens"),
        stream: wire::is_true(&body, "stream"),
        input_tokens: wire::prompt_tokens(&texts),
        ..Ask::default()
    })
}

/// Writes the `response.*` events of one message with one text part, as
/// the openai SDK's stream helper assembles them.
pub struct Speaker {
    answer: Answer,
    max_output_tokens: Option<u64>,
    /// The text so far, which the `done` events and the final response repeat.
    text: String,
    output_tokens: u64,
    sequence_number: u64,
}

pub fn speaker(ask: &Ask, answer: Answer) -> Speaker {
    Speaker {
        answer,
        max_output_tokens: ask.max_tokens,
        text: String::new(),
        output_tokens: 0,
        sequence_number: 0,
    }
}

impl Speaker {
    /// One event, its name also its `type`, numbered in sequence.
    fn event(&mut self, kind: &str, mut data: Value, out: &mut Vec<u8>) {
        data["type"] = kind.into();
        data["sequence_number"] = self.sequence_number.into();
        self.sequence_number += 1;
        wire::write_event(out, Some(kind), &data);
    }

    /// An event about the text part of the message.
    fn part_event(&mut self, kind: &str, mut data: Value, out: &mut Vec<u8>) {
        data["item_id"] = message_id(&self.answer).into();
        data["output_index"] = 0.into();
        data["content_index"] = 0.into();
        self.event(kind, data, out);
    }

    fn response<'a>(&'a self, status: &'a str) -> Response<'a> {
        Response {
            answer: &self.answer,
            max_output_tokens: self.max_output_tokens,
            status,
        }
    }
}

impl Speak for Speaker {
    fn content_type(&self) -> &'static str {
        "text/event-stream"
    }

    fn open(&mut self, out: &mut Vec<u8>) {
        let response = self.response("in_progress").in_progress();
        self.event("response.created", json!({"response": response}), out);
        self.event("response.in_progress", json!({"response": response}), out);
        let item = message(&self.answer, "in_progress", json!([]));
        let added = json!({"output_index": 0, "item": item});
        self.event("response.output_item.added", added, out);
        let part = json!({"part": output_text("")});
        self.part_event("response.content_part.added", part, out);
    }

    fn delta(&mut self, text: &str, tokens: u64, out: &mut Vec<u8>) {
        self.text.push_str(text);
        self.output_tokens += tokens;
        let delta = json!({"delta": text, "logprobs": []});
        self.part_event("response.output_text.delta", delta, out);
    }

    fn close(&mut self, finish: Finish, out: &mut Vec<u8>) {
        let text = json!({"text": self.text, "logprobs": []});
        self.part_event("response.output_text.done", text, out);
        let part = json!({"part": output_text(&self.text)});
        self.part_event("response.content_part.done", part, out);
        let status = status(finish);
        let item = message(&self.answer, status, json!([output_text(&self.text)]));
        let done = json!({"output_index": 0, "item": item});
        self.event("response.output_item.done", done, out);
        let response = self.response(status).ended(&item, self.output_tokens);
        // `response.completed`, or `response.incomplete`.
        let end = format!("response.{status}");
        self.event(&end, json!({"response": response}), out);
    }

    /// The response fails as OpenAI's do mid-stream: `response.failed`,
    /// whose response carries the error (the SDK's stream helper takes it
    /// as the end of the response's life).
    fn fail(&mut self, message: &str, out: &mut Vec<u8>) {
        let mut response = self.response("failed").in_progress();
        response["error"] = json!({"code": "server_error", "message": message});
        self.event("response.failed", json!({"response": response}), out);
    }
}

/// The status of a response that ended so, which also names its last event.
fn status(finish: Finish) -> &'static str {
    match finish {
        Finish::Stop => "completed",
        // The SDK reads `incomplete_details` for why.
        Finish::Length => "incomplete",
    }
}

/// The id of the answer's one message item, after the response's.
fn message_id(answer: &Answer) -> String {
    let id = answer.id.strip_prefix("resp_").unwrap_or(&answer.id);
    format!("msg_{id}")
}

fn message(answer: &Answer, status: &str, content: Value) -> Value {
    json!({
        "id": message_id(answer),
        "type": "message",
        "status": status,
        "content": content,
        "role": "assistant",
    })
}

fn output_text(text: &str) -> Value {
    json!({"type": "output_text", "annotations": [], "logprobs": [], "text": text})
}

/// The `response` object, in the states a stream and a whole answer show.
struct Response<'a> {
    answer: &'a Answer,
    max_output_tokens: Option<u64>,
    status: &'a str,
}

impl Response<'_> {
    /// Before the end: no output and no usage yet.
    fn in_progress(&self) -> Value {
        self.object(json!([]), Value::Null, Value::Null)
    }

    /// At the end: the message, the usage, and why it is incomplete if it is.
    fn ended(&self, message: &Value, output_tokens: u64) -> Value {
        let input_tokens = self.answer.input_tokens;
        let usage = json!({
            "input_tokens": input_tokens,
            "input_tokens_details": {"cached_tokens": 0},
            "output_tokens": output_tokens,
            "output_tokens_details": {"reasoning_tokens": 0},
            "total_tokens": input_tokens + output_tokens,
        });
        let incomplete = match self.status {
            "incomplete" => json!({"reason": "max_output_tokens"}),
            _ => Value::Null,
        };
        self.object(json!([message]), usage, incomplete)
    }

    fn object(&self, output: Value, usage: Value, incomplete_details: Value) -> Value {
        json!({
            "id": self.answer.id,
            "object": "response",
            "created_at": self.answer.created,
            "status": self.status,
            "background": false,
            "error": null,
            "incomplete_details": incomplete_details,
            "instructions": null,
            "max_output_tokens": self.max_output_tokens,
            "model": self.answer.model,
            "output": output,
            "parallel_tool_calls": true,
            "previous_response_id": null,
            "reasoning": {"effort": null, "summary": null},
            "store": false,
            "temperature": 1.0,
            "text": {"format": {"type": "text"}},
            "tool_choice": "auto",
            "tools": [],
            "top_p": 1.0,
            "truncation": "disabled",
            "usage": usage,
            "user": null,
            "metadata": {},
        })
    }
}

/// The `response` object a request without `"stream": true` gets.
pub fn whole(
    ask: &Ask,
    answer: &Answer,
    text: &str,
    output_tokens: u64,
    finish: Finish,
) -> Vec<u8> {
    let status = status(finish);
    let response = Response {
        answer,
        max_output_tokens: ask.max_tokens,
        status,
    };
    let item = message(answer, status, json!([output_text(text)]));
    wire::json_body(&response.ended(&item, output_tokens))
}
