//! What a response's content type says about its body, and what
//! `--strict` asks of it.

use reqwest::header;
use reqwest::{Response, StatusCode};

use super::errors::reason;
use crate::escape::escape_controls;
use crate::failure::Failure;
use crate::framing::{Framing, Unlabelled};

/// A response's content type, as sent; `None` when it has none.
pub fn content_type(response: &Response) -> Option<String> {
    let value = response.headers().get(header::CONTENT_TYPE)?;
    Some(String::from_utf8_lossy(value.as_bytes()).into_owned())
}

/// How a response's body is framed, by its content type.
pub(super) fn framing_of_response(response: &Response) -> Framing {
    match response.headers().get(header::CONTENT_TYPE) {
        None => framing_of_content_type(None),
        Some(value) => value.to_str().map_or(Framing::Opaque, |value| {
            framing_of_content_type(Some(value))
        }),
    }
}

/// How a body is framed, by its content type, if it has one.
pub fn framing_of_content_type(content_type: Option<&str>) -> Framing {
    match content_type {
        // No content type: most likely a bare-bones event server, or one
        // that sends JSON lines.
        None => Framing::Sniff(Unlabelled::Lenient),
        Some(content_type) => framing_of(content_type),
    }
}

/// `--strict`: as EventSource, only a 200 whose content type is a stream's
/// is read (JSON lines' with `--ndjson`); checked on every response.
pub(super) fn strict_check(response: &Response, ndjson: bool) -> Result<(), Failure> {
    let status = response.status();
    if status != StatusCode::OK {
        let status = format!("{} {}", status.as_u16(), reason(status));
        let message = format!(
            "--strict: HTTP {}: only 200 OK is a stream",
            status.trim_end()
        );
        return Err(Failure::Strict(message));
    }
    let framing = framing_of_response(response);
    let wanted = if ndjson {
        Framing::JsonLines
    } else {
        Framing::Sse
    };
    if framing == wanted || (!ndjson && framing == Framing::JsonLines) {
        return Ok(());
    }
    let content_type = content_type(response).unwrap_or_else(|| "no content type".to_owned());
    let wanted = if ndjson {
        "an NDJSON type"
    } else {
        "text/event-stream"
    };
    Err(Failure::Unreadable {
        message: format!(
            "--strict: the response has {}, not {wanted}",
            escape_controls(&content_type)
        ),
        head: String::new(),
    })
}

pub(super) fn framing_of(content_type: &str) -> Framing {
    let essence = content_type
        .split(';')
        .next()
        .unwrap_or("")
        .trim()
        .to_ascii_lowercase();
    match essence.as_str() {
        "text/event-stream" => Framing::Sse,
        "application/x-ndjson" | "application/jsonl" | "application/json-lines" => {
            Framing::JsonLines
        }
        "application/json" => Framing::Json,
        _ if essence.ends_with("+json") => Framing::Json,
        _ => Framing::Opaque,
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn content_types_choose_the_framing() {
        assert_eq!(framing_of("text/event-stream; charset=utf-8"), Framing::Sse);
        assert_eq!(framing_of("Text/Event-Stream"), Framing::Sse);
        assert_eq!(framing_of("application/x-ndjson"), Framing::JsonLines);
        assert_eq!(framing_of("application/jsonl"), Framing::JsonLines);
        assert_eq!(framing_of("text/html"), Framing::Opaque);
        assert_eq!(framing_of("application/json"), Framing::Json);
        assert_eq!(framing_of("application/problem+json"), Framing::Json);
        assert_eq!(framing_of("text/plain"), Framing::Opaque);
    }
}
