//! HTTPie's nested JSON paths, as xh reads them: `messages[0][role]`,
//! `a[b][c]`, `list[]` (append), `[0]` (a top-level array).
//!
//! ```text
//! path     = first step*
//! first    = TEXT | "[" NUMBER "]" | "[" "]"
//! step     = "[" TEXT "]" | "[" NUMBER "]" | "[" "]"
//! ```
//!
//! A backslash escapes `[`, `]`, `\` and the item separators (`=@:;`), and
//! makes a NUMBER in brackets a key (`[\0]` is the key "0"); the first
//! TEXT is always a key, digits or not.

use super::json::{self, Json};

/// The most steps a path may have: deeper would only risk the stack.
const MAX_DEPTH: usize = 64;

/// The largest index: an array is padded with nulls up to it.
const MAX_INDEX: usize = 100_000;

/// The characters a backslash escapes in a path.
const ESCAPED: &str = "=@:;[]\\";

/// One step into the value.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Step {
    Key(String),
    Index(usize),
    Append,
}

/// A step, and where it starts in the path as typed (for messages).
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Placed {
    pub step: Step,
    pub at: usize,
}

/// A lexical piece of a path: a bracket or the text between brackets.
#[derive(Debug)]
enum Token {
    Open(usize),
    Close(usize),
    Text(String, usize),
    Number(usize, usize),
}

impl Token {
    fn at(&self) -> usize {
        match self {
            Token::Open(at) | Token::Close(at) | Token::Text(_, at) | Token::Number(_, at) => *at,
        }
    }
}

/// `path` as steps, or what is wrong with it.
pub fn parse(path: &str) -> Result<Vec<Placed>, String> {
    let mut tokens = tokenize(path).into_iter().peekable();
    let mut steps = Vec::new();
    match tokens.next() {
        Some(Token::Text(key, at)) => steps.push(Placed {
            step: Step::Key(key),
            at,
        }),
        Some(Token::Open(at)) => steps.push(bracketed(&mut tokens, at, false, path)?),
        other => return Err(expected("a key or '['", other.map_or(0, |t| t.at()), path)),
    }
    while let Some(token) = tokens.next() {
        let Token::Open(at) = token else {
            return Err(expected("'['", token.at(), path));
        };
        steps.push(bracketed(&mut tokens, at, true, path)?);
        if steps.len() > MAX_DEPTH {
            return Err(format!("{path:?} nests deeper than {MAX_DEPTH} levels"));
        }
    }
    Ok(steps)
}

/// The step after an opening bracket at `at`, up to its closing bracket;
/// a key is allowed after the first step only.
fn bracketed(
    tokens: &mut impl Iterator<Item = Token>,
    at: usize,
    key_allowed: bool,
    path: &str,
) -> Result<Placed, String> {
    let step = match tokens.next() {
        Some(Token::Close(_)) => {
            return Ok(Placed {
                step: Step::Append,
                at,
            })
        }
        Some(Token::Number(index, _)) if index > MAX_INDEX => {
            return Err(format!("index {index} in {path:?} is over {MAX_INDEX}"))
        }
        Some(Token::Number(index, _)) => Step::Index(index),
        Some(Token::Text(key, _)) if key_allowed => Step::Key(key),
        _ if key_allowed => return Err(expected("a key, a number or ']'", at + 1, path)),
        _ => return Err(expected("a number or ']'", at + 1, path)),
    };
    match tokens.next() {
        Some(Token::Close(_)) => Ok(Placed { step, at }),
        other => Err(expected("']'", other.map_or(path.len(), |t| t.at()), path)),
    }
}

fn expected(what: &str, at: usize, path: &str) -> String {
    format!("expected {what} at character {} of {path:?}", at + 1)
}

/// Cuts `path` at its unescaped brackets; empty texts are left out.
fn tokenize(path: &str) -> Vec<Token> {
    let mut tokens = Vec::new();
    let mut escaped = false;
    let mut start = 0;
    for (at, c) in path.char_indices() {
        match c {
            '\\' => {
                escaped = !escaped;
                continue;
            }
            '[' | ']' if !escaped => {
                push_text(&mut tokens, path, start, at);
                tokens.push(if c == '[' {
                    Token::Open(at)
                } else {
                    Token::Close(at)
                });
                start = at + 1;
            }
            _ => {}
        }
        escaped = false;
    }
    push_text(&mut tokens, path, start, path.len());
    tokens
}

/// The text between two brackets (or the start or end), as a key or a
/// number.
fn push_text(tokens: &mut Vec<Token>, path: &str, start: usize, end: usize) {
    let text = &path[start..end];
    if text.is_empty() {
        return;
    }
    let token = if start == 0 {
        Token::Text(unescape(text, ESCAPED), start)
    } else if let Some(digits) = text
        .strip_prefix('\\')
        .filter(|digits| digits.parse::<usize>().is_ok())
    {
        Token::Text(digits.to_owned(), start)
    } else if let Ok(number) = text.parse() {
        Token::Number(number, start)
    } else {
        Token::Text(unescape(text, ESCAPED), start)
    };
    tokens.push(token);
}

/// `text` with each backslash before one of `escaped` taken away; any
/// other backslash stays.
pub fn unescape(text: &str, escaped: &str) -> String {
    let mut out = String::with_capacity(text.len());
    let mut chars = text.chars();
    while let Some(c) = chars.next() {
        match (c, chars.clone().next()) {
            ('\\', Some(next)) if escaped.contains(next) => {
                out.push(next);
                chars.next();
            }
            _ => out.push(c),
        }
    }
    out
}

/// A step that does not fit the value it goes into.
#[derive(Debug, PartialEq, Eq)]
pub struct Clash {
    /// Where the step starts in the path.
    pub at: usize,
    /// What the value is (`a string`).
    pub found: &'static str,
    /// What the step needs (`an object`).
    pub needed: &'static str,
}

/// Puts `value` into `root` at `path`, as xh does: a missing object or
/// array is made, an array is padded with nulls up to an index, a value
/// already there is replaced.
pub fn insert(root: Option<Json>, path: &[Placed], value: Json) -> Result<Json, Clash> {
    let Some((first, rest)) = path.split_first() else {
        return Ok(value);
    };
    let root = match (root, &first.step) {
        (Some(root), _) => root,
        (None, Step::Key(_)) => Json::Object(Vec::new()),
        (None, Step::Index(_) | Step::Append) => Json::Array(Vec::new()),
    };
    match (root, &first.step) {
        (Json::Object(mut members), Step::Key(key)) => {
            let value = match rest {
                [] => value,
                _ => insert(json::take_member(&mut members, key), rest, value)?,
            };
            json::set_member(&mut members, key, value);
            Ok(Json::Object(members))
        }
        (Json::Array(mut items), Step::Index(_) | Step::Append) => {
            let index = match first.step {
                Step::Index(index) => index,
                _ => items.len(),
            };
            let value = match rest {
                [] => value,
                _ => {
                    let old = items
                        .get_mut(index)
                        .map(|old| std::mem::replace(old, Json::Scalar(serde_json::Value::Null)));
                    insert(old, rest, value)?
                }
            };
            if items.len() <= index {
                items.resize(index + 1, Json::Scalar(serde_json::Value::Null));
            }
            items[index] = value;
            Ok(Json::Array(items))
        }
        (root, step) => Err(Clash {
            at: first.at,
            found: root.kind(),
            needed: match step {
                Step::Key(_) => "an object",
                Step::Index(_) | Step::Append => "an array",
            },
        }),
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn steps(path: &str) -> Vec<Step> {
        parse(path).unwrap().into_iter().map(|p| p.step).collect()
    }

    fn key(text: &str) -> Step {
        Step::Key(text.to_owned())
    }

    /// The JSON text of inserting each `(path, value)` in turn.
    fn built(items: &[(&str, &str)]) -> Result<String, Clash> {
        let mut root = None;
        for (path, value) in items {
            let value: Json = serde_json::from_str(value).unwrap();
            root = Some(insert(root, &parse(path).unwrap(), value)?);
        }
        Ok(serde_json::to_string(&root).unwrap())
    }

    #[test]
    fn paths_parse_as_xh_reads_them() {
        assert_eq!(steps("foo"), [key("foo")]);
        assert_eq!(
            steps("messages[0][role]"),
            [key("messages"), Step::Index(0), key("role")]
        );
        assert_eq!(steps("a[b][c]"), [key("a"), key("b"), key("c")]);
        assert_eq!(steps("list[]"), [key("list"), Step::Append]);
        assert_eq!(steps("[0][foo]"), [Step::Index(0), key("foo")]);
        assert_eq!(steps("[][foo]"), [Step::Append, key("foo")]);
        assert_eq!(steps("5[x]"), [key("5"), key("x")]);
        assert_eq!(steps(r"\5"), [key(r"\5")]);
    }

    #[test]
    fn backslashes_escape_brackets_and_numbers() {
        assert_eq!(steps(r"foo\[x\][]"), [key("foo[x]"), Step::Append]);
        assert_eq!(steps(r"foo\\[x]"), [key(r"foo\"), key("x")]);
        assert_eq!(
            steps(r"foo[ba\[ar][9]"),
            [key("foo"), key("ba[ar"), Step::Index(9)]
        );
        assert_eq!(steps(r"foo[\0]"), [key("foo"), key("0")]);
        assert_eq!(steps(r"foo[\\0]"), [key("foo"), key(r"\0")]);
        assert_eq!(steps(r"a\=b"), [key("a=b")]);
    }

    #[test]
    fn malformed_paths_are_errors() {
        for bad in [
            "",
            "[y][5]",
            "x[y]h[z]",
            "x[y]h",
            "[x][y]h",
            "foo[😀]x",
            r"foo[bar]\[baz]",
            r"foo\[bar][baz]",
            "[😀",
            "[][😀",
            "a[",
            "a]",
            "a[b",
            "]",
            "a[99999999999]",
            "a[99999999999999999999999]b",
        ] {
            assert!(parse(bad).is_err(), "{bad:?} was accepted");
        }
        let deep = format!("a{}", "[]".repeat(MAX_DEPTH + 1));
        assert!(parse(&deep).is_err());
        assert!(parse(&format!("a{}", "[]".repeat(MAX_DEPTH - 1))).is_ok());
    }

    #[test]
    fn values_go_where_the_paths_say() {
        assert_eq!(
            built(&[("foo[bar][baz]", "5")]).unwrap(),
            r#"{"foo":{"bar":{"baz":5}}}"#
        );
        assert_eq!(built(&[("[0][0][1]", "5")]).unwrap(), "[[[null,5]]]");
        assert_eq!(
            built(&[("foo[x]", "5"), ("foo[y]", "true"), ("foo[x]", "6")]).unwrap(),
            r#"{"foo":{"x":6,"y":true}}"#
        );
        assert_eq!(
            built(&[("list[]", "1"), ("list[]", "2"), ("list[5]", "3")]).unwrap(),
            r#"{"list":[1,2,null,null,null,3]}"#
        );
        // Going into a member takes it out and puts it back last, as xh's
        // ordered map does.
        assert_eq!(
            built(&[("a[x]", "1"), ("b", "2"), ("c", "3"), ("a[y]", "4")]).unwrap(),
            r#"{"c":3,"b":2,"a":{"x":1,"y":4}}"#
        );
    }

    #[test]
    fn a_step_into_the_wrong_kind_of_value_is_a_clash() {
        let clash = |found, needed, at| Err(Clash { at, found, needed });
        assert_eq!(
            built(&[("foo", "5"), ("[0]", "5")]),
            clash("an object", "an array", 0)
        );
        assert_eq!(
            built(&[("[0]", "5"), ("foo", "5")]),
            clash("an array", "an object", 0)
        );
        assert_eq!(
            built(&[("foo", "5"), ("foo[x]", "5")]),
            clash("a number", "an object", 3)
        );
        assert_eq!(
            built(&[("foo", "\"s\""), ("foo[0]", "5")]),
            clash("a string", "an array", 3)
        );
    }
}
