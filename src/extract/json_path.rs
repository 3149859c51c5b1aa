//! A lazy JSON path lookup: one pass over the text finds the value at a
//! path without building anything, while checking that the whole document
//! is valid JSON (RFC 8259 grammar, depth limited). Much faster than a typed
//! serde parse for LLM chunks, where most of each event is fields nobody
//! reads.
//!
//! The pass is a recursive descent over byte positions. Values no path
//! goes into are skipped by free functions that only check the grammar;
//! the `Scanner` follows the values some path goes into. Strings, most of
//! a chunk's bytes, end at their next quote, backslash or control byte:
//! with SSE2 (every x86-64 CPU), a text up to 2 KiB is first indexed 64
//! bytes at a time into a bit set of those bytes (an `Index`), so that
//! crossing a string is a bit scan; longer texts are scanned 16 bytes at a
//! time, and eight at a time without SSE2. Keys are matched through a small
//! hash table per depth, so keys nobody wants cost one look-up.

use std::borrow::Cow;

/// One step of a path. `Key` only looks into an object and `Index` only
/// into an array; `Token` is a JSON Pointer reference token (RFC 6901,
/// already unescaped): a key in an object, an index in an array.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Step<'p> {
    Key(&'p str),
    Index(usize),
    Token(&'p str),
}

/// Nesting this deep is refused, as serde_json does (it takes 127 levels),
/// so hostile input cannot exhaust the stack.
const MAX_DEPTH: usize = 128;

/// The raw text of the value at `path` in `json`, or `None` when the path is
/// absent or the document is not valid JSON. With duplicate keys the last
/// one wins, as in `serde_json::Value` and JavaScript.
pub fn lookup<'a>(json: &'a str, path: &[Step<'_>]) -> Option<&'a str> {
    lookup_all(json, &[path])?[0]
}

/// The raw text of the value at each of `paths`, in one pass over `json`;
/// `None` when the document is not valid JSON. For a path set used on every
/// event, a [`Query`] built once is faster.
pub fn lookup_all<'a, const N: usize>(
    json: &'a str,
    paths: &[&[Step<'_>]; N],
) -> Option<[Option<&'a str>; N]> {
    Query::new(paths).find(json)
}

/// A set of up to 64 paths, compiled for looking up together: at each depth,
/// the distinct steps the paths take there, with the set of paths taking
/// each. A key is compared once with each distinct step, however many paths
/// share it.
#[derive(Debug, Clone)]
pub struct Query<const N: usize> {
    levels: Vec<Level>,
}

#[derive(Debug, Clone, Default)]
struct Level {
    /// The paths that end at this depth.
    ends: u64,
    /// The paths that go deeper.
    longer: u64,
    keys: Vec<Key>,
    /// By [`key_hash`] with `seed`, one more than the index of the key with
    /// that hash, `0` when there is none and [`SHARED`] when there are
    /// several: most keys nobody wants are passed over with one look-up.
    by_hash: Option<Box<[u8; 64]>>,
    /// The hash multiplier, chosen so that keys rarely share an entry.
    seed: u32,
    indexes: Vec<(usize, u64)>,
}

/// A [`Level::by_hash`] entry shared by several keys.
const SHARED: u8 = u8::MAX;

/// A key some paths take.
#[derive(Debug, Clone)]
struct Key {
    text: Box<str>,
    /// The first 16 bytes of `text`, little-endian, zero-padded.
    prefix: u128,
    /// The bits of `prefix` that hold `text` (all when it is longer).
    prefix_bits: u128,
    /// The paths taking it.
    mask: u64,
}

impl Key {
    /// Whether the key `bytes[start..start + len]` is this one.
    #[inline(always)]
    fn is(&self, bytes: &[u8], start: usize, len: usize) -> bool {
        let text = self.text.as_bytes();
        if text.len() != len {
            return false;
        }
        match bytes.get(start..start + 16) {
            Some(block) if len <= 16 => {
                let block = u128::from_le_bytes(block.try_into().expect("16 bytes"));
                (block ^ self.prefix) & self.prefix_bits == 0
            }
            _ => bytes.get(start..start + len) == Some(text),
        }
    }
}

impl Level {
    /// Adds a key some paths take; [`Self::index_keys`] must follow.
    fn add_key(&mut self, key: &str, bit: u64) {
        if let Some(k) = self.keys.iter_mut().find(|k| *k.text == *key) {
            k.mask |= bit;
            return;
        }
        let mut prefix = [0; 16];
        let n = key.len().min(16);
        prefix[..n].copy_from_slice(&key.as_bytes()[..n]);
        self.keys.push(Key {
            text: key.into(),
            prefix: u128::from_le_bytes(prefix),
            // The low `n` bytes: the shift is 0..=128.
            prefix_bits: u128::MAX.checked_shr(128 - 8 * n as u32).unwrap_or(0),
            mask: bit,
        });
    }

    /// Fills `by_hash`, trying seeds until no two keys share an entry (or
    /// giving up after a few).
    fn index_keys(&mut self) {
        self.by_hash = None;
        if self.keys.is_empty() {
            return;
        }
        for attempt in 0..32u32 {
            let seed = 0x9E37_79B1_u32.wrapping_add(attempt.wrapping_mul(0x6A09_E668)) | 1;
            let mut by_hash = Box::new([0; 64]);
            let mut shared = false;
            for (i, key) in self.keys.iter().enumerate() {
                let slot = &mut by_hash[key_hash(key.text.as_bytes(), 0, key.text.len(), seed)];
                // Past 254 keys, every key is looked for in the whole list.
                *slot = match u8::try_from(i + 1) {
                    Ok(index) if *slot == 0 && index != SHARED => index,
                    _ => SHARED,
                };
                shared |= *slot == SHARED;
            }
            self.by_hash = Some(by_hash);
            self.seed = seed;
            if !shared {
                break;
            }
        }
    }

    /// The paths that take the key `bytes[start..start + len]` (the text
    /// between its quotes), which has no escapes.
    #[inline(always)]
    fn key_paths(&self, bytes: &[u8], start: usize, len: usize) -> u64 {
        let Some(by_hash) = &self.by_hash else {
            return 0;
        };
        match by_hash[key_hash(bytes, start, len, self.seed)] {
            0 => 0,
            SHARED => self.shared_key_paths(bytes, start, len),
            slot => {
                let key = &self.keys[usize::from(slot - 1)];
                if key.is(bytes, start, len) {
                    key.mask
                } else {
                    0
                }
            }
        }
    }

    /// [`Self::key_paths`] when several keys have the key's hash.
    #[inline(never)]
    fn shared_key_paths(&self, bytes: &[u8], start: usize, len: usize) -> u64 {
        let mut paths = 0;
        for wanted in &self.keys {
            if wanted.is(bytes, start, len) {
                paths |= wanted.mask;
            }
        }
        paths
    }

    /// [`Self::key_paths`] for a key with escapes (rare): its decoded text
    /// is compared.
    #[cold]
    #[inline(never)]
    fn escaped_key_paths(&self, key: &[u8]) -> u64 {
        let decoded = std::str::from_utf8(key)
            .ok()
            .and_then(|key| string_value(&format!("\"{key}\"")).map(Cow::into_owned));
        let mut paths = 0;
        for wanted in &self.keys {
            if decoded.as_deref() == Some(&*wanted.text) {
                paths |= wanted.mask;
            }
        }
        paths
    }

    /// The paths that take index `index`.
    #[inline(always)]
    fn index_paths(&self, index: usize) -> u64 {
        let mut paths = 0;
        for &(wanted, mask) in &self.indexes {
            if wanted == index {
                paths |= mask;
            }
        }
        paths
    }
}

/// A hash, below 64, of the key `bytes[start..start + len]`: its length
/// and first and last bytes, times `seed`.
#[inline(always)]
fn key_hash(bytes: &[u8], start: usize, len: usize, seed: u32) -> usize {
    let (first, last) = match len {
        0 => (0, 0),
        _ => (bytes[start], bytes[start + len - 1]),
    };
    let key = u32::from(first) | u32::from(last) << 8 | (len as u32) << 16;
    (key.wrapping_mul(seed) >> 26) as usize
}

impl<const N: usize> Query<N> {
    pub fn new(paths: &[&[Step<'_>]; N]) -> Self {
        const { assert!(N <= 64, "a query is a 64-bit set of paths") };
        let depth = paths.iter().map(|path| path.len()).max().unwrap_or(0);
        let mut levels = vec![Level::default(); depth + 1];
        for (i, path) in paths.iter().enumerate() {
            let bit = 1 << i;
            levels[path.len()].ends |= bit;
            for (level, step) in levels.iter_mut().zip(path.iter()) {
                level.longer |= bit;
                // A pointer token names a key, and an index when it is one.
                let (key, index) = match *step {
                    Step::Key(key) => (Some(key), None),
                    Step::Index(index) => (None, Some(index)),
                    Step::Token(token) => (Some(token), pointer_index(token)),
                };
                if let Some(key) = key {
                    level.add_key(key, bit);
                }
                if let Some(index) = index {
                    match level.indexes.iter_mut().find(|(i, _)| *i == index) {
                        Some((_, mask)) => *mask |= bit,
                        None => level.indexes.push((index, bit)),
                    }
                }
            }
        }
        for level in &mut levels {
            level.index_keys();
        }
        Query { levels }
    }

    /// The raw text of the value at each path in `json`; `None` when the
    /// document is not valid JSON.
    pub fn find<'a>(&self, json: &'a str) -> Option<[Option<&'a str>; N]> {
        let bytes = json.as_bytes();
        let mut index = [0; INDEX_WORDS];
        let mut spans = [(0, 0); N];
        let mut scanner = Scanner {
            bytes,
            index: index_specials(bytes, &mut index),
            depth: 0,
            levels: &self.levels,
            spans: &mut spans,
            found: 0,
        };
        let end = scanner.value(skip_whitespace(bytes, 0), all_bits(N))?;
        if skip_whitespace(bytes, end) != bytes.len() {
            return None;
        }
        let mut values = [None; N];
        // Value boundaries are ASCII bytes, so this slicing is on char boundaries.
        for i in bits(scanner.found) {
            let (start, end) = spans[i];
            values[i] = Some(&json[start..end]);
        }
        Some(values)
    }
}

/// The raw text of each element of the JSON array `json`; empty when
/// `json` is not a valid array.
pub fn elements(json: &str) -> Vec<&str> {
    let bytes = json.as_bytes();
    let mut spans = Vec::new();
    let valid = (|| {
        let mut pos = skip_whitespace(bytes, 0);
        if *bytes.get(pos)? != b'[' {
            return None;
        }
        pos = skip_whitespace(bytes, pos + 1);
        if *bytes.get(pos)? != b']' {
            loop {
                let end = skip_value(bytes, None, pos, 1)?;
                spans.push(&json[pos..end]);
                pos = skip_whitespace(bytes, end);
                match *bytes.get(pos)? {
                    b',' => pos = skip_whitespace(bytes, pos + 1),
                    b']' => break,
                    _ => return None,
                }
            }
        }
        (skip_whitespace(bytes, pos + 1) == bytes.len()).then_some(())
    })();
    if valid.is_none() {
        spans.clear();
    }
    spans
}

fn all_bits(n: usize) -> u64 {
    if n == 0 {
        0
    } else {
        u64::MAX >> (64 - n)
    }
}

/// The text of a raw JSON string (quotes included) as `lookup` returns it;
/// `None` when the value is not a valid string. Borrowed unless it has escapes.
pub fn string_value(raw: &str) -> Option<Cow<'_, str>> {
    let inner = raw.strip_prefix('"')?.strip_suffix('"')?;
    if !inner.contains('\\') {
        return Some(Cow::Borrowed(inner));
    }
    let mut text = String::with_capacity(inner.len());
    push_string(raw, &mut text).then_some(Cow::Owned(text))
}

/// Appends the text of a raw JSON string to `out`, unescaping as it goes, so
/// no string is built per event. Returns false, leaving `out` as it was,
/// when `raw` is not a valid JSON string.
pub fn push_string(raw: &str, out: &mut String) -> bool {
    let start = out.len();
    let pushed = raw
        .strip_prefix('"')
        .and_then(|raw| raw.strip_suffix('"'))
        .and_then(|inner| unescape_into(inner, out));
    if pushed.is_none() {
        out.truncate(start);
    }
    pushed.is_some()
}

fn unescape_into(inner: &str, out: &mut String) -> Option<()> {
    let mut rest = inner;
    // Runs without escapes are copied whole.
    while let Some(at) = rest.bytes().position(|b| b == b'\\') {
        out.push_str(&rest[..at]);
        let mut chars = rest[at + 1..].chars();
        match chars.next()? {
            '"' => out.push('"'),
            '\\' => out.push('\\'),
            '/' => out.push('/'),
            'n' => out.push('\n'),
            't' => out.push('\t'),
            'r' => out.push('\r'),
            'b' => out.push('\u{8}'),
            'f' => out.push('\u{c}'),
            'u' => {
                let unit = hex4(&mut chars)?;
                let code = match unit {
                    0xD800..=0xDBFF => {
                        if (chars.next()?, chars.next()?) != ('\\', 'u') {
                            return None;
                        }
                        let low = hex4(&mut chars)?;
                        if !(0xDC00..=0xDFFF).contains(&low) {
                            return None;
                        }
                        0x10000 + ((unit - 0xD800) << 10) + (low - 0xDC00)
                    }
                    _ => unit,
                };
                out.push(char::from_u32(code)?);
            }
            _ => return None,
        }
        rest = chars.as_str();
    }
    out.push_str(rest);
    Some(())
}

fn hex4(chars: &mut std::str::Chars<'_>) -> Option<u32> {
    (0..4).try_fold(0, |n, _| Some(n << 4 | chars.next()?.to_digit(16)?))
}

/// Follows the values some path goes into. Paths are a bit set: a bit is
/// set in the `active` mask passed to a value when every step of that path
/// so far led here (so `depth` steps have matched). Positions are passed
/// and returned rather than kept here, so they stay in registers.
struct Scanner<'a, 's> {
    bytes: &'a [u8],
    index: Index<'a>,
    depth: usize,
    levels: &'s [Level],
    /// Where the value of each path is, for the paths in `found`.
    spans: &'s mut [(usize, usize)],
    found: u64,
}

impl<'s> Scanner<'_, 's> {
    /// Skips the value at `pos` (after any whitespace), noting where it is
    /// for the paths that end here; the position after it.
    #[inline(always)]
    fn value(&mut self, pos: usize, active: u64) -> Option<usize> {
        if active == 0 {
            return skip_value(self.bytes, self.index, pos, self.depth);
        }
        let end = match *self.bytes.get(pos)? {
            b'{' => self.object(pos, active)?,
            b'[' => self.array(pos, active)?,
            _ => skip_value(self.bytes, self.index, pos, self.depth)?,
        };
        let ending = active & self.levels.get(self.depth).map_or(0, |level| level.ends);
        if ending != 0 {
            self.found |= ending;
            for i in bits(ending) {
                self.spans[i] = (pos, end);
            }
        }
        Some(end)
    }

    /// The level of this container's members and the paths in `active`
    /// that go on into them, entering it; `None` when no path does.
    #[inline(always)]
    fn enter(&mut self, active: u64) -> Option<Option<(&'s Level, u64)>> {
        let levels: &'s [Level] = self.levels;
        let Some(level) = levels.get(self.depth) else {
            return Some(None);
        };
        let continuing = active & level.longer;
        if continuing == 0 {
            return Some(None);
        }
        self.depth += 1;
        (self.depth < MAX_DEPTH).then_some(Some((level, continuing)))
    }

    #[inline(never)]
    fn object(&mut self, pos: usize, active: u64) -> Option<usize> {
        // Copied out so that they stay in registers.
        let (bytes, index) = (self.bytes, self.index);
        let Some((level, continuing)) = self.enter(active)? else {
            return skip_object(bytes, index, pos, self.depth);
        };
        let (mut pos, mut byte) = next_byte(bytes, pos + 1)?;
        if byte != b'}' {
            loop {
                if byte != b'"' {
                    return None;
                }
                let start = pos + 1;
                let (key_end, escaped) = string(bytes, index, start)?;
                let child = continuing
                    & if escaped {
                        level.escaped_key_paths(&bytes[start..key_end - 1])
                    } else {
                        level.key_paths(bytes, start, key_end - 1 - start)
                    };
                pos = colon(bytes, key_end)?;
                // A repeated key replaces what an earlier one held.
                self.found &= !child;
                (pos, byte) = next_byte(bytes, self.value(pos, child)?)?;
                match byte {
                    b',' => (pos, byte) = next_byte(bytes, pos + 1)?,
                    b'}' => break,
                    _ => return None,
                }
            }
        }
        self.depth -= 1;
        Some(pos + 1)
    }

    #[inline(never)]
    fn array(&mut self, pos: usize, active: u64) -> Option<usize> {
        let bytes = self.bytes;
        let Some((level, continuing)) = self.enter(active)? else {
            return skip_array(bytes, self.index, pos, self.depth);
        };
        let (mut pos, byte) = next_byte(bytes, pos + 1)?;
        if byte != b']' {
            let mut index = 0;
            loop {
                let child = continuing & level.index_paths(index);
                let byte;
                (pos, byte) = next_byte(bytes, self.value(pos, child)?)?;
                index += 1;
                match byte {
                    b',' => pos = skip_whitespace(bytes, pos + 1),
                    b']' => break,
                    _ => return None,
                }
            }
        }
        self.depth -= 1;
        Some(pos + 1)
    }
}

/// The position of the first byte at or after `pos` that is not JSON
/// whitespace.
#[inline(always)]
fn skip_whitespace(bytes: &[u8], mut pos: usize) -> usize {
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
fn next_byte(bytes: &[u8], pos: usize) -> Option<(usize, u8)> {
    let byte = *bytes.get(pos)?;
    if byte > b' ' {
        return Some((pos, byte));
    }
    let pos = skip_whitespace(bytes, pos);
    Some((pos, *bytes.get(pos)?))
}

/// Skips the `:` after a key (at `pos`) and the whitespace around it.
#[inline(always)]
fn colon(bytes: &[u8], pos: usize) -> Option<usize> {
    let (pos, byte) = next_byte(bytes, pos)?;
    (byte == b':').then(|| skip_whitespace(bytes, pos + 1))
}

/// Checks the grammar of the value at `pos` (after any whitespace), inside
/// `depth` containers; the position after it.
#[inline(always)]
fn skip_value(bytes: &[u8], index: Index<'_>, pos: usize, depth: usize) -> Option<usize> {
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
fn skip_object(bytes: &[u8], index: Index<'_>, pos: usize, depth: usize) -> Option<usize> {
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
fn skip_array(bytes: &[u8], index: Index<'_>, pos: usize, depth: usize) -> Option<usize> {
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
fn string(bytes: &[u8], index: Index<'_>, pos: usize) -> Option<(usize, bool)> {
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
fn string_with_escapes(bytes: &[u8], mut pos: usize) -> Option<(usize, bool)> {
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
fn escape(bytes: &[u8], pos: usize) -> Option<usize> {
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
fn hex4_at(bytes: &[u8], pos: usize) -> Option<u32> {
    bytes
        .get(pos..pos + 4)?
        .iter()
        .try_fold(0, |n, &b| Some(n << 4 | char::from(b).to_digit(16)?))
}

#[inline]
fn literal(bytes: &[u8], pos: usize, word: &[u8]) -> Option<usize> {
    let end = pos + word.len();
    (bytes.get(pos..end)? == word).then_some(end)
}

/// `-? (0 | [1-9][0-9]*) (. [0-9]+)? ([eE] [+-]? [0-9]+)?`
fn number(bytes: &[u8], mut pos: usize) -> Option<usize> {
    if bytes.get(pos) == Some(&b'-') {
        pos += 1;
    }
    match *bytes.get(pos)? {
        b'0' => pos += 1,
        b'1'..=b'9' => pos = digits(bytes, pos + 1),
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
    }
    Some(pos)
}

/// The position of the first byte at or after `pos` that is not a digit,
/// eight bytes at a time (timestamps and token counts are long).
#[inline(always)]
fn digits(bytes: &[u8], mut pos: usize) -> usize {
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

fn required_digits(bytes: &[u8], pos: usize) -> Option<usize> {
    let end = digits(bytes, pos);
    (end > pos).then_some(end)
}

/// The paths tests can make a text take, so that each is checked on
/// x86-64.
#[cfg(test)]
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
enum Path {
    /// With an [`Index`] where the text fits (the default).
    Indexed,
    /// Scanning 16 bytes at a time, as texts past `INDEX_WORDS * 64` do.
    Scanned,
    /// Without SSE2.
    Portable,
}

#[cfg(test)]
thread_local! {
    static PATH: std::cell::Cell<Path> = const { std::cell::Cell::new(Path::Indexed) };
}

/// Where the special bytes (`"`, `\\` and control characters) of a text
/// are: bit `i % 64` of word `i / 64` is set when byte `i` is one, so that
/// the end of a string is a bit scan. Built with SSE2 for texts up to
/// `INDEX_WORDS * 64` bytes; `None` means scanning the bytes instead.
type Index<'a> = Option<&'a [u64]>;

/// 2 KiB: LLM chunks are mostly well below; longer texts take the scan.
const INDEX_WORDS: usize = 32;

/// Fills `words` with the [`Index`] of `bytes`, when SSE2 is there and the
/// text fits.
#[inline(always)]
fn index_specials<'w>(bytes: &[u8], words: &'w mut [u64; INDEX_WORDS]) -> Index<'w> {
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
fn next_special(index: &[u64], pos: usize) -> Option<usize> {
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
fn simd() -> bool {
    #[cfg(test)]
    return PATH.get() != Path::Portable;
    #[cfg(not(test))]
    true
}

/// The position of the first `"`, `\\` or control character at or after
/// `pos`, 16 or eight bytes at a time: strings are most of an LLM chunk's
/// bytes.
#[inline(always)]
fn special_byte(bytes: &[u8], pos: usize) -> Option<usize> {
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
fn special_byte_portable(bytes: &[u8], mut pos: usize) -> Option<usize> {
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
fn bits(mut mask: u64) -> impl Iterator<Item = usize> {
    std::iter::from_fn(move || {
        let bit = mask.trailing_zeros();
        mask &= mask.wrapping_sub(1);
        (bit < 64).then_some(bit as usize)
    })
}

/// The array index a JSON Pointer token names: `0` or digits without a
/// leading zero (RFC 6901), within `usize`.
fn pointer_index(token: &str) -> Option<usize> {
    let canonical = token == "0" || token.starts_with(|c: char| matches!(c, '1'..='9'));
    if canonical && token.bytes().all(|b| b.is_ascii_digit()) {
        token.parse().ok()
    } else {
        None
    }
}

#[cfg(test)]
mod tests;
