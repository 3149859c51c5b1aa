use std::io::{self, Write};

use serde_json::{json, Value};

use super::{conclude, EventWriter};
use crate::exit::Failure;
use crate::extract::{Reader, Turn};
use crate::sse::Event;

/// `--format final`: one JSON object when the stream is over, the assembled
/// response in the same shape for every dialect.
pub struct FinalWriter {
    reader: Reader,
}

impl FinalWriter {
    pub fn new(reader: Reader) -> Self {
        FinalWriter { reader }
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

    fn end<W: Write>(&mut self, out: &mut W, clean: bool) -> io::Result<Option<Failure>> {
        let turn = self.reader.turn();
        serde_json::to_writer(&mut *out, &summary(turn, clean))?;
        out.write_all(b"\n")?;
        out.flush()?;
        Ok(conclude(&self.reader, clean, false))
    }
}

/// The final object; its schema is documented in docs/GUIDE.md
/// (`--format final`).
fn summary(turn: &Turn, clean: bool) -> Value {
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
        "error": turn.error,
    })
}
