use std::io::{self, Write};

use super::EventWriter;
use crate::sse::Event;

/// `--format sse`: each event in canonical form. `event:` only when the type
/// is not `message`, `id:` and `retry:` only when they change, one `data:`
/// line per data line, then a blank line. Decoding the output gives the same
/// events again.
#[derive(Default)]
pub struct SseWriter {
    id: String,
    retry: Option<u64>,
}

impl EventWriter for SseWriter {
    const PRINTS_DONE: bool = true;

    fn write_event<W: Write>(&mut self, out: &mut W, event: &Event<'_>) -> io::Result<()> {
        if event.event_type != "message" {
            field(out, "event", event.event_type)?;
        }
        if event.id != self.id {
            field(out, "id", event.id)?;
            self.id.clear();
            self.id.push_str(event.id);
        }
        if event.retry != self.retry {
            if let Some(retry) = event.retry {
                field(out, "retry", &retry.to_string())?;
            }
            self.retry = event.retry;
        }
        for line in event.data.split('\n') {
            field(out, "data", line)?;
        }
        out.write_all(b"\n")
    }
}

fn field<W: Write>(out: &mut W, name: &str, value: &str) -> io::Result<()> {
    out.write_all(name.as_bytes())?;
    if value.is_empty() {
        out.write_all(b":\n")
    } else {
        out.write_all(b": ")?;
        out.write_all(value.as_bytes())?;
        out.write_all(b"\n")
    }
}
