//! `--record`: a timed recording of an HTTP exchange, as JSON Lines: the
//! request, then each response's head, every body chunk as received with
//! its arrival offset, and how the response ended. `ssecat FILE` reads one
//! as input, `ssecat serve` replays it.
//!
//! The format, one JSON object a line (`docs/GUIDE.md`, "Recordings"):
//!
//! ```text
//! {"ssecat":"recording","version":1,"request":{"method":…,"url":…,"headers":[[n,v],…],"body":…}}
//! {"response":{"status":200,"version":"HTTP/1.1","headers":[[n,v],…]},"sent_ms":0.0,"at_ms":12.345}
//! {"at_ms":13.002,"text":"data: …\n\n"}        or "base64" when not UTF-8 on its own
//! {"at_ms":20.5,"end":"eof"}                    or "end":"error","error":"message"
//! ```
//!
//! Every offset is in milliseconds (to the microsecond) since the first
//! request was sent, on a monotonic clock.

mod read;
mod replay;
mod write;

use std::borrow::Cow;
use std::time::Duration;

use base64::engine::general_purpose::STANDARD as BASE64;
use base64::Engine;
use serde::{Deserialize, Serialize};

pub use replay::RecordingSource;
pub use write::RecordingWriter;

/// The version of the format this ssecat writes and reads.
const VERSION: u32 = 1;

/// What a secret header value is written as.
pub const REDACTED: &str = "<redacted>";

/// A whole recording, as read back.
#[derive(Debug, Clone, PartialEq)]
pub struct Recording {
    pub request: RecordedRequest,
    pub responses: Vec<RecordedResponse>,
}

/// The first request, its secret header values redacted.
#[derive(Debug, Clone, PartialEq)]
pub struct RecordedRequest {
    pub method: String,
    pub url: String,
    pub headers: Vec<(String, String)>,
    pub body: Vec<u8>,
}

/// One response (one per request: redirects and reconnections add more).
#[derive(Debug, Clone, PartialEq)]
pub struct RecordedResponse {
    pub status: u16,
    pub version: String,
    pub headers: Vec<(String, String)>,
    /// When its request was sent.
    pub sent: Duration,
    /// When its head arrived.
    pub at: Duration,
    pub chunks: Vec<RecordedChunk>,
    /// `None`: the recording stops before the response's end (the
    /// recording process was killed).
    pub end: Option<RecordedEnd>,
}

/// Body bytes as one read received them.
#[derive(Debug, Clone, PartialEq)]
pub struct RecordedChunk {
    pub at: Duration,
    pub bytes: Vec<u8>,
}

/// How a response ended.
#[derive(Debug, Clone, PartialEq)]
pub enum RecordedEnd {
    /// The body ended cleanly (or the stream's end marker came).
    Eof,
    /// Cut short, timed out, stopped by a signal…: the message.
    Error(String),
}

impl Recording {
    /// Reads a whole recording; Err names the line and what is wrong with it.
    pub fn parse(text: &[u8]) -> Result<Recording, String> {
        read::parse(text)
    }

    /// Whether the first bytes of a file are a recording's first line:
    /// `{"ssecat":"recording"`, white space allowed between the tokens.
    pub fn looks_like(head: &[u8]) -> bool {
        let mut rest = head;
        for token in [&b"{"[..], b"\"ssecat\"", b":", b"\"recording\""] {
            let start = rest
                .iter()
                .position(|b| !b.is_ascii_whitespace())
                .unwrap_or(rest.len());
            match rest[start..].strip_prefix(token) {
                Some(after) => rest = after,
                None => return false,
            }
        }
        true
    }

    /// The response whose body the live run read first: the first success.
    pub fn streamed(&self) -> Option<&RecordedResponse> {
        self.responses
            .iter()
            .find(|response| (200..300).contains(&response.status))
    }

    /// The latest offset the recording holds: of a response head or a chunk.
    pub fn span(&self) -> Duration {
        let offsets = self.responses.iter().flat_map(|response| {
            let chunks = response.chunks.iter().map(|chunk| chunk.at);
            std::iter::once(response.at).chain(chunks)
        });
        offsets.max().unwrap_or_default()
    }
}

impl RecordedResponse {
    /// Its `Content-Type`, if it has one.
    pub fn content_type(&self) -> Option<&str> {
        self.headers
            .iter()
            .find(|(name, _)| name.eq_ignore_ascii_case("content-type"))
            .map(|(_, value)| value.as_str())
    }
}

/// The first line, as written and read.
#[derive(Serialize, Deserialize)]
struct FirstLine<'a> {
    #[serde(borrow)]
    ssecat: Cow<'a, str>,
    version: u32,
    #[serde(borrow)]
    request: RequestLine<'a>,
}

#[derive(Serialize, Deserialize)]
struct RequestLine<'a> {
    #[serde(borrow)]
    method: Cow<'a, str>,
    #[serde(borrow)]
    url: Cow<'a, str>,
    headers: Vec<(String, String)>,
    #[serde(default, borrow, skip_serializing_if = "Option::is_none")]
    body: Option<Cow<'a, str>>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    body_base64: Option<String>,
}

/// Every other line: a response head, a chunk or an end, told apart by
/// which fields it has. In this order, the fields of each kind of line
/// come out in the documented order.
#[derive(Default, Serialize, Deserialize)]
struct Line<'a> {
    #[serde(default, skip_serializing_if = "Option::is_none")]
    response: Option<Head>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    sent_ms: Option<f64>,
    #[serde(default)]
    at_ms: Option<f64>,
    #[serde(default, borrow, skip_serializing_if = "Option::is_none")]
    text: Option<Cow<'a, str>>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    base64: Option<String>,
    #[serde(default, borrow, skip_serializing_if = "Option::is_none")]
    end: Option<Cow<'a, str>>,
    #[serde(default, borrow, skip_serializing_if = "Option::is_none")]
    error: Option<Cow<'a, str>>,
}

/// A response head.
#[derive(Serialize, Deserialize)]
struct Head {
    status: u16,
    version: String,
    headers: Vec<(String, String)>,
}

/// The values of `"end"`.
const EOF: &str = "eof";
const ERROR: &str = "error";

/// What a recording says to be one.
const MAGIC: &str = "recording";

/// Bytes as a line holds them: text when they are UTF-8 on their own,
/// else base64.
fn encode(bytes: &[u8]) -> (Option<Cow<'_, str>>, Option<String>) {
    match std::str::from_utf8(bytes) {
        Ok(text) => (Some(Cow::Borrowed(text)), None),
        Err(_) => (None, Some(BASE64.encode(bytes))),
    }
}

/// Milliseconds to the microsecond, as the offsets are written.
fn to_millis(offset: Duration) -> f64 {
    let micros = u64::try_from(offset.as_micros()).unwrap_or(u64::MAX);
    micros as f64 / 1000.0
}

#[cfg(test)]
mod tests;
