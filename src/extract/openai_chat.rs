//! OpenAI Chat Completions chunks and their compatibles (vLLM, llama.cpp
//! `/v1`, Mistral, LiteLLM, Ollama `/v1`, TGI `/v1`). The text is
//! `choices[0].delta.content` (`choices[0].text` in legacy completions); the stream ends at `data: [DONE]`, which
//! [`super::Reader`] handles for every dialect.

use std::sync::LazyLock;

use super::json_path::{elements, lookup_all, Query, Step};
use super::Turn;
use crate::sse::Event;

const DELTA: [Step<'static>; 3] = [Step::Key("choices"), Step::Index(0), Step::Key("delta")];

const fn in_delta(key: &'static str) -> [Step<'static>; 4] {
    [DELTA[0], DELTA[1], DELTA[2], Step::Key(key)]
}

const CONTENT: [Step<'static>; 4] = in_delta("content");
const REASONING_CONTENT: [Step<'static>; 4] = in_delta("reasoning_content");
const REASONING: [Step<'static>; 4] = in_delta("reasoning");
const TOOL_CALLS: [Step<'static>; 4] = in_delta("tool_calls");
/// Legacy completions (`/v1/completions`, also served by vLLM and llama.cpp).
const COMPLETION_TEXT: [Step<'static>; 3] =
    [Step::Key("choices"), Step::Index(0), Step::Key("text")];
const FINISH_REASON: [Step<'static>; 3] = [
    Step::Key("choices"),
    Step::Index(0),
    Step::Key("finish_reason"),
];

/// Everything an event can carry, looked up in one pass.
static QUERY: LazyLock<Query<10>> = LazyLock::new(|| {
    Query::new(&[
        &CONTENT,
        &COMPLETION_TEXT,
        &REASONING_CONTENT,
        &REASONING,
        &TOOL_CALLS,
        &FINISH_REASON,
        &[Step::Key("usage")],
        &[Step::Key("error")],
        &[Step::Key("model")],
        &[Step::Key("id")],
    ])
});

pub fn read(event: &Event<'_>, turn: &mut Turn) {
    let Some(
        [content, completion_text, reasoning_content, reasoning, tool_calls, finish, usage, error, model, id],
    ) = QUERY.find(event.data)
    else {
        return;
    };
    turn.push_text(content.or(completion_text));
    turn.push_reasoning(reasoning_content.or(reasoning));
    if let Some(calls) = tool_calls {
        for call in elements(calls) {
            read_tool_call(call, turn);
        }
    }
    turn.set_finish_reason(finish);
    if let Some(usage) = usage.filter(|raw| *raw != "null") {
        let [input, output] = lookup_all(
            usage,
            &[
                &[Step::Key("prompt_tokens")],
                &[Step::Key("completion_tokens")],
            ],
        )
        .unwrap_or_default();
        turn.set_usage(input, output);
    }
    turn.fail_with(error);
    if turn.model.is_none() {
        turn.set_model(model);
        turn.set_id(id);
    }
}

/// A piece of a tool call: `{index, id?, function: {name?, arguments?}}`.
fn read_tool_call(call: &str, turn: &mut Turn) {
    let Some([index, id, name, arguments]) = lookup_all(
        call,
        &[
            &[Step::Key("index")],
            &[Step::Key("id")],
            &[Step::Key("function"), Step::Key("name")],
            &[Step::Key("function"), Step::Key("arguments")],
        ],
    ) else {
        return;
    };
    let slot = index.and_then(|raw| raw.parse().ok()).unwrap_or(0);
    turn.tool_call(slot).set(id, name, arguments);
}
