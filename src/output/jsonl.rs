use std::io::{self, Write};

use std::fmt;

use serde::de::{Deserialize, Deserializer, MapAccess, SeqAccess, Visitor};

use super::EventWriter;
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
        serde_json::to_writer(&mut *out, event.event_type)?;
        out.write_all(b",\"data\":")?;
        serde_json::to_writer(&mut *out, event.data)?;
        out.write_all(b",\"id\":")?;
        if event.id.is_empty() {
            out.write_all(b"null")?;
        } else {
            serde_json::to_writer(&mut *out, event.id)?;
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
                serde_json::to_writer(&mut *out, &turn.text)?;
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
