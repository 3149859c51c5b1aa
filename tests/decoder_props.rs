//! Property tests for `ssecat::sse::Decoder`.
//!
//! The decoder is compared with `oracle`, a deliberately naive, whole-input
//! reading of the WHATWG HTML rules ("Parsing an event stream" and
//! "Interpreting an event stream"), on generated streams full of edge cases:
//! every line ending, CR/LF pairs that straddle lines, BOMs and partial BOMs,
//! invalid UTF-8, NUL, colons, near-overflow `retry` values and unterminated
//! tails. Then chunking must not matter, and re-encoding the events as
//! canonical SSE must give them back.

use std::collections::BTreeSet;
use std::ops::ControlFlow;

use proptest::collection::{btree_set, vec};
use proptest::prelude::*;
use proptest::sample::select;
use proptest::test_runner::RngAlgorithm;
use ssecat::sse::Decoder;

/// An event copied out of the decoder (or made by the oracle), for comparing.
#[derive(Debug, Clone, PartialEq, Eq)]
struct Ev {
    event_type: String,
    data: String,
    id: String,
    retry: Option<u64>,
}

/// What decoding a whole stream gives: the events, then `finish()` as bytes.
type Outcome = (Vec<Ev>, Option<u64>);

// ---------------------------------------------------------------------------
// The oracle
// ---------------------------------------------------------------------------

mod oracle {
    use super::Ev;

    /// Decodes a complete stream the way the standard describes it, step by
    /// step, with no attempt at being incremental or fast.
    pub fn events(input: &[u8]) -> Vec<Ev> {
        // "Streams must be decoded using the UTF-8 decode algorithm": invalid
        // sequences become U+FFFD.
        let text = String::from_utf8_lossy(input);
        // "One leading U+FEFF BYTE ORDER MARK character must be ignored if any
        // are present."
        let text = text.strip_prefix('\u{FEFF}').unwrap_or(&text);

        let mut events = Vec::new();
        let mut data = String::new();
        let mut event_type = String::new();
        let mut last_event_id = String::new();
        let mut reconnection_time: Option<u64> = None;

        for line in lines(text) {
            // "If the line is empty (a blank line): dispatch the event."
            if line.is_empty() {
                if data.is_empty() {
                    data.clear();
                    event_type.clear();
                    continue;
                }
                if data.ends_with('\n') {
                    data.pop();
                }
                let typ = if event_type.is_empty() {
                    "message".to_string()
                } else {
                    event_type.clone()
                };
                events.push(Ev {
                    event_type: typ,
                    data: data.clone(),
                    id: last_event_id.clone(),
                    retry: reconnection_time,
                });
                data.clear();
                event_type.clear();
                continue;
            }
            // "If the line starts with a U+003A COLON character (:)": ignore it.
            if line.starts_with(':') {
                continue;
            }
            // "If the line contains a U+003A COLON character": split at the
            // first one and drop one leading space from the value. "Otherwise":
            // the whole line is the field name and the value is empty.
            let (field, value) = match line.split_once(':') {
                Some((field, value)) => (field, value.strip_prefix(' ').unwrap_or(value)),
                None => (line, ""),
            };
            // "Process the field": names are compared case-sensitively.
            match field {
                "event" => event_type = value.to_string(),
                "data" => {
                    data.push_str(value);
                    data.push('\n');
                }
                // An `id` whose value contains NUL is ignored.
                "id" if !value.contains('\0') => last_event_id = value.to_string(),
                "retry" => {
                    let all_digits = !value.is_empty() && value.bytes().all(|b| b.is_ascii_digit());
                    if all_digits {
                        // A value too large for u64 is ignored.
                        if let Ok(millis) = value.parse::<u64>() {
                            reconnection_time = Some(millis);
                        }
                    }
                }
                _ => {} // "Otherwise: the field is ignored."
            }
        }
        // "Once the end of the file is reached, any pending data must be
        // discarded."
        events
    }

    /// The terminated lines of `text`: a line ends at CRLF, at a lone LF or at
    /// a lone CR. A last line with no terminator is not returned.
    fn lines(text: &str) -> Vec<&str> {
        let mut lines = Vec::new();
        let mut start = 0;
        let mut chars = text.char_indices().peekable();
        while let Some((i, c)) = chars.next() {
            match c {
                '\n' => {
                    lines.push(&text[start..i]);
                    start = i + 1;
                }
                '\r' => {
                    lines.push(&text[start..i]);
                    start = i + 1;
                    if chars.peek().is_some_and(|&(_, next)| next == '\n') {
                        chars.next();
                        start = i + 2;
                    }
                }
                _ => {}
            }
        }
        lines
    }

    /// What `Decoder::finish` should report for a complete stream: the raw
    /// bytes after the last blank line (the BOM not counted), when they hold
    /// a line that is not a comment. This is the decoder's own contract, not
    /// the standard's, so it is worked out on bytes, apart from `events`.
    pub fn unfinished(input: &[u8]) -> Option<u64> {
        let body = input.strip_prefix(b"\xEF\xBB\xBF").unwrap_or(input);
        // (line, terminator length) for each terminated line, then the rest.
        let mut lines: Vec<(&[u8], usize)> = Vec::new();
        let mut start = 0;
        let mut i = 0;
        while i < body.len() {
            match body[i] {
                b'\n' => {
                    lines.push((&body[start..i], 1));
                    i += 1;
                    start = i;
                }
                b'\r' if body.get(i + 1) == Some(&b'\n') => {
                    lines.push((&body[start..i], 2));
                    i += 2;
                    start = i;
                }
                b'\r' => {
                    lines.push((&body[start..i], 1));
                    i += 1;
                    start = i;
                }
                _ => i += 1,
            }
        }
        let partial = &body[start..];
        let block_start = lines
            .iter()
            .rposition(|(line, _)| line.is_empty())
            .map_or(0, |blank| blank + 1);
        let block = &lines[block_start..];
        let is_field = |line: &[u8]| line.first().is_some_and(|&b| b != b':');
        let has_field = block.iter().any(|(line, _)| is_field(line)) || is_field(partial);
        let bytes: usize = block
            .iter()
            .map(|(line, end)| line.len() + end)
            .sum::<usize>()
            + partial.len();
        has_field.then_some(bytes as u64)
    }
}

// ---------------------------------------------------------------------------
// Driving the decoder
// ---------------------------------------------------------------------------

fn decode_chunks<'a>(chunks: impl IntoIterator<Item = &'a [u8]>) -> Outcome {
    let mut decoder = Decoder::new(1 << 20);
    let mut events = Vec::new();
    for chunk in chunks {
        decoder
            .feed(chunk, |e| {
                events.push(Ev {
                    event_type: e.event_type.to_owned(),
                    data: e.data.to_owned(),
                    id: e.id.to_owned(),
                    retry: e.retry,
                });
                ControlFlow::Continue(())
            })
            .expect("no input here is near the size limit");
    }
    (events, decoder.finish().map(|u| u.bytes))
}

fn decode_whole(input: &[u8]) -> Outcome {
    decode_chunks([input])
}

/// `input` cut at each position of `cuts` (positions 0 and `len` give empty
/// first or last chunks); with `empty_between`, an empty chunk after each.
fn cut<'a>(input: &'a [u8], cuts: &BTreeSet<usize>, empty_between: bool) -> Vec<&'a [u8]> {
    let mut chunks = Vec::new();
    let mut start = 0;
    for &at in cuts.iter().chain([&input.len()]) {
        chunks.push(&input[start..at]);
        if empty_between {
            chunks.push(&input[at..at]);
        }
        start = at;
    }
    chunks
}

/// The events written back as canonical SSE: `event:` when the type is not
/// `message`, `id:` and `retry:` when they changed, one `data:` per line.
fn encode(events: &[Ev]) -> Vec<u8> {
    let mut out = String::new();
    let mut id = "";
    let mut retry = None;
    for e in events {
        if e.event_type != "message" {
            out += &format!("event: {}\n", e.event_type);
        }
        if e.id != id {
            out += &format!("id: {}\n", e.id);
            id = &e.id;
        }
        if e.retry != retry {
            let millis = e.retry.expect("retry never goes back to unset");
            out += &format!("retry: {millis}\n");
            retry = e.retry;
        }
        for line in e.data.split('\n') {
            out += &format!("data: {line}\n");
        }
        out += "\n";
    }
    out.into_bytes()
}

// ---------------------------------------------------------------------------
// Strategies
// ---------------------------------------------------------------------------

/// Pieces of field values: ASCII, multibyte UTF-8, invalid UTF-8, NUL, colons,
/// spaces, signs, digits and a BOM out of place.
fn atom() -> impl Strategy<Value = &'static [u8]> {
    select(vec![
        &b"a"[..],
        b"b",
        b"xyz",
        "é".as_bytes(),
        "€".as_bytes(),
        "😀".as_bytes(),
        "日本".as_bytes(),
        b"\xFF",
        b"\xC3",         // lead byte with no continuation
        b"\xF0\x9F\x98", // truncated 4-byte sequence
        b"\xE2\x82",     // truncated 3-byte sequence
        b"\xC0\xAF",     // overlong
        b"\xEF\xBB\xBF", // a BOM inside a line
        b"\0",
        b":",
        b": ",
        b" ",
        b"  ",
        b"\t",
        b"+",
        b"-",
        b"0",
        b"1",
        b"5",
        b"9",
        b"42",
    ])
}

/// A field value: a mix of atoms, or digits only (for `retry`), including
/// values at and past the `u64` limit.
fn value() -> impl Strategy<Value = Vec<u8>> {
    let digit = select(b"0123456789".to_vec());
    prop_oneof![
        8 => vec(atom(), 0..6).prop_map(|atoms| atoms.concat()),
        2 => vec(digit, 1..6),
        1 => any::<u64>().prop_map(|n| n.to_string().into_bytes()),
        1 => select(vec![
            "18446744073709551615", // u64::MAX
            "18446744073709551616", // u64::MAX + 1
            "99999999999999999999999",
            "00000000000000000000000000007",
        ])
        .prop_map(|s| s.as_bytes().to_vec()),
    ]
}

fn field_name() -> impl Strategy<Value = &'static [u8]> {
    prop_oneof![
        4 => Just(&b"data"[..]),
        1 => select(vec![&b"event"[..], b"id", b"retry"]),
        1 => select(vec![&b"Data"[..], b"unknown", b"", b"data ", b" data", b"\xEF\xBB\xBFdata"]),
    ]
}

/// What comes between the name and the value: nothing (no colon: the value
/// then runs into the name), or a colon with 0, 1 or 2 spaces or a tab.
fn separator() -> impl Strategy<Value = &'static [u8]> {
    prop_oneof![
        1 => Just(&b""[..]),
        2 => Just(&b":"[..]),
        5 => Just(&b": "[..]),
        1 => select(vec![&b":  "[..], b":\t"]),
    ]
}

/// One line, without its terminator: blank, comment or field.
fn line() -> impl Strategy<Value = Vec<u8>> {
    prop_oneof![
        3 => Just(Vec::new()),
        1 => value().prop_map(|v| [&b":"[..], &v].concat()),
        8 => (field_name(), separator(), value()).prop_map(|(name, sep, v)| [name, sep, &v].concat()),
    ]
}

fn terminator() -> impl Strategy<Value = &'static [u8]> {
    select(vec![&b"\n"[..], b"\r\n", b"\r"])
}

fn start() -> impl Strategy<Value = &'static [u8]> {
    prop_oneof![
        6 => Just(&b""[..]),
        3 => Just(&b"\xEF\xBB\xBF"[..]),
        1 => select(vec![&b"\xEF"[..], b"\xEF\xBB", b"\xEF\xBB\xBF\xEF\xBB\xBF", b"\xEF\xBB\xBF\xEF\xBB"]),
    ]
}

/// A whole stream: maybe a BOM (or part of one, or two), terminated lines,
/// maybe an unterminated last line. A CR that ends one line followed by a
/// blank line ending in LF reads as one CRLF: that is on purpose.
fn stream() -> impl Strategy<Value = Vec<u8>> {
    stream_of(0..24)
}

/// A stream of up to some hundreds of lines: long enough that the line
/// scan's 64-byte blocks end anywhere in lines, and that runs of data
/// lines are long.
fn long_stream() -> impl Strategy<Value = Vec<u8>> {
    stream_of(24..400)
}

fn stream_of(lines: std::ops::Range<usize>) -> impl Strategy<Value = Vec<u8>> {
    (
        start(),
        vec((line(), terminator()), lines),
        prop::option::weighted(0.3, line()),
    )
        .prop_map(|(start, lines, tail)| {
            let mut out = start.to_vec();
            for (line, end) in lines {
                out.extend_from_slice(&line);
                out.extend_from_slice(end);
            }
            out.extend(tail.unwrap_or_default());
            out
        })
}

/// A stream with a sorted set of cut positions in `0..=len`.
fn stream_and_cuts() -> impl Strategy<Value = (Vec<u8>, BTreeSet<usize>)> {
    with_cuts(stream())
}

fn with_cuts(
    stream: impl Strategy<Value = Vec<u8>>,
) -> impl Strategy<Value = (Vec<u8>, BTreeSet<usize>)> {
    stream.prop_flat_map(|input| {
        let n = input.len();
        let cuts = btree_set(0..=n, 0..=(n + 1).min(12));
        (Just(input), cuts)
    })
}

fn config(cases: u32) -> ProptestConfig {
    ProptestConfig {
        cases,
        // Failures are kept below as plain tests, not in a regressions file.
        failure_persistence: None,
        // ChaCha, the default, dominates the run time in debug builds.
        rng_algorithm: RngAlgorithm::XorShift,
        ..ProptestConfig::default()
    }
}

// ---------------------------------------------------------------------------
// Properties
// ---------------------------------------------------------------------------

proptest! {
    #![proptest_config(config(4000))]

    /// (a) The decoder fed the whole stream gives exactly the oracle's events.
    #[test]
    fn whole_stream_matches_the_oracle(input in stream()) {
        let (events, _) = decode_whole(&input);
        prop_assert_eq!(events, oracle::events(&input), "input {:?}", input);
    }

    /// (b) Any chunking gives the same events and `finish()` as the whole.
    #[test]
    fn any_chunking_matches_whole(
        (input, cuts) in stream_and_cuts(),
        empty_between in proptest::bool::weighted(0.2),
    ) {
        let chunks = cut(&input, &cuts, empty_between);
        prop_assert_eq!(decode_chunks(chunks.iter().copied()), decode_whole(&input), "chunks {:?}", chunks);
    }
}

proptest! {
    #![proptest_config(config(3000))]

    /// (c) One byte at a time gives the same events and `finish()` as the whole.
    #[test]
    fn one_byte_chunks_match_whole(input in stream()) {
        prop_assert_eq!(decode_chunks(input.chunks(1)), decode_whole(&input), "input {:?}", input);
    }

    /// (d) Events written back as canonical SSE decode to the same events
    /// (type, data, and also id and retry), with nothing left over.
    #[test]
    fn canonical_reencoding_round_trips(input in stream()) {
        let (events, _) = decode_whole(&input);
        let encoded = encode(&events);
        let (again, rest) = decode_whole(&encoded);
        let type_and_data = |evs: &[Ev]| -> Vec<(String, String)> {
            evs.iter().map(|e| (e.event_type.clone(), e.data.clone())).collect()
        };
        prop_assert_eq!(type_and_data(&again), type_and_data(&events), "encoded {:?}", String::from_utf8_lossy(&encoded));
        prop_assert_eq!(again, events);
        prop_assert_eq!(rest, None);
    }

    /// (e) `finish()` reports the bytes after the last blank line exactly
    /// when they hold a line that is not a comment.
    #[test]
    fn finish_reports_the_unclosed_block(input in stream()) {
        let (_, rest) = decode_whole(&input);
        prop_assert_eq!(rest, oracle::unfinished(&input), "input {:?}", input);
    }
}

proptest! {
    #![proptest_config(config(300))]

    /// (f) Long streams, whole and in any chunking, give the oracle's events.
    #[test]
    fn long_streams_match_the_oracle_in_any_chunking((input, cuts) in with_cuts(long_stream())) {
        let (events, _) = decode_whole(&input);
        prop_assert_eq!(&events, &oracle::events(&input), "input {:?}", input);
        let chunks = cut(&input, &cuts, false);
        prop_assert_eq!(decode_chunks(chunks.iter().copied()), decode_whole(&input), "chunks {:?}", chunks);
    }
}

// ---------------------------------------------------------------------------
// Fixtures and the oracle itself
// ---------------------------------------------------------------------------

#[test]
fn llm_fixtures_match_the_oracle_in_any_chunking() {
    let dir = std::path::Path::new(env!("CARGO_MANIFEST_DIR")).join("tests/fixtures/llm");
    let mut files = 0;
    for entry in std::fs::read_dir(&dir).unwrap() {
        let path = entry.unwrap().path();
        if path.extension().is_none_or(|e| e != "sse") {
            continue;
        }
        files += 1;
        let input = std::fs::read(&path).unwrap();
        let expected = oracle::events(&input);
        let whole = decode_whole(&input);
        assert_eq!(whole.0, expected, "{path:?} whole");
        assert_eq!(
            whole.1,
            oracle::unfinished(&input),
            "{path:?} whole, finish()"
        );
        for size in [1, 2, 3, 7, 64] {
            assert_eq!(
                decode_chunks(input.chunks(size)),
                whole,
                "{path:?} in {size}-byte chunks"
            );
        }
    }
    assert!(files >= 10, "found only {files} fixtures in {dir:?}");
}

/// The oracle on hand-checked inputs, so that agreeing with it means something.
#[test]
fn the_oracle_reads_the_standard_examples() {
    let msg = |data: &str, id: &str| Ev {
        event_type: "message".into(),
        data: data.into(),
        id: id.into(),
        retry: None,
    };
    // The examples of the standard's "Event stream interpretation" section.
    assert_eq!(
        oracle::events(b"data: YHOO\ndata: +2\ndata: 10\n\n"),
        [msg("YHOO\n+2\n10", "")]
    );
    assert_eq!(
        oracle::events(b": test stream\n\ndata: first event\nid: 1\n\ndata:second event\nid\n\ndata:  third event\n"),
        [msg("first event", "1"), msg("second event", "")]
    );
    assert_eq!(
        oracle::events(b"data\n\ndata\ndata\n\ndata:"),
        [msg("", ""), msg("\n", "")]
    );
    assert_eq!(
        oracle::events(b"data:test\n\ndata: test\n\n"),
        [msg("test", ""), msg("test", "")]
    );
    // Line ends, BOM, types, retry, NUL in id.
    assert_eq!(
        oracle::events(b"\xEF\xBB\xBFevent: a\r\ndata: 1\r\rretry: 7\rid: x\0\ndata: \xFF\n\n"),
        [
            Ev {
                event_type: "a".into(),
                data: "1".into(),
                id: "".into(),
                retry: None
            },
            Ev {
                event_type: "message".into(),
                data: "\u{FFFD}".into(),
                id: "".into(),
                retry: Some(7)
            },
        ]
    );
    assert_eq!(oracle::events(b"event: a\n\ndata: b\n\n"), [msg("b", "")]);
    assert_eq!(oracle::events(b"\xEF\xBB\xBF\xEF\xBB\xBFdata: a\n\n"), []);
    assert_eq!(oracle::unfinished(b"data: a\n\n: c\ndata: b\n"), Some(12));
    assert_eq!(oracle::unfinished(b"data: a\n\n: keep-al"), None);
    assert_eq!(oracle::unfinished(b"\xEF\xBB"), Some(2));
}
