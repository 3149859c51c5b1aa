use std::io::{self, Write};

use super::EventWriter;
use crate::extract::json_path::{is_valid_like, special_mask, Template};
use crate::extract::Reader;
use crate::sse::Event;

/// `--format jsonl`: one object per event with the keys `event`, `data`,
/// `id` (null when empty), `retry` (null until set) and, when the data is
/// valid JSON, `json` holding it as parsed. With `--dialect` or `--extract`,
/// `text` holds the answer text the event carries, read by the same
/// dialect code as `--text`.
#[derive(Default)]
pub struct JsonlWriter {
    reader: Option<Reader>,
    /// Where strings are escaped before they are written.
    escaped: Vec<u8>,
    /// The last data checked in full to be JSON, which the next is checked
    /// against.
    template: Template,
}

impl JsonlWriter {
    pub fn new(reader: Option<Reader>) -> Self {
        JsonlWriter {
            reader,
            ..JsonlWriter::default()
        }
    }
}

impl EventWriter for JsonlWriter {
    fn write_event<W: Write>(&mut self, out: &mut W, event: &Event<'_>) -> io::Result<()> {
        let escaped = &mut self.escaped;
        out.write_all(b"{\"event\":")?;
        write_json_string(out, event.event_type, escaped)?;
        out.write_all(b",\"data\":")?;
        write_json_string(out, event.data, escaped)?;
        out.write_all(b",\"id\":")?;
        if event.id.is_empty() {
            out.write_all(b"null")?;
        } else {
            write_json_string(out, event.id, escaped)?;
        }
        match event.retry {
            Some(retry) => write!(out, ",\"retry\":{retry}")?,
            None => out.write_all(b",\"retry\":null")?,
        }
        // Only what serde_json can read is embedded, so that every output
        // line stays parseable.
        if is_valid_like(event.data, &mut self.template) {
            out.write_all(b",\"json\":")?;
            write_json_on_one_line(out, event.data)?;
        }
        if let Some(reader) = &mut self.reader {
            reader.read(event);
            let turn = reader.turn_mut();
            if !turn.text.is_empty() {
                out.write_all(b",\"text\":")?;
                write_json_string(out, &turn.text, escaped)?;
            }
            turn.text.clear();
            turn.reasoning.clear();
        }
        out.write_all(b"}\n")
    }

    fn reader(&self) -> Option<&Reader> {
        self.reader.as_ref()
    }
}

/// Text escaped a piece at a time, so that `escaped` stays small: it needs
/// room for six bytes a byte (a control byte becomes `\u00xx`) and a last
/// 16-byte store.
const PIECE: usize = 16 * 1024;
const ESCAPED_ROOM: usize = 6 * PIECE + 16;

/// `text` as a JSON string, byte for byte as `serde_json::to_writer` writes
/// it (`\"`, `\\`, `\b`, `\t`, `\n`, `\f`, `\r`, other control bytes as
/// `\u00xx`, everything else as it is), escaped into `escaped` first: a
/// write per run between quotes cost more than the escaping on JSON inside
/// JSON, where a quote comes every few bytes.
fn write_json_string<W: Write>(out: &mut W, text: &str, escaped: &mut Vec<u8>) -> io::Result<()> {
    if escaped.len() < ESCAPED_ROOM {
        escaped.resize(ESCAPED_ROOM, 0);
    }
    out.write_all(b"\"")?;
    for piece in text.as_bytes().chunks(PIECE) {
        let len = escape_into(piece, escaped);
        out.write_all(&escaped[..len])?;
    }
    out.write_all(b"\"")
}

/// Writes `bytes` escaped at the start of `escaped`, which has
/// [`ESCAPED_ROOM`]; the length written. Each step stores the next 16
/// bytes whole and keeps those before the first one to escape (all of
/// them when there is none), so that runs are copied without a call.
fn escape_into(bytes: &[u8], escaped: &mut [u8]) -> usize {
    let (mut at, mut len) = (0, 0);
    while let Some(block) = bytes.get(at..).and_then(<[u8]>::first_chunk::<16>) {
        escaped[len..len + 16].copy_from_slice(block);
        let kept = special_mask(block).trailing_zeros() as usize;
        if kept >= 16 {
            (at, len) = (at + 16, len + 16);
        } else {
            len = escape_byte(block[kept], escaped, len + kept);
            at += kept + 1;
        }
    }
    for &byte in &bytes[at..] {
        len = escape_byte(byte, escaped, len);
    }
    len
}

/// Writes `byte`, escaped, at `at`; the position after it.
#[inline(always)]
fn escape_byte(byte: u8, escaped: &mut [u8], at: usize) -> usize {
    let (bytes, len) = &ESCAPES[usize::from(byte)];
    escaped[at..at + 8].copy_from_slice(bytes);
    at + usize::from(*len)
}

/// Each byte as a JSON string holds it, padded to eight bytes, and its length.
static ESCAPES: [([u8; 8], u8); 256] = escapes();

const fn escapes() -> [([u8; 8], u8); 256] {
    const HEX: &[u8; 16] = b"0123456789abcdef";
    let mut table = [([0; 8], 1); 256];
    let mut byte = 0;
    while byte < 256 {
        let b = byte as u8;
        table[byte] = match b {
            b'"' => ([b'\\', b'"', 0, 0, 0, 0, 0, 0], 2),
            b'\\' => ([b'\\', b'\\', 0, 0, 0, 0, 0, 0], 2),
            0x08 => ([b'\\', b'b', 0, 0, 0, 0, 0, 0], 2),
            b'\t' => ([b'\\', b't', 0, 0, 0, 0, 0, 0], 2),
            b'\n' => ([b'\\', b'n', 0, 0, 0, 0, 0, 0], 2),
            0x0c => ([b'\\', b'f', 0, 0, 0, 0, 0, 0], 2),
            b'\r' => ([b'\\', b'r', 0, 0, 0, 0, 0, 0], 2),
            0..0x20 => (
                [
                    b'\\',
                    b'u',
                    b'0',
                    b'0',
                    HEX[(b >> 4) as usize],
                    HEX[(b & 0xf) as usize],
                    0,
                    0,
                ],
                6,
            ),
            _ => ([b, 0, 0, 0, 0, 0, 0, 0], 1),
        };
        byte += 1;
    }
    table
}

/// Embeds valid JSON as it is, without re-serialising. Data lines are joined
/// with LF, and in valid JSON a LF can only be white space (strings cannot
/// hold one raw), so it becomes a space to keep the record on one line.
fn write_json_on_one_line<W: Write>(out: &mut W, json: &str) -> io::Result<()> {
    let mut rest = json.as_bytes();
    while let Some(at) = memchr::memchr(b'\n', rest) {
        out.write_all(&rest[..at])?;
        out.write_all(b" ")?;
        rest = &rest[at + 1..];
    }
    out.write_all(rest)
}

#[cfg(test)]
mod tests {
    use std::fmt;

    use proptest::prelude::*;
    use serde::de::{Deserialize, Deserializer, MapAccess, SeqAccess, Visitor};

    use super::{is_valid_like, write_json_string, Template, PIECE};

    fn written(text: &str) -> String {
        let mut out = Vec::new();
        write_json_string(&mut out, text, &mut Vec::new()).unwrap();
        String::from_utf8(out).unwrap()
    }

    #[test]
    fn every_ascii_byte_is_written_as_serde_json_writes_it() {
        for byte in 0..0x80u8 {
            // Alone, and inside runs long enough for the 16-byte scan.
            let c = char::from(byte);
            for text in [
                c.to_string(),
                format!("{}{c}{}", "a".repeat(17), "b".repeat(20)),
            ] {
                assert_eq!(written(&text), serde_json::to_string(&text).unwrap());
            }
        }
    }

    #[test]
    fn long_texts_are_escaped_piece_by_piece() {
        // Control bytes, which take the most room, across piece boundaries,
        // and a character cut by one.
        let text = format!("{}é{}", "\u{1}".repeat(PIECE - 1), "\"a\\\n".repeat(PIECE));
        assert_eq!(written(&text), serde_json::to_string(&text).unwrap());
    }

    /// The reference for what `--jsonl` embeds: whatever serde_json reads
    /// as a value, walking (and so reading) every number and string.
    struct Checked;

    impl<'de> Deserialize<'de> for Checked {
        fn deserialize<D: Deserializer<'de>>(deserializer: D) -> Result<Self, D::Error> {
            deserializer.deserialize_any(CheckedVisitor)
        }
    }

    struct CheckedVisitor;

    impl<'de> Visitor<'de> for CheckedVisitor {
        type Value = Checked;

        fn expecting(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
            f.write_str("any JSON value")
        }
        fn visit_bool<E>(self, _: bool) -> Result<Checked, E> {
            Ok(Checked)
        }
        fn visit_i64<E>(self, _: i64) -> Result<Checked, E> {
            Ok(Checked)
        }
        fn visit_u64<E>(self, _: u64) -> Result<Checked, E> {
            Ok(Checked)
        }
        fn visit_f64<E>(self, _: f64) -> Result<Checked, E> {
            Ok(Checked)
        }
        fn visit_str<E>(self, _: &str) -> Result<Checked, E> {
            Ok(Checked)
        }
        fn visit_unit<E>(self) -> Result<Checked, E> {
            Ok(Checked)
        }
        fn visit_seq<A: SeqAccess<'de>>(self, mut seq: A) -> Result<Checked, A::Error> {
            while seq.next_element::<Checked>()?.is_some() {}
            Ok(Checked)
        }
        fn visit_map<A: MapAccess<'de>>(self, mut map: A) -> Result<Checked, A::Error> {
            while map.next_entry::<Checked, Checked>()?.is_some() {}
            Ok(Checked)
        }
    }

    fn serde_reads(data: &str) -> bool {
        serde_json::from_str::<Checked>(data).is_ok()
    }

    #[test]
    fn data_is_embedded_when_serde_json_reads_it() {
        let mut template = Template::default();
        for data in [
            r#"{"a":[1,2.5e3,"x\u00e9"],"b":null}"#,
            r#"{"a":1e400}"#,
            r#"{"a":-1e308}"#,
            r#""\ud800""#,
            r#""\ud83d\ude00""#,
            r#"{"a":1}x"#,
            "[1,]",
            " 7 ",
            "",
            "[DONE]",
        ] {
            assert_eq!(
                is_valid_like(data, &mut template),
                serde_reads(data),
                "{data}"
            );
        }
    }

    proptest! {
        #[test]
        fn strings_are_written_as_serde_json_writes_them(text in "(?s).{0,80}|[\"\\\\\\x00-\\x1f a\u{e9}\u{1F600}]{0,80}") {
            prop_assert_eq!(written(&text), serde_json::to_string(&text).unwrap());
        }

        #[test]
        fn data_in_turn_is_embedded_when_serde_json_reads_it(
            datas in prop::collection::vec(r#"\{"a":(-?[0-9]{1,3}(\.[0-9])?([eE][+-]?[0-9]{1,3})?|"[a-z\\"\\\\]{0,4}(\\u[dD][89a-fA-F][0-9a-f]{2})?"|null|\[\]),"b":"[a-z]{0,3}"\}"#, 1..6),
        ) {
            let mut template = Template::default();
            for data in &datas {
                prop_assert_eq!(is_valid_like(data, &mut template), serde_reads(data), "{}", data);
            }
        }
    }
}
