//! The JSON grammar (RFC 8259), checked over byte positions: values that
//! no path goes into are skipped by these functions, which only check
//! that they are well formed.

use super::specials::{next_special, special_byte, Index};
use super::MAX_DEPTH;

/// The position of the first byte at or after `pos` that is not JSON
/// whitespace.
#[inline(always)]
pub(super) fn skip_whitespace(bytes: &[u8], mut pos: usize) -> usize {
    while let Some(&b) = bytes.get(pos) {
        // Most values follow their delimiter directly.
        if b > b' ' || !matches!(b, b' ' | b'\n' | b'\r' | b'\t') {
            break;
        }
        pos += 1;
    }
    pos
}

/// The first byte at or after `pos` that is not JSON whitespace, and its
/// position: one look at the byte when, as in most JSON, no whitespace
/// comes first.
#[inline(always)]
pub(super) fn next_byte(bytes: &[u8], pos: usize) -> Option<(usize, u8)> {
    let byte = *bytes.get(pos)?;
    if byte > b' ' {
        return Some((pos, byte));
    }
    let pos = skip_whitespace(bytes, pos);
    Some((pos, *bytes.get(pos)?))
}

/// Skips the `:` after a key (at `pos`) and the whitespace around it.
#[inline(always)]
pub(super) fn colon(bytes: &[u8], pos: usize) -> Option<usize> {
    let (pos, byte) = next_byte(bytes, pos)?;
    (byte == b':').then(|| skip_whitespace(bytes, pos + 1))
}

/// Checks the grammar of the value at `pos` (after any whitespace), inside
/// `depth` containers; the position after it.
#[inline(always)]
pub(super) fn skip_value(
    bytes: &[u8],
    index: Index<'_>,
    pos: usize,
    depth: usize,
) -> Option<usize> {
    match *bytes.get(pos)? {
        b'"' => string(bytes, index, pos + 1).map(|(end, _)| end),
        b'{' => skip_object(bytes, index, pos, depth),
        b'[' => skip_array(bytes, index, pos, depth),
        b't' => literal(bytes, pos, b"true"),
        b'f' => literal(bytes, pos, b"false"),
        b'n' => literal(bytes, pos, b"null"),
        b'-' | b'0'..=b'9' => number(bytes, pos),
        _ => None,
    }
}

#[inline(never)]
pub(super) fn skip_object(
    bytes: &[u8],
    index: Index<'_>,
    pos: usize,
    depth: usize,
) -> Option<usize> {
    let depth = depth + 1;
    if depth >= MAX_DEPTH {
        return None;
    }
    let (mut pos, mut byte) = next_byte(bytes, pos + 1)?;
    if byte == b'}' {
        return Some(pos + 1);
    }
    loop {
        if byte != b'"' {
            return None;
        }
        pos = colon(bytes, string(bytes, index, pos + 1)?.0)?;
        (pos, byte) = next_byte(bytes, skip_value(bytes, index, pos, depth)?)?;
        match byte {
            b',' => (pos, byte) = next_byte(bytes, pos + 1)?,
            b'}' => return Some(pos + 1),
            _ => return None,
        }
    }
}

#[inline(never)]
pub(super) fn skip_array(
    bytes: &[u8],
    index: Index<'_>,
    pos: usize,
    depth: usize,
) -> Option<usize> {
    let depth = depth + 1;
    if depth >= MAX_DEPTH {
        return None;
    }
    let (mut pos, byte) = next_byte(bytes, pos + 1)?;
    if byte == b']' {
        return Some(pos + 1);
    }
    loop {
        let byte;
        (pos, byte) = next_byte(bytes, skip_value(bytes, index, pos, depth)?)?;
        match byte {
            b',' => pos = skip_whitespace(bytes, pos + 1),
            b']' => return Some(pos + 1),
            _ => return None,
        }
    }
}

/// Skips a string from `pos`, just after its opening quote: no raw control
/// characters, only valid escapes, and `\u` surrogates only in high–low
/// pairs. (The text is already UTF-8.) The position after the closing
/// quote, and whether there were escapes.
#[inline(always)]
pub(super) fn string(bytes: &[u8], index: Index<'_>, pos: usize) -> Option<(usize, bool)> {
    // Most strings end at the first special byte.
    let end = match index {
        Some(index) => next_special(index, pos)?,
        None => special_byte(bytes, pos)?,
    };
    if *bytes.get(end)? == b'"' {
        Some((end + 1, false))
    } else {
        string_with_escapes(bytes, end)
    }
}

/// The rest of a string from `pos`, at its first backslash (or control
/// character, which is refused).
#[cold]
#[inline(never)]
pub(super) fn string_with_escapes(bytes: &[u8], mut pos: usize) -> Option<(usize, bool)> {
    let mut escaped = false;
    loop {
        match *bytes.get(pos)? {
            b'"' => return Some((pos + 1, escaped)),
            b'\\' => {
                escaped = true;
                pos = escape(bytes, pos + 1)?;
                pos = special_byte(bytes, pos)?;
            }
            _ => return None,
        }
    }
}

/// Checks the escape whose letter is at `pos`; the position after it.
pub(super) fn escape(bytes: &[u8], pos: usize) -> Option<usize> {
    match *bytes.get(pos)? {
        b'"' | b'\\' | b'/' | b'b' | b'f' | b'n' | b'r' | b't' => Some(pos + 1),
        b'u' => {
            let unit = hex4_at(bytes, pos + 1)?;
            let pos = pos + 5;
            if (0xD800..0xDC00).contains(&unit) {
                if bytes.get(pos..pos + 2)? != b"\\u" {
                    return None;
                }
                (0xDC00..0xE000)
                    .contains(&hex4_at(bytes, pos + 2)?)
                    .then_some(pos + 6)
            } else {
                (!(0xDC00..0xE000).contains(&unit)).then_some(pos)
            }
        }
        _ => None,
    }
}

/// The four hex digits at `pos`.
pub(super) fn hex4_at(bytes: &[u8], pos: usize) -> Option<u32> {
    bytes
        .get(pos..pos + 4)?
        .iter()
        .try_fold(0, |n, &b| Some(n << 4 | char::from(b).to_digit(16)?))
}

#[inline]
pub(super) fn literal(bytes: &[u8], pos: usize, word: &[u8]) -> Option<usize> {
    let end = pos + word.len();
    (bytes.get(pos..end)? == word).then_some(end)
}

/// `-? (0 | [1-9][0-9]*) (. [0-9]+)? ([eE] [+-]? [0-9]+)?`, within the
/// range of an `f64`, as serde_json reads numbers.
pub(super) fn number(bytes: &[u8], start: usize) -> Option<usize> {
    let mut pos = start;
    if bytes.get(pos) == Some(&b'-') {
        pos += 1;
    }
    let mut may_overflow = false;
    match *bytes.get(pos)? {
        b'0' => pos += 1,
        b'1'..=b'9' => {
            let end = digits(bytes, pos + 1);
            // Below 10^308, any fraction leaves it below f64::MAX.
            may_overflow = end - pos > 308;
            pos = end;
        }
        _ => return None,
    }
    if bytes.get(pos) == Some(&b'.') {
        pos = required_digits(bytes, pos + 1)?;
    }
    if let Some(b'e' | b'E') = bytes.get(pos) {
        pos += 1;
        if let Some(b'+' | b'-') = bytes.get(pos) {
            pos += 1;
        }
        pos = required_digits(bytes, pos)?;
        may_overflow = true;
    }
    if may_overflow && !fits_f64(&bytes[start..pos]) {
        return None;
    }
    Some(pos)
}

/// Whether serde_json reads the number `text` as a finite `f64`: it
/// refuses one out of range (`1e400`).
#[cold]
#[inline(never)]
fn fits_f64(text: &[u8]) -> bool {
    std::str::from_utf8(text).is_ok_and(|text| serde_json::from_str::<f64>(text).is_ok())
}

/// The position of the first byte at or after `pos` that is not a digit,
/// eight bytes at a time (timestamps and token counts are long).
#[inline(always)]
pub(super) fn digits(bytes: &[u8], mut pos: usize) -> usize {
    const ONES: u64 = 0x0101_0101_0101_0101;
    while let Some(word) = bytes.get(pos..).and_then(<[u8]>::first_chunk::<8>) {
        let x = u64::from_le_bytes(*word);
        // A digit is 0x30..=0x39: its high nibble is 3, and stays 3 when 6
        // is added. Adding carries only out of a byte that is not a digit,
        // into later ones, so the first flagged byte is exact.
        let high = |x: u64| (x & (ONES * 0xF0)) ^ (ONES * 0x30);
        let flags = high(x) | high(x.wrapping_add(ONES * 6));
        if flags != 0 {
            return pos + flags.trailing_zeros() as usize / 8;
        }
        pos += 8;
    }
    while let Some(b'0'..=b'9') = bytes.get(pos) {
        pos += 1;
    }
    pos
}

pub(super) fn required_digits(bytes: &[u8], pos: usize) -> Option<usize> {
    let end = digits(bytes, pos);
    (end > pos).then_some(end)
}
