//! How the received bytes are cut into events, and how the first bytes tell
//! it when neither the content type nor the command line does.

use serde::de::IgnoredAny;

const BOM: &[u8] = b"\xEF\xBB\xBF";

/// How the received bytes are cut into events.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Framing {
    /// Server-Sent Events.
    Sse,
    /// Newline-delimited JSON: each line is one event's data.
    JsonLines,
    /// JSON by its content type: one document (a response that was not
    /// streamed), read whole at the end; or, when a second value follows
    /// the first line, newline-delimited JSON.
    Json,
    /// One JSON document, read whole when the input ends.
    Document,
    /// Not known yet: see [`Unlabelled`].
    Sniff(Unlabelled),
    /// Not an event stream: only `--raw` output makes sense, nothing is decoded.
    Opaque,
}

/// How bytes whose framing nobody declared are read.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Unlabelled {
    /// JSON lines when they start like JSON (a whole document when the
    /// first line is not a whole value), else SSE: for the formats that
    /// print any stream.
    Lenient,
    /// As `Lenient`, but SSE only when the first line is an SSE line, else
    /// nothing that can be read: for the formats whose output holds only
    /// their own format.
    Checked,
}

/// What the bytes held so far tell.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Settled {
    /// Not enough bytes yet.
    Undecided,
    Framing(Framing),
    /// Neither SSE nor JSON.
    Unreadable,
}

/// Decides `framing` from the first bytes of the body, `held`; `end` when
/// no more will come. Framings that need no bytes to decide stay as they are.
pub fn settle(framing: Framing, held: &[u8], end: bool) -> Settled {
    let undecided = |otherwise| {
        if end {
            Settled::Framing(otherwise)
        } else {
            Settled::Undecided
        }
    };
    match framing {
        // A BOM may still be coming.
        Framing::Sniff(_) if !end && BOM.starts_with(held) => Settled::Undecided,
        Framing::Sniff(how) => {
            let Some(start) = first_non_blank(held) else {
                return undecided(Framing::Sse);
            };
            match (held[start], how) {
                (b'{' | b'[', _) => json_lines_or_document(&held[start..], end),
                (_, Unlabelled::Lenient) => Settled::Framing(Framing::Sse),
                (_, Unlabelled::Checked) => sse_or_unreadable(&held[start..], end),
            }
        }
        Framing::Json => {
            let Some(start) = first_non_blank(held) else {
                return undecided(Framing::Document);
            };
            let held = &held[start..];
            if !matches!(held[0], b'{' | b'[') {
                // Mislabelled, as SSE sometimes is.
                return sse_or_unreadable(held, end);
            }
            match json_lines_or_document(held, end) {
                // One line is a document unless another value follows.
                Settled::Framing(Framing::JsonLines) => {
                    let first = first_line(held, end).map_or(0, <[u8]>::len);
                    match first_non_blank(&held[first..]) {
                        Some(_) => Settled::Framing(Framing::JsonLines),
                        None => undecided(Framing::Document),
                    }
                }
                settled => settled,
            }
        }
        other => Settled::Framing(other),
    }
}

/// JSON lines when the first line of `held` (which starts with a JSON
/// value) is a whole value, a document when it is the start of a longer one.
fn json_lines_or_document(held: &[u8], end: bool) -> Settled {
    let Some(line) = first_line(held, end) else {
        return Settled::Undecided;
    };
    match serde_json::from_slice::<IgnoredAny>(line) {
        Ok(_) => Settled::Framing(Framing::JsonLines),
        Err(err) if err.is_eof() => Settled::Framing(Framing::Document),
        Err(_) => Settled::Unreadable,
    }
}

/// SSE when the first line of `held` is an SSE line.
fn sse_or_unreadable(held: &[u8], end: bool) -> Settled {
    match first_line(held, end) {
        None => Settled::Undecided,
        Some(line) if is_sse_line(line) => Settled::Framing(Framing::Sse),
        Some(_) => Settled::Unreadable,
    }
}

/// Whether `held` has a byte that is not white space (or part of a BOM).
pub fn starts_after_blanks(held: &[u8]) -> bool {
    first_non_blank(held).is_some()
}

/// Whether `held` starts (after blanks) as JSON does.
pub fn starts_like_json(held: &[u8]) -> bool {
    first_non_blank(held).is_some_and(|start| matches!(held[start], b'{' | b'['))
}

/// `bytes` without a leading UTF-8 BOM.
pub fn without_bom(bytes: &[u8]) -> &[u8] {
    bytes.strip_prefix(BOM).unwrap_or(bytes)
}

/// Whether every line of `text` that is not blank is a JSON value: the
/// body of a response labelled as one JSON document that is JSON lines.
pub fn is_json_lines(text: &str) -> bool {
    let mut lines = text.lines().filter(|line| !line.trim().is_empty());
    lines.clone().next().is_some()
        && lines.all(|line| serde_json::from_str::<IgnoredAny>(line).is_ok())
}

/// Where the first byte that is not white space (after a BOM) is.
fn first_non_blank(held: &[u8]) -> Option<usize> {
    let skipped = held.len() - without_bom(held).len();
    let offset = without_bom(held)
        .iter()
        .position(|b| !b.is_ascii_whitespace())?;
    Some(skipped + offset)
}

/// The first line of `bytes` without its end, once it is complete.
fn first_line(bytes: &[u8], end: bool) -> Option<&[u8]> {
    match memchr::memchr2(b'\n', b'\r', bytes) {
        Some(at) => Some(&bytes[..at]),
        None => end.then_some(bytes),
    }
}

/// Whether `line` is a comment or a field line of an SSE stream: one of
/// the spec's four fields, or a name of letters, digits, `_` and `-` and a
/// colon (servers send other fields, as llama.cpp sent `error:`). A lone
/// word such as `hello` is a field too by the grammar, but in a body of
/// another content type it is far likelier plain text.
fn is_sse_line(line: &[u8]) -> bool {
    let (name, has_colon) = match line.iter().position(|&b| b == b':') {
        Some(colon) => (&line[..colon], true),
        None => (line, false),
    };
    let is_name_byte = |b: &u8| b.is_ascii_alphanumeric() || matches!(b, b'_' | b'-');
    let spec_field = matches!(name, b"data" | b"event" | b"id" | b"retry");
    line.starts_with(b":")
        || spec_field
        || (has_colon && !name.is_empty() && name.iter().all(is_name_byte))
}

#[cfg(test)]
mod tests {
    use super::*;

    /// What `held` settles to, given in every split: the first part alone
    /// (not the end yet), then all of it at the end.
    fn settled(framing: Framing, held: &[u8]) -> Settled {
        for cut in 0..held.len() {
            let early = settle(framing, &held[..cut], false);
            let whole = settle(framing, held, true);
            assert!(
                early == Settled::Undecided || early == whole,
                "{held:?} cut at {cut}: {early:?}, then {whole:?}"
            );
        }
        settle(framing, held, true)
    }

    #[test]
    fn input_is_json_when_it_starts_like_json_and_sse_otherwise() {
        let input = Framing::Sniff(Unlabelled::Lenient);
        let json = |held: &[u8]| settled(input, held);
        assert_eq!(
            json(b"{\"a\":1}\n{\"b\":2}\n"),
            Settled::Framing(Framing::JsonLines)
        );
        assert_eq!(
            json(b"\xEF\xBB\xBF \n{\"a\":1}"),
            Settled::Framing(Framing::JsonLines)
        );
        assert_eq!(
            json(b"{\n  \"a\": 1\n}\n"),
            Settled::Framing(Framing::Document)
        );
        assert_eq!(
            json(b"[{\"a\":1},\n{\"b\":2}]"),
            Settled::Framing(Framing::Document)
        );
        assert_eq!(json(b"{malformed json\n"), Settled::Unreadable);
        assert_eq!(json(b"data: x\n\n"), Settled::Framing(Framing::Sse));
        assert_eq!(json(b"hello"), Settled::Framing(Framing::Sse));
        assert_eq!(json(b" \n\t"), Settled::Framing(Framing::Sse));
    }

    #[test]
    fn a_response_of_another_type_is_read_only_when_it_is_sse_or_json() {
        let response = Framing::Sniff(Unlabelled::Checked);
        let read = |held: &[u8]| settled(response, held);
        assert_eq!(read(b"data: x\n\n"), Settled::Framing(Framing::Sse));
        assert_eq!(read(b": comment\r\n"), Settled::Framing(Framing::Sse));
        assert_eq!(read(b"event\n"), Settled::Framing(Framing::Sse));
        assert_eq!(read(b"{\"a\":1}"), Settled::Framing(Framing::JsonLines));
        assert_eq!(read(b"<!DOCTYPE html>\n<html>"), Settled::Unreadable);
        assert_eq!(read(b"Internal Server Error"), Settled::Unreadable);
        assert_eq!(
            read(b"error: {\"code\":1}\n"),
            Settled::Framing(Framing::Sse)
        );
        assert_eq!(read(b"Bad gateway\n"), Settled::Unreadable);
        assert_eq!(read(b"hello"), Settled::Unreadable);
        assert_eq!(
            read(b"time: 12:00 is late\n"),
            Settled::Framing(Framing::Sse)
        );
        assert_eq!(read(b""), Settled::Framing(Framing::Sse));
    }

    #[test]
    fn json_by_its_content_type_is_one_document_unless_more_values_follow() {
        let json = |held: &[u8]| settled(Framing::Json, held);
        assert_eq!(json(b"{\"a\":1}"), Settled::Framing(Framing::Document));
        assert_eq!(json(b"{\"a\":1}\n\n"), Settled::Framing(Framing::Document));
        assert_eq!(
            json(b"{\n  \"a\": 1\n}"),
            Settled::Framing(Framing::Document)
        );
        assert_eq!(
            json(b"{\"a\":1}\n{\"b\":2}\n"),
            Settled::Framing(Framing::JsonLines)
        );
        assert_eq!(json(b"{malformed\n"), Settled::Unreadable);
        assert_eq!(json(b""), Settled::Framing(Framing::Document));
        assert_eq!(json(b"data: x\n\n"), Settled::Framing(Framing::Sse));
        assert_eq!(json(b"<html>\n"), Settled::Unreadable);
    }

    #[test]
    fn declared_framings_need_no_bytes() {
        for framing in [Framing::Sse, Framing::JsonLines, Framing::Opaque] {
            assert_eq!(settle(framing, b"", false), Settled::Framing(framing));
        }
    }

    #[test]
    fn json_lines_in_a_document_are_told_apart() {
        assert!(is_json_lines("{\"a\":1}\n\n[2]\n"));
        assert!(!is_json_lines("{\n\"a\":1}"));
        assert!(!is_json_lines(" \n"));
    }
}
