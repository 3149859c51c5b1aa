//! How a stream that was read without error ended, and the marker that
//! ends OpenAI-style streams.

/// The data of the event that ends an OpenAI-style stream.
pub const DONE_MARKER: &str = "[DONE]";

/// How a stream that was read without error ended.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Ending {
    /// A `[DONE]` event arrived.
    Done,
    /// The input ended after a complete event (or with no event at all).
    EndOfInput,
    /// The input ended inside an event, which was dropped.
    Unfinished { bytes: u64 },
}
