//! What the positional arguments name: `[METHOD] URL`, a recorded FILE, or `-`.

use std::fmt;
use std::path::{Path, PathBuf};

use reqwest::{Method, Url};

use crate::failure::Failure;

/// Where the stream comes from.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Target {
    Http { method: Option<Method>, url: Url },
    File(PathBuf),
    Stdin,
}

/// The URL, the file name, or `-`.
impl fmt::Display for Target {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self {
            Target::Http { url, .. } => write!(f, "{url}"),
            Target::File(path) => write!(f, "{}", path.display()),
            Target::Stdin => f.write_str("-"),
        }
    }
}

impl Target {
    /// Reads `[METHOD] URL|FILE`. A lone argument is a file when it exists or
    /// does not look like a URL, so `ssecat saved.sse` never goes to the network.
    pub fn parse(first: &str, second: Option<&str>) -> Result<Target, Failure> {
        if let Some(url) = second {
            if is_file_name(url) {
                return Err(Failure::Usage(format!(
                    "{url:?} is a file: a METHOD goes with a URL, a FILE is read without one"
                )));
            }
            let method = parse_method(first)?;
            return Ok(Target::Http {
                method: Some(method),
                url: parse_url(url)?,
            });
        }
        if first == "-" {
            return Ok(Target::Stdin);
        }
        if is_file_name(first) {
            return Ok(Target::File(PathBuf::from(first)));
        }
        Ok(Target::Http {
            method: None,
            url: parse_url(first)?,
        })
    }
}

/// A lone argument is a file when it exists or does not look like a URL.
fn is_file_name(text: &str) -> bool {
    text == "-" || !text.contains("://") && (Path::new(text).exists() || !looks_like_url(text))
}

fn parse_method(text: &str) -> Result<Method, Failure> {
    if text.is_empty() || !text.bytes().all(|b| b.is_ascii_alphabetic()) {
        return Err(Failure::Usage(format!(
            "{text:?} is not an HTTP method; give [METHOD] URL"
        )));
    }
    Method::from_bytes(text.to_ascii_uppercase().as_bytes())
        .map_err(|_| Failure::Usage(format!("{text:?} is not an HTTP method")))
}

/// `host:port/…`, `:port/…`, `localhost…` and `name.tld/…` are URLs, as in xh.
fn looks_like_url(text: &str) -> bool {
    let host = text.split('/').next().unwrap_or_default();
    text.starts_with(':')
        || host.contains(':')
        || host == "localhost"
        || (text.contains('/') && host.contains('.') && host != "." && host != "..")
}

/// Completes a URL as xh does: no scheme means `http://`, and a leading
/// `:port` means localhost.
fn parse_url(text: &str) -> Result<Url, Failure> {
    let full = if text.contains("://") {
        text.to_owned()
    } else if let Some(rest) = text.strip_prefix(':') {
        format!("http://localhost:{rest}")
    } else {
        format!("http://{text}")
    };
    let url =
        Url::parse(&full).map_err(|err| Failure::Usage(format!("invalid URL {text:?}: {err}")))?;
    match url.scheme() {
        "http" | "https" => Ok(url),
        other => Err(Failure::Usage(format!(
            "unsupported URL scheme {other:?} in {text:?}: use http or https"
        ))),
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn http(method: Option<&str>, url: &str) -> Target {
        Target::Http {
            method: method.map(|m| Method::from_bytes(m.as_bytes()).unwrap()),
            url: Url::parse(url).unwrap(),
        }
    }

    #[test]
    fn urls_are_completed_like_xh() {
        assert_eq!(
            Target::parse(":8080/events", None).unwrap(),
            (http(None, "http://localhost:8080/events"))
        );
        assert_eq!(
            Target::parse("localhost:8000/v1/x", None).unwrap(),
            (http(None, "http://localhost:8000/v1/x"))
        );
        assert_eq!(
            Target::parse("api.example.com/v1", None).unwrap(),
            (http(None, "http://api.example.com/v1"))
        );
        assert_eq!(
            Target::parse("https://h/e", None).unwrap(),
            (http(None, "https://h/e"))
        );
        assert_eq!(
            Target::parse("post", Some("h:1/e")).unwrap(),
            (http(Some("POST"), "http://h:1/e"))
        );
    }

    #[test]
    fn files_and_stdin() {
        assert_eq!(Target::parse("-", None).unwrap(), (Target::Stdin));
        assert_eq!(
            Target::parse("saved.sse", None).unwrap(),
            (Target::File("saved.sse".into()))
        );
        assert_eq!(
            Target::parse("data/saved.sse", None).unwrap(),
            (Target::File("data/saved.sse".into()))
        );
        assert_eq!(
            Target::parse("./saved.sse", None).unwrap(),
            (Target::File("./saved.sse".into()))
        );
        assert_eq!(
            Target::parse("../x/y.sse", None).unwrap(),
            (Target::File("../x/y.sse".into()))
        );
    }

    #[test]
    fn bad_methods_and_urls_are_usage_errors() {
        assert!(Target::parse("GE T", Some("h/e")).is_err());
        assert!(Target::parse("1", Some("h/e")).is_err());
        assert!(Target::parse("GET", Some("ftp://h/e")).is_err());
        assert!(Target::parse("GET", Some("http://")).is_err());
        assert!(Target::parse("GET", Some("saved.sse")).is_err());
        assert!(Target::parse("GET", Some("-")).is_err());
    }
}
