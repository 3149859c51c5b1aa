//! OpenAI Chat Completions chunks and their compatibles: the text is
//! `choices[0].delta.content`.

use super::json_path::{self, Step};
use super::Extractor;
use crate::sse::Event;

/// The OpenAI chat dialect.
#[derive(Debug, Default, Clone, Copy)]
pub struct OpenAiChat;

impl Extractor for OpenAiChat {
    fn extract(&mut self, event: &Event<'_>, text: &mut String) {
        if let Some(content) = json_path::lookup(event.data, CONTENT) {
            json_path::push_string(content, text);
        }
    }
}

/// Where the answer text is in each chunk.
const CONTENT: &[Step<'static>] = &[
    Step::Key("choices"),
    Step::Index(0),
    Step::Key("delta"),
    Step::Key("content"),
];

#[cfg(test)]
mod tests {
    use super::*;

    fn text_of(data: &str) -> String {
        let event = Event {
            event_type: "message",
            data,
            id: "",
            retry: None,
        };
        let mut text = String::new();
        OpenAiChat.extract(&event, &mut text);
        text
    }

    #[test]
    fn takes_the_first_choice_delta_content() {
        let data = r#"{"id":"x","choices":[{"index":0,"delta":{"content":"Hi"}},{"index":1,"delta":{"content":"no"}}]}"#;
        assert_eq!(text_of(data), "Hi");
    }

    #[test]
    fn unescapes_the_text() {
        assert_eq!(
            text_of(r#"{"choices":[{"delta":{"content":"a\nb\u00e9\"\ud83d\ude00"}}]}"#),
            "a\nbé\"😀"
        );
    }

    #[test]
    fn chunks_without_text_give_nothing() {
        for data in [
            r#"{"choices":[{"delta":{"role":"assistant","content":null}}]}"#,
            r#"{"choices":[{"delta":{}}]}"#,
            r#"{"choices":[{"delta":null}]}"#,
            r#"{"choices":[],"usage":{"total_tokens":21}}"#,
            r#"{"choices":null}"#,
            r#"{"error":{"message":"boom"}}"#,
            r#"{"choices":[{"delta":{"content":42}}]}"#,
            "[DONE]",
            "",
            "[1,2]",
        ] {
            assert_eq!(text_of(data), "", "{data}");
        }
    }
}
