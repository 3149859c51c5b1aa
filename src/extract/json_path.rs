//! A lazy JSON path lookup: one pass over the text finds the value at a
//! path without building anything, while checking that the whole document
//! is valid JSON (RFC 8259 grammar, depth limited). Much faster than a typed
//! serde parse for LLM chunks, where most of each event is fields nobody
//! reads.

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
    keys: Vec<(Box<str>, u64)>,
    indexes: Vec<(usize, u64)>,
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
                    match level.keys.iter_mut().find(|(k, _)| **k == *key) {
                        Some((_, mask)) => *mask |= bit,
                        None => level.keys.push((key.into(), bit)),
                    }
                }
                if let Some(index) = index {
                    match level.indexes.iter_mut().find(|(i, _)| *i == index) {
                        Some((_, mask)) => *mask |= bit,
                        None => level.indexes.push((index, bit)),
                    }
                }
            }
        }
        Query { levels }
    }

    /// The raw text of the value at each path in `json`; `None` when the
    /// document is not valid JSON.
    pub fn find<'a>(&self, json: &'a str) -> Option<[Option<&'a str>; N]> {
        let mut found = [None; N];
        let mut scanner = Scanner {
            bytes: json.as_bytes(),
            pos: 0,
            depth: 0,
            levels: &self.levels,
            found: &mut found,
            elements: None,
        };
        scanner.value(all_bits(N))?;
        scanner.skip_whitespace();
        if scanner.pos != json.len() {
            return None;
        }
        // Value boundaries are ASCII bytes, so this slicing is on char boundaries.
        Some(found.map(|span| span.map(|(start, end)| &json[start..end])))
    }
}

/// The raw text of each element of the JSON array `json`; empty when
/// `json` is not a valid array.
pub fn elements(json: &str) -> Vec<&str> {
    let mut scanner = Scanner {
        bytes: json.as_bytes(),
        pos: 0,
        depth: 0,
        levels: &[],
        found: &mut [],
        elements: Some(Vec::new()),
    };
    scanner.skip_whitespace();
    let valid = scanner.peek() == Some(b'[') && scanner.value(0).is_some() && {
        scanner.skip_whitespace();
        scanner.pos == json.len()
    };
    match scanner.elements {
        Some(spans) if valid => spans
            .into_iter()
            .map(|(start, end)| &json[start..end])
            .collect(),
        _ => Vec::new(),
    }
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
    let mut chars = inner.chars();
    while let Some(c) = chars.next() {
        if c != '\\' {
            out.push(c);
            continue;
        }
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
    }
    Some(())
}

fn hex4(chars: &mut std::str::Chars<'_>) -> Option<u32> {
    (0..4).try_fold(0, |n, _| Some(n << 4 | chars.next()?.to_digit(16)?))
}

/// One pass over a document. Paths are a bit set: a bit is set in the
/// `active` mask passed to a value when every step of that path so far led
/// here (so `depth` steps have matched).
struct Scanner<'a, 's> {
    bytes: &'a [u8],
    pos: usize,
    depth: usize,
    levels: &'s [Level],
    found: &'s mut [Option<(usize, usize)>],
    /// Where the elements of the outermost array are, when wanted.
    elements: Option<Vec<(usize, usize)>>,
}

impl<'s> Scanner<'_, 's> {
    fn peek(&self) -> Option<u8> {
        self.bytes.get(self.pos).copied()
    }

    fn skip_whitespace(&mut self) {
        while let Some(b' ' | b'\n' | b'\r' | b'\t') = self.peek() {
            self.pos += 1;
        }
    }

    /// Skips one value, noting where it is for the paths that end here.
    fn value(&mut self, active: u64) -> Option<()> {
        self.skip_whitespace();
        let start = self.pos;
        match self.peek()? {
            b'{' => self.object(active)?,
            b'[' => self.array(active)?,
            b'"' => {
                self.string()?;
            }
            b't' => self.literal(b"true")?,
            b'f' => self.literal(b"false")?,
            b'n' => self.literal(b"null")?,
            b'-' | b'0'..=b'9' => self.number()?,
            _ => return None,
        }
        if active != 0 {
            let ending = active & self.levels.get(self.depth).map_or(0, |level| level.ends);
            for i in bits(ending) {
                self.found[i] = Some((start, self.pos));
            }
        }
        Some(())
    }

    /// The level of this container's members, and the paths in `active`
    /// that go on into them.
    fn level(&self, active: u64) -> Option<(&'s Level, u64)> {
        let levels: &'s [Level] = self.levels;
        let level = levels.get(self.depth)?;
        let continuing = active & level.longer;
        (continuing != 0).then_some((level, continuing))
    }

    fn enter(&mut self) -> Option<()> {
        self.depth += 1;
        self.pos += 1;
        (self.depth < MAX_DEPTH).then_some(())
    }

    fn object(&mut self, active: u64) -> Option<()> {
        let level = self.level(active);
        self.enter()?;
        self.skip_whitespace();
        if self.peek()? == b'}' {
            self.pos += 1;
            self.depth -= 1;
            return Some(());
        }
        loop {
            self.skip_whitespace();
            let key_start = self.pos;
            if self.peek()? != b'"' {
                return None;
            }
            let escaped = self.string()?;
            let key = &self.bytes[key_start + 1..self.pos - 1];
            self.skip_whitespace();
            if self.peek()? != b':' {
                return None;
            }
            self.pos += 1;
            let mut child = 0;
            if let Some((level, continuing)) = level {
                for (wanted, mask) in &level.keys {
                    if mask & continuing != 0 && key_is(key, escaped, wanted) {
                        child |= mask & continuing;
                    }
                }
                // A repeated key replaces what an earlier one held.
                for i in bits(child) {
                    self.found[i] = None;
                }
            }
            self.value(child)?;
            self.skip_whitespace();
            match self.peek()? {
                b',' => self.pos += 1,
                b'}' => break,
                _ => return None,
            }
        }
        self.pos += 1;
        self.depth -= 1;
        Some(())
    }

    fn array(&mut self, active: u64) -> Option<()> {
        let level = self.level(active);
        self.enter()?;
        self.skip_whitespace();
        if self.peek()? == b']' {
            self.pos += 1;
            self.depth -= 1;
            return Some(());
        }
        let mut index = 0;
        loop {
            let mut child = 0;
            if let Some((level, continuing)) = level {
                for (wanted, mask) in &level.indexes {
                    if *wanted == index {
                        child |= mask & continuing;
                    }
                }
            }
            self.skip_whitespace();
            let start = self.pos;
            self.value(child)?;
            if let (1, Some(spans)) = (self.depth, &mut self.elements) {
                spans.push((start, self.pos));
            }
            index += 1;
            self.skip_whitespace();
            match self.peek()? {
                b',' => self.pos += 1,
                b']' => break,
                _ => return None,
            }
        }
        self.pos += 1;
        self.depth -= 1;
        Some(())
    }

    /// Skips a string: no raw control characters, only valid escapes, and
    /// `\u` surrogates only in high–low pairs. (The text is already UTF-8.)
    /// Returns whether it had escapes.
    fn string(&mut self) -> Option<bool> {
        self.pos += 1;
        let mut escaped = false;
        loop {
            self.pos = special_byte(self.bytes, self.pos)?;
            match self.bytes[self.pos] {
                b'"' => {
                    self.pos += 1;
                    return Some(escaped);
                }
                b'\\' => {
                    escaped = true;
                    self.escape()?;
                }
                _ => return None,
            }
        }
    }

    fn escape(&mut self) -> Option<()> {
        self.pos += 1;
        match self.peek()? {
            b'"' | b'\\' | b'/' | b'b' | b'f' | b'n' | b'r' | b't' => self.pos += 1,
            b'u' => {
                let unit = self.hex4()?;
                if (0xD800..0xDC00).contains(&unit) {
                    if self.bytes.get(self.pos..self.pos + 2)? != b"\\u" {
                        return None;
                    }
                    self.pos += 1;
                    if !(0xDC00..0xE000).contains(&self.hex4()?) {
                        return None;
                    }
                } else if (0xDC00..0xE000).contains(&unit) {
                    return None;
                }
            }
            _ => return None,
        }
        Some(())
    }

    /// Reads `uXXXX` (at `u`), leaving `pos` after it.
    fn hex4(&mut self) -> Option<u32> {
        let digits = self.bytes.get(self.pos + 1..self.pos + 5)?;
        self.pos += 5;
        digits
            .iter()
            .try_fold(0, |n, &b| Some(n << 4 | char::from(b).to_digit(16)?))
    }

    fn literal(&mut self, word: &[u8]) -> Option<()> {
        if self.bytes.get(self.pos..self.pos + word.len())? != word {
            return None;
        }
        self.pos += word.len();
        Some(())
    }

    /// `-? (0 | [1-9][0-9]*) (. [0-9]+)? ([eE] [+-]? [0-9]+)?`
    fn number(&mut self) -> Option<()> {
        if self.peek() == Some(b'-') {
            self.pos += 1;
        }
        match self.peek()? {
            b'0' => self.pos += 1,
            b'1'..=b'9' => self.digits(),
            _ => return None,
        }
        if self.peek() == Some(b'.') {
            self.pos += 1;
            self.required_digits()?;
        }
        if let Some(b'e' | b'E') = self.peek() {
            self.pos += 1;
            if let Some(b'+' | b'-') = self.peek() {
                self.pos += 1;
            }
            self.required_digits()?;
        }
        Some(())
    }

    fn digits(&mut self) {
        while let Some(b'0'..=b'9') = self.peek() {
            self.pos += 1;
        }
    }

    fn required_digits(&mut self) -> Option<()> {
        let start = self.pos;
        self.digits();
        (self.pos > start).then_some(())
    }
}

/// Whether a key (the text between its quotes) names `wanted`.
fn key_is(key: &[u8], escaped: bool, wanted: &str) -> bool {
    if escaped {
        // Escaped keys are rare: compare their decoded text.
        std::str::from_utf8(key)
            .ok()
            .and_then(|key| string_value(&format!("\"{key}\"")).map(Cow::into_owned))
            .is_some_and(|key| key == wanted)
    } else {
        key == wanted.as_bytes()
    }
}

/// The position of the first `"`, `\\` or control character at or after
/// `pos`, eight bytes at a time: strings are most of an LLM chunk's bytes.
#[inline]
fn special_byte(bytes: &[u8], mut pos: usize) -> Option<usize> {
    #[cfg(all(target_arch = "x86_64", target_feature = "sse2"))]
    while let Some(block) = bytes.get(pos..pos + 16) {
        // SAFETY: this is only compiled where SSE2 is enabled, and it is in
        // every x86-64 CPU.
        let mask = unsafe { sse2::special_mask(block.try_into().expect("16 bytes")) };
        if mask != 0 {
            return Some(pos + mask.trailing_zeros() as usize);
        }
        pos += 16;
    }
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
        _mm_cmpeq_epi8, _mm_max_epu8, _mm_movemask_epi8, _mm_or_si128, _mm_set1_epi8,
        _mm_set_epi64x,
    };

    /// Bit `i` is set when `block[i]` is `"`, `\\` or below 0x20.
    #[inline]
    #[target_feature(enable = "sse2")]
    pub fn special_mask(block: &[u8; 16]) -> u32 {
        let half = |i: usize| i64::from_le_bytes(block[i..i + 8].try_into().expect("8 bytes"));
        let x = _mm_set_epi64x(half(8), half(0));
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
