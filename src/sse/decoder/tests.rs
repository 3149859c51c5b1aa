use super::*;

/// An event copied out of the decoder, for comparing.
#[derive(Debug, Clone, PartialEq, Eq)]
struct Owned {
    event_type: String,
    data: String,
    id: String,
    retry: Option<u64>,
}

fn ev(event_type: &str, data: &str) -> Owned {
    Owned {
        event_type: event_type.into(),
        data: data.into(),
        id: String::new(),
        retry: None,
    }
}

fn msg(data: &str) -> Owned {
    ev("message", data)
}

impl Owned {
    fn id(mut self, id: &str) -> Self {
        self.id = id.into();
        self
    }
    fn retry(mut self, retry: u64) -> Self {
        self.retry = Some(retry);
        self
    }
}

type Outcome = (Vec<Owned>, Option<Unfinished>);

fn decode_chunks<'a>(chunks: impl IntoIterator<Item = &'a [u8]>) -> Result<Outcome, DecodeError> {
    let mut decoder = Decoder::new(1 << 20);
    let mut events = Vec::new();
    for chunk in chunks {
        decoder.feed(chunk, |e| {
            events.push(Owned {
                event_type: e.event_type.into(),
                data: e.data.into(),
                id: e.id.into(),
                retry: e.retry,
            });
            ControlFlow::Continue(())
        })?;
    }
    Ok((events, decoder.finish()))
}

/// Every way of cutting `input` that the tests try: whole, one cut at every
/// position, two cuts at every pair of positions (short inputs), 1-byte pieces.
fn chunkings(input: &[u8]) -> Vec<Vec<&[u8]>> {
    let n = input.len();
    let mut all = vec![vec![input], input.chunks(1).collect()];
    for i in 0..=n {
        all.push(vec![&input[..i], &input[i..]]);
    }
    if n <= 48 {
        for i in 0..=n {
            for j in i..=n {
                all.push(vec![&input[..i], &input[i..j], &input[j..]]);
            }
        }
    }
    all
}

/// Decodes `input` in every chunking and checks each gives `expected`.
fn check(input: &[u8], expected: &[Owned], unfinished: Option<u64>) {
    for chunks in chunkings(input) {
        let (events, rest) = decode_chunks(chunks.iter().copied()).unwrap();
        assert_eq!(events, expected, "input {input:?} cut as {chunks:?}");
        assert_eq!(
            rest.map(|u| u.bytes),
            unfinished,
            "unfinished bytes, input {input:?} cut as {chunks:?}"
        );
    }
}

#[test]
fn every_line_ending_ends_a_line() {
    let expected = [msg("a"), msg("b")];
    check(b"data: a\n\ndata: b\n\n", &expected, None);
    check(b"data: a\r\n\r\ndata: b\r\n\r\n", &expected, None);
    check(b"data: a\r\rdata: b\r\r", &expected, None);
    check(b"data: a\r\n\rdata: b\n\r\n", &expected, None);
}

#[test]
fn crlf_is_one_line_end_not_two() {
    check(b"data: a\r\ndata: b\r\n\r\n", &[msg("a\nb")], None);
}

#[test]
fn a_final_cr_dispatches_without_waiting_for_more_bytes() {
    let mut decoder = Decoder::new(1024);
    let mut seen = Vec::new();
    for chunk in [&b"data: x\r\n\r"[..], b"\ndata: y\r\n\r"] {
        decoder
            .feed(chunk, |e| {
                seen.push(e.data.to_owned());
                ControlFlow::Continue(())
            })
            .unwrap();
        // Each chunk's event is out before the next chunk (and its LF) arrives.
        assert_eq!(seen.len(), if chunk.starts_with(b"\n") { 2 } else { 1 });
    }
    assert_eq!(decoder.finish(), None);
}

#[test]
fn lf_after_a_chunk_final_cr_is_not_a_blank_line() {
    let mut decoder = Decoder::new(1024);
    let mut count = 0;
    for chunk in [&b"data: a\r"[..], b"\n", b"data: b\r", b"\n", b"\r", b"\n"] {
        decoder
            .feed(chunk, |e| {
                assert_eq!(e.data, "a\nb");
                count += 1;
                ControlFlow::Continue(())
            })
            .unwrap();
    }
    assert_eq!(count, 1);
}

#[test]
fn one_leading_bom_is_dropped() {
    check(b"\xEF\xBB\xBFdata: a\n\n", &[msg("a")], None);
    // Only the first: a second BOM makes the field name unknown.
    check(
        b"\xEF\xBB\xBF\xEF\xBB\xBFdata: a\n\ndata: b\n\n",
        &[msg("b")],
        None,
    );
    // Not at the start: part of the value.
    check(b"data: \xEF\xBB\xBFa\n\n", &[msg("\u{FEFF}a")], None);
}

#[test]
fn a_partial_bom_is_part_of_the_first_line() {
    check(b"\xEF\xBBdata: a\n\ndata: b\n\n", &[msg("b")], None);
    check(b"\xEF\xBB", &[], Some(2));
    check(b"\xEF", &[], Some(1));
    check(b"\xEF\n\ndata: b\n\n", &[msg("b")], None);
}

#[test]
fn invalid_utf8_becomes_replacement_characters() {
    check(b"data: a\xFFb\xC3\n\n", &[msg("a\u{FFFD}b\u{FFFD}")], None);
    check(
        b"event: \xE2\x82\ndata: \xF0\x9F\x98\x80\xF0\x9F\x98\n\n",
        &[ev("\u{FFFD}", "\u{1F600}\u{FFFD}")],
        None,
    );
    // Invalid bytes before a field name make it unknown, as the standard decodes first.
    check(b"\xF0\x9F\x98data: a\n\ndata: b\n\n", &[msg("b")], None);
    check(
        b"id: \xC0\xAF\ndata: x\n\n",
        &[msg("x").id("\u{FFFD}\u{FFFD}")],
        None,
    );
}

#[test]
fn multibyte_characters_survive_any_cut() {
    let text = "Ça va très bien 🇫🇷 日本";
    let input = format!("data: {text}\r\n\r\n");
    check(input.as_bytes(), &[msg(text)], None);
}

#[test]
fn long_data_is_checked_as_utf8_wherever_its_non_ascii_byte_is() {
    // Past 32 bytes the data is checked a block at a time, and the last
    // block overlaps the one before: a bad byte anywhere must be seen.
    for len in [31, 32, 33, 63, 64, 65, 100] {
        for at in 0..len {
            let mut value = vec![b'x'; len];
            value[at] = 0xFF;
            let mut input = b"data: ".to_vec();
            input.extend_from_slice(&value);
            input.extend_from_slice(b"\n\n");
            let mut expected = "x".repeat(len);
            expected.replace_range(at..at + 1, "\u{FFFD}");
            let mut two_lines = input.clone();
            two_lines.splice(..0, b"data: y\n".iter().copied());
            for (input, data) in [
                (input, expected.clone()),
                (two_lines, format!("y\n{expected}")),
            ] {
                let (events, _) = decode_chunks([&input[..]]).unwrap();
                assert_eq!(events, [msg(&data)], "bad byte at {at} of {len}");
            }
        }
    }
}

#[test]
fn comments_and_unknown_fields_are_ignored() {
    check(
        b": hello\ndata: a\n:\nfoo: bar\nData: no\n\n",
        &[msg("a")],
        None,
    );
}

#[test]
fn a_field_without_colon_has_an_empty_value() {
    check(b"data\ndata\n\n", &[msg("\n")], None);
    check(b"data\n\n", &[msg("")], None);
    check(b"event\ndata: a\n\n", &[msg("a")], None);
    check(b"id\ndata: a\n\n", &[msg("a")], None);
}

#[test]
fn only_one_leading_space_is_removed() {
    check(b"data:a\n\n", &[msg("a")], None);
    check(b"data:  a \n\n", &[msg(" a ")], None);
    check(b"data:\ta\n\n", &[msg("\ta")], None);
    check(b"event:  x\ndata: a\n\n", &[ev(" x", "a")], None);
    check(b"data: a:b: c\n\n", &[msg("a:b: c")], None);
}

#[test]
fn data_lines_join_with_lf() {
    check(b"data: a\ndata:\ndata: b\n\n", &[msg("a\n\nb")], None);
}

#[test]
fn a_blank_line_without_data_dispatches_nothing_and_clears_the_type() {
    check(b"event: x\n\ndata: a\n\n", &[msg("a")], None);
    check(b"\n\n\n", &[], None);
    check(b"event: x\nid: 1\n\ndata: a\n\n", &[msg("a").id("1")], None);
}

#[test]
fn type_defaults_to_message_and_is_per_event() {
    check(
        b"event: add\ndata: 1\n\ndata: 2\n\nevent:\ndata: 3\n\n",
        &[ev("add", "1"), msg("2"), msg("3")],
        None,
    );
}

#[test]
fn the_last_id_persists_until_changed_or_reset() {
    check(
        b"id: 7\ndata: a\n\ndata: b\n\nid:\ndata: c\n\nid: 8\ndata: d\n\n",
        &[
            msg("a").id("7"),
            msg("b").id("7"),
            msg("c"),
            msg("d").id("8"),
        ],
        None,
    );
}

#[test]
fn an_id_with_nul_is_ignored() {
    check(
        b"id: 1\n\nid: 2\x003\ndata: a\n\n",
        &[msg("a").id("1")],
        None,
    );
}

#[test]
fn retry_takes_only_ascii_digits() {
    check(b"retry: 1500\ndata: a\n\n", &[msg("a").retry(1500)], None);
    for bad in [
        &b"+5"[..],
        b" 7",
        b"7 ",
        b"-1",
        b"",
        b"1.5",
        b"\xD9\xA3",     // ARABIC-INDIC DIGIT THREE
        b"\xEF\xBC\x93", // FULLWIDTH DIGIT THREE
        b"99999999999999999999999",
    ] {
        let mut input = b"retry: 10\n\nretry: ".to_vec();
        input.extend_from_slice(bad);
        input.extend_from_slice(b"\ndata: a\n\n");
        check(&input, &[msg("a").retry(10)], None);
    }
    check(
        b"retry: 0\ndata: a\n\nretry: 18446744073709551615\ndata: b\n\n",
        &[msg("a").retry(0), msg("b").retry(u64::MAX)],
        None,
    );
}

#[test]
fn an_unfinished_block_is_not_dispatched_and_is_measured() {
    check(b"data: a\n\ndata: b\n", &[msg("a")], Some(8));
    check(b"data: a\n\ndata: b", &[msg("a")], Some(7));
    check(
        b"data: a\r\n\r\nid: 1\r\ndata: b\r\n",
        &[msg("a")],
        Some(16),
    );
    check(b"data: a\n", &[], Some(8));
    check(b"event: x\r\n", &[], Some(10));
}

#[test]
fn trailing_comments_are_not_an_unfinished_event() {
    check(b"data: a\n\n: keep-alive\n", &[msg("a")], None);
    check(b"data: a\n\n: keep-al", &[msg("a")], None);
    check(b"data: a\n\n: c\ndata: b\n", &[msg("a")], Some(12));
}

#[test]
fn the_callback_can_stop_decoding() {
    let mut decoder = Decoder::new(1024);
    let mut seen = Vec::new();
    decoder
        .feed(b"data: 1\n\ndata: 2\n\ndata: 3\n\n", |e| {
            seen.push(e.data.to_owned());
            if e.data == "2" {
                ControlFlow::Break(())
            } else {
                ControlFlow::Continue(())
            }
        })
        .unwrap();
    assert_eq!(seen, ["1", "2"]);
}

#[test]
fn lines_and_events_over_the_limit_are_errors_in_every_chunking() {
    let long_line = [b"data: ".as_slice(), &[b'x'; 40], b"\n\n"].concat();
    let many_lines = b"data: 0123456789\n".repeat(5);
    let unfinished = [b"data: ".as_slice(), &[b'x'; 40]].concat();
    // The limit is on decoded data: 8 invalid bytes are 24 bytes of U+FFFD.
    let grown_by_decoding = [b"data: ".as_slice(), &[0xFF; 8], b"\ndata: 12345678\n\n"].concat();
    for input in [&long_line, &many_lines, &unfinished, &grown_by_decoding] {
        for chunks in chunkings(input) {
            let mut decoder = Decoder::new(32);
            let result = chunks
                .iter()
                .try_for_each(|c| decoder.feed(c, |_| ControlFlow::Continue(())));
            assert_eq!(
                result,
                Err(DecodeError::TooLarge { limit: 32 }),
                "cut as {chunks:?}"
            );
        }
    }
    // Exactly at the limit is fine.
    let mut decoder = Decoder::new(32);
    let at_limit = [b"data: ".as_slice(), &[b'x'; 26], b"\n\n"].concat();
    let mut got = 0;
    decoder
        .feed(&at_limit, |_| {
            got += 1;
            ControlFlow::Continue(())
        })
        .unwrap();
    assert_eq!(got, 1);
}

#[test]
fn a_long_line_in_small_chunks_is_not_rescanned() {
    // Linear cost shows as the held tail growing by exactly each chunk.
    let mut decoder = Decoder::new(8 << 20);
    let piece = vec![b'x'; 4096];
    decoder
        .feed(b"data: ", |_| ControlFlow::Continue(()))
        .unwrap();
    for _ in 0..256 {
        decoder.feed(&piece, |_| ControlFlow::Continue(())).unwrap();
    }
    assert_eq!(decoder.tail.len(), 6 + 256 * 4096);
    let mut len = 0;
    decoder
        .feed(b"\n\n", |e| {
            len = e.data.len();
            ControlFlow::Continue(())
        })
        .unwrap();
    assert_eq!(len, 1 << 20);
}

#[test]
fn json_lines_mode_makes_each_line_an_event() {
    let input = b"{\"a\":1}\n\n{\"b\":\r\n2}\r[3]\n";
    for chunks in chunkings(input) {
        let mut decoder = Decoder::json_lines(1024);
        let mut got = Vec::new();
        for chunk in &chunks {
            decoder
                .feed(chunk, |e| {
                    got.push((e.event_type.to_owned(), e.data.to_owned()));
                    ControlFlow::Continue(())
                })
                .unwrap();
        }
        let expected =
            ["{\"a\":1}", "{\"b\":", "2}", "[3]"].map(|d| ("message".to_owned(), d.to_owned()));
        assert_eq!(got, expected, "cut as {chunks:?}");
        assert_eq!(decoder.finish(), None);
    }
}

#[test]
fn unknown_fields_are_ignored_and_reported_once_per_name() {
    let input = b"error: {\"code\":500}\ndata: a\nfoo\nerror: again\n\ndata: b\nfoo: 2\n\n";
    for chunks in chunkings(input) {
        let mut decoder = Decoder::new(1 << 20);
        let mut ignored = Vec::new();
        let mut data = Vec::new();
        for chunk in chunks {
            decoder
                .feed(chunk, |event| {
                    data.push(event.data.to_owned());
                    ControlFlow::Continue(())
                })
                .unwrap();
            ignored.extend(decoder.take_ignored());
        }
        assert_eq!(data, ["a", "b"]);
        let names: Vec<(&str, &str)> = ignored
            .iter()
            .map(|f| (f.name.as_str(), f.value.as_str()))
            .collect();
        assert_eq!(names, [("error", "{\"code\":500}"), ("foo", "")]);
    }
}

#[test]
fn ignored_fields_are_bounded() {
    let mut decoder = Decoder::new(1 << 20);
    let mut input = String::new();
    for i in 0..100 {
        input.push_str(&format!("f{i}: {}\n", "v".repeat(1000)));
    }
    decoder
        .feed(input.as_bytes(), |_| ControlFlow::Continue(()))
        .unwrap();
    let ignored = decoder.take_ignored();
    assert_eq!(ignored.len(), 8);
    assert!(ignored.iter().all(|f| f.value.len() == 200));
    assert!(decoder.take_ignored().is_empty());
}

/// Feeds `chunks` to `decoder`, returning each event's data and id.
fn feed_all(decoder: &mut Decoder, chunks: &[&[u8]]) -> Vec<(String, String)> {
    let mut events = Vec::new();
    for chunk in chunks {
        decoder
            .feed(chunk, |event| {
                events.push((event.data.to_owned(), event.id.to_owned()));
                ControlFlow::Continue(())
            })
            .unwrap();
    }
    events
}

fn pair(data: &str, id: &str) -> (String, String) {
    (data.to_owned(), id.to_owned())
}

#[test]
fn restart_drops_the_unfinished_block_and_keeps_the_resume_state() {
    let mut decoder = Decoder::new(1 << 20);
    let events = feed_all(
        &mut decoder,
        &[b"id: 7\nretry: 1500\ndata: a\n\ndata: cut\r"],
    );
    assert_eq!(events, [pair("a", "7")]);
    assert_eq!(decoder.restart(), Some(Unfinished { bytes: 10 }));
    let resume = Resume {
        last_event_id: "7".to_owned(),
        retry: Some(1500),
    };
    assert_eq!(decoder.resume(), &resume);
    // A new body is a new stream: its BOM is dropped, the LF after the old
    // CR is not taken for the end of a line, and its id buffer starts
    // empty, so its first event carries no id.
    let events = feed_all(&mut decoder, &[b"\xEF\xBB\xBF\ndata: b\n\n"]);
    assert_eq!(events, [pair("b", "")]);
    // That event, without an id, made the last event ID empty.
    assert_eq!(decoder.resume().last_event_id, "");
    assert_eq!(decoder.resume().retry, Some(1500));
    assert_eq!(decoder.restart(), None);
}

#[test]
fn an_unfinished_blocks_id_is_never_the_last_event_id() {
    let input: &[u8] =
        b"id: 1\ndata: a\n\nid: 2\ndata: b\n\nid: 3\ndata: c\n\nid: 4\ndata: partial\n";
    for chunks in chunkings(input) {
        let mut decoder = Decoder::new(1 << 20);
        let events = feed_all(&mut decoder, &chunks);
        assert_eq!(events, [pair("a", "1"), pair("b", "2"), pair("c", "3")]);
        assert_eq!(decoder.resume().last_event_id, "3", "cut as {chunks:?}");
        decoder.restart();
        assert_eq!(decoder.resume().last_event_id, "3", "cut as {chunks:?}");
        // Nor does it label the next connection's events.
        let events = feed_all(&mut decoder, &[b"data: d\n\nid: 5\ndata: e\n\n"]);
        assert_eq!(events, [pair("d", ""), pair("e", "5")]);
        assert_eq!(decoder.resume().last_event_id, "5");
    }
}

#[test]
fn a_blank_line_commits_the_id_without_an_event() {
    // Dispatch sets the last event ID before it finds no data to send.
    for chunks in chunkings(b"id: 1\ndata: a\n\nid: 9\n\nid: 10\n") {
        let mut decoder = Decoder::new(1 << 20);
        let events = feed_all(&mut decoder, &chunks);
        assert_eq!(events, [pair("a", "1")]);
        assert_eq!(decoder.resume().last_event_id, "9", "cut as {chunks:?}");
    }
}

#[test]
fn a_resumed_decoder_keeps_the_id_until_its_first_dispatch() {
    let resume = Resume {
        last_event_id: "5".to_owned(),
        retry: Some(10),
    };
    let mut decoder = Decoder::new(1 << 20).resuming(resume.clone());
    assert_eq!(decoder.resume(), &resume);
    feed_all(&mut decoder, &[b": ping\n\nid: 6\n"]);
    // A heartbeat does not empty it, and id 6 has not been dispatched.
    assert_eq!(decoder.resume(), &resume);
    let events = feed_all(&mut decoder, &[b"data: a\n\ndata: b\n\n"]);
    assert_eq!(events, [pair("a", "6"), pair("b", "6")]);
    assert_eq!(decoder.resume().last_event_id, "6");
}

#[test]
fn a_strict_decoder_stops_at_an_unknown_field() {
    let input: &[u8] = b"data: a\n\nfoo: bar\ndata: b\n\ndata: c\n\n";
    for chunks in chunkings(input) {
        let mut decoder = Decoder::new(1 << 20).stopping_at_unknown_fields();
        let mut events = Vec::new();
        for chunk in &chunks {
            decoder
                .feed(chunk, |event| {
                    events.push(event.data.to_owned());
                    ControlFlow::Continue(())
                })
                .unwrap();
            if !decoder.ignored.is_empty() {
                break;
            }
        }
        assert_eq!(events, ["a"], "cut as {chunks:?}");
        let ignored = decoder.take_ignored();
        assert_eq!(ignored.len(), 1);
        assert_eq!(
            (ignored[0].name.as_str(), ignored[0].value.as_str()),
            ("foo", "bar")
        );
    }
}

/// Data lines of every length from `min` to `max`, ended by `terminator`,
/// then a blank line: line ends fall at every offset of the 64-byte blocks
/// the line scan reads.
fn data_lines(min: usize, max: usize, terminator: &str) -> (String, String) {
    let mut input = String::new();
    let mut values = Vec::new();
    for len in min..=max {
        let value: String = (0..len)
            .map(|i| char::from(b'a' + (i % 26) as u8))
            .collect();
        input.push_str(&format!("data: {value}{terminator}"));
        values.push(value);
    }
    input.push_str(terminator);
    (input, values.join("\n"))
}

#[test]
fn line_ends_at_every_offset_of_a_block_end_their_lines() {
    for terminator in ["\n", "\r", "\r\n"] {
        let (input, data) = data_lines(0, 70, terminator);
        check(input.as_bytes(), &[msg(&data)], None);
    }
}

#[test]
fn a_crlf_split_by_a_block_or_a_chunk_is_one_line_end() {
    // "data: " and 57 bytes put the CR at offset 63 of the first block
    // and its LF at the start of the second; `check` also cuts between them.
    for len in 50..64 {
        let value = "v".repeat(len);
        let input = format!("data: {value}\r\ndata: {value}\r\n\r\n");
        check(input.as_bytes(), &[msg(&format!("{value}\n{value}"))], None);
    }
}

#[test]
fn one_invalid_line_among_ascii_lines_is_decoded_alone() {
    let (ascii, ascii_data) = data_lines(20, 90, "\n");
    let lines: Vec<&str> = ascii.lines().filter(|line| !line.is_empty()).collect();
    for bad in [0, 1, 2, 30, lines.len() - 1] {
        let mut input = Vec::new();
        for (i, line) in lines.iter().enumerate() {
            input.extend_from_slice(line.as_bytes());
            if i == bad {
                input.extend_from_slice(b"\xFF\xE2\x82");
            }
            input.push(b'\n');
        }
        input.push(b'\n');
        let data: Vec<String> = ascii_data
            .split('\n')
            .enumerate()
            .map(|(i, value)| {
                if i == bad {
                    format!("{value}\u{FFFD}\u{FFFD}")
                } else {
                    value.to_owned()
                }
            })
            .collect();
        check(&input, &[msg(&data.join("\n"))], None);
    }
}

#[test]
fn multibyte_characters_in_many_lines_survive_any_cut() {
    let line = "data: ça coûte 5 €, 日本 😀\n";
    let input = format!("{}\n", line.repeat(8));
    let value = &line["data: ".len()..line.len() - 1];
    check(input.as_bytes(), &[msg(&[value; 8].join("\n"))], None);
}

#[test]
fn the_limit_stops_a_run_of_data_lines_at_the_same_line() {
    // Each line adds 11 bytes ("0123456789" and LF): with a limit of 100
    // the tenth line of a block is one too many, wherever the chunks end.
    let line = b"data: 0123456789\n";
    let nine = [line.repeat(9), b"\n".to_vec()].concat();
    let ten = [line.repeat(10), b"\n".to_vec()].concat();
    for input in [[nine.clone(), ten].concat(), [nine.clone(), nine].concat()] {
        let fits = input.len() == 2 * (9 * line.len() + 1);
        for chunks in chunkings(&input) {
            let mut decoder = Decoder::new(100);
            let mut events = 0;
            let result = chunks.iter().try_for_each(|chunk| {
                decoder.feed(chunk, |_| {
                    events += 1;
                    ControlFlow::Continue(())
                })
            });
            if fits {
                assert_eq!((result, events), (Ok(()), 2), "cut as {chunks:?}");
            } else {
                let expected = Err(DecodeError::TooLarge { limit: 100 });
                assert_eq!((result, events), (expected, 1), "cut as {chunks:?}");
            }
        }
    }
}
