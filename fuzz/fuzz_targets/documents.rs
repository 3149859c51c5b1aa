//! Fuzzes what reads a body whose framing is not declared: how its first
//! bytes settle the framing (`ssecat::framing::settle`), and the readers of
//! whole JSON documents (`Reader::read_document`) with every dialect.
//!
//! - `settle` never panics, and what a prefix settles to is what the whole
//!   body settles to (a prefix may only be undecided), for each framing
//!   that is told by its bytes.
//! - `read_document` never panics, with detection, each dialect forced and
//!   an `--extract` pointer, and reads a body the same way twice.

#![no_main]

use clap::ValueEnum;
use libfuzzer_sys::fuzz_target;
use ssecat::extract::{Dialect, Extraction, Reader};
use ssecat::framing::{settle, Framing, Settled, Unlabelled};

fuzz_target!(|input: &[u8]| {
    for framing in [
        Framing::Json,
        Framing::Sniff(Unlabelled::Lenient),
        Framing::Sniff(Unlabelled::Checked),
    ] {
        let whole = settle(framing, input, true);
        for cut in 0..input.len().min(512) {
            let early = settle(framing, &input[..cut], false);
            assert!(
                early == Settled::Undecided || early == whole,
                "{framing:?} cut at {cut}: {early:?}, then {whole:?}"
            );
        }
    }
    let body = String::from_utf8_lossy(input);
    let mut extractions = vec![
        Extraction::Auto,
        Extraction::pointer("/a/0").expect("a valid pointer"),
    ];
    extractions.extend(Dialect::value_variants().iter().map(|d| Extraction::Dialect(*d)));
    for extraction in extractions {
        let mut first = Reader::new(extraction.clone());
        let mut second = Reader::new(extraction);
        let read = (first.read_document(&body), second.read_document(&body));
        assert_eq!(read.0, read.1);
        assert_eq!(format!("{:?}", first.turn()), format!("{:?}", second.turn()));
        let _ = (first.turn().complete(true), first.turn().complete(false));
    }
});
