use std::io::{self, Write};

use super::EventWriter;
use crate::sse::Event;

/// `--raw`: the bytes exactly as received. Events are still decoded, so the
/// stream still ends at `[DONE]`.
pub struct RawWriter;

impl EventWriter for RawWriter {
    const PRINTS_DONE: bool = true;

    fn write_chunk<W: Write>(&mut self, out: &mut W, bytes: &[u8]) -> io::Result<()> {
        out.write_all(bytes)
    }

    fn write_event<W: Write>(&mut self, _out: &mut W, _event: &Event<'_>) -> io::Result<()> {
        Ok(())
    }
}
