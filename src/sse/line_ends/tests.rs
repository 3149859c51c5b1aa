use super::*;

/// Bytes from a fixed xorshift sequence, drawn from `alphabet`.
fn random_bytes(len: usize, seed: u32, alphabet: &[u8]) -> Vec<u8> {
    let mut state = seed | 1;
    (0..len)
        .map(|_| {
            state ^= state << 13;
            state ^= state >> 17;
            state ^= state << 5;
            alphabet[state as usize % alphabet.len()]
        })
        .collect()
}

fn naive_ends(bytes: &[u8]) -> Vec<usize> {
    (0..bytes.len())
        .filter(|&i| matches!(bytes[i], b'\n' | b'\r'))
        .collect()
}

#[test]
fn a_line_end_is_found_at_every_offset_of_a_block() {
    for len in 0..=3 * BLOCK + 1 {
        for at in 0..len {
            for end in [b'\n', b'\r'] {
                let mut bytes = vec![b'x'; len];
                bytes[at] = end;
                assert_eq!(
                    LineEnds::new(&bytes).collect::<Vec<_>>(),
                    [at],
                    "{end} at {at} of {len}"
                );
            }
        }
        assert_eq!(LineEnds::new(&vec![b'x'; len]).next(), None);
    }
}

#[test]
fn every_cr_and_lf_comes_in_order() {
    let alphabet = b"ab\n\r:";
    for len in [0, 1, 15, 16, 63, 64, 65, 127, 128, 129, 1000] {
        for seed in 0..20 {
            let bytes = random_bytes(len, seed, alphabet);
            let found: Vec<usize> = LineEnds::new(&bytes).collect();
            assert_eq!(found, naive_ends(&bytes), "{bytes:?}");
        }
    }
}

#[test]
fn a_line_is_ascii_unless_one_of_its_own_bytes_is_not() {
    // Lines of every length, crossing blocks, with a non-ASCII byte now
    // and then: each line's answer must depend on its bytes only.
    let alphabet = b"abcdefghijklmnopqrstuvwxyz0123456789abcdefghijklmnopqrstuvwxyz\n\xC3\xA9";
    for len in [1, 63, 64, 65, 200, 3000] {
        for seed in 0..40 {
            let bytes = random_bytes(len, seed, alphabet);
            let mut line_ends = LineEnds::new(&bytes);
            let mut start = 0;
            while let Some(end) = line_ends.next() {
                assert_eq!(
                    line_ends.is_ascii(start, end),
                    bytes[start..end].is_ascii(),
                    "line {start}..{end} of {bytes:?}"
                );
                // Any start within the line, too.
                for from in start..=end {
                    assert_eq!(line_ends.is_ascii(from, end), bytes[from..end].is_ascii());
                }
                start = end + 1;
            }
        }
    }
}

#[test]
fn sse2_and_portable_masks_agree() {
    for seed in 0..500 {
        let bytes = random_bytes(BLOCK, seed, b"a\n\r\x7F\x80\xFF\x00 ");
        let block = bytes.first_chunk::<BLOCK>().unwrap();
        assert_eq!(
            full_block_masks(block),
            portable_block_masks(block),
            "{bytes:?}"
        );
    }
}
