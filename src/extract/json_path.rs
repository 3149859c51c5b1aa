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
use std::sync::atomic::{AtomicUsize, Ordering};
use std::sync::LazyLock;

mod grammar;
mod specials;
mod strings;
mod template;

use grammar::*;
pub(crate) use specials::special_mask;
use specials::*;
pub use strings::{push_string, string_value};
pub use template::{Replaced, Template, Told};

/// One step of a path. `Key` only looks into an object and `Index` only
/// into an array; `Token` is a JSON Pointer reference token (RFC 6901,
/// already unescaped): a key in an object, an index in an array.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Step<'p> {
    Key(&'p str),
    Index(usize),
    Token(&'p str),
}

/// Declares a struct of fields that are looked up at their JSON paths in
/// one pass (a [`Query`]): each name stands next to its path, so readers
/// take fields by name, and no two can be swapped by their order.
///
/// ```text
/// fields! {
///     struct Usage {
///         input: [Step::Key("usage"), Step::Key("prompt_tokens")],
///         output: [Step::Key("usage"), Step::Key("completion_tokens")],
///     }
/// }
/// let Some(Usage { input, output }) = Usage::find(json) else { return };
/// ```
macro_rules! fields {
    ($(#[$meta:meta])* struct $name:ident {
        $($(#[$field_meta:meta])* $field:ident: $path:expr),+ $(,)?
    }) => {
        $(#[$meta])*
        #[derive(Debug, Clone, Copy)]
        struct $name<'a> {
            $($(#[$field_meta])* $field: Option<&'a str>,)+
        }

        impl<'a> $name<'a> {
            fn query(
            ) -> &'static $crate::extract::json_path::Query<{ [$(stringify!($field)),+].len() }>
            {
                static QUERY: std::sync::LazyLock<
                    $crate::extract::json_path::Query<{ [$(stringify!($field)),+].len() }>,
                > = std::sync::LazyLock::new(|| {
                    $crate::extract::json_path::Query::new(&[$(&$path[..]),+])
                });
                &QUERY
            }

            /// The raw JSON text of every field, found in one pass over
            /// `json`; `None` when `json` is not valid JSON.
            #[allow(dead_code)] // Structs read per chunk take `find_like`.
            fn find(json: &'a str) -> Option<Self> {
                let [$($field),+] = Self::query().find(json)?;
                Some($name { $($field),+ })
            }

            /// [`Self::find`] for the chunks of a stream, read against the
            /// last one read in full (see `json_path::Template`).
            #[allow(dead_code)] // Only structs read per chunk take it.
            fn find_like(
                json: &'a str,
                template: &mut $crate::extract::json_path::Template,
            ) -> Option<Self> {
                let [$($field),+] = Self::query().find_like(json, template)?;
                Some($name { $($field),+ })
            }
        }
    };
}
pub(crate) use fields;

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

/// Whether `json` is valid JSON as serde_json reads it (RFC 8259, numbers
/// within an `f64`, no lone surrogate), read against `template` (see
/// [`Template`]).
pub fn is_valid_like(json: &str, template: &mut Template) -> bool {
    static ANY: LazyLock<Query<0>> = LazyLock::new(|| Query::new(&[]));
    ANY.find_like(json, template).is_some()
}

/// A set of up to 64 paths, compiled for looking up together: at each depth,
/// the distinct steps the paths take there, with the set of paths taking
/// each. A key is compared once with each distinct step, however many paths
/// share it.
#[derive(Debug, Clone)]
pub struct Query<const N: usize> {
    levels: Vec<Level>,
    /// Tells this query's [`Template`]s from another's.
    id: usize,
}

/// The next [`Query::id`]; `0` is no query.
static NEXT_QUERY_ID: AtomicUsize = AtomicUsize::new(1);

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
        Query {
            levels,
            id: NEXT_QUERY_ID.fetch_add(1, Ordering::Relaxed),
        }
    }

    /// The raw text of the value at each path in `json`; `None` when the
    /// document is not valid JSON.
    pub fn find<'a>(&self, json: &'a str) -> Option<[Option<&'a str>; N]> {
        let (spans, found) = self.scan(json)?;
        values(json, &spans, found)
    }

    /// [`Query::find`], told by `template` when `json` is the document
    /// it keeps but for some strings and numbers (the next chunk of an LLM
    /// stream); else read in full and kept there.
    pub fn find_like<'a>(
        &self,
        json: &'a str,
        template: &mut Template,
    ) -> Option<[Option<&'a str>; N]> {
        let mut spans = [(0, 0); N];
        if let Some(found) = template.read(self.id, json.as_bytes(), &mut spans) {
            let values = values(json, &spans, found);
            if values.is_none() {
                template.forget_told();
            }
            return values;
        }
        let Some((spans, found)) = self.scan(json) else {
            template.forget_told();
            return None;
        };
        template.keep(self.id, json.as_bytes(), &spans, found);
        values(json, &spans, found)
    }

    /// Where the value of each path in `json` is, for the paths in the set
    /// returned; `None` when the document is not valid JSON.
    fn scan(&self, json: &str) -> Option<([(usize, usize); N], u64)> {
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
        let found = scanner.found;
        Some((spans, found))
    }
}

/// The text of each path's value, for the paths in `found`.
fn values<'a, const N: usize>(
    json: &'a str,
    spans: &[(usize, usize); N],
    found: u64,
) -> Option<[Option<&'a str>; N]> {
    let mut values = [None; N];
    // Value boundaries are ASCII bytes, so this slicing is on char boundaries.
    for i in bits(found) {
        let (start, end) = spans[i];
        values[i] = Some(json.get(start..end)?);
    }
    Some(values)
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
