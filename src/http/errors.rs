//! What went wrong with a request, in ssecat's words: a connection that
//! failed, a response that closed before its head, an unsuccessful status.

use std::time::Duration;

use reqwest::header;
use reqwest::{Response, StatusCode, Url};

use super::limits::Limits;
use crate::extract;
use crate::failure::{Failure, Status};

/// How much of an error response's body is shown.
pub(super) const ERROR_BODY_LIMIT: usize = 64 * 1024;

/// reqwest reports every body error as a decode error: one that hyper (the
/// connection) raised is a lost connection, any other a body that does not
/// decompress.
pub(super) fn is_connection_error(err: &reqwest::Error) -> bool {
    let mut source = std::error::Error::source(err);
    while let Some(cause) = source {
        if cause.is::<hyper::Error>() {
            return true;
        }
        source = cause.source();
    }
    false
}

/// The standard's name for a status ("Not Found"), or nothing.
pub(super) fn reason(status: StatusCode) -> String {
    status.canonical_reason().unwrap_or_default().to_owned()
}

/// A failed request, by cause: timeout, could not connect, no response, or
/// anything else.
pub(super) fn request_error(err: reqwest::Error, url: &Url) -> anyhow::Error {
    let host = url.host_str().unwrap_or("the server");
    let port = url
        .port_or_known_default()
        .map(|p| format!(":{p}"))
        .unwrap_or_default();
    let (timeout, connect) = (err.is_timeout(), err.is_connect());
    if closed_before_response(&err) {
        return Failure::EmptyReply(format!(
            "empty reply: {host}{port} closed the connection without sending a response"
        ))
        .into();
    }
    if reset_before_response(&err) {
        return Failure::EmptyReply(format!(
            "empty reply: {host}{port} reset the connection without sending a response"
        ))
        .into();
    }
    let unresolved = causes(&err).any(|cause| cause.to_string().starts_with("dns error"));
    let cause = cause_chain(err);
    if unresolved {
        let reason = cause.rsplit(": ").next().unwrap_or_default();
        return Failure::Connect(format!("could not resolve the host {host}: {reason}")).into();
    }
    if timeout {
        Failure::Timeout(format!(
            "timed out connecting to {host}{port} (--connect-timeout): {cause}"
        ))
        .into()
    } else if connect {
        let hint = if cause.contains("certificate") {
            " (--cacert FILE trusts another CA, -k skips the check)"
        } else if cause.contains("InvalidContentType") || cause.contains("corrupt message") {
            // What rustls says when the answer to its hello is plain HTTP.
            return Failure::Connect(format!(
                "could not connect to {host}{port}: it does not speak TLS (https://); \
                 is it a plain http:// server?"
            ))
            .into();
        } else {
            ""
        };
        Failure::Connect(format!("could not connect to {host}{port}: {cause}{hint}")).into()
    } else {
        anyhow::anyhow!("request to {host}{port} failed: {cause}")
    }
}

/// Whether the connection closed before a response head came (hyper's
/// incomplete message; curl's "Empty reply from server").
pub(super) fn closed_before_response(err: &reqwest::Error) -> bool {
    causes(err).any(|cause| {
        cause
            .downcast_ref::<hyper::Error>()
            .is_some_and(hyper::Error::is_incomplete_message)
    })
}

/// Whether the server reset the connection (TCP RST) once it was made,
/// before a response head came.
fn reset_before_response(err: &reqwest::Error) -> bool {
    !err.is_connect()
        && causes(err).any(|cause| {
            cause
                .downcast_ref::<std::io::Error>()
                .is_some_and(|io| io.kind() == std::io::ErrorKind::ConnectionReset)
        })
}

/// `err` and its causes, outermost first.
pub(super) fn causes<'e>(
    err: &'e (dyn std::error::Error + 'static),
) -> impl Iterator<Item = &'e (dyn std::error::Error + 'static)> {
    std::iter::successors(Some(err), |cause| cause.source())
}

/// The reason in plain words: the causes under reqwest's own top line
/// ("error sending request for url (…)", which repeats the URL and any key
/// in its query), without the HTTP library's layers ("client error
/// (Connect)", "tcp connect error") or the OS error number.
pub(super) fn cause_chain(err: reqwest::Error) -> String {
    let err = err.without_url();
    let mut reasons: Vec<String> = causes(&err)
        .skip(1)
        .map(|cause| cause.to_string())
        .filter(|text| !is_layer(text))
        .map(|text| match text.find(" (os error ") {
            // The operating system's words, in a sentence of ours.
            Some(at) if text.ends_with(')') => lowercase_first(&text[..at]),
            _ => text,
        })
        .collect();
    // A layer may repeat its cause's text ("dns error: …: …").
    reasons.dedup_by(|inner, outer| outer.ends_with(inner.as_str()));
    match reasons.as_slice() {
        [] => err.to_string(),
        [.., last] if reasons.len() > 1 && reasons[0].ends_with(last.as_str()) => {
            reasons[0].clone()
        }
        _ => reasons.join(": "),
    }
}

/// "Connection refused" → "connection refused"; an acronym stays as it is.
pub(super) fn lowercase_first(text: &str) -> String {
    let mut chars = text.chars();
    match (chars.next(), chars.next()) {
        (Some(first), Some(second)) if second.is_lowercase() => first
            .to_lowercase()
            .chain(text[first.len_utf8()..].chars())
            .collect(),
        _ => text.to_owned(),
    }
}

/// Whether a cause's text only names a layer of the HTTP library.
pub(super) fn is_layer(text: &str) -> bool {
    text.starts_with("client error (")
        || text == "tcp connect error"
        || text == "error trying to connect"
}

/// Reads (part of) an error response's body into the report the user sees.
pub(super) async fn status_failure(mut response: Response, limits: Limits) -> Failure {
    let status = response.status();
    let retry_after = response
        .headers()
        .get(header::RETRY_AFTER)
        .and_then(|value| value.to_str().ok())
        .map(str::to_owned);
    let mut body = Vec::new();
    let mut truncated = false;
    // A body that fails or stalls is shown as far as it came.
    while let Ok(Ok(Some(chunk))) = limits.within(response.chunk()).await {
        body.extend_from_slice(&chunk);
        if body.len() > ERROR_BODY_LIMIT {
            body.truncate(ERROR_BODY_LIMIT);
            truncated = true;
            break;
        }
    }
    Failure::Status(Box::new(Status {
        code: status.as_u16(),
        reason: reason(status),
        message: std::str::from_utf8(&body)
            .ok()
            .and_then(extract::error_body_message),
        retry_delay: retry_after.as_deref().and_then(delay_seconds),
        retry_after,
        body,
        truncated,
        unfollowed: None,
    }))
}

/// A `Retry-After` of delay-seconds (an HTTP date is not read: the
/// reconnection backoff applies then).
pub(super) fn delay_seconds(value: &str) -> Option<Duration> {
    let value = value.trim();
    let all_digits = !value.is_empty() && value.bytes().all(|b| b.is_ascii_digit());
    all_digits.then(|| Duration::from_secs(value.parse().unwrap_or(u64::MAX)))
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn retry_after_is_read_as_seconds_only() {
        assert_eq!(delay_seconds(" 12 "), Some(Duration::from_secs(12)));
        assert_eq!(delay_seconds("Wed, 21 Oct 2015 07:28:00 GMT"), None);
        assert_eq!(delay_seconds("-1"), None);
    }
}
