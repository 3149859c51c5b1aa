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
    /// Reads `[METHOD] URL|FILE [ITEM]...`, or with `url` (curl's `--url`)
    /// `[METHOD] [ITEM]...`; gives the items too. METHOD is a first word of
    /// letters with more after it (as in xh), but `localhost`, a URL. A
    /// lone argument is a file when it exists or does not look like a URL,
    /// so `ssecat saved.sse` never goes to the network.
    pub fn parse<'w>(
        words: &'w [String],
        url: Option<&str>,
    ) -> Result<(Target, &'w [String]), Failure> {
        let (method, rest) = match words {
            [first, rest @ ..] if is_method(first) && (url.is_some() || !rest.is_empty()) => {
                (Some(parse_method(first)?), rest)
            }
            _ => (None, words),
        };
        let (place, items) = match (url, rest) {
            (Some(url), items) => {
                let url = parse_url(url)?;
                return Ok((Target::Http { method, url }, items));
            }
            (None, [place, items @ ..]) => (place.as_str(), items),
            (None, []) => return Err(Failure::Usage("a URL or FILE is required".to_owned())),
        };
        if method.is_some() && is_file_name(place) {
            return Err(Failure::Usage(format!(
                "{place:?} is a file: a METHOD goes with a URL, a FILE is read without one"
            )));
        }
        let target = match place {
            _ if method.is_some() || !is_file_name(place) => Target::Http {
                method,
                url: parse_url(place)?,
            },
            "-" => Target::Stdin,
            file => Target::File(PathBuf::from(file)),
        };
        if let (Target::File(_) | Target::Stdin, [item, ..]) = (&target, items) {
            return Err(Failure::Usage(format!(
                "{item:?} follows {place:?}, which is read as a FILE: request items follow a \
                 URL, and a METHOD is a word of letters (GET, POST)"
            )));
        }
        Ok((target, items))
    }
}

/// A lone argument is a file when it exists or does not look like a URL.
fn is_file_name(text: &str) -> bool {
    text == "-" || !text.contains("://") && (Path::new(text).exists() || !looks_like_url(text))
}

/// A word of letters is a METHOD, but `localhost`: the one such URL.
fn is_method(word: &str) -> bool {
    !word.is_empty()
        && word.bytes().all(|b| b.is_ascii_alphabetic())
        && !word.eq_ignore_ascii_case("localhost")
}

/// The METHOD a word of letters names, in capitals.
fn parse_method(word: &str) -> Result<Method, Failure> {
    Method::from_bytes(word.to_ascii_uppercase().as_bytes())
        .map_err(|_| Failure::Usage(format!("{word:?} is not an HTTP method")))
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

    fn words(text: &str) -> Vec<String> {
        text.split_whitespace().map(str::to_owned).collect()
    }

    /// The target of `text`, which has no items.
    fn target(text: &str) -> Target {
        let words = words(text);
        let (target, items) = Target::parse(&words, None).unwrap();
        assert!(items.is_empty(), "{text}: {items:?}");
        target
    }

    #[test]
    fn urls_are_completed_like_xh() {
        assert_eq!(
            target(":8080/events"),
            http(None, "http://localhost:8080/events")
        );
        assert_eq!(
            target("localhost:8000/v1/x"),
            http(None, "http://localhost:8000/v1/x")
        );
        assert_eq!(target("localhost"), http(None, "http://localhost/"));
        assert_eq!(
            target("api.example.com/v1"),
            http(None, "http://api.example.com/v1")
        );
        assert_eq!(target("https://h/e"), http(None, "https://h/e"));
        assert_eq!(target("post h:1/e"), http(Some("POST"), "http://h:1/e"));
    }

    #[test]
    fn items_follow_the_url_and_a_method_is_a_word_of_letters() {
        let given = words("POST :8080/v1 model=m stream:=true");
        let (target, items) = Target::parse(&given, None).unwrap();
        assert_eq!(target, http(Some("POST"), "http://localhost:8080/v1"));
        assert_eq!(items, &given[2..]);
        let given = words(":8080/v1 model=m");
        let (target, items) = Target::parse(&given, None).unwrap();
        assert_eq!(target, http(None, "http://localhost:8080/v1"));
        assert_eq!(items, &given[1..]);
        let given = words("localhost a==b");
        let (target, items) = Target::parse(&given, None).unwrap();
        assert_eq!(target, http(None, "http://localhost/"));
        assert_eq!(items, &given[1..]);
    }

    #[test]
    fn the_url_option_leaves_a_method_and_items() {
        let url = Some("h/e");
        let given = words("put a=b");
        let (target, items) = Target::parse(&given, url).unwrap();
        assert_eq!(target, http(Some("PUT"), "http://h/e"));
        assert_eq!(items, &given[1..]);
        let (target, items) = Target::parse(&[], url).unwrap();
        assert_eq!(target, http(None, "http://h/e"));
        assert!(items.is_empty());
        let given = words("a=b");
        let (_, items) = Target::parse(&given, url).unwrap();
        assert_eq!(items, &given[..]);
    }

    #[test]
    fn files_and_stdin() {
        assert_eq!(target("-"), Target::Stdin);
        for file in [
            "saved.sse",
            "data/saved.sse",
            "./saved.sse",
            "../x/y.sse",
            "./serve",
        ] {
            assert_eq!(target(file), Target::File(file.into()));
        }
    }

    #[test]
    fn bad_methods_urls_and_items_are_usage_errors() {
        for bad in [
            "GE T h/e",
            "1 h/e",
            "GET ftp://h/e",
            "GET http://",
            "GET saved.sse",
            "GET -",
            "saved.sse a=b",
            "- a=b",
            "",
        ] {
            let given: Vec<String> = match bad {
                "GE T h/e" => vec!["GE T".into(), "h/e".into()],
                _ => words(bad),
            };
            assert!(Target::parse(&given, None).is_err(), "{bad:?} was accepted");
        }
    }
}
