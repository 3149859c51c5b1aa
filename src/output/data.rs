use std::io::{self, Write};

use super::EventWriter;
use crate::sse::Event;

/// `--format data`: each event's data and a newline.
pub struct DataWriter;

impl EventWriter for DataWriter {
    fn write_event<W: Write>(&mut self, out: &mut W, event: &Event<'_>) -> io::Result<()> {
        out.write_all(event.data.as_bytes())?;
        out.write_all(b"\n")
    }
}
