//! Fuzzes `ssecat::sse::Decoder`.
//!
//! Input layout: a 5-byte header, then the SSE stream.
//!
//! | byte | meaning                                                          |
//! |------|------------------------------------------------------------------|
//! | 0-2  | chunk lengths, used in turn (0 feeds an empty chunk)             |
//! | 3    | bit 7: JSON Lines mode (`Decoder::json_lines`); bits 0-6: stop  |
//! |      | (`ControlFlow::Break`) after this many events, 0 = never         |
//! | 4    | a tiny max size (0..=255), tried besides 4096 and `usize::MAX`   |
//!
//! Inputs shorter than the header are padded with zeros.
//!
//! For every max size the stream is decoded whole, in the planned chunks and
//! in 1-byte chunks; the events, the error and `finish()` must be identical.

#![no_main]

use std::ops::ControlFlow;

use libfuzzer_sys::fuzz_target;
use ssecat::sse::{DecodeError, Decoder, Event, Unfinished};

const HEADER: usize = 5;

#[derive(Debug, Clone, PartialEq, Eq)]
struct OwnedEvent {
    event_type: String,
    data: String,
    id: String,
    retry: Option<u64>,
}

impl OwnedEvent {
    fn new(event: &Event<'_>) -> Self {
        assert!(!event.event_type.is_empty(), "empty event type: {event:?}");
        assert!(!event.data.contains('\r'), "CR in data: {event:?}");
        assert!(
            !event.id.contains(['\0', '\r', '\n']),
            "NUL, CR or LF in id: {event:?}"
        );
        OwnedEvent {
            event_type: event.event_type.to_owned(),
            data: event.data.to_owned(),
            id: event.id.to_owned(),
            retry: event.retry,
        }
    }
}

#[derive(Debug, PartialEq, Eq)]
struct Outcome {
    events: Vec<OwnedEvent>,
    /// The first error; decoding stops there, as the pipeline does.
    error: Option<DecodeError>,
    /// The callback asked to stop; decoding stops there, as the pipeline does.
    stopped: bool,
    /// `finish()`, called only when decoding neither failed nor stopped
    /// (the pipeline never calls it otherwise).
    finish: Option<Option<Unfinished>>,
}

fn decode<'s>(
    chunks: impl Iterator<Item = &'s [u8]>,
    max_size: usize,
    json_lines: bool,
    stop_after: usize,
) -> Outcome {
    let mut decoder = if json_lines {
        Decoder::json_lines(max_size)
    } else {
        Decoder::new(max_size)
    };
    let mut outcome = Outcome {
        events: Vec::new(),
        error: None,
        stopped: false,
        finish: None,
    };
    for chunk in chunks {
        let events = &mut outcome.events;
        let stopped = &mut outcome.stopped;
        let result = decoder.feed(chunk, |event| {
            assert!(!*stopped, "event after Break: {event:?}");
            events.push(OwnedEvent::new(event));
            if stop_after != 0 && events.len() >= stop_after {
                *stopped = true;
                ControlFlow::Break(())
            } else {
                ControlFlow::Continue(())
            }
        });
        if let Err(err) = result {
            outcome.error = Some(err);
            return outcome;
        }
        if outcome.stopped {
            return outcome;
        }
    }
    outcome.finish = Some(decoder.finish());
    outcome
}

/// Splits `stream` by cycling through `lengths` (zeros give empty chunks).
fn planned<'s>(stream: &'s [u8], lengths: &[usize]) -> Vec<&'s [u8]> {
    let lengths: &[usize] = if lengths.iter().all(|&n| n == 0) {
        &[1]
    } else {
        lengths
    };
    let mut chunks = Vec::new();
    let mut rest = stream;
    for &n in lengths.iter().cycle() {
        if rest.is_empty() {
            break;
        }
        let (chunk, tail) = rest.split_at(n.min(rest.len()));
        chunks.push(chunk);
        rest = tail;
    }
    // An empty chunk at the very end too.
    chunks.push(&[]);
    chunks
}

fuzz_target!(|input: &[u8]| {
    let mut header = [0u8; HEADER];
    let split = input.len().min(HEADER);
    header[..split].copy_from_slice(&input[..split]);
    let stream = &input[split..];

    let lengths = [header[0], header[1], header[2]].map(usize::from);
    let json_lines = header[3] & 0x80 != 0;
    let stop_after = usize::from(header[3] & 0x7f);
    let tiny = usize::from(header[4]);

    let plan = planned(stream, &lengths);
    for max_size in [tiny, 4096, usize::MAX] {
        let whole = decode(std::iter::once(stream), max_size, json_lines, stop_after);
        let in_plan = decode(plan.iter().copied(), max_size, json_lines, stop_after);
        assert_eq!(
            whole, in_plan,
            "planned chunks {lengths:?}, max size {max_size}"
        );
        let bytes = decode(stream.chunks(1), max_size, json_lines, stop_after);
        assert_eq!(whole, bytes, "1-byte chunks, max size {max_size}");
    }
});
