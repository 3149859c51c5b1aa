//! For any text, any number of tokens a chunk and any cuts of the bytes:
//! what each API's writer sends reads back, with the dialect detected as
//! `ssecat --text` detects it, to exactly that text.

use std::ops::ControlFlow;

use proptest::prelude::*;

use crate::extract::wire::{tokens, Answer, Api, Ask, Finish};
use crate::extract::{Extraction, Reader};
use crate::sse::Decoder;

/// The bytes of a streamed answer of `text`, `per_chunk` tokens a chunk.
fn spoken(api: Api, text: &str, per_chunk: usize) -> Vec<u8> {
    let ask = Ask {
        model: Some("m".to_owned()),
        stream: true,
        include_usage: true,
        ..Ask::default()
    };
    let answer = Answer {
        id: api.answer_id(1),
        model: "m".to_owned(),
        created: 1_700_000_000,
        input_tokens: 3,
    };
    let mut speaker = api.speaker(&ask, answer);
    let mut out = Vec::new();
    speaker.open(&mut out);
    for chunk in tokens(text).chunks(per_chunk) {
        speaker.delta(&chunk.concat(), chunk.len() as u64, &mut out);
    }
    speaker.close(Finish::Stop, &mut out);
    out
}

/// The answer text `bytes` read as `ssecat --text` reads them, fed in the
/// pieces that `cuts` (positions, any order) make.
fn read_back(api: Api, bytes: &[u8], cuts: &[usize]) -> (String, bool) {
    let mut decoder = match api {
        Api::OllamaChat | Api::OllamaGenerate => Decoder::json_lines(usize::MAX),
        _ => Decoder::new(usize::MAX),
    };
    let mut reader = Reader::new(Extraction::Auto);
    let mut cuts: Vec<usize> = cuts.iter().map(|cut| cut % (bytes.len() + 1)).collect();
    cuts.extend([0, bytes.len()]);
    cuts.sort_unstable();
    for piece in cuts.windows(2) {
        decoder
            .feed(&bytes[piece[0]..piece[1]], |event| {
                reader.read(event);
                ControlFlow::Continue(())
            })
            .unwrap();
    }
    assert_eq!(decoder.finish(), None, "{api:?}: the last frame is whole");
    let turn = reader.turn;
    (turn.text, turn.ended || turn.complete_at_end)
}

proptest! {
    #[test]
    fn every_api_reads_back_any_text_cut_anywhere(
        // Words of any characters, control characters and quotes included,
        // between runs of white space.
        words in prop::collection::vec("[^\\s]{1,8}", 0..12),
        spaces in prop::collection::vec("[ \t\n]{1,3}", 12),
        per_chunk in 1usize..4,
        cuts in prop::collection::vec(any::<usize>(), 0..6),
    ) {
        let text: String = words
            .iter()
            .zip(&spaces)
            .enumerate()
            .map(|(at, (word, space))| if at == 0 { word.clone() } else { format!("{space}{word}") })
            .collect();
        for api in Api::ALL {
            let bytes = spoken(api, &text, per_chunk);
            let (read, complete) = read_back(api, &bytes, &cuts);
            prop_assert_eq!(&read, &text, "{:?}", api);
            prop_assert!(complete, "{:?}: the stream ends as the API ends one", api);
        }
    }
}
