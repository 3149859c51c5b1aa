use std::io::{self, Write};

use super::{conclude, read_answer_document, Document, EventWriter, RunEnd};
use crate::extract::Reader;
use crate::failure::Failure;
use crate::notes::Notes;
use crate::sse::Event;

/// `--format text`: the answer text of an LLM stream, printed exactly as
/// received, the moment each delta arrives.
pub struct TextWriter {
    reader: Reader,
    options: TextOptions,
    last_byte: Option<u8>,
    /// Reasoning was printed and its line is not finished.
    reasoning_open: bool,
    /// Where the reasoning and the notes at the end go.
    notes: Notes,
}

/// Where `--format text` prints, and what.
#[derive(Debug, Clone, Copy, Default)]
pub struct TextOptions {
    /// `--reasoning`: reasoning deltas go to the notes (stderr).
    pub reasoning: bool,
    /// Show the reasoning's control characters escaped (stderr is a terminal).
    pub escape_reasoning: bool,
    /// Standard output is a terminal: end the answer with a newline so the
    /// prompt does not follow it on the same line.
    pub terminal: bool,
    /// `--strict`: an answer without text is an error.
    pub strict: bool,
}

impl TextWriter {
    pub fn new(reader: Reader, options: TextOptions, notes: Notes) -> Self {
        TextWriter {
            reader,
            options,
            last_byte: None,
            reasoning_open: false,
            notes,
        }
    }
}

/// Ends the reasoning's line on stderr, so the answer (on a shared
/// terminal) or a message does not run on from it.
fn close_reasoning(reasoning_open: &mut bool, notes: &Notes) {
    if *reasoning_open {
        notes.say(format_args!("\n"));
        *reasoning_open = false;
    }
}

impl EventWriter for TextWriter {
    /// The reader takes `[DONE]` as the end marker it is.
    const PRINTS_DONE: bool = true;

    fn write_event<W: Write>(&mut self, out: &mut W, event: &Event<'_>) -> io::Result<()> {
        self.reader.read(event);
        self.print_new(out)
    }

    fn write_document<W: Write>(
        &mut self,
        out: &mut W,
        document: &str,
        after_event: bool,
    ) -> io::Result<Document> {
        let read = read_answer_document(&mut self.reader, document, after_event);
        if read == Document::Read {
            self.print_new(out)?;
        }
        Ok(read)
    }

    fn ended(&self) -> bool {
        self.reader.turn().ended
    }

    fn reader(&self) -> Option<&Reader> {
        Some(&self.reader)
    }

    fn end<W: Write>(&mut self, out: &mut W, run: &RunEnd) -> io::Result<Option<Failure>> {
        close_reasoning(&mut self.reasoning_open, &self.notes);
        if self.options.terminal && self.last_byte.is_some_and(|last| last != b'\n') {
            out.write_all(b"\n")?;
        }
        out.flush()?;
        Ok(conclude(
            &self.reader,
            run.clean,
            true,
            self.options.strict,
            &self.notes,
        ))
    }
}

impl TextWriter {
    /// Prints the text (and, with `--reasoning`, the reasoning) that the
    /// reader gathered since the last call.
    fn print_new<W: Write>(&mut self, out: &mut W) -> io::Result<()> {
        let turn = self.reader.turn_mut();
        if self.options.reasoning && !turn.reasoning.is_empty() {
            // What was printed before goes first.
            out.flush()?;
            if self.options.escape_reasoning {
                self.notes.say(format_args!(
                    "{}",
                    crate::escape::escape_controls(&turn.reasoning)
                ));
            } else {
                self.notes.say(format_args!("{}", turn.reasoning));
            }
            self.reasoning_open = !turn.reasoning.ends_with('\n');
        }
        turn.reasoning.clear();
        if let Some(&last) = turn.text.as_bytes().last() {
            close_reasoning(&mut self.reasoning_open, &self.notes);
            out.write_all(turn.text.as_bytes())?;
            self.last_byte = Some(last);
            turn.text.clear();
        }
        Ok(())
    }
}
