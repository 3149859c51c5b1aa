//! The grammar being decoded (WHATWG HTML, "Parsing an event stream"):
//!
//! ```text
//! stream        = [ bom ] *event
//! event         = *( comment / field ) end-of-line
//! comment       = colon *any-char end-of-line
//! field         = 1*name-char [ colon [ space ] *any-char ] end-of-line
//! end-of-line   = ( cr lf / cr / lf )
//! ```
//!
//! Lines are split on bytes, so a UTF-8 sequence is never cut; each field
//! value is decoded on its own with invalid sequences becoming U+FFFD, which
//! gives the same text as decoding the whole stream first because CR, LF and
//! `:` are ASCII and can never be part of a multibyte sequence.

use std::fmt;
use std::ops::{ControlFlow, Range};

use memchr::memchr;

use super::line_ends::LineEnds;

const BOM: &[u8] = b"\xEF\xBB\xBF";

/// One dispatched event, borrowed from the decoder until the callback returns.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Event<'a> {
    /// The event type: the last `event` field of the block, or `message`.
    pub event_type: &'a str,
    /// The `data` lines of the block joined with LF.
    pub data: &'a str,
    /// The stream's last event ID buffer when the event was dispatched: the
    /// last `id` field this response set ("" when none was, or it was reset).
    pub id: &'a str,
    /// The reconnection time in effect, in milliseconds, once a valid `retry` was seen.
    pub retry: Option<u64>,
}

/// Why decoding stopped.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum DecodeError {
    /// A line, or the data of one event, grew past the configured limit.
    TooLarge { limit: usize },
}

impl fmt::Display for DecodeError {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self {
            DecodeError::TooLarge { limit } => {
                write!(
                    f,
                    "a line or event is larger than the limit of {limit} bytes"
                )
            }
        }
    }
}

impl std::error::Error for DecodeError {}

/// What was left undispatched when the stream ended.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Unfinished {
    /// Bytes of the event block that no blank line closed.
    pub bytes: u64,
}

/// Incremental decoder: call [`Decoder::feed`] with each chunk as it arrives
/// and [`Decoder::finish`] at the end of the stream.
#[derive(Debug)]
pub struct Decoder {
    /// The unfinished last line of the previous chunks (only its bytes are kept,
    /// they are never rescanned).
    tail: Vec<u8>,
    /// The previous chunk ended in CR: a LF starting the next chunk belongs to it.
    skip_lf: bool,
    /// No byte after a possible BOM has been seen yet.
    at_start: bool,
    /// Data buffer: each `data` value followed by LF.
    data: String,
    /// The value of the block's only `data` line so far, where it lies in
    /// the chunk being fed: an event whose data is one line (nearly every
    /// event) is dispatched from the chunk, without a copy. Only set while
    /// `data` is empty, and moved into `data` before `feed` returns.
    chunk_data: Option<ChunkText>,
    event_type: String,
    /// The last event ID buffer: the last `id` field of this response. It
    /// only becomes the resume id when an event is dispatched.
    id_buffer: String,
    /// An `id` field was read since the last dispatch: the next one
    /// commits `id_buffer`.
    id_set: bool,
    /// The last event ID came from an earlier connection (or from
    /// `--last-event-id`): this connection's first event replaces it with
    /// its own id, or with none.
    id_inherited: bool,
    /// What outlives this response; [`Decoder::restart`] keeps it.
    resume: Resume,
    /// Bytes of the current, not yet closed, event block.
    block_bytes: u64,
    /// The current block has a field line (not only comments).
    block_has_field: bool,
    /// JSON Lines mode: every non-empty line is the data of one event.
    json_lines: bool,
    /// Stop decoding at a line with an unknown field (`--strict`).
    stop_at_unknown: bool,
    max_size: usize,
    /// Names of the unknown fields seen so far (a few, to report each once).
    unknown_names: Vec<Box<[u8]>>,
    /// Unknown fields seen for the first time and not yet taken.
    ignored: Vec<IgnoredField>,
}

/// What a client keeps across connections to resume a stream: EventSource's
/// last event ID string and reconnection time. Unlike the decoder's buffers,
/// which each response starts empty, these carry over to the next request.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct Resume {
    /// The id in effect when the last event was dispatched: what
    /// `Last-Event-ID` sends. An `id` line in a block that never ended does
    /// not count.
    pub last_event_id: String,
    /// The reconnection time a `retry` line set, in milliseconds.
    pub retry: Option<u64>,
}

/// A field line the spec ignores because its name is not one of `event`,
/// `data`, `id` and `retry` — worth telling, since a server may put an
/// error there (llama.cpp did, in `error:` lines).
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct IgnoredField {
    pub name: String,
    /// The start of its value.
    pub value: String,
}

/// Unknown field names reported, at most: enough for any real stream,
/// bounded for a hostile one.
const MAX_UNKNOWN_NAMES: usize = 8;
/// How much of an ignored field's value is kept.
const IGNORED_VALUE_BYTES: usize = 200;

impl Decoder {
    /// A decoder that refuses lines and events larger than `max_size` bytes.
    pub fn new(max_size: usize) -> Self {
        Decoder {
            tail: Vec::new(),
            skip_lf: false,
            at_start: true,
            data: String::new(),
            chunk_data: None,
            event_type: String::new(),
            id_buffer: String::new(),
            id_set: false,
            id_inherited: false,
            resume: Resume::default(),
            block_bytes: 0,
            block_has_field: false,
            json_lines: false,
            stop_at_unknown: false,
            max_size,
            unknown_names: Vec::new(),
            ignored: Vec::new(),
        }
    }

    /// A decoder for newline-delimited JSON (`application/x-ndjson`, as
    /// Ollama streams): each non-empty line is dispatched at once as the data
    /// of one `message` event, with the same line splitting and limits.
    pub fn json_lines(max_size: usize) -> Self {
        Decoder {
            json_lines: true,
            ..Decoder::new(max_size)
        }
    }

    /// This decoder, going on from the resume state of an earlier one (or
    /// of `--last-event-id`): its first dispatch commits its own id buffer.
    pub fn resuming(mut self, resume: Resume) -> Self {
        self.id_inherited = !resume.last_event_id.is_empty();
        self.resume = resume;
        self
    }

    /// This decoder, stopping at a line with an unknown field as at a
    /// `Break` of the callback, for a caller that fails on one: nothing
    /// after it is decoded. [`Decoder::take_ignored`] then has it.
    pub fn stopping_at_unknown_fields(mut self) -> Self {
        self.stop_at_unknown = true;
        self
    }

    /// Decodes `chunk`, calling `on_event` for every event it completes.
    ///
    /// Stops as soon as `on_event` returns `Break`: the rest of the chunk is
    /// then left undecoded and the decoder should not be fed again.
    pub fn feed<F>(&mut self, chunk: &[u8], mut on_event: F) -> Result<(), DecodeError>
    where
        F: FnMut(&Event<'_>) -> ControlFlow<()>,
    {
        let mut chunk = chunk;
        if self.at_start {
            match self.strip_bom(chunk) {
                Some(rest) => chunk = rest,
                None => return Ok(()),
            }
        }
        if self.skip_lf && !chunk.is_empty() {
            self.skip_lf = false;
            if chunk[0] == b'\n' {
                chunk = &chunk[1..];
                if self.block_bytes > 0 {
                    self.block_bytes += 1;
                }
            }
        }

        let decoded = self.lines(chunk, &mut on_event);
        // The chunk goes away: a data line still waiting for its blank line
        // is copied, as the lines of later chunks are.
        if let Some(text) = self.chunk_data.take() {
            text.push_to(&mut self.data, chunk);
            self.data.push('\n');
        }
        decoded
    }

    /// [`Decoder::feed`] after the BOM and a pending LF are dealt with.
    fn lines<F>(&mut self, chunk: &[u8], on_event: &mut F) -> Result<(), DecodeError>
    where
        F: FnMut(&Event<'_>) -> ControlFlow<()>,
    {
        let mut line_ends = LineEnds::new(chunk);
        let mut pos = 0;
        while let Some(end) = line_ends.next() {
            if end < pos {
                // The LF of a CRLF, taken with its CR.
                continue;
            }
            let terminator = if chunk[end] == b'\r' {
                match chunk.get(end + 1) {
                    Some(b'\n') => 2,
                    Some(_) => 1,
                    None => {
                        // Dispatch now; the LF, if one follows, comes with the next chunk.
                        self.skip_lf = true;
                        1
                    }
                }
            } else {
                1
            };
            self.check_line_size(end - pos)?;
            let flow = if self.tail.is_empty() {
                let line = &chunk[pos..end];
                let ascii = line_ends.is_ascii(pos, end);
                match data_value_start(line) {
                    // Nearly every line of a stream: taken here, without
                    // a call per line.
                    Some(value_start) if ascii && !self.json_lines => {
                        self.block_bytes += (line.len() + terminator) as u64;
                        self.block_has_field = true;
                        // SAFETY: the line scan found the line ASCII.
                        unsafe { self.push_ascii_data(chunk, pos + value_start..end) }?;
                        ControlFlow::Continue(())
                    }
                    // A blank line: the end of an event.
                    None if line.is_empty() && !self.json_lines => {
                        self.block_bytes = 0;
                        self.block_has_field = false;
                        self.dispatch(chunk, on_event)
                    }
                    _ => {
                        let at = Line::InChunk {
                            chunk,
                            range: pos..end,
                            ascii,
                        };
                        self.line(at, terminator, on_event)?
                    }
                }
            } else {
                let mut line = std::mem::take(&mut self.tail);
                line.extend_from_slice(&chunk[pos..end]);
                let flow = self.line(Line::Joined(&line, chunk), terminator, on_event);
                line.clear();
                self.tail = line;
                flow?
            };
            pos = end + terminator;
            if flow.is_break() {
                return Ok(());
            }
        }

        let rest = &chunk[pos..];
        self.check_line_size(rest.len())?;
        self.tail.extend_from_slice(rest);
        Ok(())
    }

    /// Ends the stream: a block that no blank line closed is discarded, as the
    /// standard requires, and reported so the caller can tell the user.
    pub fn finish(&mut self) -> Option<Unfinished> {
        let partial_line_is_field = self.tail.first().is_some_and(|&b| b != b':');
        let unfinished = (self.block_has_field || partial_line_is_field).then_some(Unfinished {
            bytes: self.block_bytes + self.tail.len() as u64,
        });
        self.tail.clear();
        self.data.clear();
        self.event_type.clear();
        self.block_bytes = 0;
        self.block_has_field = false;
        unfinished
    }

    /// Goes on with a new response after a reconnection, as EventSource
    /// does: the unfinished block is discarded (and reported, as by
    /// [`Decoder::finish`]), and the new body is a new stream: it may start
    /// with a BOM again and its id buffer starts empty. Only [`Resume`]
    /// carries over.
    pub fn restart(&mut self) -> Option<Unfinished> {
        let unfinished = self.finish();
        self.at_start = true;
        self.skip_lf = false;
        self.chunk_data = None;
        self.id_buffer.clear();
        self.id_set = false;
        self.id_inherited = !self.resume.last_event_id.is_empty();
        unfinished
    }

    /// The raw bytes received since the last complete event block (or, for
    /// JSON lines, line): what [`Decoder::restart`] drops.
    pub fn pending_bytes(&self) -> u64 {
        self.block_bytes + self.tail.len() as u64
    }

    /// What a reconnection resumes with: the id of the last dispatched
    /// event and the `retry` time.
    pub fn resume(&self) -> &Resume {
        &self.resume
    }

    /// Drops one UTF-8 BOM at the very start, holding back a chunk that is
    /// only a prefix of one. Returns the bytes to decode, if any yet.
    fn strip_bom<'c>(&mut self, chunk: &'c [u8]) -> Option<&'c [u8]> {
        let held = self.tail.len();
        let wanted = (BOM.len() - held).min(chunk.len());
        if chunk[..wanted] != BOM[held..held + wanted] {
            // Not a BOM: whatever was held back is the start of the first line.
            self.at_start = false;
            return Some(chunk);
        }
        if held + wanted < BOM.len() {
            self.tail.extend_from_slice(chunk);
            return None;
        }
        self.at_start = false;
        self.tail.clear();
        Some(&chunk[wanted..])
    }

    fn check_line_size(&self, more: usize) -> Result<(), DecodeError> {
        if self.tail.len().saturating_add(more) > self.max_size {
            return Err(DecodeError::TooLarge {
                limit: self.max_size,
            });
        }
        Ok(())
    }

    fn line<F>(
        &mut self,
        at: Line<'_>,
        terminator: usize,
        on_event: &mut F,
    ) -> Result<ControlFlow<()>, DecodeError>
    where
        F: FnMut(&Event<'_>) -> ControlFlow<()>,
    {
        let (line, chunk) = match at {
            Line::InChunk {
                chunk, ref range, ..
            } => (&chunk[range.clone()], chunk),
            Line::Joined(line, chunk) => (line, chunk),
        };
        if self.json_lines {
            if line.is_empty() {
                return Ok(ControlFlow::Continue(()));
            }
            self.push_data(at, 0)?;
            return Ok(self.dispatch(chunk, on_event));
        }
        if line.is_empty() {
            self.block_bytes = 0;
            self.block_has_field = false;
            return Ok(self.dispatch(chunk, on_event));
        }
        self.block_bytes += (line.len() + terminator) as u64;
        if line[0] == b':' {
            return Ok(ControlFlow::Continue(()));
        }
        self.block_has_field = true;
        // Most lines of most streams: no need to look for the colon.
        if let Some(value_start) = data_value_start(line) {
            self.push_data(at, value_start)?;
            return Ok(ControlFlow::Continue(()));
        }
        let (name, value_start) = match memchr(b':', line) {
            Some(colon) => {
                let skip = usize::from(line.get(colon + 1) == Some(&b' '));
                (&line[..colon], colon + 1 + skip)
            }
            None => (line, line.len()),
        };
        let value = &line[value_start..];
        match name {
            b"data" => self.push_data(at, value_start)?,
            b"event" => {
                self.event_type.clear();
                push_lossy(&mut self.event_type, value);
            }
            b"id" if memchr(0, value).is_none() => {
                self.id_buffer.clear();
                push_lossy(&mut self.id_buffer, value);
                self.id_set = true;
            }
            b"retry" => {
                if let Some(millis) = parse_retry(value) {
                    self.resume.retry = Some(millis);
                }
            }
            b"id" => {}
            _ => {
                self.note_unknown(name, value);
                if self.stop_at_unknown {
                    return Ok(ControlFlow::Break(()));
                }
            }
        }
        Ok(ControlFlow::Continue(()))
    }

    /// Keeps the first line of each unknown field name, for [`Decoder::take_ignored`].
    fn note_unknown(&mut self, name: &[u8], value: &[u8]) {
        if self.unknown_names.len() >= MAX_UNKNOWN_NAMES
            || self.unknown_names.iter().any(|seen| **seen == *name)
        {
            return;
        }
        self.unknown_names.push(name.into());
        let mut kept = String::new();
        push_lossy(&mut kept, &value[..value.len().min(IGNORED_VALUE_BYTES)]);
        self.ignored.push(IgnoredField {
            name: String::from_utf8_lossy(name).into_owned(),
            value: kept,
        });
    }

    /// The unknown fields met for the first time since the last call.
    pub fn take_ignored(&mut self) -> Vec<IgnoredField> {
        std::mem::take(&mut self.ignored)
    }

    /// Adds one data line, whose value starts `value_start` bytes into
    /// the line: the block's first one, if in the chunk, is only noted.
    fn push_data(&mut self, at: Line<'_>, value_start: usize) -> Result<(), DecodeError> {
        let chunk = at.chunk();
        let (line, chunk_range) = match at {
            Line::InChunk {
                range, ascii: true, ..
            } => {
                // SAFETY: the line scan found the line ASCII.
                return unsafe {
                    self.push_ascii_data(chunk, range.start + value_start..range.end)
                };
            }
            Line::InChunk { range, .. } => (&chunk[range.clone()], Some(range)),
            Line::Joined(line, _) => (line, None),
        };
        let value = &line[value_start..];
        // The limit counts the data as decoded, where U+FFFD may take more
        // bytes than what it replaces: a second line needs the first one
        // decoded.
        if let Some(first) = self.chunk_data.take() {
            first.push_to(&mut self.data, chunk);
            self.data.push('\n');
        }
        self.check_data_size(value.len())?;
        if let Some(range) = chunk_range {
            if self.data.is_empty() {
                self.chunk_data = Some(ChunkText {
                    range: range.start + value_start..range.end,
                    ascii: false,
                });
                return Ok(());
            }
        }
        push_lossy(&mut self.data, value);
        self.data.push('\n');
        Ok(())
    }

    /// [`Decoder::push_data`] for a value in the chunk, at `range`, that
    /// the line scan found ASCII, and so is copied without a check.
    ///
    /// # Safety
    ///
    /// `chunk[range]` must be ASCII.
    // Inlined into the line loop: a call per line costs as much as the rest.
    #[inline(always)]
    unsafe fn push_ascii_data(
        &mut self,
        chunk: &[u8],
        range: Range<usize>,
    ) -> Result<(), DecodeError> {
        if self.data.is_empty() {
            match self.chunk_data.take() {
                Some(first) => {
                    first.push_to(&mut self.data, chunk);
                    self.data.push('\n');
                }
                None => {
                    self.check_data_size(range.len())?;
                    self.chunk_data = Some(ChunkText { range, ascii: true });
                    return Ok(());
                }
            }
        }
        self.check_data_size(range.len())?;
        // SAFETY: the caller vouches that the value is ASCII.
        self.data.push_str(unsafe { ascii_str(&chunk[range]) });
        self.data.push('\n');
        Ok(())
    }

    /// Whether `data` has room for a value of `len` bytes.
    fn check_data_size(&self, len: usize) -> Result<(), DecodeError> {
        // Each value is followed by the LF that joins it to the next.
        if self.data.len().saturating_add(len + 1) > self.max_size {
            return Err(DecodeError::TooLarge {
                limit: self.max_size,
            });
        }
        Ok(())
    }

    /// Dispatches the block's event, if it has data; `chunk` is the chunk
    /// being fed, where its data may lie. The id buffer becomes the last
    /// event ID, as the spec's first step of dispatch says, when an `id`
    /// line set it (with or without data) or when an event replaces an id
    /// inherited from an earlier connection. Unlike the spec's letter, a
    /// blank line after only comments (a heartbeat) does not empty an
    /// inherited id: a server that pings before its first event would be
    /// asked to start over when the connection drops.
    fn dispatch<F>(&mut self, chunk: &[u8], on_event: &mut F) -> ControlFlow<()>
    where
        F: FnMut(&Event<'_>) -> ControlFlow<()>,
    {
        let has_data = self.chunk_data.is_some() || !self.data.is_empty();
        if self.id_set || (self.id_inherited && has_data) {
            self.resume.last_event_id.clone_from(&self.id_buffer);
            self.id_set = false;
            self.id_inherited = false;
        }
        let data = match self.chunk_data.take() {
            Some(text) => match text.as_str(chunk) {
                Some(text) => text,
                None => {
                    text.push_to(&mut self.data, chunk);
                    &self.data
                }
            },
            None if self.data.is_empty() => {
                self.event_type.clear();
                return ControlFlow::Continue(());
            }
            None => &self.data[..self.data.len() - 1],
        };
        let event_type = if self.event_type.is_empty() {
            "message"
        } else {
            &self.event_type
        };
        let flow = on_event(&Event {
            event_type,
            data,
            id: &self.id_buffer,
            retry: self.resume.retry,
        });
        self.data.clear();
        self.event_type.clear();
        flow
    }
}

/// A complete line: where it is, and the chunk being fed.
#[derive(Clone)]
enum Line<'a> {
    /// Wholly in the chunk, at `range`.
    InChunk {
        chunk: &'a [u8],
        range: Range<usize>,
        /// The line scan found the line ASCII.
        ascii: bool,
    },
    /// Joined from the kept tail and the start of the chunk.
    Joined(&'a [u8], &'a [u8]),
}

impl<'a> Line<'a> {
    fn chunk(&self) -> &'a [u8] {
        match *self {
            Line::InChunk { chunk, .. } | Line::Joined(_, chunk) => chunk,
        }
    }
}

/// Where the value of a `data:` line starts: after the colon and at most
/// one space.
#[inline]
fn data_value_start(line: &[u8]) -> Option<usize> {
    let value = line.strip_prefix(b"data:")?;
    Some(b"data:".len() + usize::from(value.first() == Some(&b' ')))
}

/// Text of the chunk being fed, at `range`.
#[derive(Debug, Clone)]
struct ChunkText {
    range: Range<usize>,
    /// The bytes at `range` are ASCII (only ever set by
    /// [`Decoder::push_ascii_data`], whose caller vouches for it): they
    /// need no UTF-8 check.
    ascii: bool,
}

impl ChunkText {
    fn as_str<'c>(&self, chunk: &'c [u8]) -> Option<&'c str> {
        let bytes = &chunk[self.range.clone()];
        if self.ascii {
            // SAFETY: `ascii` says so.
            return Some(unsafe { ascii_str(bytes) });
        }
        utf8(bytes)
    }

    fn push_to(&self, dst: &mut String, chunk: &[u8]) {
        let bytes = &chunk[self.range.clone()];
        if self.ascii {
            // SAFETY: `ascii` says so.
            dst.push_str(unsafe { ascii_str(bytes) });
        } else {
            push_lossy(dst, bytes);
        }
    }
}

/// ASCII bytes as text, without checking them again.
///
/// # Safety
///
/// `ascii` must be ASCII.
#[inline]
unsafe fn ascii_str(ascii: &[u8]) -> &str {
    debug_assert!(ascii.is_ascii());
    // SAFETY: ASCII is valid UTF-8, and the caller vouches that it is ASCII.
    unsafe { std::str::from_utf8_unchecked(ascii) }
}

fn push_lossy(dst: &mut String, bytes: &[u8]) {
    match utf8(bytes) {
        Some(text) => dst.push_str(text),
        None => dst.push_str(&String::from_utf8_lossy(bytes)),
    }
}

/// `bytes` as text, when they are valid UTF-8. Event data is nearly always
/// ASCII, which is checked in one pass before `from_utf8` is needed.
#[inline]
fn utf8(bytes: &[u8]) -> Option<&str> {
    if is_ascii(bytes) {
        // SAFETY: just checked.
        return Some(unsafe { ascii_str(bytes) });
    }
    std::str::from_utf8(bytes).ok()
}

/// Whether every byte is below 0x80: the high bits of all of them ORed
/// together 32 bytes a step, with no early exit. On LLM chunks this takes
/// half the instructions of `from_utf8` or `<[u8]>::is_ascii` (callgrind).
#[inline]
fn is_ascii(bytes: &[u8]) -> bool {
    const HIGH_BITS: u64 = 0x8080_8080_8080_8080;
    let Some(last) = bytes.last_chunk::<32>() else {
        return bytes.is_ascii();
    };
    let block_bits = |block: &[u8]| {
        block.chunks_exact(8).fold(0, |bits, word| {
            bits | u64::from_le_bytes(word.try_into().expect("8 bytes"))
        })
    };
    // The last 32 bytes cover what the whole blocks leave over.
    let mut bits = block_bits(last);
    for block in bytes.chunks_exact(32) {
        bits |= block_bits(block);
    }
    bits & HIGH_BITS == 0
}

/// `retry` counts only when its value is one or more ASCII digits: no sign,
/// no white space, no other digits; a value that overflows is ignored.
fn parse_retry(value: &[u8]) -> Option<u64> {
    if value.is_empty() {
        return None;
    }
    value.iter().try_fold(0u64, |acc, &b| {
        let digit = b.checked_sub(b'0').filter(|d| *d <= 9)?;
        acc.checked_mul(10)?.checked_add(u64::from(digit))
    })
}

#[cfg(test)]
mod tests;
