//! Fuzzes the LLM dialect readers (`ssecat::extract`): any stream, read
//! with every dialect, never panics, and how the bytes are chunked never
//! changes what a dialect assembles.
//!
//! Input layout: a 2-byte header, then the stream.
//!
//! | byte | meaning                                                       |
//! |------|---------------------------------------------------------------|
//! | 0    | bit 0: newline-delimited JSON instead of SSE                  |
//! | 1    | the length of the chunks of the second reading (0 means 1)    |
//!
//! Each input is read with detection (`Auto`), with each of the dialects
//! forced, and with an `--extract` pointer; each way, the stream read whole
//! and in chunks must assemble the same `Turn`.

#![no_main]

use std::ops::ControlFlow;

use clap::ValueEnum;
use libfuzzer_sys::fuzz_target;
use ssecat::extract::{Dialect, Extraction, Reader};
use ssecat::sse::Decoder;

const HEADER: usize = 2;

/// The turn `extraction` assembles from `stream` fed in `piece`-byte chunks,
/// as its debug text (which shows every field).
fn read(stream: &[u8], json_lines: bool, extraction: &Extraction, piece: usize) -> String {
    let mut decoder = if json_lines {
        Decoder::json_lines(1 << 16)
    } else {
        Decoder::new(1 << 16)
    };
    let mut reader = Reader::new(extraction.clone());
    let mut on_event = |event: &ssecat::sse::Event<'_>| {
        reader.read(event);
        ControlFlow::Continue(())
    };
    for chunk in stream.chunks(piece) {
        if decoder.feed(chunk, &mut on_event).is_err() {
            break;
        }
    }
    if json_lines {
        let _ = decoder.feed(b"\n", &mut on_event);
    }
    let turn = reader.turn();
    // Both endings must be answerable on any stream.
    let _ = (turn.complete(true), turn.complete(false));
    format!("{turn:?}")
}

fuzz_target!(|input: &[u8]| {
    let header = [input.first().copied().unwrap_or(0), input.get(1).copied().unwrap_or(0)];
    let stream = input.get(HEADER..).unwrap_or_default();
    let json_lines = header[0] & 1 == 1;
    let piece = usize::from(header[1]).max(1);
    let mut extractions = vec![
        Extraction::Auto,
        Extraction::pointer("/a/0").expect("a valid pointer"),
    ];
    extractions.extend(Dialect::value_variants().iter().map(|d| Extraction::Dialect(*d)));
    for extraction in &extractions {
        let whole = read(stream, json_lines, extraction, usize::MAX);
        let chunked = read(stream, json_lines, extraction, piece);
        assert_eq!(whole, chunked, "{extraction:?} in {piece}-byte chunks");
    }
});
