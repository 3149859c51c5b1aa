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
/// `None` when the document is not valid JSON.
pub fn lookup_all<'a, const N: usize>(
    json: &'a str,
    paths: &[&[Step<'_>]; N],
) -> Option<[Option<&'a str>; N]> {
    const { assert!(N <= 64, "a path set is a 64-bit mask") };
    let mut found = [None; N];
    let mut scanner = Scanner {
        bytes: json.as_bytes(),
        pos: 0,
        depth: 0,
        paths,
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

/// The raw text of each element of the JSON array `json`; empty when
/// `json` is not a valid array.
pub fn elements(json: &str) -> Vec<&str> {
    let mut scanner = Scanner {
        bytes: json.as_bytes(),
        pos: 0,
        depth: 0,
        paths: &[],
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
struct Scanner<'a, 'p, 's> {
    bytes: &'a [u8],
    pos: usize,
    depth: usize,
    paths: &'s [&'p [Step<'p>]],
    found: &'s mut [Option<(usize, usize)>],
    /// Where the elements of the outermost array are, when wanted.
    elements: Option<Vec<(usize, usize)>>,
}

impl Scanner<'_, '_, '_> {
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
        for i in bits(active) {
            if self.paths[i].len() == self.depth {
                self.found[i] = Some((start, self.pos));
            }
        }
        Some(())
    }

    /// The paths in `active` that go on past this container, with the step
    /// they take in it.
    fn continuing(&self, active: u64) -> u64 {
        bits(active)
            .filter(|&i| self.paths[i].len() > self.depth)
            .fold(0, |mask, i| mask | 1 << i)
    }

    fn enter(&mut self) -> Option<()> {
        self.depth += 1;
        self.pos += 1;
        (self.depth < MAX_DEPTH).then_some(())
    }

    fn object(&mut self, active: u64) -> Option<()> {
        let continuing = self.continuing(active);
        let step = self.depth;
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
            for i in bits(continuing) {
                if let Step::Key(wanted) | Step::Token(wanted) = self.paths[i][step] {
                    if key_is(key, escaped, wanted) {
                        child |= 1 << i;
                        // A repeated key replaces what an earlier one held.
                        self.found[i] = None;
                    }
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
        let continuing = self.continuing(active);
        let step = self.depth;
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
            for i in bits(continuing) {
                let wanted = match self.paths[i][step] {
                    Step::Index(wanted) => Some(wanted),
                    Step::Token(token) => pointer_index(token),
                    Step::Key(_) => None,
                };
                if wanted == Some(index) {
                    child |= 1 << i;
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
