//! Which characters from a server may not reach a terminal as they are,
//! and how they are shown instead: one rule for the output, the messages
//! that quote a server and the statistics.

use std::borrow::Cow;
use std::fmt::Write;

/// C0 controls but newline and tab, DEL and C1 controls: what can move
/// the cursor, clear the screen or retitle the window.
pub fn is_hostile(c: char) -> bool {
    c.is_control() && c != '\n' && c != '\t'
}

/// Appends how a hostile `c` is shown: `\x1b` (C0, DEL), `\u{9b}` (C1).
pub fn push_shown(shown: &mut String, c: char) {
    // Writing to a String cannot fail.
    let _ = match u32::from(c) {
        code @ 0x80.. => write!(shown, "\\u{{{code:x}}}"),
        code => write!(shown, "\\x{code:02x}"),
    };
}

/// `text` with its hostile characters shown as escapes, so text a server
/// sent cannot drive the terminal when it is quoted in a message.
pub fn escape_controls(text: &str) -> Cow<'_, str> {
    if !text.chars().any(is_hostile) {
        return Cow::Borrowed(text);
    }
    let mut shown = String::with_capacity(text.len() + 8);
    for c in text.chars() {
        if is_hostile(c) {
            push_shown(&mut shown, c);
        } else {
            shown.push(c);
        }
    }
    Cow::Owned(shown)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn control_characters_are_shown_escaped() {
        assert!(matches!(escape_controls("plain é ✓"), Cow::Borrowed(_)));
        assert_eq!(
            escape_controls("a\u{1b}]0;title\u{7}b\tc\nd\u{7f}\u{9b}e\r"),
            "a\\x1b]0;title\\x07b\tc\nd\\x7f\\u{9b}e\\x0d"
        );
    }
}
