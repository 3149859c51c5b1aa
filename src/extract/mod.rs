//! LLM answer-text extractors: one per provider dialect, pure functions of
//! the decoded events.

pub mod json_path;
mod openai_chat;

use crate::sse::Event;

pub use openai_chat::OpenAiChat;

/// Finds the answer text that one event of a dialect carries.
pub trait Extractor {
    /// Appends the text `event` carries (if any) to `text`.
    fn extract(&mut self, event: &Event<'_>, text: &mut String);
}
