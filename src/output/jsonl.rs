use std::io::{self, Write};

use super::EventWriter;
use crate::extract::json_path::{is_valid_like, special_mask, Template, Told};
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
    /// That data escaped, from which data the template tells is written.
    escaped_template: EscapedTemplate,
}

/// A template's text escaped as a JSON string's content, so that data the
/// template tells is written from it, with only the values it replaced
/// escaped anew: LLM chunks are JSON, and escaping JSON inside JSON (a
/// quote every few bytes) cost more than anything else in `--jsonl`.
#[derive(Default)]
struct EscapedTemplate {
    /// The template's generation; `0` before any.
    generation: u64,
    text: Vec<u8>,
    /// Where the escape of each byte of the template starts in `text`,
    /// and, last, the length of `text`.
    starts: Vec<u32>,
}

impl EscapedTemplate {
    /// Escapes `told`'s template, unless it is the one escaped already.
    fn update(&mut self, told: &Told<'_>) {
        if self.generation == told.generation {
            return;
        }
        self.generation = told.generation;
        self.text.clear();
        self.starts.clear();
        for &byte in told.template {
            self.starts.push(self.text.len() as u32);
            let (bytes, len) = &ESCAPES[usize::from(byte)];
            self.text.extend_from_slice(&bytes[..usize::from(*len)]);
        }
        self.starts.push(self.text.len() as u32);
    }

    /// The escaped text of the template's bytes `from..to`.
    fn between(&self, from: usize, to: usize) -> &[u8] {
        &self.text[self.starts[from] as usize..self.starts[to] as usize]
    }
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
        // Only what serde_json can read is embedded, so that every output
        // line stays parseable.
        let is_json = is_valid_like(event.data, &mut self.template);
        let escaped = &mut self.escaped;
        out.write_all(b"{\"event\":")?;
        write_json_string(out, event.event_type, escaped)?;
        out.write_all(b",\"data\":")?;
        match self.template.told().filter(|_| is_json) {
            Some(told) => {
                self.escaped_template.update(&told);
                write_told(out, event.data, &told, &self.escaped_template, escaped)?;
            }
            None => write_json_string(out, event.data, escaped)?,
        }
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
        if is_json {
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
    out.write_all(b"\"")?;
    write_escaped(out, text.as_bytes(), escaped)?;
    out.write_all(b"\"")
}

/// [`write_json_string`] of `data` that a template told: the escaped
/// template, with the values the data replaced escaped in their place.
fn write_told<W: Write>(
    out: &mut W,
    data: &str,
    told: &Told<'_>,
    template: &EscapedTemplate,
    escaped: &mut Vec<u8>,
) -> io::Result<()> {
    out.write_all(b"\"")?;
    let mut from = 0;
    for replaced in told.replaced {
        out.write_all(template.between(from, replaced.old.0))?;
        write_escaped(
            out,
            &data.as_bytes()[replaced.new.0..replaced.new.1],
            escaped,
        )?;
        from = replaced.old.1;
    }
    out.write_all(template.between(from, told.template.len()))?;
    out.write_all(b"\"")
}

/// The content of a JSON string holding `bytes`.
fn write_escaped<W: Write>(out: &mut W, bytes: &[u8], escaped: &mut Vec<u8>) -> io::Result<()> {
    if escaped.len() < ESCAPED_ROOM {
        escaped.resize(ESCAPED_ROOM, 0);
    }
    for piece in bytes.chunks(PIECE) {
        let len = escape_into(piece, escaped);
        out.write_all(&escaped[..len])?;
    }
    Ok(())
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
    use proptest::prelude::*;

    use super::{is_valid_like, write_json_string, EventWriter, JsonlWriter, Template, PIECE};
    use crate::sse::Event;

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

    /// The reference for what `--jsonl` embeds: what serde_json reads as
    /// a value, every number and string read (so `1e400` and a lone
    /// surrogate are refused).
    fn serde_reads(data: &str) -> bool {
        serde_json::from_str::<serde_json::Value>(data).is_ok()
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

    /// The records of `datas` as one writer writes them in turn, and as
    /// writers that saw nothing before each.
    fn records_in_turn_and_alone(datas: &[String]) -> (Vec<u8>, Vec<u8>) {
        let (mut in_turn, mut alone) = (Vec::new(), Vec::new());
        let mut writer = JsonlWriter::default();
        for data in datas {
            let event = Event {
                event_type: "message",
                data,
                id: "",
                retry: None,
            };
            writer.write_event(&mut in_turn, &event).unwrap();
            JsonlWriter::default()
                .write_event(&mut alone, &event)
                .unwrap();
        }
        (in_turn, alone)
    }

    #[test]
    fn chunks_told_by_a_template_are_written_as_alone() {
        let chunk = |text: &str, pad: &str, n: i32| {
            format!(
                r#"{{"id":"c\"1","choices":[{{"delta":{{"content":{text}}}}}],"n":{n},"pad":"{pad}"}}"#
            )
        };
        let datas = [
            chunk(r#""The""#, "q7", 1),
            chunk(r#"" \"quick\"\n\u0001""#, "Zp2mWq1", 22),
            chunk(r#""""#, "", -3),
            chunk("null", "x", 4),
            "not json \"at\" all".to_owned(),
            chunk(r#""brown""#, "\\", 5),
        ];
        let (in_turn, alone) = records_in_turn_and_alone(&datas);
        assert_eq!(
            String::from_utf8(in_turn).unwrap(),
            String::from_utf8(alone).unwrap()
        );
        // The second chunk was written from the first one's escape, with
        // its text, count and pad escaped anew.
        let mut writer = JsonlWriter::default();
        for data in &datas[..2] {
            is_valid_like(data, &mut writer.template);
        }
        let told = writer.template.told().unwrap();
        assert_eq!(told.template, datas[0].as_bytes());
        assert_eq!(told.replaced.len(), 3);
    }

    proptest! {
        #[test]
        fn data_in_turn_is_written_as_alone(
            datas in prop::collection::vec(
                r#"\{"id":"c[a-z]{0,2}","d":\{"content":("[a-z \\"\\\\/\n\t\u{1}é😀]{0,6}"|[0-9]{1,3}|null)\},"n":-?[0-9]{1,4}(\.[0-9])?,"p":"[a-zA-Z0-9\\"]{0,5}"\}|[a-z{}"\\ ]{0,8}"#,
                1..8,
            ),
        ) {
            let (in_turn, alone) = records_in_turn_and_alone(&datas);
            prop_assert_eq!(String::from_utf8(in_turn).unwrap(), String::from_utf8(alone).unwrap());
        }

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
