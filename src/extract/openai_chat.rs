//! OpenAI Chat Completions chunks and their compatibles: the text is
//! `choices[0].delta.content`.

use std::borrow::Cow;
use std::fmt;
use std::marker::PhantomData;

use serde::de::{Deserializer, IgnoredAny, SeqAccess, Visitor};
use serde::Deserialize;

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

/// Only the path to the text is typed; every other field is skipped without
/// being built, and the text is borrowed unless it holds escapes.
#[derive(Deserialize)]
struct Chunk<'a> {
    #[serde(borrow, default)]
    choices: First<Choice<'a>>,
}

#[derive(Deserialize)]
struct Choice<'a> {
    #[serde(borrow)]
    delta: Option<Delta<'a>>,
}

#[derive(Deserialize)]
struct Delta<'a> {
    #[serde(borrow)]
    content: Option<Text<'a>>,
}

fn delta_content(data: &str) -> Option<Cow<'_, str>> {
    let chunk: Chunk<'_> = serde_json::from_str(data).ok()?;
    Some(chunk.choices.0?.delta?.content?.0)
}

/// A JSON string borrowed from the input when it has no escapes. (serde's own
/// `Cow<str>` always copies when wrapped in an `Option`.)
struct Text<'a>(Cow<'a, str>);

impl<'de: 'a, 'a> Deserialize<'de> for Text<'a> {
    fn deserialize<D: Deserializer<'de>>(deserializer: D) -> Result<Self, D::Error> {
        struct TextVisitor;

        impl<'de> Visitor<'de> for TextVisitor {
            type Value = Text<'de>;

            fn expecting(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
                f.write_str("a string")
            }

            fn visit_borrowed_str<E>(self, text: &'de str) -> Result<Self::Value, E> {
                Ok(Text(Cow::Borrowed(text)))
            }

            fn visit_str<E>(self, text: &str) -> Result<Self::Value, E> {
                Ok(Text(Cow::Owned(text.to_owned())))
            }
        }

        deserializer.deserialize_str(TextVisitor)
    }
}

/// The first element of a JSON array (or `null`), the rest skipped: no Vec per event.
struct First<T>(Option<T>);

impl<T> Default for First<T> {
    fn default() -> Self {
        First(None)
    }
}

impl<'de, T: Deserialize<'de>> Deserialize<'de> for First<T> {
    fn deserialize<D: Deserializer<'de>>(deserializer: D) -> Result<Self, D::Error> {
        struct FirstVisitor<T>(PhantomData<T>);

        impl<'de, T: Deserialize<'de>> Visitor<'de> for FirstVisitor<T> {
            type Value = First<T>;

            fn expecting(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
                f.write_str("an array or null")
            }

            fn visit_unit<E>(self) -> Result<Self::Value, E> {
                Ok(First(None))
            }

            fn visit_seq<A: SeqAccess<'de>>(self, mut seq: A) -> Result<Self::Value, A::Error> {
                let first = seq.next_element()?;
                while seq.next_element::<IgnoredAny>()?.is_some() {}
                Ok(First(first))
            }
        }

        deserializer.deserialize_any(FirstVisitor(PhantomData))
    }
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
