//! Colour for reading `sse` and `jsonl` output on a terminal: field names,
//! event names and ids, and JSON keys, strings, numbers and literals.
//! Colours are added to the output as written, line by line, so the
//! writers stay the same whatever the destination.

use std::io::{self, Write};

/// What the lines are.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Syntax {
    /// Canonical SSE: `field: value` lines and blank lines.
    Sse,
    /// One JSON value a line.
    JsonLines,
}

const RESET: &str = "\x1b[0m";
const FIELD: &str = "\x1b[34m";
const EVENT_NAME: &str = "\x1b[1;35m";
const ID: &str = "\x1b[33m";
const NUMBER: &str = "\x1b[36m";
const COMMENT: &str = "\x1b[2m";
const KEY: &str = "\x1b[1;34m";
const STRING: &str = "\x1b[32m";
const LITERAL: &str = "\x1b[35m";

/// A line longer than this is not coloured (its start goes out plain), so
/// colour costs no more memory than this, however long the events.
const LONGEST_PAINTED_LINE: usize = 1 << 20;

/// Writes `syntax` lines to `inner` with colours. A line is held until its
/// newline, or until a flush, after which the rest of it is left plain.
pub struct Painter<W: Write> {
    inner: W,
    syntax: Syntax,
    line: Vec<u8>,
    /// The start of the current line went out at a flush.
    mid_line: bool,
    painted: Vec<u8>,
}

impl<W: Write> Painter<W> {
    pub fn new(inner: W, syntax: Syntax) -> Self {
        Painter {
            inner,
            syntax,
            line: Vec::new(),
            mid_line: false,
            painted: Vec::new(),
        }
    }

    fn emit_line(&mut self) -> io::Result<()> {
        self.painted.clear();
        match std::str::from_utf8(&self.line) {
            Ok(line) if !self.mid_line => match self.syntax {
                Syntax::Sse => paint_sse_line(line, &mut self.painted),
                Syntax::JsonLines => paint_json(line, &mut self.painted),
            },
            // Bytes that are not text (--no-sanitize) go out as they came.
            _ => self.painted.extend_from_slice(&self.line),
        }
        self.line.clear();
        self.inner.write_all(&self.painted)
    }
}

impl<W: Write> Write for Painter<W> {
    fn write(&mut self, buf: &[u8]) -> io::Result<usize> {
        let mut rest = buf;
        loop {
            let end = memchr::memchr(b'\n', rest);
            let piece = &rest[..end.unwrap_or(rest.len())];
            if self.mid_line || self.line.len() + piece.len() > LONGEST_PAINTED_LINE {
                // A flushed or very long line goes on plain, as it comes.
                self.inner.write_all(&self.line)?;
                self.inner.write_all(piece)?;
                self.line.clear();
                self.mid_line = true;
            } else {
                self.line.extend_from_slice(piece);
            }
            let Some(end) = end else {
                return Ok(buf.len());
            };
            self.emit_line()?;
            self.inner.write_all(b"\n")?;
            self.mid_line = false;
            rest = &rest[end + 1..];
        }
    }

    fn flush(&mut self) -> io::Result<()> {
        if !self.line.is_empty() {
            self.emit_line()?;
            self.mid_line = true;
        }
        self.inner.flush()
    }
}

fn paint(out: &mut Vec<u8>, colour: &str, text: &str) {
    if text.is_empty() {
        return;
    }
    out.extend_from_slice(colour.as_bytes());
    out.extend_from_slice(text.as_bytes());
    out.extend_from_slice(RESET.as_bytes());
}

fn paint_sse_line(line: &str, out: &mut Vec<u8>) {
    if line.starts_with(':') {
        return paint(out, COMMENT, line);
    }
    let Some((name, value)) = line.split_once(':') else {
        return paint(out, FIELD, line);
    };
    paint(out, FIELD, name);
    out.push(b':');
    let (space, value) = match value.strip_prefix(' ') {
        Some(value) => (" ", value),
        None => ("", value),
    };
    out.extend_from_slice(space.as_bytes());
    match name {
        "event" => paint(out, EVENT_NAME, value),
        "id" => paint(out, ID, value),
        "retry" => paint(out, NUMBER, value),
        "data" if value.trim_start().starts_with(['{', '[']) => paint_json(value, out),
        _ => out.extend_from_slice(value.as_bytes()),
    }
}

/// Colours JSON text token by token. Text that is not JSON gets colours
/// for what looks like tokens, and loses nothing.
fn paint_json(text: &str, out: &mut Vec<u8>) {
    let bytes = text.as_bytes();
    let mut at = 0;
    while at < bytes.len() {
        let start = at;
        match bytes[at] {
            b'"' => {
                at = string_end(bytes, at);
                let colour = if next_is_colon(&bytes[at..]) {
                    KEY
                } else {
                    STRING
                };
                paint(out, colour, &text[start..at]);
            }
            b'-' | b'0'..=b'9' => {
                at += 1;
                while at < bytes.len()
                    && matches!(bytes[at], b'0'..=b'9' | b'.' | b'e' | b'E' | b'+' | b'-')
                {
                    at += 1;
                }
                paint(out, NUMBER, &text[start..at]);
            }
            b't' | b'f' | b'n' => {
                while at < bytes.len() && bytes[at].is_ascii_alphabetic() {
                    at += 1;
                }
                let word = &text[start..at];
                if matches!(word, "true" | "false" | "null") {
                    paint(out, LITERAL, word);
                } else {
                    out.extend_from_slice(word.as_bytes());
                }
            }
            _ => {
                // Up to the next token, on a character boundary.
                at += 1;
                while at < bytes.len()
                    && !matches!(bytes[at], b'"' | b'-' | b'0'..=b'9' | b't' | b'f' | b'n')
                {
                    at += 1;
                }
                while !text.is_char_boundary(at) {
                    at += 1;
                }
                out.extend_from_slice(&bytes[start..at]);
            }
        }
    }
}

/// Just past the string starting at `start`, or the end of the text when
/// it is not closed.
fn string_end(bytes: &[u8], start: usize) -> usize {
    let mut at = start + 1;
    while at < bytes.len() {
        match bytes[at] {
            b'\\' => at += 2,
            b'"' => return at + 1,
            _ => at += 1,
        }
    }
    bytes.len()
}

fn next_is_colon(rest: &[u8]) -> bool {
    rest.iter().find(|b| !b.is_ascii_whitespace()) == Some(&b':')
}

#[cfg(test)]
mod tests {
    use super::*;

    fn painted(syntax: Syntax, writes: &[&str]) -> String {
        let mut painter = Painter::new(Vec::new(), syntax);
        for text in writes {
            painter.write_all(text.as_bytes()).unwrap();
        }
        painter.flush().unwrap();
        String::from_utf8(painter.inner).unwrap()
    }

    /// The output without its colours.
    fn plain(text: &str) -> String {
        let mut plain = String::new();
        let mut rest = text;
        while let Some(start) = rest.find("\x1b[") {
            plain.push_str(&rest[..start]);
            let end = rest[start..].find('m').unwrap();
            rest = &rest[start + end + 1..];
        }
        plain + rest
    }

    #[test]
    fn sse_fields_and_json_data_are_coloured() {
        let text =
            "event: delta\nid: 7\nretry: 10\ndata: {\"a\": [1, true, null, \"x\"]}\n: hi\n\n";
        let shown = painted(Syntax::Sse, &[text]);
        assert_eq!(plain(&shown), text);
        assert!(shown.contains("\x1b[34mevent\x1b[0m: \x1b[1;35mdelta\x1b[0m"));
        assert!(shown.contains("\x1b[33m7\x1b[0m"));
        assert!(shown.contains("\x1b[1;34m\"a\"\x1b[0m: [\x1b[36m1\x1b[0m, \x1b[35mtrue\x1b[0m"));
        assert!(shown.contains("\x1b[32m\"x\"\x1b[0m"));
        assert!(shown.contains("\x1b[2m: hi\x1b[0m"));
    }

    #[test]
    fn json_lines_keep_every_byte_in_any_write_pattern() {
        let line = "{\"event\":\"m\",\"data\":\"é \\\" n\",\"id\":null,\"retry\":-1.5e3,\"json\":{\"k\":false}}\n";
        let whole = painted(Syntax::JsonLines, &[line]);
        assert_eq!(plain(&whole), line);
        assert!(whole.contains("\x1b[32m\"é \\\" n\"\x1b[0m"));
        assert!(whole.contains("\x1b[36m-1.5e3\x1b[0m"));
        for split in 1..line.len() {
            if !line.is_char_boundary(split) {
                continue;
            }
            let pieces = painted(Syntax::JsonLines, &[&line[..split], &line[split..]]);
            assert_eq!(pieces, whole, "split at {split}");
        }
    }

    #[test]
    fn a_flushed_partial_line_loses_nothing() {
        let mut painter = Painter::new(Vec::new(), Syntax::Sse);
        painter.write_all(b"data: {\"a\":").unwrap();
        painter.flush().unwrap();
        painter.write_all(b"1}\n\n").unwrap();
        painter.flush().unwrap();
        assert_eq!(
            plain(&String::from_utf8(painter.inner).unwrap()),
            "data: {\"a\":1}\n\n"
        );
    }

    #[test]
    fn a_line_too_long_to_colour_goes_out_plain() {
        let long = format!(
            "data: {{\"a\":\"{}\"}}\n\n",
            "x".repeat(LONGEST_PAINTED_LINE)
        );
        let shown = painted(Syntax::Sse, &[&long[..10], &long[10..]]);
        assert_eq!(shown, long);
        let mut painter = Painter::new(Vec::new(), Syntax::Sse);
        painter.write_all(long.as_bytes()).unwrap();
        assert!(painter.line.capacity() <= LONGEST_PAINTED_LINE);
        assert_eq!(painter.inner, long.as_bytes());
    }

    #[test]
    fn text_that_is_not_json_is_kept() {
        for text in ["{\"open", "nope", "[tru", "x\u{1F600}y", "-", "\"\\"] {
            let mut out = Vec::new();
            paint_json(text, &mut out);
            assert_eq!(plain(&String::from_utf8(out).unwrap()), text);
        }
    }
}
