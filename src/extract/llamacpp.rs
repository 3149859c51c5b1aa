//! llama.cpp server native `/completion` events: `content` is the text, and
//! the last event has `"stop": true` with the totals; there is no `[DONE]`.
//! (Its `/v1/chat/completions` is OpenAI Chat instead.) A whole
//! (non-streaming) response is that last event with the whole `content`.

use super::json_path::{fields, Step};
use super::Turn;
use crate::sse::Event;

const fn in_timings(key: &'static str) -> [Step<'static>; 2] {
    [Step::Key("timings"), Step::Key(key)]
}

fields! {
    /// Everything an event can carry, looked up in one pass.
    struct EventFields {
        content: [Step::Key("content")],
        stop: [Step::Key("stop")],
        stop_type: [Step::Key("stop_type")],
        evaluated: [Step::Key("tokens_evaluated")],
        predicted: [Step::Key("tokens_predicted")],
        prompt_n: in_timings("prompt_n"),
        predicted_n: in_timings("predicted_n"),
        model: [Step::Key("model")],
        error: [Step::Key("error")],
    }
}

pub fn read(event: &Event<'_>, turn: &mut Turn) {
    read_data(event.data, turn);
}

/// A whole response: of this dialect when it has `content` and `stop`. It
/// reads as the last event of a stream does.
pub fn read_document(doc: &str, turn: &mut Turn) -> bool {
    let has_shape = EventFields::find(doc)
        .is_some_and(|fields| fields.content.is_some() && fields.stop.is_some());
    if has_shape {
        read_data(doc, turn);
    }
    has_shape
}

/// One event's data, streamed or whole.
fn read_data(data: &str, turn: &mut Turn) {
    let Some(EventFields {
        content,
        stop,
        stop_type,
        evaluated,
        predicted,
        prompt_n,
        predicted_n,
        model,
        error,
    }) = EventFields::find(data)
    else {
        return;
    };
    turn.push_text(content);
    // Counts are running totals on every event; the last one wins.
    turn.set_usage(evaluated.or(prompt_n), predicted.or(predicted_n));
    if stop == Some("true") {
        turn.ended = true;
        // `eos`, `limit` or `word`; it only means something once stopped.
        turn.set_finish_reason(stop_type);
    }
    // `id_slot` is the server slot that ran the request, not a response id.
    turn.set_model(model);
    turn.fail_with(error);
}

#[cfg(test)]
mod tests {
    use super::super::tests::auto;
    use super::super::{Dialect, Turn, Usage};
    use super::read;

    fn read_all(data: &[&str]) -> Turn {
        super::super::tests::read_data(read, data)
    }

    #[test]
    fn content_until_stop() {
        let turn = auto("llamacpp-completion.sse", Dialect::LlamaCpp);
        assert_eq!(turn.text, "Paris is the capital of France.");
        assert!(turn.ended);
        assert_eq!(turn.finish_reason.as_deref(), Some("eos"));
        assert_eq!(
            turn.usage,
            Some(Usage {
                input_tokens: Some(24),
                output_tokens: Some(8)
            })
        );
        assert_eq!(
            turn.model.as_deref(),
            Some("qwen2.5-1.5b-instruct-q4_k_m.gguf")
        );
        assert_eq!(turn.id, None);
        assert_eq!(turn.error, None);
    }

    #[test]
    fn usage_falls_back_to_timings() {
        let turn = read_all(&[
            r#"{"content":"Hi","stop":false}"#,
            r#"{"content":"","stop":true,"stop_type":"limit","timings":{"prompt_n":5,"predicted_n":2,"prompt_ms":1.5}}"#,
        ]);
        assert_eq!(turn.text, "Hi");
        assert!(turn.ended);
        assert_eq!(turn.finish_reason.as_deref(), Some("limit"));
        assert_eq!(
            turn.usage,
            Some(Usage {
                input_tokens: Some(5),
                output_tokens: Some(2)
            })
        );
    }

    #[test]
    fn an_error_member_fails() {
        let turn = read_all(&[
            r#"{"content":"Part","stop":false}"#,
            r#"{"error":{"code":500,"message":"slot unavailable","type":"server_error"}}"#,
        ]);
        assert_eq!(turn.text, "Part");
        assert_eq!(turn.error.as_deref(), Some("slot unavailable"));
        assert!(!turn.ended);
    }

    #[test]
    fn bad_input_is_ignored() {
        let turn = read_all(&[
            "not json",
            r#"{"content":"cut","stop":tru"#,
            r#"{"content":42,"stop":"true","stop_type":"eos","tokens_evaluated":"24","tokens_predicted":-3,"model":[]}"#,
            r#"{"content":{"text":"x"},"stop":1,"timings":{"prompt_n":1.5,"predicted_n":99999999999999999999999},"error":null}"#,
        ]);
        assert_eq!(turn.text, "");
        assert!(!turn.ended);
        assert_eq!(turn.finish_reason, None);
        assert_eq!(turn.usage, None);
        assert_eq!(turn.model, None);
        assert_eq!(turn.error, None);
    }
}
