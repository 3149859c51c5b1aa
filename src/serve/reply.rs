//! What a request is answered with: a status, headers, when the head goes,
//! and the body's script.

use std::time::Duration;

use hyper::header::{HeaderName, HeaderValue, CACHE_CONTROL, CONTENT_TYPE, RETRY_AFTER};

use super::body::{Once, Script};

pub struct Reply {
    pub status: u16,
    pub headers: Vec<(HeaderName, HeaderValue)>,
    /// When the head goes, after the request came.
    pub head_at: Duration,
    pub script: Box<dyn Script>,
}

impl Reply {
    /// A body sent as `script` says, of this content type.
    pub fn streamed(content_type: &'static str, script: Box<dyn Script>) -> Reply {
        Reply {
            status: 200,
            headers: stream_headers(content_type),
            head_at: Duration::ZERO,
            script,
        }
    }

    /// A JSON document, whole, at `at` after the request came.
    pub fn json(status: u16, body: Vec<u8>, at: Duration) -> Reply {
        Reply {
            status,
            headers: vec![(CONTENT_TYPE, HeaderValue::from_static("application/json"))],
            head_at: at,
            script: Box::new(Once(Some((Duration::ZERO, body.into())))),
        }
    }

    /// ssecat's own error (no API's): a JSON object with its message.
    pub fn error(status: u16, message: &str) -> Reply {
        let body = serde_json::json!({ "error": { "message": message } }).to_string();
        Reply::json(status, body.into_bytes(), Duration::ZERO)
    }

    /// With a `Retry-After` of so many seconds.
    pub fn retry_after(mut self, secs: Option<u64>) -> Reply {
        if let Some(secs) = secs {
            self.headers.push((RETRY_AFTER, HeaderValue::from(secs)));
        }
        self
    }
}

/// The headers of a streamed body of this content type.
pub fn stream_headers(content_type: &'static str) -> Vec<(HeaderName, HeaderValue)> {
    vec![
        (CONTENT_TYPE, HeaderValue::from_static(content_type)),
        (CACHE_CONTROL, HeaderValue::from_static("no-cache")),
    ]
}
