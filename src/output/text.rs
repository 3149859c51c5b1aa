use std::io::{self, Write};

use super::EventWriter;
use crate::extract::Extractor;
use crate::sse::Event;

/// `--format text`: the answer text an [`Extractor`] finds in each event,
/// printed exactly as received with nothing added.
pub struct TextWriter<X> {
    extractor: X,
    text: String,
}

impl<X: Extractor> TextWriter<X> {
    pub fn new(extractor: X) -> Self {
        TextWriter {
            extractor,
            text: String::new(),
        }
    }
}

impl<X: Extractor> EventWriter for TextWriter<X> {
    fn write_event<W: Write>(&mut self, out: &mut W, event: &Event<'_>) -> io::Result<()> {
        self.text.clear();
        self.extractor.extract(event, &mut self.text);
        out.write_all(self.text.as_bytes())
    }
}
