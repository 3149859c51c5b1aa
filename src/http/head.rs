//! A response's head as `curl -i` prints it before the body: the status
//! line, each header, a blank line, every line ending in CRLF.

use reqwest::{Response, Version};

/// The head of `response`; `shown` is how a value from the server is
/// shown (escaped, on a terminal).
pub fn curl_style(response: &Response, shown: impl Fn(&str) -> String) -> String {
    let status = response.status();
    // curl names HTTP/2 and 3 by their major number, and leaves their
    // reason phrase (which they do not send) empty.
    let line = match response.version() {
        Version::HTTP_09 => "HTTP/0.9",
        Version::HTTP_10 => "HTTP/1.0",
        Version::HTTP_2 => "HTTP/2",
        Version::HTTP_3 => "HTTP/3",
        _ => "HTTP/1.1",
    };
    let reason = match response.version() {
        Version::HTTP_2 | Version::HTTP_3 => "",
        _ => status.canonical_reason().unwrap_or_default(),
    };
    let mut head = format!("{line} {} {reason}\r\n", status.as_u16());
    for (name, value) in response.headers() {
        let value = String::from_utf8_lossy(value.as_bytes());
        head.push_str(&format!("{name}: {}\r\n", shown(&value)));
    }
    head.push_str("\r\n");
    head
}
