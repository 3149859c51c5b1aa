//! What the end of an LLM stream tells the user on stderr, and how it failed.

use crate::extract::Reader;
use crate::failure::Failure;
use crate::notes::Notes;
use crate::plural::plural;

/// Notes an unusual finish reason (and, with `list_tool_calls`, the tool
/// calls) on stderr, and returns the stream's failure: the provider's
/// error, an answer that ended before its end marker, or (`strict`) one
/// without text.
pub fn conclude(
    reader: &Reader,
    clean: bool,
    list_tool_calls: bool,
    strict: bool,
    notes: &Notes,
) -> Option<Failure> {
    let turn = reader.turn();
    // Server text is quoted with its control characters escaped.
    let shown = crate::escape::escape_controls;
    if let Some(note) = turn.finish_reason.as_deref().and_then(finish_note) {
        notes.say(format_args!("ssecat: stopped: {}\n", shown(&note)));
    }
    if list_tool_calls {
        for call in &turn.tool_calls {
            let id = call.id.as_deref().map(|id| format!(" ({id})"));
            notes.say(format_args!(
                "ssecat: tool call {}{}: {}\n",
                shown(&call.name),
                shown(id.as_deref().unwrap_or_default()),
                shown(&call.arguments)
            ));
        }
    }
    if let Some(error) = &turn.error {
        return Some(Failure::InStream(error.clone()));
    }
    if turn.complete(clean) {
        return no_answer(reader, strict, notes);
    }
    let dialect = turn
        .dialect
        .map_or("unknown dialect", |dialect| dialect.name());
    Some(Failure::Incomplete(match turn.events {
        0 => format!("stream ended before completion ({dialect}, no events)"),
        n => format!(
            "stream ended before completion ({dialect}, {}, the last of type {:?})",
            plural(n, "event"),
            turn.last_event_type
        ),
    }))
}

/// An answer without text is told: it may be only tool calls, or a stream
/// whose dialect was not recognised. Under `--strict` it fails.
fn no_answer(reader: &Reader, strict: bool, notes: &Notes) -> Option<Failure> {
    let turn = reader.turn();
    if turn.text_chars > 0 {
        return None;
    }
    let why = match (turn.events, turn.tool_calls.len(), turn.dialect) {
        (0, _, _) => "nothing came before the end marker".to_owned(),
        (_, 0, Some(dialect)) => format!("the {} answer is empty", dialect.name()),
        (events, 0, None) if reader.is_pointer() => format!(
            "no string at the --extract pointer in {}",
            plural(events, "event")
        ),
        (events, 0, None) => format!(
            "no dialect recognised in {}; --dialect NAME or --extract /json/pointer \
             says where the text is",
            plural(events, "event")
        ),
        (_, calls, _) => format!("only {}", plural(calls as u64, "tool call")),
    };
    if strict {
        return Some(Failure::Strict(format!("--strict: no answer text: {why}")));
    }
    notes.say(format_args!("ssecat: warning: no answer text: {why}\n"));
    None
}

/// How a finish reason that is not a normal stop reads, across dialects.
fn finish_note(reason: &str) -> Option<String> {
    let note = match reason {
        "stop" | "end_turn" | "stop_sequence" | "STOP" | "COMPLETE" | "STOP_SEQUENCE"
        | "eos_token" | "eos" | "word" | "completed" => return None,
        // The stream's error says why.
        "failed" => return None,
        "length" | "max_tokens" | "MAX_TOKENS" | "max_output_tokens" | "limit" => {
            "max tokens reached"
        }
        "content_filter" | "SAFETY" | "RECITATION" | "BLOCKLIST" | "PROHIBITED_CONTENT"
        | "SPII" | "IMAGE_SAFETY" => "content filter",
        "tool_calls" | "function_call" | "tool_use" | "TOOL_CALL" => "tool calls",
        "refusal" => "refusal",
        other => return Some(other.to_owned()),
    };
    Some(note.to_owned())
}
