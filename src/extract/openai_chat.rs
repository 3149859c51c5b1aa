//! OpenAI Chat Completions chunks and their compatibles: the text is
//! `choices[0].delta.content`.

use std::borrow::Cow;

use super::json_path::{self, Step};
use super::Extractor;
use crate::sse::Event;

/// The OpenAI chat dialect.
#[derive(Debug, Default, Clone, Copy)]
pub struct OpenAiChat;

impl Extractor for OpenAiChat {
    fn extract(&mut self, event: &Event<'_>, text: &mut String) {
        if let Some(content) = delta_content(event.data) {
            text.push_str(&content);
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

fn delta_content(data: &str) -> Option<Cow<'_, str>> {
    json_path::string_value(json_path::lookup(data, CONTENT)?)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn takes_the_first_choice_delta_content() {
        let data = r#"{"id":"x","choices":[{"index":0,"delta":{"content":"Hi"}},{"index":1,"delta":{"content":"no"}}]}"#;
        assert_eq!(delta_content(data).as_deref(), Some("Hi"));
    }

    #[test]
    fn borrows_plain_text_and_unescapes_the_rest() {
        assert!(matches!(
            delta_content(r#"{"choices":[{"delta":{"content":"a b"}}]}"#),
            Some(Cow::Borrowed("a b"))
        ));
        assert_eq!(
            delta_content(r#"{"choices":[{"delta":{"content":"a\nb\u00e9\"\ud83d\ude00"}}]}"#)
                .as_deref(),
            Some("a\nbé\"😀")
        );
    }

    #[test]
    fn chunks_without_text_give_none() {
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
            assert_eq!(delta_content(data), None, "{data}");
        }
    }
}
