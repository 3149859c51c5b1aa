//! Hugging Face TGI `/generate_stream` events: one token per event. The last
//! one carries the whole `generated_text` and the `details`; there is no
//! `[DONE]`. (TGI's `/v1/chat/completions` is OpenAI Chat instead.) A
//! whole `/generate` response is `{generated_text, details}`, or an array
//! of them.

use super::json_path::{elements, fields, Step};
use super::Turn;
use crate::sse::Event;

const fn in_token(key: &'static str) -> [Step<'static>; 2] {
    [Step::Key("token"), Step::Key(key)]
}

const fn in_details(key: &'static str) -> [Step<'static>; 2] {
    [Step::Key("details"), Step::Key(key)]
}

fields! {
    /// Everything an event can carry, looked up in one pass.
    struct EventFields {
        text: in_token("text"),
        special: in_token("special"),
        generated: [Step::Key("generated_text")],
        finish: in_details("finish_reason"),
        /// Newer servers count the prompt here; `prefill` (with
        /// `decoder_input_details`) is a token list, not a count.
        input: in_details("input_length"),
        output: in_details("generated_tokens"),
        error: [Step::Key("error")],
    }
}

pub fn read(event: &Event<'_>, turn: &mut Turn) {
    let Some(EventFields {
        text,
        special,
        generated,
        finish,
        input,
        output,
        error,
    }) = EventFields::find(event.data)
    else {
        return;
    };
    // Special tokens such as the final `</s>` are not part of the answer.
    if special != Some("true") {
        turn.push_text(text);
    }
    turn.set_finish_reason(finish);
    turn.set_usage(input, output);
    turn.fail_with(error);
    // Only the last event has the generated text (`null` before it).
    if generated.is_some_and(|raw| raw.starts_with('"')) {
        turn.ended = true;
    }
}

/// A whole `/generate` response: `{generated_text, details?}`, or an array
/// of them (TGI's `/` route, the Inference API), whose first is the answer
/// to the one input.
pub fn read_document(doc: &str, turn: &mut Turn) -> bool {
    let answer = match elements(doc).first() {
        Some(first) => *first,
        None => doc,
    };
    let Some(EventFields {
        generated: Some(generated),
        finish,
        input,
        output,
        error,
        ..
    }) = EventFields::find(answer)
    else {
        return false;
    };
    // The whole text, which in a stream only confirms the tokens.
    turn.push_text(Some(generated));
    turn.set_finish_reason(finish);
    turn.set_usage(input, output);
    turn.fail_with(error);
    true
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
    fn tokens_until_generated_text() {
        let turn = auto("tgi.sse", Dialect::Tgi);
        assert_eq!(turn.text, "Deep learning is a subset of machine learning.");
        assert!(turn.ended);
        assert_eq!(turn.finish_reason.as_deref(), Some("eos_token"));
        assert_eq!(
            turn.usage,
            Some(Usage {
                input_tokens: Some(7),
                output_tokens: Some(10)
            })
        );
        assert_eq!(turn.error, None);
        assert_eq!(turn.model, None);
    }

    #[test]
    fn an_error_event_fails() {
        let turn = auto("tgi-error.sse", Dialect::Tgi);
        assert_eq!(turn.text, "Rust is a systems");
        assert_eq!(
            turn.error.as_deref(),
            Some("Request failed during generation: Server error: CUDA out of memory while allocating the KV cache")
        );
        assert!(!turn.ended);
        assert_eq!(turn.finish_reason, None);
        assert_eq!(turn.usage, None);
    }

    #[test]
    fn special_tokens_are_skipped() {
        let turn = read_all(&[
            r#"{"index":1,"token":{"id":1,"text":"<s>","logprob":0.0,"special":true},"generated_text":null,"details":null}"#,
            r#"{"index":2,"token":{"id":9,"text":"Hi","logprob":-0.1,"special":false},"generated_text":null,"details":null}"#,
            r#"{"index":3,"token":{"id":2,"text":"</s>","logprob":-0.2,"special":true},"generated_text":"Hi","details":{"finish_reason":"length","generated_tokens":3,"seed":42}}"#,
        ]);
        assert_eq!(turn.text, "Hi");
        assert_eq!(turn.deltas, 1);
        assert!(turn.ended);
        assert_eq!(turn.finish_reason.as_deref(), Some("length"));
        assert_eq!(
            turn.usage,
            Some(Usage {
                input_tokens: None,
                output_tokens: Some(3)
            })
        );
    }

    #[test]
    fn bad_input_is_ignored() {
        let turn = read_all(&[
            "not json",
            r#"{"token":{"text":"cut"#,
            r#"{"token":"text","generated_text":null,"details":{"finish_reason":3,"generated_tokens":-1,"input_length":1e3}}"#,
            r#"{"token":{"text":["x"],"special":"false"},"generated_text":false,"details":[],"error":null}"#,
            r#"{"token":{"text":"ok","special":1},"details":{"generated_tokens":99999999999999999999999}}"#,
        ]);
        assert_eq!(turn.text, "ok", "only `special: true` skips a token");
        assert!(!turn.ended);
        assert_eq!(turn.finish_reason, None);
        assert_eq!(turn.usage, None);
        assert_eq!(turn.error, None);
    }
}
