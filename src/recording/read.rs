//! Reads a recording back: each line checked, every error naming its line.

use std::borrow::Cow;
use std::time::Duration;

use base64::engine::general_purpose::STANDARD as BASE64;
use base64::Engine;

use super::{
    FirstLine, Head, Line, RecordedChunk, RecordedEnd, RecordedRequest, RecordedResponse,
    Recording, EOF, ERROR, MAGIC, VERSION,
};

/// The largest offset read: about 31 years, far beyond any recording, and
/// small enough to add to any clock.
const MAX_MILLIS: f64 = 1e12;

pub(super) fn parse(text: &[u8]) -> Result<Recording, String> {
    let mut lines = lines(text).enumerate().map(|(i, line)| (i + 1, line));
    let (_, first) = lines
        .next()
        .ok_or("line 1: empty: a recording starts with its request")?;
    let request = first_line(first).map_err(|err| format!("line 1: {err}"))?;
    let mut responses: Vec<RecordedResponse> = Vec::new();
    for (number, line) in lines {
        next_line(line, &mut responses).map_err(|err| format!("line {number}: {err}"))?;
    }
    Ok(Recording { request, responses })
}

/// The lines that are not blank. A last line without its newline that is
/// not JSON was cut off as it was written (the recording process was
/// killed): it is left out.
fn lines(text: &[u8]) -> impl Iterator<Item = &[u8]> {
    let cut_off = match text.iter().rposition(|&b| b == b'\n') {
        Some(last_newline) if last_newline + 1 < text.len() => Some(last_newline + 1),
        None if !text.is_empty() => Some(0),
        _ => None,
    }
    .filter(|&start| serde_json::from_slice::<serde::de::IgnoredAny>(&text[start..]).is_err());
    let whole = match cut_off {
        // The first line is kept, to say what is wrong with it.
        Some(start) if start > 0 => &text[..start],
        _ => text,
    };
    whole
        .split(|&b| b == b'\n')
        .filter(|line| !line.trim_ascii().is_empty())
}

fn first_line(line: &[u8]) -> Result<RecordedRequest, String> {
    let first: FirstLine<'_> = serde_json::from_slice(line).map_err(|err| {
        let not_one = "not a recording's first line";
        format!("{not_one} ({{\"ssecat\":\"recording\",\"version\":1,\"request\":…}}): {err}")
    })?;
    if first.ssecat != MAGIC {
        return Err(format!(
            "\"ssecat\" is {:?}, not \"recording\"",
            first.ssecat
        ));
    }
    if first.version != VERSION {
        return Err(format!(
            "a recording of version {}: this ssecat reads version {VERSION}",
            first.version
        ));
    }
    let request = first.request;
    Ok(RecordedRequest {
        method: request.method.into_owned(),
        url: request.url.into_owned(),
        headers: request.headers,
        body: bytes("body", request.body, request.body_base64)?.unwrap_or_default(),
    })
}

/// Adds one line to the responses read so far.
fn next_line(line: &[u8], responses: &mut Vec<RecordedResponse>) -> Result<(), String> {
    let line: Line<'_> = serde_json::from_slice(line).map_err(|err| format!("not JSON: {err}"))?;
    let at = offset("at_ms", line.at_ms)?;
    if let Some(Head {
        status,
        version,
        headers,
    }) = line.response
    {
        responses.push(RecordedResponse {
            status,
            version,
            headers,
            sent: offset("sent_ms", line.sent_ms)?,
            at,
            chunks: Vec::new(),
            end: None,
        });
        return Ok(());
    }
    let open = responses
        .last_mut()
        .ok_or("a body line before any response")?;
    if open.end.is_some() {
        return Err("a body line after its response's end".to_owned());
    }
    match (line.end, line.error) {
        (Some(end), error) => open.end = Some(ending(&end, error)?),
        (None, Some(_)) => return Err("\"error\" without \"end\"".to_owned()),
        (None, None) => {
            let bytes = bytes("text", line.text, line.base64)?
                .ok_or("neither a response, a chunk (\"text\" or \"base64\") nor an end")?;
            open.chunks.push(RecordedChunk { at, bytes });
        }
    }
    Ok(())
}

fn ending(end: &str, error: Option<Cow<'_, str>>) -> Result<RecordedEnd, String> {
    match (end, error) {
        (EOF, None) => Ok(RecordedEnd::Eof),
        (EOF, Some(_)) => Err("an \"eof\" end with an \"error\"".to_owned()),
        (ERROR, Some(message)) => Ok(RecordedEnd::Error(message.into_owned())),
        (ERROR, None) => Err("an \"error\" end without its \"error\" message".to_owned()),
        (other, _) => Err(format!(
            "\"end\" is {other:?}: neither \"eof\" nor \"error\""
        )),
    }
}

/// The bytes of a body or chunk, as text (in field `name`) or base64
/// (`name_base64`, or `base64` for a chunk); `None` when it has neither.
fn bytes(
    name: &str,
    text: Option<Cow<'_, str>>,
    base64: Option<String>,
) -> Result<Option<Vec<u8>>, String> {
    match (text, base64) {
        (Some(_), Some(_)) => Err(format!("both {name:?} and its base64")),
        (Some(text), None) => Ok(Some(text.into_owned().into_bytes())),
        (None, Some(encoded)) => BASE64
            .decode(encoded)
            .map(Some)
            .map_err(|err| format!("the base64 of {name:?} is not valid: {err}")),
        (None, None) => Ok(None),
    }
}

/// An offset in milliseconds, as written: a number from 0 up.
fn offset(name: &str, millis: Option<f64>) -> Result<Duration, String> {
    let millis = millis.ok_or_else(|| format!("{name:?} is missing"))?;
    if !(0.0..=MAX_MILLIS).contains(&millis) {
        return Err(format!(
            "{name:?} is {millis}: not an offset in milliseconds"
        ));
    }
    // Written to the microsecond: read back to it, without float error.
    Ok(Duration::from_micros((millis * 1000.0).round() as u64))
}
