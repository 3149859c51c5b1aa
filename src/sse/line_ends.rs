//! Where the lines of a chunk end, found in one pass 64 bytes at a time:
//! each block gives a bit mask of its CR and LF bytes, walked with
//! `trailing_zeros`, and one of its non-ASCII bytes, so that a line known
//! to be ASCII needs no second pass to be taken as text. A search per line
//! would set up a vector search for every ~60 bytes.

/// Bytes per block: one bit of a `u64` mask each.
const BLOCK: usize = 64;

/// The CR and LF bytes of a chunk, in order, a block at a time.
#[derive(Debug)]
pub(super) struct LineEnds<'a> {
    bytes: &'a [u8],
    /// Where the block whose masks are loaded starts.
    block_start: usize,
    /// The block's CR and LF bytes not yet returned, a bit per byte.
    ends: u64,
    /// The block's non-ASCII bytes, a bit per byte.
    non_ascii: u64,
    /// One past the last non-ASCII byte before the block, or 0.
    non_ascii_before: usize,
}

impl<'a> LineEnds<'a> {
    pub(super) fn new(bytes: &'a [u8]) -> Self {
        let (ends, non_ascii) = block_masks(bytes);
        LineEnds {
            bytes,
            block_start: 0,
            ends,
            non_ascii,
            non_ascii_before: 0,
        }
    }

    /// Whether `bytes[start..end]` is ASCII, where `end` is the position
    /// [`LineEnds::next`] returned last and `start <= end`.
    pub(super) fn is_ascii(&self, start: usize, end: usize) -> bool {
        if self.non_ascii_before > start {
            return false;
        }
        let below = |offset: usize| (1u64 << offset) - 1;
        let from = start.saturating_sub(self.block_start);
        let to = end - self.block_start;
        self.non_ascii & below(to) & !below(from) == 0
    }
}

impl Iterator for LineEnds<'_> {
    type Item = usize;

    /// The position of the next CR or LF. The LF of a CRLF comes too: the
    /// caller, which has the whole line end, skips it.
    #[inline]
    fn next(&mut self) -> Option<usize> {
        while self.ends == 0 {
            if self.non_ascii != 0 {
                self.non_ascii_before =
                    self.block_start + BLOCK - self.non_ascii.leading_zeros() as usize;
            }
            if self.bytes.len() - self.block_start <= BLOCK {
                self.non_ascii = 0;
                return None;
            }
            self.block_start += BLOCK;
            (self.ends, self.non_ascii) = block_masks(&self.bytes[self.block_start..]);
        }
        let offset = self.ends.trailing_zeros() as usize;
        self.ends &= self.ends - 1;
        Some(self.block_start + offset)
    }
}

/// The CR/LF and non-ASCII masks of the first 64 bytes of `bytes`.
#[inline]
fn block_masks(bytes: &[u8]) -> (u64, u64) {
    match bytes.first_chunk::<BLOCK>() {
        Some(block) => full_block_masks(block),
        None => last_block_masks(bytes),
    }
}

/// The masks of the chunk's last bytes, fewer than a block: padded with
/// zeros, which are neither CR, LF nor non-ASCII.
#[cold]
fn last_block_masks(bytes: &[u8]) -> (u64, u64) {
    let mut padded = [0; BLOCK];
    padded[..bytes.len()].copy_from_slice(bytes);
    full_block_masks(&padded)
}

/// SSE2, which every x86-64 has: 16 bytes compared at once, and the high
/// bit of each gathered by `movemask`. Non-ASCII bytes are rare, so their
/// mask is only made for a block that has one.
#[cfg(target_arch = "x86_64")]
#[inline]
fn full_block_masks(block: &[u8; BLOCK]) -> (u64, u64) {
    use std::arch::x86_64::{
        __m128i, _mm_cmpeq_epi8, _mm_loadu_si128, _mm_movemask_epi8, _mm_or_si128, _mm_set1_epi8,
    };
    // SAFETY: SSE2 is part of x86-64, so always enabled, and each load
    // reads 16 of the block's bytes, unaligned.
    unsafe {
        let lanes: [__m128i; 4] =
            std::array::from_fn(|i| _mm_loadu_si128(block.as_ptr().add(16 * i).cast()));
        let high_bits = |vectors: [__m128i; 4]| {
            vectors.iter().enumerate().fold(0, |mask, (i, &v)| {
                mask | u64::from(_mm_movemask_epi8(v) as u16) << (16 * i)
            })
        };
        let (lf, cr) = (_mm_set1_epi8(b'\n' as i8), _mm_set1_epi8(b'\r' as i8));
        let ends =
            high_bits(lanes.map(|v| _mm_or_si128(_mm_cmpeq_epi8(v, lf), _mm_cmpeq_epi8(v, cr))));
        let any_high = _mm_or_si128(
            _mm_or_si128(lanes[0], lanes[1]),
            _mm_or_si128(lanes[2], lanes[3]),
        );
        let non_ascii = if _mm_movemask_epi8(any_high) == 0 {
            0
        } else {
            high_bits(lanes)
        };
        (ends, non_ascii)
    }
}

/// A byte at a time, for other targets (and to check the SSE2 version).
#[cfg(any(not(target_arch = "x86_64"), test))]
fn portable_block_masks(block: &[u8; BLOCK]) -> (u64, u64) {
    block
        .iter()
        .enumerate()
        .fold((0, 0), |(ends, non_ascii), (i, &byte)| {
            (
                ends | u64::from(byte == b'\n' || byte == b'\r') << i,
                non_ascii | u64::from(!byte.is_ascii()) << i,
            )
        })
}

#[cfg(not(target_arch = "x86_64"))]
use portable_block_masks as full_block_masks;

#[cfg(test)]
mod tests;
