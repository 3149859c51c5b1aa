//! Output to a terminal with the stream's control characters shown as
//! escapes, so a stream cannot move the cursor, retitle the window or hide
//! text.

use std::io::{self, Write};

use crate::escape::{is_hostile, push_shown};

/// Writes through to `inner`, showing C0 controls (but newline and tab), DEL
/// and C1 controls as `\x1b` / `\u{9b}`, and bytes that are not UTF-8 as
/// `\xff`. A character split between two writes is held until it is whole.
pub struct Sanitizer<W: Write> {
    inner: W,
    /// The start of a character that the next write completes.
    held: Vec<u8>,
}

impl<W: Write> Sanitizer<W> {
    pub fn new(inner: W) -> Self {
        Sanitizer {
            inner,
            held: Vec::new(),
        }
    }

    fn write_text(&mut self, text: &str) -> io::Result<()> {
        let mut clean_from = 0;
        let mut shown = String::new();
        for (at, c) in text.char_indices() {
            if is_hostile(c) {
                self.inner.write_all(&text.as_bytes()[clean_from..at])?;
                shown.clear();
                push_shown(&mut shown, c);
                self.inner.write_all(shown.as_bytes())?;
                clean_from = at + c.len_utf8();
            }
        }
        self.inner.write_all(&text.as_bytes()[clean_from..])
    }

    fn write_bytes(&mut self, mut bytes: &[u8]) -> io::Result<()> {
        loop {
            match std::str::from_utf8(bytes) {
                Ok(text) => return self.write_text(text),
                Err(err) => {
                    let (valid, rest) = bytes.split_at(err.valid_up_to());
                    // Checked by from_utf8 just above.
                    self.write_text(std::str::from_utf8(valid).expect("valid UTF-8"))?;
                    match err.error_len() {
                        Some(len) => {
                            for byte in &rest[..len] {
                                write!(self.inner, "\\x{byte:02x}")?;
                            }
                            bytes = &rest[len..];
                        }
                        None => {
                            self.held.extend_from_slice(rest);
                            return Ok(());
                        }
                    }
                }
            }
        }
    }
}

impl<W: Write> Write for Sanitizer<W> {
    fn write(&mut self, buf: &[u8]) -> io::Result<usize> {
        if self.held.is_empty() {
            self.write_bytes(buf)?;
        } else {
            let mut joined = std::mem::take(&mut self.held);
            joined.extend_from_slice(buf);
            self.write_bytes(&joined)?;
        }
        Ok(buf.len())
    }

    fn flush(&mut self) -> io::Result<()> {
        self.inner.flush()
    }
}

impl<W: Write> Drop for Sanitizer<W> {
    /// A character still held at the end never came whole: show its bytes.
    fn drop(&mut self) {
        for byte in std::mem::take(&mut self.held) {
            let _ = write!(self.inner, "\\x{byte:02x}");
        }
        let _ = self.inner.flush();
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    /// What `input` shows as when written in pieces of `piece` bytes.
    fn shown(input: &[u8], piece: usize) -> String {
        let mut out = Vec::new();
        {
            let mut sanitizer = Sanitizer::new(&mut out);
            for chunk in input.chunks(piece) {
                sanitizer.write_all(chunk).unwrap();
            }
        }
        String::from_utf8(out).unwrap()
    }

    #[test]
    fn controls_are_escaped_in_any_chunking() {
        let input =
            "ok é ✓ 😀\n\tESC\u{1b}[2J BEL\u{7} CR\r DEL\u{7f} CSI\u{9b}1m NUL\0".as_bytes();
        let expected = "ok é ✓ 😀\n\tESC\\x1b[2J BEL\\x07 CR\\x0d DEL\\x7f CSI\\u{9b}1m NUL\\x00";
        for piece in 1..=input.len() {
            assert_eq!(shown(input, piece), expected, "pieces of {piece}");
        }
    }

    #[test]
    fn bytes_that_are_not_utf8_are_shown_as_hex() {
        for piece in 1..=8 {
            assert_eq!(shown(b"a\x9b[31mb\xff", piece), "a\\x9b[31mb\\xff");
            // A character that never ends is shown when the output ends.
            assert_eq!(shown(b"x\xe2\x9c", piece), "x\\xe2\\x9c");
        }
    }
}
