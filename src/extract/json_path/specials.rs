//! Where a JSON string ends: the bytes that can end or break it (`"`, `\\`
//! and control bytes), found with SSE2 where it is there.

/// The paths tests can make a text take, so that each is checked on
/// x86-64.
#[cfg(test)]
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub(super) enum Path {
    /// With an [`Index`] where the text fits (the default).
    Indexed,
    /// Scanning 16 bytes at a time, as texts past `INDEX_WORDS * 64` do.
    Scanned,
    /// Without SSE2.
    Portable,
}

#[cfg(test)]
thread_local! {
    pub(super) static PATH: std::cell::Cell<Path> = const { std::cell::Cell::new(Path::Indexed) };
}

/// Where the special bytes (`"`, `\\` and control characters) of a text
/// are: bit `i % 64` of word `i / 64` is set when byte `i` is one, so that
/// the end of a string is a bit scan. Built with SSE2 for texts up to
/// `INDEX_WORDS * 64` bytes; `None` means scanning the bytes instead.
pub(super) type Index<'a> = Option<&'a [u64]>;

/// 2 KiB: LLM chunks are mostly well below; longer texts take the scan.
pub(super) const INDEX_WORDS: usize = 32;

/// Fills `words` with the [`Index`] of `bytes`, when SSE2 is there and the
/// text fits.
#[inline(always)]
pub(super) fn index_specials<'w>(bytes: &[u8], words: &'w mut [u64; INDEX_WORDS]) -> Index<'w> {
    #[cfg(all(target_arch = "x86_64", target_feature = "sse2"))]
    if simd() && bytes.len() <= INDEX_WORDS * 64 {
        #[cfg(test)]
        if PATH.get() == Path::Scanned {
            return None;
        }
        let mut chunks = bytes.chunks_exact(64);
        let mut used = 0;
        for (word, chunk) in words.iter_mut().zip(&mut chunks) {
            *word = sse2::special_mask_64(chunk.try_into().expect("64 bytes"));
            used += 1;
        }
        let tail = chunks.remainder();
        if !tail.is_empty() {
            let mut blocks = tail.chunks_exact(16);
            let mut word = 0;
            for (i, block) in (&mut blocks).enumerate() {
                let block = block.try_into().expect("16 bytes");
                word |= u64::from(sse2::special_mask(block)) << (16 * i);
            }
            let rest = blocks.remainder();
            if !rest.is_empty() {
                let mask = match bytes.last_chunk::<16>() {
                    // The last 16 bytes, shifting out those already seen.
                    Some(last) => sse2::special_mask(last) >> (16 - rest.len()),
                    None => {
                        // Spaces are not special, so the padding adds nothing.
                        let mut padded = [b' '; 16];
                        padded[..rest.len()].copy_from_slice(rest);
                        sse2::special_mask(&padded)
                    }
                };
                word |= u64::from(mask) << (tail.len() - rest.len());
            }
            words[used] = word;
            used += 1;
        }
        return Some(&words[..used]);
    }
    // Without SSE2 there is no index.
    let _ = (bytes, words);
    None
}

/// The position of the first special byte at or after `pos`, by `index`.
#[inline(always)]
pub(super) fn next_special(index: &[u64], pos: usize) -> Option<usize> {
    let mut at = pos / 64;
    let mut word = index.get(at)? & u64::MAX << (pos % 64);
    while word == 0 {
        at += 1;
        word = *index.get(at)?;
    }
    Some(at * 64 + word.trailing_zeros() as usize)
}

/// Whether to take the SSE2 path, which tests can turn off.
#[cfg(all(target_arch = "x86_64", target_feature = "sse2"))]
#[inline(always)]
pub(super) fn simd() -> bool {
    #[cfg(test)]
    return PATH.get() != Path::Portable;
    #[cfg(not(test))]
    true
}

/// Bit `i` is set when `block[i]` is `"`, `\\` or a control byte.
#[inline(always)]
pub(crate) fn special_mask(block: &[u8; 16]) -> u32 {
    #[cfg(all(target_arch = "x86_64", target_feature = "sse2"))]
    if simd() {
        return sse2::special_mask(block);
    }
    block.iter().enumerate().fold(0, |mask, (i, &b)| {
        mask | u32::from(b == b'"' || b == b'\\' || b < 0x20) << i
    })
}

/// Bit `i` is set when `a[i] != b[i]`.
#[inline(always)]
pub(super) fn differing_mask(a: &[u8; 16], b: &[u8; 16]) -> u32 {
    #[cfg(all(target_arch = "x86_64", target_feature = "sse2"))]
    if simd() {
        return sse2::differing_mask(a, b);
    }
    (0..16).fold(0, |mask, i| mask | u32::from(a[i] != b[i]) << i)
}

/// The position of the first `"`, `\\` or control character at or after
/// `pos`, 16 or eight bytes at a time: strings are most of an LLM chunk's
/// bytes.
#[inline(always)]
pub(super) fn special_byte(bytes: &[u8], pos: usize) -> Option<usize> {
    #[cfg(all(target_arch = "x86_64", target_feature = "sse2"))]
    if simd() {
        let mut pos = pos;
        while let Some(block) = bytes.get(pos..).and_then(<[u8]>::first_chunk) {
            let mask = sse2::special_mask(block);
            if mask != 0 {
                return Some(pos + mask.trailing_zeros() as usize);
            }
            pos += 16;
        }
        return special_byte_portable(bytes, pos);
    }
    special_byte_portable(bytes, pos)
}

/// [`special_byte`] eight bytes at a time, then one.
#[inline(never)]
pub(super) fn special_byte_portable(bytes: &[u8], mut pos: usize) -> Option<usize> {
    const ONES: u64 = 0x0101_0101_0101_0101;
    const HIGHS: u64 = 0x8080_8080_8080_8080;
    while let Some(word) = bytes.get(pos..pos + 8) {
        let x = u64::from_le_bytes(word.try_into().expect("8 bytes"));
        let quote = x ^ (ONES * u64::from(b'"'));
        let backslash = x ^ (ONES * u64::from(b'\\'));
        // A byte is flagged when it is zero (after the XORs) or below 0x20;
        // the lowest flag is exact, which is the one used.
        let flags = (quote.wrapping_sub(ONES) & !quote
            | backslash.wrapping_sub(ONES) & !backslash
            | x.wrapping_sub(ONES * 0x20) & !x)
            & HIGHS;
        if flags != 0 {
            return Some(pos + flags.trailing_zeros() as usize / 8);
        }
        pos += 8;
    }
    let tail = bytes.get(pos..)?;
    tail.iter()
        .position(|&b| b == b'"' || b == b'\\' || b < 0x20)
        .map(|i| pos + i)
}

/// Sixteen bytes at a time where SSE2 is there (every x86-64 CPU).
#[cfg(all(target_arch = "x86_64", target_feature = "sse2"))]
mod sse2 {
    use std::arch::x86_64::{
        __m128i, _mm_cmpeq_epi8, _mm_loadu_si128, _mm_max_epu8, _mm_movemask_epi8, _mm_or_si128,
        _mm_set1_epi8,
    };

    /// Bit `i` is set when `block[i]` is `"`, `\\` or below 0x20.
    #[inline(always)]
    pub fn special_mask_64(block: &[u8; 64]) -> u64 {
        let part = |i: usize| {
            let part: &[u8; 16] = block[i * 16..][..16].try_into().expect("16 bytes");
            u64::from(special_mask(part)) << (i * 16)
        };
        part(0) | part(1) | part(2) | part(3)
    }

    /// Bit `i` is set when `a[i] != b[i]`.
    #[inline]
    pub fn differing_mask(a: &[u8; 16], b: &[u8; 16]) -> u32 {
        // SAFETY: SSE2 is enabled at compile time (this module is only
        // compiled then), and `a` and `b` are 16 readable bytes each, which
        // is all the unaligned loads read.
        unsafe {
            let a = _mm_loadu_si128(a.as_ptr().cast::<__m128i>());
            let b = _mm_loadu_si128(b.as_ptr().cast::<__m128i>());
            !(_mm_movemask_epi8(_mm_cmpeq_epi8(a, b)) as u32) & 0xFFFF
        }
    }

    /// Bit `i` is set when `block[i]` is `"`, `\\` or below 0x20.
    #[inline]
    pub fn special_mask(block: &[u8; 16]) -> u32 {
        // SAFETY: SSE2 is enabled at compile time (this module is only
        // compiled then), and `block` is 16 readable bytes, which is all
        // the unaligned load reads.
        unsafe { mask(_mm_loadu_si128(block.as_ptr().cast::<__m128i>())) }
    }

    #[inline]
    #[target_feature(enable = "sse2")]
    fn mask(x: __m128i) -> u32 {
        let quote = _mm_cmpeq_epi8(x, _mm_set1_epi8(b'"' as i8));
        let backslash = _mm_cmpeq_epi8(x, _mm_set1_epi8(b'\\' as i8));
        // max(x, 0x1f) == 0x1f exactly when x <= 0x1f, as unsigned bytes.
        let below = _mm_set1_epi8(0x1f);
        let control = _mm_cmpeq_epi8(_mm_max_epu8(x, below), below);
        _mm_movemask_epi8(_mm_or_si128(_mm_or_si128(quote, backslash), control)) as u32
    }
}

/// The positions of the set bits of `mask`, lowest first.
pub(super) fn bits(mut mask: u64) -> impl Iterator<Item = usize> {
    std::iter::from_fn(move || {
        let bit = mask.trailing_zeros();
        mask &= mask.wrapping_sub(1);
        (bit < 64).then_some(bit as usize)
    })
}
