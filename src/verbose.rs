//! `-v`: the request and response heads on stderr, curl style, with the
//! values of credential headers masked.

use std::io::Write;

use reqwest::header::HeaderMap;

use crate::http::{Trace, SECRET_HEADERS};

/// Prints one step of the exchange on stderr.
pub fn print(step: Trace<'_>) {
    let mut err = std::io::stderr().lock();
    // Diagnostics only: a failed write to stderr is not worth failing the run for.
    let _ = match step {
        Trace::Request(request) => {
            let url = request.url();
            let query = url.query().map(|q| format!("?{q}")).unwrap_or_default();
            let port = url.port().map(|p| format!(":{p}")).unwrap_or_default();
            let host = url.host_str().unwrap_or_default();
            // No version: HTTP/1.1 or HTTP/2 is only settled when connecting.
            writeln!(err, "> {} {}{query}", request.method(), url.path())
                .and_then(|()| writeln!(err, "> host: {host}{port}"))
                .and_then(|()| print_headers(&mut err, '>', request.headers()))
        }
        Trace::Response(response) => {
            let status = response.status();
            writeln!(
                err,
                "< {:?} {} {}",
                response.version(),
                status.as_u16(),
                status.canonical_reason().unwrap_or("")
            )
            .and_then(|()| print_headers(&mut err, '<', response.headers()))
        }
    };
}

fn print_headers(err: &mut impl Write, prefix: char, headers: &HeaderMap) -> std::io::Result<()> {
    for (name, value) in headers {
        let value = String::from_utf8_lossy(value.as_bytes());
        if SECRET_HEADERS.contains(&name.as_str()) {
            writeln!(err, "{prefix} {name}: {}", mask(&value))?;
        } else {
            writeln!(err, "{prefix} {name}: {value}")?;
        }
    }
    writeln!(err, "{prefix}")
}

/// Shows at most the last 4 characters, and only of a value long enough
/// that they reveal little.
fn mask(value: &str) -> String {
    let chars: Vec<char> = value.chars().collect();
    if chars.len() >= 16 {
        let tail: String = chars[chars.len() - 4..].iter().collect();
        format!("****{tail}")
    } else {
        "****".to_owned()
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn masks_keep_at_most_four_characters() {
        assert_eq!(mask("Bearer sk-proj-abcdefghijklmnop"), "****mnop");
        assert_eq!(mask("short-secret"), "****");
        assert_eq!(mask(""), "****");
    }
}
