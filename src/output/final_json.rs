use std::io::{self, Write};

use serde_json::{json, Value};

use super::{conclude, read_answer_document, Document, EventWriter, RunEnd};
use crate::extract::{Reader, Turn};
use crate::failure::Failure;
use crate::notes::Notes;
use crate::sse::Event;

/// `--format final`: one JSON object when the stream is over, the assembled
/// response in the same shape for every dialect.
pub struct FinalWriter {
    reader: Reader,
    /// `--strict`: an answer without text is an error.
    strict: bool,
    notes: Notes,
}

impl FinalWriter {
    pub fn new(reader: Reader, strict: bool, notes: Notes) -> Self {
        FinalWriter {
            reader,
            strict,
            notes,
        }
    }
}

impl EventWriter for FinalWriter {
    /// The reader takes `[DONE]` as the end marker it is.
    const PRINTS_DONE: bool = true;

    fn write_event<W: Write>(&mut self, _out: &mut W, event: &Event<'_>) -> io::Result<()> {
        self.reader.read(event);
        Ok(())
    }

    fn ended(&self) -> bool {
        self.reader.turn().ended
    }

    fn reader(&self) -> Option<&Reader> {
        Some(&self.reader)
    }

    fn write_document<W: Write>(
        &mut self,
        _out: &mut W,
        document: &str,
        after_event: bool,
    ) -> io::Result<Document> {
        Ok(read_answer_document(
            &mut self.reader,
            document,
            after_event,
        ))
    }

    fn end<W: Write>(&mut self, out: &mut W, run: &RunEnd) -> io::Result<Option<Failure>> {
        let failure = conclude(&self.reader, run.clean, false, self.strict, &self.notes);
        // Whatever ended the run: the stream's error, the run's, or an
        // answer cut short.
        let error = (self.reader.turn().error.clone())
            .or_else(|| run.error.clone())
            .or_else(|| failure.as_ref().map(Failure::to_string));
        serde_json::to_writer(&mut *out, &summary(self.reader.turn(), run.clean, error))?;
        out.write_all(b"\n")?;
        out.flush()?;
        Ok(failure)
    }
}

/// The final object; its schema is documented in docs/GUIDE.md
/// (`--format final`).
fn summary(turn: &Turn, clean: bool, error: Option<String>) -> Value {
    let tool_calls: Vec<Value> = turn
        .tool_calls
        .iter()
        .map(|call| {
            json!({
                "id": call.id,
                "name": call.name,
                "arguments": call.arguments,
                "arguments_json": serde_json::from_str::<Value>(&call.arguments).ok(),
            })
        })
        .collect();
    json!({
        "dialect": turn.dialect.map(|dialect| dialect.name()),
        "model": turn.model,
        "id": turn.id,
        "text": turn.text,
        "reasoning": turn.reasoning,
        "tool_calls": tool_calls,
        "finish_reason": turn.finish_reason,
        "usage": turn.usage.map(|usage| json!({
            "input_tokens": usage.input_tokens,
            "output_tokens": usage.output_tokens,
        })),
        "complete": turn.complete(clean),
        "error": error,
    })
}
