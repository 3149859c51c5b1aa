//! `-v`: the request and response heads on stderr, curl style, with
//! credentials masked: credential headers, headers taken from the
//! environment, cookies set by the server and keys in the query string.

use std::io::Write;

use reqwest::header::{HeaderMap, HeaderName};

use crate::http::Trace;
use crate::secrets;
use crate::stderr;

/// Prints one step of the exchange on stderr.
pub fn print(step: Trace<'_>) {
    let mut err = Vec::new();
    // Writing to a Vec cannot fail.
    let _ = match step {
        Trace::Request(request, from_env) => {
            let url = request.url();
            let query = url
                .query()
                .map(|q| format!("?{}", secrets::mask_query(q, "****")))
                .unwrap_or_default();
            let port = url.port().map(|p| format!(":{p}")).unwrap_or_default();
            let host = url.host_str().unwrap_or_default();
            // No version: HTTP/1.1 or HTTP/2 is only settled when connecting.
            writeln!(err, "> {} {}{query}", request.method(), url.path())
                .and_then(|()| writeln!(err, "> host: {host}{port}"))
                .and_then(|()| print_headers(&mut err, '>', request.headers(), from_env))
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
            .and_then(|()| print_headers(&mut err, '<', response.headers(), &[]))
        }
        // Told with or without -v, by the caller; the body is the output's.
        Trace::Reconnect { .. }
        | Trace::NoContent { .. }
        | Trace::Received(..)
        | Trace::BodyEnd(_) => Ok(()),
    };
    stderr::say_bytes(&err);
}

fn print_headers(
    err: &mut impl Write,
    prefix: char,
    headers: &HeaderMap,
    from_env: &[HeaderName],
) -> std::io::Result<()> {
    for (name, value) in headers {
        let value = String::from_utf8_lossy(value.as_bytes());
        let secret = secrets::is_secret(name.as_str()) || from_env.contains(name);
        if secret {
            writeln!(err, "{prefix} {name}: {}", mask(&value))?;
        } else {
            writeln!(err, "{prefix} {name}: {value}")?;
        }
    }
    writeln!(err, "{prefix}")
}

/// Shows at most the last 4 characters, and only of a value long enough
/// that they reveal little. Basic credentials show none: the end of their
/// base64 is the end of the password.
fn mask(value: &str) -> String {
    if value
        .split_once(' ')
        .is_some_and(|(scheme, _)| scheme.eq_ignore_ascii_case("basic"))
    {
        return "Basic ****".to_owned();
    }
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
        assert_eq!(mask("Basic bWU6c2VjcmV0cGFzc3dvcmQ="), "Basic ****");
    }
}
