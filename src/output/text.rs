use std::io::{self, Write};

use super::EventWriter;
use crate::extract::Reader;
use crate::sse::Event;

/// `--format text`: the answer text of an LLM stream, printed exactly as
/// received with nothing added.
pub struct TextWriter {
    reader: Reader,
}

impl TextWriter {
    pub fn new(reader: Reader) -> Self {
        TextWriter { reader }
    }
}

impl EventWriter for TextWriter {
    fn write_event<W: Write>(&mut self, out: &mut W, event: &Event<'_>) -> io::Result<()> {
        self.reader.read(event);
        let turn = self.reader.turn_mut();
        out.write_all(turn.text.as_bytes())?;
        turn.text.clear();
        Ok(())
    }
}
