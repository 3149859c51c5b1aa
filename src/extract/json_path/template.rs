//! The chunks of an LLM stream are one document over and over with other
//! strings and numbers in it (the text, an obfuscation pad, a count): the
//! same keys in the same order, the same ids. A [`Template`] keeps the last
//! document a query read in full, with where its strings are. A next
//! document that differs from it only inside string values and numbers is
//! the same JSON but for those values: it is valid when each of them is,
//! and every value found is where it was, moved by their change in length.
//! Reading it so is a compare and a scan of the new values, not a parse.

use super::grammar::{next_byte, number, string};
use super::specials::{bits, differing_mask, special_byte};

/// Documents longer than this are not kept: copying them costs more than a
/// template saves, and LLM chunks are far smaller.
const MAX_TEMPLATE: usize = 16 * 1024;

/// Values a document may have replaced for the template to be used: an
/// LLM chunk has its text, perhaps a pad and a few counts.
const MAX_REPLACED: usize = 8;

/// After this many documents in a row that the template did not tell,
/// only one in [`KEEP_EVERY`] is kept: a stream of ever new shapes is
/// not copied for nothing.
const MISSES_KEPT: u32 = 4;
const KEEP_EVERY: u32 = 16;

/// The last document a [`super::Query`] read in full, and what it found.
#[derive(Default)]
pub struct Template {
    /// The query that read it; `0` when there is no template.
    query: usize,
    doc: Vec<u8>,
    /// Where each string lies, from its opening quote to just after its
    /// closing quote, in order, and whether it is a key.
    strings: Vec<(usize, usize, bool)>,
    /// Where each path's value lies, for the paths in `found`.
    spans: Vec<(usize, usize)>,
    found: u64,
    /// Documents in a row that the template did not tell.
    misses: u32,
    /// Changes whenever another document is kept.
    generation: u64,
    /// The values the last document read replaced, when the template told
    /// it (none when it was kept: it is the template).
    replaced: [Replaced; MAX_REPLACED],
    /// How many of `replaced` there are; `None` when the last document
    /// read was neither told by the template nor kept as it.
    told: Option<usize>,
}

/// What the last document read against a [`Template`] was made of.
#[derive(Debug, Clone, Copy)]
pub struct Told<'t> {
    /// The template's text.
    pub template: &'t [u8],
    /// Changes whenever the template does.
    pub generation: u64,
    /// The values the document has another one in place of, in order.
    pub replaced: &'t [Replaced],
}

/// Only its size: it is a cache, not part of what was read.
impl std::fmt::Debug for Template {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        write!(f, "Template({} bytes)", self.doc.len())
    }
}

/// A value of the template (a string or a number) that the new document
/// has another one of the same kind in place of.
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq)]
pub struct Replaced {
    /// Where it is in the template.
    pub old: (usize, usize),
    /// Where the new one is in the document.
    pub new: (usize, usize),
}

impl Replaced {
    /// How much longer the new value is, in bytes.
    fn growth(&self) -> isize {
        (self.new.1 - self.new.0) as isize - (self.old.1 - self.old.0) as isize
    }
}

impl Template {
    /// Notes that `doc` was read in full by `query`, which found it valid
    /// with these spans, and keeps it as the template (unless documents
    /// that miss it are the rule).
    pub(super) fn keep(&mut self, query: usize, doc: &[u8], spans: &[(usize, usize)], found: u64) {
        self.misses = self.misses.saturating_add(1);
        self.told = None;
        let kept = self.misses <= MISSES_KEPT || self.misses.is_multiple_of(KEEP_EVERY);
        if !kept {
            return;
        }
        self.query = 0;
        if doc.len() > MAX_TEMPLATE {
            return;
        }
        self.generation += 1;
        self.doc.clear();
        self.doc.extend_from_slice(doc);
        self.spans.clear();
        self.spans.extend_from_slice(spans);
        self.found = found;
        self.strings.clear();
        let mut pos = 0;
        // The document is valid JSON: outside strings, a special byte is a
        // quote or white space.
        while let Some(at) = special_byte(doc, pos) {
            if doc[at] != b'"' {
                pos = at + 1;
                continue;
            }
            let Some((end, _)) = string(doc, None, at + 1) else {
                return;
            };
            let is_key = next_byte(doc, end).is_some_and(|(_, byte)| byte == b':');
            self.strings.push((at, end, is_key));
            pos = end;
        }
        self.query = query;
        self.told = Some(0);
    }

    /// What the last document read was made of, when it was the template
    /// or told by it.
    pub fn told(&self) -> Option<Told<'_>> {
        Some(Told {
            template: &self.doc,
            generation: self.generation,
            replaced: self.replaced.get(..self.told?)?,
        })
    }

    /// Notes that the last document read was not told by the template.
    pub(super) fn forget_told(&mut self) {
        self.told = None;
    }

    /// What `query` finds in `doc`, when `doc` is this template but for
    /// some string values and numbers: the spans of the paths found, and
    /// the set of them. `None` when the template does not tell (another
    /// query, another structure, a key or a value of another kind
    /// replaced, an invalid string or number): the document must then be
    /// read in full.
    pub(super) fn read(
        &mut self,
        query: usize,
        doc: &[u8],
        spans: &mut [(usize, usize)],
    ) -> Option<u64> {
        self.told = None;
        if self.query != query || self.query == 0 {
            return None;
        }
        let old = &self.doc[..];
        let replaced = &mut self.replaced;
        let mut count = 0;
        // Positions in the template and in the document that are in step.
        let (mut at_old, mut at_new) = (0, 0);
        let mut next_string = 0;
        loop {
            let same = common_prefix(&old[at_old..], &doc[at_new..]);
            let differs = at_old + same;
            if differs == old.len() && at_new + same == doc.len() {
                break;
            }
            if count == MAX_REPLACED {
                return None;
            }
            next_string +=
                self.strings[next_string..].partition_point(|&(_, end, _)| end <= differs);
            let inside = self
                .strings
                .get(next_string)
                .filter(|&&(start, _, _)| start < differs);
            let (start, end) = match inside {
                Some(&(_, _, true)) => return None,
                Some(&(start, end, false)) => (start, end),
                None => number_around(old, at_old, differs)?,
            };
            // Valid JSON has no value inside the one just replaced; this
            // only keeps the arithmetic below safe.
            if start < at_old {
                return None;
            }
            // The bytes before it are in step.
            let new_start = start + at_new - at_old;
            let new_end = match inside {
                // After the opening quote of a string value: the string is
                // scanned anew in the document.
                Some(_) => string(doc, None, new_start + 1)?.0,
                None => number(doc, new_start)?,
            };
            replaced[count] = Replaced {
                old: (start, end),
                new: (new_start, new_end),
            };
            count += 1;
            (at_old, at_new) = (end, new_end);
        }
        self.misses = 0;
        let replaced = &replaced[..count];
        // A position of the template, moved by the values replaced before it.
        let moved = |pos: usize| {
            let growth: isize = replaced
                .iter()
                .take_while(|r| r.old.1 <= pos)
                .map(Replaced::growth)
                .sum();
            pos.checked_add_signed(growth)
        };
        for i in bits(self.found) {
            let (start, end) = *self.spans.get(i)?;
            *spans.get_mut(i)? = (moved(start)?, moved(end)?);
        }
        self.told = Some(count);
        Some(self.found)
    }
}

/// The number of `doc` (valid JSON) that the byte at `pos`, outside any
/// string, is in or just after, when it starts at or after `from`: where
/// it starts and ends.
fn number_around(doc: &[u8], from: usize, pos: usize) -> Option<(usize, usize)> {
    let is_number_byte = |b: u8| matches!(b, b'0'..=b'9' | b'-' | b'+' | b'.' | b'e' | b'E');
    let mut start = pos;
    while start > from && is_number_byte(doc[start - 1]) {
        start -= 1;
    }
    if !matches!(doc.get(start)?, b'-' | b'0'..=b'9') {
        return None;
    }
    let end = number(doc, start)?;
    (end >= pos).then_some((start, end))
}

/// How many bytes `a` and `b` start with in common, 32 then 16 at a time.
#[inline]
fn common_prefix(a: &[u8], b: &[u8]) -> usize {
    let (a, b) = {
        let len = a.len().min(b.len());
        (&a[..len], &b[..len])
    };
    // Where the first byte that differs in the 16 at `pos` is, if one does.
    let differs_at = |pos: usize| {
        let mask = differing_mask(a[pos..].first_chunk()?, b[pos..].first_chunk()?);
        Some((mask != 0).then(|| pos + mask.trailing_zeros() as usize))
    };
    let mut pos = 0;
    while let (Some(x), Some(y)) = (a[pos..].first_chunk::<32>(), b[pos..].first_chunk::<32>()) {
        let half = |block: &[u8; 32], i: usize| -> [u8; 16] {
            block[i * 16..][..16].try_into().expect("16 bytes")
        };
        let low = differing_mask(&half(x, 0), &half(y, 0));
        let high = differing_mask(&half(x, 1), &half(y, 1));
        let mask = low | high << 16;
        if mask != 0 {
            return pos + mask.trailing_zeros() as usize;
        }
        pos += 32;
    }
    if let Some(differs) = differs_at(pos) {
        match differs {
            Some(differs) => return differs,
            None => pos += 16,
        }
    }
    // The last bytes: the last 16 (some seen already), else one by one.
    if let Some(last) = a.len().checked_sub(16).filter(|&last| last < pos) {
        return differs_at(last)
            .flatten()
            .map_or(a.len(), |differs| differs.max(pos));
    }
    pos + a[pos..]
        .iter()
        .zip(&b[pos..])
        .take_while(|(x, y)| x == y)
        .count()
}

#[cfg(test)]
mod tests;
