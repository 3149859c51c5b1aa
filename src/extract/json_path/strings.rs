//! The text of a raw JSON string: unescaped, borrowed when it has no escapes.

use std::borrow::Cow;

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

pub(super) fn unescape_into(inner: &str, out: &mut String) -> Option<()> {
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

pub(super) fn hex4(chars: &mut std::str::Chars<'_>) -> Option<u32> {
    (0..4).try_fold(0, |n, _| Some(n << 4 | chars.next()?.to_digit(16)?))
}
