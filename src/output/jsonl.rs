use std::io::{self, Write};

use std::fmt;

use serde::de::{Deserialize, Deserializer, MapAccess, SeqAccess, Visitor};

use super::EventWriter;
use crate::extract::json_path::special_byte;
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
}

impl JsonlWriter {
    pub fn new(reader: Option<Reader>) -> Self {
        JsonlWriter { reader }
    }
}

impl EventWriter for JsonlWriter {
    fn write_event<W: Write>(&mut self, out: &mut W, event: &Event<'_>) -> io::Result<()> {
        out.write_all(b"{\"event\":")?;
        write_json_string(out, event.event_type)?;
        out.write_all(b",\"data\":")?;
        write_json_string(out, event.data)?;
        out.write_all(b",\"id\":")?;
        if event.id.is_empty() {
            out.write_all(b"null")?;
        } else {
            write_json_string(out, event.id)?;
        }
        match event.retry {
            Some(retry) => write!(out, ",\"retry\":{retry}")?,
            None => out.write_all(b",\"retry\":null")?,
        }
        if is_json(event.data) {
            out.write_all(b",\"json\":")?;
            write_json_on_one_line(out, event.data)?;
        }
        if let Some(reader) = &mut self.reader {
            reader.read(event);
            let turn = reader.turn_mut();
            if !turn.text.is_empty() {
                out.write_all(b",\"text\":")?;
                write_json_string(out, &turn.text)?;
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

/// `text` as a JSON string, byte for byte as `serde_json::to_writer` writes
/// it (`\"`, `\\`, `\b`, `\t`, `\n`, `\f`, `\r`, other control bytes as
/// `\u00xx`, everything else as it is), but finding the bytes to escape 16
/// at a time with the JSON lookup's scan, and writing the runs between them
/// whole: event data is mostly long runs.
fn write_json_string<W: Write>(out: &mut W, text: &str) -> io::Result<()> {
    const HEX: &[u8; 16] = b"0123456789abcdef";
    let bytes = text.as_bytes();
    out.write_all(b"\"")?;
    let mut start = 0;
    while let Some(at) = special_byte(bytes, start) {
        out.write_all(&bytes[start..at])?;
        let byte = bytes[at];
        let escape: &[u8] = match byte {
            b'"' => b"\\\"",
            b'\\' => b"\\\\",
            0x08 => b"\\b",
            b'\t' => b"\\t",
            b'\n' => b"\\n",
            0x0c => b"\\f",
            b'\r' => b"\\r",
            _ => &[
                b'\\',
                b'u',
                b'0',
                b'0',
                HEX[usize::from(byte >> 4)],
                HEX[usize::from(byte & 0xf)],
            ],
        };
        out.write_all(escape)?;
        start = at + 1;
    }
    out.write_all(&bytes[start..])?;
    out.write_all(b"\"")
}

fn is_json(data: &str) -> bool {
    serde_json::from_str::<Checked>(data).is_ok()
}

/// Walks a JSON value, building nothing, but — unlike `IgnoredAny`, which
/// only skips — reading every number and string, so what serde_json cannot
/// read (`1e400`, a lone surrogate `"\ud800"`) is not embedded and every
/// output line stays parseable.
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

/// Embeds valid JSON as it is, without re-serialising. Data lines are joined
/// with LF, and in valid JSON a LF can only be white space (strings cannot
/// hold one raw), so it becomes a space to keep the record on one line.
fn write_json_on_one_line<W: Write>(out: &mut W, json: &str) -> io::Result<()> {
    let mut lines = json.split('\n');
    if let Some(first) = lines.next() {
        out.write_all(first.as_bytes())?;
    }
    for line in lines {
        out.write_all(b" ")?;
        out.write_all(line.as_bytes())?;
    }
    Ok(())
}

#[cfg(test)]
mod tests {
    use super::write_json_string;
    use proptest::prelude::*;

    fn written(text: &str) -> String {
        let mut out = Vec::new();
        write_json_string(&mut out, text).unwrap();
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

    proptest! {
        #[test]
        fn strings_are_written_as_serde_json_writes_them(text in "(?s).{0,80}|[\"\\\\\\x00-\\x1f a\u{e9}\u{1F600}]{0,80}") {
            prop_assert_eq!(written(&text), serde_json::to_string(&text).unwrap());
        }
    }
}
