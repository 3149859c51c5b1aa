//! xh's and HTTPie's request items, the words after the URL:
//!
//! ```text
//! Name:value      a header ('Name:' removes one, as -H 'Name:')
//! Name:@FILE      a header, its value read from FILE
//! param==value    a query parameter (param==@FILE: read from FILE)
//! field=text      a string in the JSON body (field=@FILE: FILE's text)
//! field:=json     any JSON value in the body (field:=@FILE.json: read)
//! ```
//!
//! A field may be a nested path (`messages[0][role]=user`, see `path`).
//! A backslash escapes a separator (`a\=b=c` is the field "a=b"). The
//! first separator in a word decides; at one place, the longest. Data
//! fields build one JSON body, in the order they are given, as xh builds
//! it.

mod json;
mod path;

use std::fs;

use reqwest::header::HeaderName;

use crate::failure::Failure;
use json::Json;

/// The separators, longest first where one begins another.
const SEPARATORS: [&str; 9] = ["==@", "=@", ":=@", ":@", "==", ":=", "=", "@", ":"];

/// The characters a backslash escapes in a name or value.
const ESCAPED: &str = "=@:;\\";

/// What the request items add to a request.
#[derive(Debug, Default, PartialEq, Eq)]
pub struct Items {
    /// Headers, as -H takes them: `Name: value`, or `Name:` to remove one.
    pub headers: Vec<String>,
    /// Query parameters, added to the URL's own.
    pub query: Vec<(String, String)>,
    /// The JSON body the data fields build, when there is one.
    pub body: Option<Vec<u8>>,
}

/// Reads `words` as request items; files are read now.
pub fn read(words: &[String]) -> Result<Items, Failure> {
    let mut items = Items::default();
    let mut body = None;
    for word in words {
        let bad = |why: String| Failure::Usage(format!("request item {word:?}: {why}"));
        let Some((raw_name, separator, raw_value)) = split(word) else {
            return Err(bad(
                "expected Name:value, field=text, field:=json or param==value".to_owned(),
            ));
        };
        let name = path::unescape(raw_name, ESCAPED);
        let value = path::unescape(raw_value, ESCAPED);
        match separator {
            ":" | ":@" => {
                if separator == ":" && value.starts_with("//") {
                    return Err(bad("a second URL? ssecat requests one URL".to_owned()));
                }
                if HeaderName::from_bytes(name.as_bytes()).is_err() {
                    return Err(bad(format!("{name:?} is not a header name")));
                }
                let value = match separator {
                    ":@" => read_file(&value).map_err(bad)?.trim().to_owned(),
                    _ => value,
                };
                items.headers.push(format!("{name}: {value}"));
            }
            "==" => items.query.push((name, value)),
            "==@" => items.query.push((name, read_file(&value).map_err(bad)?)),
            "@" => {
                return Err(bad(format!(
                    "ssecat sends no multipart forms; {name}=@{value} puts the file's text in \
                     the JSON body"
                )))
            }
            _ => {
                let value = match separator {
                    "=" => Json::Scalar(value.into()),
                    "=@" => Json::Scalar(read_file(&value).map_err(bad)?.into()),
                    ":=" => parse_json(&value).map_err(bad)?,
                    _ => parse_json(&read_file(&value).map_err(bad)?)
                        .map_err(|err| bad(format!("{value}: {err}")))?,
                };
                let steps = path::parse(raw_name).map_err(bad)?;
                body = Some(path::insert(body, &steps, value).map_err(|clash| {
                    let into = match &raw_name[..clash.at] {
                        "" => "the body".to_owned(),
                        above => format!("{above:?}"),
                    };
                    bad(format!("{into} is {}, not {}", clash.found, clash.needed))
                })?);
            }
        }
    }
    // Serialising a value built from parsed JSON and strings cannot fail.
    items.body = body.map(|body| serde_json::to_vec(&body).unwrap_or_default());
    Ok(items)
}

/// The name, the first separator and the value of `word`; a separator
/// after a backslash does not count.
fn split(word: &str) -> Option<(&str, &'static str, &str)> {
    let mut chars = word.char_indices();
    while let Some((at, c)) = chars.next() {
        if c == '\\' {
            chars.next();
            continue;
        }
        if let Some(separator) = SEPARATORS.into_iter().find(|s| word[at..].starts_with(s)) {
            return Some((&word[..at], separator, &word[at + separator.len()..]));
        }
    }
    None
}

fn parse_json(text: &str) -> Result<Json, String> {
    serde_json::from_str(text).map_err(|err| format!("not JSON: {err}"))
}

fn read_file(path: &str) -> Result<String, String> {
    fs::read_to_string(path).map_err(|err| format!("cannot read {path}: {err}"))
}

#[cfg(test)]
mod tests {
    use super::*;

    fn read_all(words: &[&str]) -> Result<Items, String> {
        let words: Vec<String> = words.iter().map(|w| (*w).to_owned()).collect();
        read(&words).map_err(|err| err.to_string())
    }

    fn body(words: &[&str]) -> String {
        let items = read_all(words).unwrap();
        String::from_utf8(items.body.expect("a body")).unwrap()
    }

    #[test]
    fn the_bodies_of_the_xh_readme() {
        assert_eq!(
            body(&["name=ahmed", "age:=24"]),
            r#"{"name":"ahmed","age":24}"#
        );
        assert_eq!(body(&["id:=49", "age:=25"]), r#"{"id":49,"age":25}"#);
        assert_eq!(
            body(&["app[container][0][id]=090-5"]),
            r#"{"app":{"container":[{"id":"090-5"}]}}"#
        );
    }

    #[test]
    fn the_nested_json_of_httpie_docs() {
        assert_eq!(
            body(&[
                "platform[name]=HTTPie",
                "platform[about][mission]=Make APIs simple and intuitive",
                "platform[about][homepage]=httpie.io",
                "platform[about][homepage]=httpie.io",
                "platform[about][stars]:=54000",
                "platform[apps][]=Terminal",
                "platform[apps][]=Desktop",
                "platform[apps][]=Web",
                "platform[apps][]=Mobile",
            ]),
            r#"{"platform":{"name":"HTTPie","about":{"mission":"Make APIs simple and intuitive","homepage":"httpie.io","stars":54000},"apps":["Terminal","Desktop","Web","Mobile"]}}"#
        );
        assert_eq!(
            body(&[
                "model=m",
                "messages[0][role]=user",
                "messages[0][content]=Hi",
                "stream:=true"
            ]),
            r#"{"model":"m","messages":[{"role":"user","content":"Hi"}],"stream":true}"#
        );
        assert_eq!(body(&["[]:=1", "[]:=2", "[3]:=4"]), "[1,2,null,4]");
    }

    #[test]
    fn headers_and_query_parameters() {
        let items =
            read_all(&["x-api-key:12345", "Accept-Language:", "id==5", "q==a b&c"]).unwrap();
        assert_eq!(items.headers, ["x-api-key: 12345", "Accept-Language: "]);
        assert_eq!(
            items.query,
            [("id".into(), "5".into()), ("q".into(), "a b&c".into())]
        );
        assert_eq!(items.body, None);
    }

    #[test]
    fn the_first_separator_decides_and_a_backslash_escapes_one() {
        let items = read_all(&["url==http://x/?a=b", r"a\:b=c\=d", r"k\==v", r"t\\=x"]).unwrap();
        assert_eq!(items.query, [("url".into(), "http://x/?a=b".into())]);
        assert_eq!(
            String::from_utf8(items.body.unwrap()).unwrap(),
            r#"{"a:b":"c=d","k=":"v","t\\":"x"}"#
        );
        // `=` comes before the `:` of a header in `a=b:c`.
        assert_eq!(body(&["a=b:c"]), r#"{"a":"b:c"}"#);
        assert_eq!(body(&[r"f\o\o=\ba\r"]), r#"{"f\\o\\o":"\\ba\\r"}"#);
        assert_eq!(body(&[r"foo=bar\"]), r#"{"foo":"bar\\"}"#);
    }

    #[test]
    fn values_from_files() {
        let dir = tempfile::tempdir().unwrap();
        let text = dir.path().join("text.txt");
        let json = dir.path().join("body.json");
        std::fs::write(&text, "line one\nline two\n").unwrap();
        std::fs::write(&json, r#"{"z": [1, 2], "a": null}"#).unwrap();
        let (text, json) = (text.display(), json.display());
        let items = read_all(&[
            &format!("prompt=@{text}"),
            &format!("options:=@{json}"),
            &format!("X-Key:@{text}"),
            &format!("q==@{text}"),
        ])
        .unwrap();
        assert_eq!(
            String::from_utf8(items.body.unwrap()).unwrap(),
            r#"{"prompt":"line one\nline two\n","options":{"z":[1,2],"a":null}}"#
        );
        assert_eq!(items.headers, ["X-Key: line one\nline two"]);
        assert_eq!(items.query, [("q".into(), "line one\nline two\n".into())]);
    }

    #[test]
    fn bad_items_are_usage_errors_naming_the_item() {
        for (words, said) in [
            (&["foobar"][..], "expected Name:value"),
            (&[""], "expected Name:value"),
            (&["a:=nope"], "not JSON"),
            (&["a:={"], "not JSON"),
            (&["pic@photo.jpg"], "multipart"),
            (&["a=@/no/such/file"], "cannot read /no/such/file"),
            (&["a:=@/no/such/file"], "cannot read"),
            (&["bad name:x"], "not a header name"),
            (&["http://example.com/x"], "second URL"),
            (&["a[=1"], "expected"),
            (&["=x"], "expected a key"),
            (&["a=1", "a[b]=2"], r#""a" is a string, not an object"#),
            (&["a=1", "[0]=2"], "the body is an object, not an array"),
        ] {
            let err = read_all(words).unwrap_err();
            assert!(err.contains(said), "{words:?}: {err}");
            assert!(err.contains("request item"), "{words:?}: {err}");
        }
    }
}
