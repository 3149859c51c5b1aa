//! A response that was not streamed, read by the writers of the answer.

use super::Document;
use crate::extract::{DocumentRead, Reader};

/// Reads a whole JSON document into `reader` as the answer. After the
/// document was read as the stream's only event (`after_event`), that
/// reading stands unless it found nothing: no text, tool call or error.
pub fn read_answer_document(reader: &mut Reader, document: &str, after_event: bool) -> Document {
    let turn = reader.turn();
    let found = turn.deltas > 0 || turn.error.is_some() || !turn.tool_calls.is_empty();
    if after_event && found {
        return Document::Kept;
    }
    // A fresh reader, so what the event added is not counted twice.
    let mut fresh = reader.fresh();
    match fresh.read_document(document) {
        DocumentRead::Read => {
            *reader = fresh;
            Document::Read
        }
        _ if after_event => Document::Kept,
        _ => Document::Unreadable,
    }
}
